"""Render groups of formats side by side, in forked processes.

Python runs one thread of Python code at a time, so formats render in
parallel only in separate processes. A forked child already holds the
loaded programme (nothing is pickled on the way in) and sends back the
bytes it rendered. Forking is only done where it is safe: on Linux and
other POSIX systems except macOS (whose system libraries may not survive a
fork), and only from a process running a single thread.
"""

from __future__ import annotations

import gc
import multiprocessing
import sys
import threading
import traceback
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

__all__ = ["can_fork", "render_side_by_side"]

Render = Callable[[Sequence[str]], dict[str, bytes]]


def can_fork() -> bool:
    """Whether this process may render formats in forked children."""
    return (
        sys.platform != "darwin"
        and "fork" in multiprocessing.get_all_start_methods()
        and threading.active_count() == 1
    )


def render_side_by_side(groups: Sequence[Sequence[str]], render: Render) -> dict[str, bytes]:
    """Render the first group here and each other group in a forked child.

    Args:
        groups: format names, one group per process.
        render: renders one group of formats; runs in every process.

    Returns:
        Every group's output, by format name.

    Raises:
        Whatever ``render`` raised, in this process or in a child; a child
        that died without a word raises :class:`RuntimeError`.
    """
    context = multiprocessing.get_context("fork")
    children: list[tuple[BaseProcess, Connection]] = []
    finished = False
    try:
        for group in groups[1:]:
            receiver, sender = context.Pipe(duplex=False)
            process: BaseProcess = context.Process(
                target=_child, args=(render, group, sender), daemon=True
            )
            process.start()
            sender.close()
            children.append((process, receiver))
        rendered = render(groups[0])
        for process, receiver in children:
            rendered.update(_receive(process, receiver))
        finished = True
        return rendered
    finally:
        for process, receiver in children:
            receiver.close()
            if not finished:
                process.terminate()
            process.join()


def _child(render: Render, group: Sequence[str], sender: Connection) -> None:
    # What the parent built is only read here: keep the collector from
    # walking (and so copying) every inherited object, as the gc docs advise.
    gc.freeze()
    failure: BaseException | None = None
    try:
        outcome: tuple[str, object] = ("ok", render(group))
    except BaseException as error:  # every failure goes back to the parent
        failure = error
        outcome = ("error", error)
    try:
        sender.send(outcome)
    except BrokenPipeError:  # the parent has given up on this child
        return
    except Exception:  # an exception that cannot be pickled: send its traceback
        assert failure is not None
        sender.send(("error", RuntimeError("".join(traceback.format_exception(failure)))))


def _receive(process: BaseProcess, receiver: Connection) -> dict[str, bytes]:
    try:
        status, payload = receiver.recv()
    except EOFError:
        process.join()
        raise RuntimeError(
            f"a rendering process ended without a result (exit code {process.exitcode})"
        ) from None
    if status == "error":
        assert isinstance(payload, BaseException)
        raise payload
    assert isinstance(payload, dict)
    return payload
