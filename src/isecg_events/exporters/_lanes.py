"""A large export's render shared among processes ("lanes"), each part passed on when ready.

A render is one process's work: formats run one after another. With
several processors and a large programme, :func:`stream` splits the
formats of one :class:`~._registry.Plan` into lanes of about equal
:attr:`~._registry.Exporter.cost` (a format's whole file and its per-event
files stay in one lane: they share each VEVENT), renders the first lane
itself and each other in a forked child, which sends each format's
:class:`~._registry.Part` back through a pipe as soon as it is rendered.
Forking shares the loaded programme instead of copying it through pickle,
so lanes exist only where ``fork`` is safe and usual (Linux, a process
with one thread: :func:`forkable`) and for a programme of at least
:data:`SMALLEST` events.

A caller that writes each part as it comes (``export``) says so with
``writing``: its own lane is then lighter by that work, and the files of
one lane are written while the others still render.

The parts are those of :func:`~._registry.parts` on the whole plan, byte
for byte (a test holds every lane split to that); only their order
differs, and :func:`render_in_lanes` puts them back in the plan's. When
any lane fails, the formats not yet passed on are rendered again in this
process, in the plan's order, so an error is the one a plain render raises.
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import multiprocessing
import os
import pickle
import queue
import signal
import sys
import threading
from collections.abc import Iterator
from multiprocessing.connection import Connection
from typing import Any

from isecg_events.exporters._registry import Part, Plan, collect, parts

__all__ = [
    "SMALLEST",
    "WRITING_APART",
    "WRITING_WHOLE",
    "available_jobs",
    "forkable",
    "lanes",
    "render_in_lanes",
    "stream",
]

#: The fewest events worth a second process. Rendering every format, best
#: of five: 250 events 0.067 s in two lanes against 0.081 s in one, 120
#: events 0.039 s against 0.023 s (forking and sending the bytes back).
SMALLEST = 500

#: What writing a part's files costs the process that writes them, in
#: :attr:`~._registry.Exporter.cost` units (ics's whole file is 1.0). At
#: 25,000 events writing each event's own calendar took about as long as
#: rendering the whole feed (1.0-1.3 s), a large whole file a tenth of that.
WRITING_WHOLE = 0.05
WRITING_APART = 1.4

_Files = tuple[dict[str, bytes], dict[str, dict[str, bytes]]]
_DONE = "done"
_FAILED = "failed"


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
    return collect(plan, stream(plan, jobs))


def stream(plan: Plan, jobs: int, *, writing: bool = False) -> Iterator[Part]:
    """Every part of ``plan`` as soon as it is ready, rendered in up to ``jobs`` processes.

    Args:
        plan: the render.
        jobs: the most processes to render in; lanes only where they pay.
        writing: the caller writes each part's files in this process as it
            comes, so this process's own lane is that much lighter.

    Yields:
        Each part of :func:`~._registry.parts`, once, in no fixed order.

    Raises:
        ValueError: as :func:`~._registry.execute`.
    """
    if jobs < 2 or len(plan.programme.events) < SMALLEST or not forkable():
        yield from parts(plan)
        return
    split = lanes(plan, jobs, head_start=_writing(plan) if writing else 0.0)
    if not any(lane.whole or lane.apart for lane in split[1:]):
        yield from parts(plan)
        return
    yield from _run_lanes(plan, split)


def lanes(plan: Plan, count: int, *, head_start: float = 0.0) -> list[Plan]:
    """Split ``plan`` into ``count`` plans whose heaviest is as light as can be.

    A format's whole file and its per-event files go to one lane. Lanes keep
    the plan's order of formats. The first lane, this process's, starts
    ``head_start`` heavier (its other work); a lane may be empty. Every split
    is tried when there are at most :data:`_TRIED` of them (a handful of
    formats), else the longest format goes first to the lightest lane.
    """
    names = list(dict.fromkeys(e.name for e, _ in (*plan.whole, *plan.apart)))
    cost = dict.fromkeys(names, 0.0)
    for exporter, _ in (*plan.whole, *plan.apart):
        cost[exporter.name] += exporter.cost
    count = min(count, len(names))
    if count ** len(names) <= _TRIED:
        lane_of = dict(zip(names, _best_split(names, cost, count, head_start), strict=True))
    else:
        loads = [head_start] + [0.0] * (count - 1)
        lane_of = {}
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
        for index in range(count)
    ]


#: The most splits :func:`lanes` tries one by one: all of 7 formats in 2
#: lanes or 3, at well under a millisecond.
_TRIED = 3**7


def _best_split(
    names: list[str], cost: dict[str, float], count: int, head_start: float
) -> tuple[int, ...]:
    """Each name's lane in the split with the lightest heaviest lane (the first such)."""
    best: tuple[int, ...] = ()
    lightest = float("inf")
    for split in itertools.product(range(count), repeat=len(names)):
        loads = [head_start] + [0.0] * (count - 1)
        for name, lane in zip(names, split, strict=True):
            loads[lane] += cost[name]
        if max(loads) < lightest - 1e-9:
            best, lightest = split, max(loads)
    return best


def _writing(plan: Plan) -> float:
    return WRITING_WHOLE * len(plan.whole) + WRITING_APART * len(plan.apart)


def _run_lanes(plan: Plan, split: list[Plan]) -> Iterator[Part]:
    """Render the first lane here and each other in a child, passing parts on as they come.

    A thread per child receives its parts while this process renders or its
    caller writes, so a child never waits to send. When a lane fails, the
    formats not yet passed on are rendered here.
    """
    context = multiprocessing.get_context("fork")
    children: list[tuple[Any, Connection]] = []
    readers: list[threading.Thread] = []
    arrived: queue.SimpleQueue[tuple[str, Part | None]] = queue.SimpleQueue()
    given: set[tuple[str, str]] = set()
    for stream_ in (sys.stdout, sys.stderr):
        if stream_ is not None:
            stream_.flush()  # else a child ending would write the buffered text again
    try:
        for lane in split[1:]:
            if not (lane.whole or lane.apart):
                continue
            receiving, sending = context.Pipe(duplex=False)
            _widen(sending)
            child = context.Process(target=_child, args=(lane, sending), daemon=True)
            child.start()
            sending.close()  # the child's end: EOF here when the child ends
            children.append((child, receiving))
        for _, receiving in children:  # threads only once every child is forked
            reader = threading.Thread(target=_receive, args=(receiving, arrived), daemon=True)
            reader.start()
            readers.append(reader)
        failed = False
        mine = parts(split[0])
        while True:
            try:
                part = next(mine)
            except StopIteration:
                break
            except Exception:
                failed = True
                break
            given.add((part.kind, part.name))
            yield part
        running = len(children)
        while running and not failed:
            outcome, received = arrived.get()
            if outcome == _DONE:
                running -= 1
            elif received is None:  # the lane failed, or its child died before it ended
                failed = True
            else:
                given.add((received.kind, received.name))
                yield received
    finally:
        _end(children, readers)
    if failed:
        rest = Plan(
            plan.programme,
            tuple(pair for pair in plan.whole if ("whole", pair[0].name) not in given),
            tuple(pair for pair in plan.apart if ("apart", pair[0].name) not in given),
        )
        yield from parts(rest)


def _widen(pipe: Connection) -> None:
    """Let a pipe hold 1 MiB, not 64 KiB: a part then comes in few reads.

    The reader thread needs the interpreter lock for each read, which the
    rendering thread gives up only every few milliseconds.
    """
    with contextlib.suppress(OSError, AttributeError):  # Linux only; the limit is the system's
        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, 1 << 20)


def _end(children: list[tuple[Any, Connection]], readers: list[threading.Thread]) -> None:
    """Stop every child still running, then its reader (which sees the pipe's end)."""
    for child, _ in children:
        if child.is_alive():
            child.kill()
        child.join()
    for reader in readers:
        reader.join()
    for _, receiving in children:
        receiving.close()


def _receive(receiving: Connection, arrived: queue.SimpleQueue[tuple[str, Part | None]]) -> None:
    """A reader thread: each message of one child, until it ends; a child that dies is a failure."""
    while True:
        try:
            message = pickle.loads(receiving.recv_bytes())
        except (EOFError, OSError):
            arrived.put((_FAILED, None))  # only reached when no "done" came first
            return
        if message == _DONE:
            arrived.put((_DONE, None))
            return
        arrived.put(("part", message) if isinstance(message, Part) else (_FAILED, None))
        if not isinstance(message, Part):
            return


def _child(plan: Plan, sending: Connection) -> None:
    """A child lane: render, sending each part (the per-event files first), then end."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's; it ends us
    try:
        try:
            # Per-event files first: they take the writer longest, so they
            # are best written while the rest still renders.
            for part in parts(plan, apart_first=True):
                sending.send_bytes(pickle.dumps(part, protocol=pickle.HIGHEST_PROTOCOL))
            message = _DONE
        except OSError:  # the parent has gone
            return
        except Exception:
            message = _FAILED  # the parent renders again and reports the error
        sending.send_bytes(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))
    except OSError:  # the parent has gone
        pass
    finally:
        sending.close()
