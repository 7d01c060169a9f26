"""A few requests at a time, and nothing left running behind: the writers of ``publish``.

Only the main thread sees Ctrl-C, whatever it is doing; the work is done by
plain threads counted under a lock, so that on an interruption or a failure
no job is started any more and the caller returns only once those under way
are finished.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["Gate", "drain"]

T = TypeVar("T")


def drain(jobs: list[T], send: Callable[[T], None], workers: int) -> None:
    """Run ``send`` on every job from ``workers`` threads; stop at the first failure or Ctrl-C.

    Nothing is left running when this returns or raises: on a failure, or on
    Ctrl-C (which only this thread sees, whatever it is doing), no job is
    started any more and those under way are finished first. The threads are
    plain ones, counted under a lock, so that an interruption while one is
    being started cannot leave a write unwaited for.
    """
    queue = list(reversed(jobs))
    condition = threading.Condition()
    state: dict[str, Any] = {"running": 0, "stop": False, "error": None}

    def work() -> None:
        with condition:
            if state["stop"]:
                return
            state["running"] += 1
        try:
            while True:
                with condition:
                    if state["stop"] or not queue:
                        return
                    job = queue.pop()
                try:
                    send(job)
                except BaseException as error:  # kept for the caller, raised there
                    with condition:
                        state["stop"] = True
                        state["error"] = state["error"] or error
                    return
        finally:
            with condition:
                state["running"] -= 1
                condition.notify_all()

    if not jobs:
        return
    try:
        for _ in range(min(workers, len(jobs))):
            threading.Thread(target=work, name="publish", daemon=True).start()
        with condition:
            condition.wait_for(lambda: state["running"] == 0 and (state["stop"] or not queue))
    except BaseException:
        with condition:
            state["stop"] = True
            condition.wait_for(lambda: state["running"] == 0)  # those under way, finished
        raise
    if state["error"] is not None:
        raise state["error"]


class Gate:
    """At most ``limit`` writes at a time; ``narrow()`` makes it one at a time."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.active = 0
        self.condition = threading.Condition()

    def narrow(self) -> None:
        with self.condition:
            self.limit = 1

    def __enter__(self) -> None:
        with self.condition:
            self.condition.wait_for(lambda: self.active < self.limit)
            self.active += 1

    def __exit__(self, *_: object) -> None:
        with self.condition:
            self.active -= 1
            self.condition.notify_all()
