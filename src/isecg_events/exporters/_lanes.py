"""A large export's render shared among processes ("lanes").

A render is one process's work: formats run one after another. With
several processors and a large programme, :func:`render_in_lanes` splits
the formats of one :class:`~._registry.Plan` into lanes of about equal
:attr:`~._registry.Exporter.cost` (a format's whole file and its per-event
files stay in one lane: they share each VEVENT), renders the first lane
itself and each other in a forked child, which sends its bytes back
through a pipe. Forking shares the loaded programme instead of copying it
through pickle, so lanes exist only where ``fork`` is safe and usual
(Linux, a process with one thread: :func:`forkable`) and for a programme
of at least :data:`SMALLEST` events.

The files are those of :func:`~._registry.execute` on the whole plan, byte
for byte (a test holds every lane split to that). When any lane fails, the
plan is rendered again in this process, so an error is the one a plain
render raises.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import sys
import threading
from multiprocessing.connection import Connection
from typing import Any

from isecg_events.exporters._registry import Plan, execute

__all__ = ["SMALLEST", "available_jobs", "forkable", "lanes", "render_in_lanes"]

#: The fewest events worth a second process. Rendering every format, best
#: of five: 250 events 0.067 s in two lanes against 0.081 s in one, 120
#: events 0.039 s against 0.023 s (forking and sending the bytes back).
SMALLEST = 500

_Files = tuple[dict[str, bytes], dict[str, dict[str, bytes]]]


def available_jobs() -> int:
    """The processors this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def forkable() -> bool:
    """Whether this process may fork lanes: Linux, and no thread but this, the main one.

    A fork copies only the thread that calls it; a lock another thread held
    would stay locked in the child forever.
    """
    return (
        sys.platform == "linux"
        and threading.current_thread() is threading.main_thread()
        and threading.active_count() == 1
    )


def render_in_lanes(plan: Plan, jobs: int) -> _Files:
    """:func:`~._registry.execute` ``plan`` in up to ``jobs`` processes, where it pays.

    Returns:
        What :func:`~._registry.execute` returns, in the same order.

    Raises:
        ValueError: as :func:`~._registry.execute`.
    """
    if jobs < 2 or len(plan.programme.events) < SMALLEST or not forkable():
        return execute(plan)
    split = lanes(plan, jobs)
    if len(split) < 2:
        return execute(plan)
    results = _run_lanes(split)
    if results is None:  # a lane failed: the plain render raises its error
        return execute(plan)
    whole: dict[str, bytes] = {}
    own: dict[str, dict[str, bytes]] = {}
    for files, per_event in results:
        whole.update(files)
        own.update(per_event)
    return (
        {exporter.name: whole[exporter.name] for exporter, _ in plan.whole},
        {exporter.name: own[exporter.name] for exporter, _ in plan.apart},
    )


def lanes(plan: Plan, count: int) -> list[Plan]:
    """Split ``plan`` into at most ``count`` plans of about equal cost (longest first).

    A format's whole file and its per-event files go to one lane. Lanes keep
    the plan's order of formats, and no lane is empty.
    """
    names = list(dict.fromkeys(e.name for e, _ in (*plan.whole, *plan.apart)))
    cost = dict.fromkeys(names, 0.0)
    for exporter, _ in (*plan.whole, *plan.apart):
        cost[exporter.name] += exporter.cost
    loads = [0.0] * min(count, len(names))
    lane_of: dict[str, int] = {}
    for name in sorted(names, key=lambda n: -cost[n]):  # stable: ties in plan order
        lightest = loads.index(min(loads))
        lane_of[name] = lightest
        loads[lightest] += cost[name]
    return [
        Plan(
            plan.programme,
            tuple(pair for pair in plan.whole if lane_of[pair[0].name] == index),
            tuple(pair for pair in plan.apart if lane_of[pair[0].name] == index),
        )
        for index in range(len(loads))
    ]


def _run_lanes(split: list[Plan]) -> list[_Files] | None:
    """Render the first plan here and each other in a child; None when any fails."""
    context = multiprocessing.get_context("fork")
    children: list[tuple[Any, Connection]] = []
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            stream.flush()  # else a child ending would write the buffered text again
    try:
        for lane in split[1:]:
            receiving, sending = context.Pipe(duplex=False)
            child = context.Process(target=_child, args=(lane, sending), daemon=True)
            child.start()
            sending.close()  # the child's end: EOF here when the child ends
            children.append((child, receiving))
        try:
            results = [execute(split[0])]
        except Exception:
            return None
        for _, receiving in children:
            try:
                outcome = pickle.loads(receiving.recv_bytes())
            except EOFError:  # the child died before sending (killed, out of memory)
                return None
            if outcome is None:
                return None
            results.append(outcome)
        return results
    finally:
        for child, receiving in children:
            receiving.close()
            if child.is_alive():
                child.kill()
            child.join()


def _child(plan: Plan, sending: Connection) -> None:
    """A child lane: render, then send the files (or None for a failure) and end."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's; it ends us
    try:
        outcome: _Files | None = execute(plan)
    except Exception:
        outcome = None  # the parent renders again and reports the error
    try:
        sending.send_bytes(pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL))
    except OSError:  # the parent has gone
        pass
    finally:
        sending.close()
