"""A large export's render shared among processes ("lanes"), each part passed on when ready.

A render is one process's work: formats run one after another. With
several processors and a large programme, :func:`stream` splits the
formats of one :class:`~._registry.Plan` into lanes of about equal
:attr:`~._registry.Exporter.cost` (a format's whole file and its per-event
files stay in one lane: they share each VEVENT), renders the first lane
itself and each other in a forked child, which puts each format's
:class:`~._registry.Part` in an in-memory file as soon as it is rendered
and says where through a pipe.
Forking shares the loaded programme instead of copying it through pickle,
so lanes exist only where ``fork`` is safe and usual (Linux, a process
with one thread: :func:`forkable`) and for a programme of at least
:data:`SMALLEST` events.

A caller that writes each part as it comes (``export``) says so with
``writing``: its own lane is then lighter by that work, and the files of
one lane are written while the others still render.

The parts are those of :func:`~._registry.parts` on the whole plan, byte
for byte (a test holds every lane split to that); only their order
differs, and :func:`~._registry.collect` puts them back in the plan's. When
any lane fails, the formats not yet passed on are rendered again in this
process, in the plan's order, so an error is the one a plain render raises.
"""

from __future__ import annotations

import itertools
import multiprocessing
import multiprocessing.connection
import os
import pickle
import signal
import sys
import threading
from collections.abc import Iterable, Iterator
from multiprocessing.connection import Connection
from typing import Any

import attrs

from isecg_events.exporters._registry import Part, Plan, parts

__all__ = [
    "FORKED",
    "SMALLEST",
    "WRITING_APART",
    "WRITING_WHOLE",
    "available_jobs",
    "forkable",
    "lanes",
    "stream",
]

#: The fewest events worth a second process. Rendering every format, best
#: of five: 250 events 0.067 s in two lanes against 0.081 s in one, 120
#: events 0.039 s against 0.023 s (forking and sending the bytes back).
SMALLEST = 500

#: What writing a part's files costs the process that writes them, in
#: :attr:`~._registry.Exporter.cost` units (ics's whole file is 1.0, 1.1 s
#: of one render at 25,000 events). Writing 25,000 event calendars into a
#: new folder took 0.7 s, a large whole file a few hundredths.
WRITING_WHOLE = 0.02
WRITING_APART = 0.65

#: What a child lane costs before it renders, in the same units: the
#: programme's pages it copies as it touches them (fork shares them
#: copy-on-write) and its spool. A child's system time in a 25,000-event
#: export: 0.69-0.82 s.
FORKED = 0.5

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
    ``head_start`` heavier (its other work), each other :data:`FORKED`
    heavier; a lane may be empty. Every split
    is tried when there are at most :data:`_TRIED` of them (a handful of
    formats), else the longest format goes first to the lightest lane.
    """
    names = list(dict.fromkeys(e.name for e, _ in (*plan.whole, *plan.apart)))
    cost = dict.fromkeys(names, 0.0)
    for exporter, _ in (*plan.whole, *plan.apart):
        cost[exporter.name] += exporter.cost
    count = min(count, len(names))
    start = [head_start] + [FORKED] * (count - 1)
    if count ** len(names) <= _TRIED:
        lane_of = dict(zip(names, _best_split(names, cost, start), strict=True))
    else:
        loads = list(start)
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


def _best_split(names: list[str], cost: dict[str, float], start: list[float]) -> tuple[int, ...]:
    """Each name's lane in the split with the lightest heaviest lane (the first such).

    ``start`` is each lane's load before it renders anything.
    """
    best: tuple[int, ...] = ()
    lightest = float("inf")
    for split in itertools.product(range(len(start)), repeat=len(names)):
        loads = list(start)
        for name, lane in zip(names, split, strict=True):
            loads[lane] += cost[name]
        if max(loads) < lightest - 1e-9:
            best, lightest = split, max(loads)
    return best


def _writing(plan: Plan) -> float:
    return WRITING_WHOLE * len(plan.whole) + WRITING_APART * len(plan.apart)


def _run_lanes(plan: Plan, split: list[Plan]) -> Iterator[Part]:
    """Render the first lane here and each other in a child, passing parts on as they come.

    A child writes each part into its spool, an anonymous in-memory file,
    and sends only where it lies through its pipe, so it never waits for
    this process to read. Between its own formats and after them, this
    process takes what the children have finished. When a lane fails, the
    formats not yet passed on are rendered here.
    """
    context = multiprocessing.get_context("fork")
    children: list[_Lane] = []
    given: set[tuple[str, str]] = set()
    for output in (sys.stdout, sys.stderr):
        if output is not None:
            output.flush()  # else a child ending would write the buffered text again
    failed = False
    try:
        for lane in split[1:]:
            if lane.whole or lane.apart:
                children.append(_Lane.start(context, lane))
        for part in _noted(parts(split[0]), given):
            yield part
            yield from _noted(_ready(children, wait=False), given)
        while any(child.running for child in children):
            yield from _noted(_ready(children, wait=True), given)
    except Exception:  # a lane failed, or a child died or could not start (fork, memfd)
        failed = True
    finally:
        for child in children:
            child.end()
    if failed:
        rest = Plan(
            plan.programme,
            tuple(pair for pair in plan.whole if ("whole", pair[0].name) not in given),
            tuple(pair for pair in plan.apart if ("apart", pair[0].name) not in given),
        )
        yield from parts(rest)


@attrs.define
class _Lane:
    """A child rendering one lane, its pipe (where each part lies, then the end) and its spool."""

    process: Any
    receiving: Connection
    spool: int
    running: bool = True

    @classmethod
    def start(cls, context: Any, plan: Plan) -> _Lane:
        spool = os.memfd_create("isecg-events-lane", os.MFD_CLOEXEC)
        receiving, sending = context.Pipe(duplex=False)
        process = context.Process(target=_child, args=(plan, sending, spool), daemon=True)
        process.start()
        sending.close()  # the child's end: EOF here when the child ends
        return cls(process, receiving, spool)

    def receive(self) -> Part | None:
        """The part the child says is ready, or None when it says its lane has ended.

        Raises:
            _LaneFailed: the lane failed, or the child died before it ended.
        """
        try:
            message = self.receiving.recv()
        except (EOFError, OSError):  # the child died before it ended its lane
            message = _FAILED
        if message == _DONE:
            self.running = False
            return None
        if message == _FAILED:
            self.running = False
            raise _LaneFailed
        offset, length = message
        data = bytearray()
        while len(data) < length:
            data += os.pread(self.spool, length - len(data), offset + len(data))
        part: Part = pickle.loads(data)
        return part

    def end(self) -> None:
        """Stop the child if it still runs; close its pipe and spool."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.receiving.close()
        os.close(self.spool)


class _LaneFailed(Exception):
    """A child's lane failed, or the child died."""


def _ready(children: list[_Lane], *, wait: bool) -> Iterator[Part]:
    """The parts the children have ready (waiting for one, with ``wait``).

    Raises:
        _LaneFailed: a child's lane failed, or the child died.
    """
    running = {child.receiving: child for child in children if child.running}
    if not running:
        return
    for receiving in multiprocessing.connection.wait(list(running), None if wait else 0):
        part = running[receiving].receive()  # type: ignore[index]
        if part is not None:
            yield part


def _noted(parts: Iterable[Part], given: set[tuple[str, str]]) -> Iterator[Part]:
    """``parts``, each noted in ``given`` as it is passed on."""
    for part in parts:
        given.add((part.kind, part.name))
        yield part


def _child(plan: Plan, sending: Connection, spool: int) -> None:
    """A child lane: render each part (the per-event files first) into the spool, say where, end."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's; it ends us
    try:
        try:
            # Per-event files first: they take the writer longest, so they
            # are best written while the rest still renders.
            offset = 0
            for part in parts(plan, apart_first=True):
                data = memoryview(pickle.dumps(part, protocol=pickle.HIGHEST_PROTOCOL))
                length = len(data)
                while data:
                    data = data[os.pwrite(spool, data, offset + length - len(data)) :]
                sending.send((offset, length))
                offset += length
            message: object = _DONE
        except OSError:  # the parent has gone
            return
        except Exception:
            message = _FAILED  # the parent renders again and reports the error
        sending.send(message)
    except OSError:  # the parent has gone
        pass
    finally:
        sending.close()
