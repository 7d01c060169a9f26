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

:func:`stream_loading` forks the lanes before the programme is loaded,
and each loads it itself from the same bytes: a command that has read a
large file uses the second processor for the load too (``export``).

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

import contextlib
import functools
import itertools
import multiprocessing
import multiprocessing.connection
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from multiprocessing.connection import Connection
from typing import Any

import attrs

from isecg_events.exporters._registry import Exporter, Part, Plan, parts

__all__ = [
    "FORKED",
    "SMALLEST",
    "SMALLEST_BYTES",
    "WRITING_APART",
    "WRITING_WHOLE",
    "available_jobs",
    "forkable",
    "jobs_for",
    "lanes",
    "stream",
    "stream_loading",
]

#: The fewest events worth a second process. Rendering every format, best
#: of five: 250 events 0.067 s in two lanes against 0.081 s in one, 120
#: events 0.039 s against 0.023 s (forking and sending the bytes back).
SMALLEST = 500

#: The fewest bytes of input worth forking lanes for before the load
#: (:func:`stream_loading`): far fewer than :data:`SMALLEST` events fit in
#: them (the synthetic programmes take 560 bytes an event, frab's XML more).
SMALLEST_BYTES = 50_000

#: What writing a part's files costs the process that writes them, in
#: :attr:`~._registry.Exporter.cost` units (ics's whole file is 1.0, 1.1 s
#: of one render at 25,000 events). Writing 25,000 event calendars into a
#: new folder took 0.7 s, a large whole file a few hundredths; since a new
#: folder is built aside and moved into place whole, 0.38 s against 0.52 s
#: for the same files before.
WRITING_WHOLE = 0.02
WRITING_APART = 0.45

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


def jobs_for(size: int, jobs: int) -> int:
    """The processes worth loading and rendering a programme of ``size`` bytes in, of ``jobs``."""
    return jobs if size >= SMALLEST_BYTES else 1


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
    split = lanes(plan, jobs, head_start=_writing(plan.whole, plan.apart) if writing else 0.0)
    if not any(lane.whole or lane.apart for lane in split[1:]):
        yield from parts(plan)
        return
    try:
        children = _started([lane for lane in split[1:] if lane.whole or lane.apart])
    except Exception:  # a lane could not start (fork, memfd): render here
        yield from parts(plan)
        return
    yield from _gathered(plan, split[0], children)


def stream_loading(
    prepare: Callable[[], Plan],
    whole: Sequence[Exporter],
    apart: Sequence[Exporter],
    jobs: int,
    *,
    writing: bool = False,
) -> Iterator[Part]:
    """Load and render in up to ``jobs`` processes, each child loading the programme itself.

    The children are forked before ``prepare`` runs here, and each runs it
    too: while this process loads, a second processor would otherwise be
    idle, and a child forked before the load copies none of the programme's
    pages. ``prepare`` must give the same plan in every process (it parses
    bytes already read, say); what a child prints is discarded.

    Args:
        prepare: loads the programme and plans its render.
        whole: the formats the plan renders whole, in order.
        apart: the formats it renders event by event.
        jobs: the most processes to render in; lanes only where they pay
            (:data:`SMALLEST` events: each child sees that on its own).
        writing: as :func:`stream`.

    Yields:
        The plan's parts, as :func:`stream` does.

    Raises:
        Exception: whatever ``prepare`` raises here (the children are ended),
            or as :func:`stream`.
    """
    cost = _costs(whole, apart)
    count = min(jobs, len(cost))
    head_start = _writing(whole, apart) if writing else 0.0
    lane_of = _lane_of(cost, [head_start] + [0.0] * (count - 1))
    others = sorted({lane for lane in lane_of.values() if lane})
    children: list[_Lane] = []
    if others and forkable():
        with contextlib.suppress(Exception):  # a lane could not start: render here
            children = _started([functools.partial(_loaded, prepare, lane_of, n) for n in others])
    try:
        plan = prepare()
    except BaseException:
        _ended(children)
        raise
    if not children or len(plan.programme.events) < SMALLEST:
        _ended(children)
        yield from parts(plan)
        return
    yield from _gathered(plan, _lane(plan, lane_of, 0), children)


def lanes(plan: Plan, count: int, *, head_start: float = 0.0) -> list[Plan]:
    """Split ``plan`` into ``count`` plans whose heaviest is as light as can be.

    A format's whole file and its per-event files go to one lane, and so do
    the formats of one family (:attr:`~._registry.Exporter.family`). Lanes
    keep the plan's order of formats. The first lane, this process's,
    starts ``head_start`` heavier (its other work), each other
    :data:`FORKED` heavier; a lane may be empty. Every split is tried when
    there are at most :data:`_TRIED` of them (a handful of formats), else
    the longest family goes first to the lightest lane.
    """
    cost = _costs([e for e, _ in plan.whole], [e for e, _ in plan.apart])
    count = min(count, len(cost))
    lane_of = _lane_of(cost, [head_start] + [FORKED] * (count - 1))
    return [_lane(plan, lane_of, index) for index in range(count)]


def _costs(whole: Sequence[Exporter], apart: Sequence[Exporter]) -> dict[str, float]:
    """Each family's cost (its formats' whole files and per-event files), in the plan's order."""
    cost: dict[str, float] = {}
    for exporter in (*whole, *apart):
        cost[exporter.family] = cost.get(exporter.family, 0.0) + exporter.cost
    return cost


def _lane_of(cost: dict[str, float], start: list[float]) -> dict[str, int]:
    """Each family's lane, of ``len(start)`` lanes each ``start`` heavy before it renders."""
    names = list(cost)
    if len(start) ** len(names) <= _TRIED:
        return dict(zip(names, _best_split(names, cost, start), strict=True))
    loads = list(start)
    lane_of = {}
    for name in sorted(names, key=lambda n: -cost[n]):  # stable: ties in plan order
        lightest = loads.index(min(loads))
        lane_of[name] = lightest
        loads[lightest] += cost[name]
    return lane_of


def _lane(plan: Plan, lane_of: dict[str, int], index: int) -> Plan:
    """The part of ``plan`` whose families ``lane_of`` puts in lane ``index``."""
    return Plan(
        plan.programme,
        tuple(pair for pair in plan.whole if lane_of[pair[0].family] == index),
        tuple(pair for pair in plan.apart if lane_of[pair[0].family] == index),
    )


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


def _writing(whole: Sequence[object], apart: Sequence[object]) -> float:
    return WRITING_WHOLE * len(whole) + WRITING_APART * len(apart)


def _loaded(prepare: Callable[[], Plan], lane_of: dict[str, int], index: int) -> Plan:
    """In a child of :func:`stream_loading`: its lane of the plan it prepares itself.

    Empty for a programme too small for lanes: this process's parent
    renders everything then.
    """
    plan = prepare()
    if len(plan.programme.events) < SMALLEST:
        return Plan(plan.programme, (), ())
    return _lane(plan, lane_of, index)


def _started(works: list[Plan | Callable[[], Plan]]) -> list[_Lane]:
    """A child for each lane: a plan, or what gives it in the child.

    Raises:
        Exception: a child could not start (fork, memfd); none is left running.
    """
    for output in (sys.stdout, sys.stderr):
        if output is not None:
            output.flush()  # else a child ending would write the buffered text again
    context = multiprocessing.get_context("fork")
    children: list[_Lane] = []
    try:
        for work in works:
            children.append(_Lane.start(context, work))
    except BaseException:
        _ended(children)
        raise
    return children


def _ended(children: list[_Lane]) -> None:
    for child in children:
        child.end()


def _gathered(plan: Plan, own: Plan, children: list[_Lane]) -> Iterator[Part]:
    """Render ``own`` here while the children render the rest, passing parts on as they come.

    A child writes each part into its spool, an anonymous in-memory file,
    and sends only where it lies through its pipe, so it never waits for
    this process to read. Between its own formats and after them, this
    process takes what the children have finished. When a lane fails, the
    formats of ``plan`` not yet passed on are rendered here.
    """
    given: set[tuple[str, str]] = set()
    failed = False
    try:
        for part in _noted(parts(own), given):
            yield part
            yield from _noted(_ready(children, wait=False), given)
        while any(child.running for child in children):
            yield from _noted(_ready(children, wait=True), given)
    except Exception:  # a lane failed, or a child died
        failed = True
    finally:
        _ended(children)
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
    def start(cls, context: Any, work: Plan | Callable[[], Plan]) -> _Lane:
        """Fork a child rendering ``work``'s plan (``work`` is called in the child)."""
        spool = os.memfd_create("isecg-events-lane", os.MFD_CLOEXEC)
        try:
            receiving, sending = context.Pipe(duplex=False)
        except BaseException:
            os.close(spool)
            raise
        process = context.Process(target=_child, args=(work, sending, spool), daemon=True)
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
        # One read in the usual case: a part is tens of megabytes, each copy counts.
        chunks = [os.pread(self.spool, length, offset)]
        got = len(chunks[0])
        while got < length:
            chunk = os.pread(self.spool, length - got, offset + got)
            if not chunk:  # the spool is shorter than the child said
                self.running = False
                raise _LaneFailed
            chunks.append(chunk)
            got += len(chunk)
        part: Part = pickle.loads(chunks[0] if len(chunks) == 1 else b"".join(chunks))
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


def _child(work: Plan | Callable[[], Plan], sending: Connection, spool: int) -> None:
    """A child lane: render each part (the per-event files first) into the spool, say where, end."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's; it ends us
    _silenced()
    try:
        try:
            plan = work if isinstance(work, Plan) else work()
            # Per-event files first: they take the writer longest, so they
            # are best written while the rest still renders. Then the
            # costliest formats (the largest files): the last part's passing
            # on and writing is the run's tail.
            costliest = sorted(plan.whole, key=lambda pair: -pair[0].cost)
            offset = 0
            for part in parts(attrs.evolve(plan, whole=tuple(costliest)), apart_first=True):
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


def _silenced() -> None:
    """Send what this child prints (a loader's warnings, say) nowhere: its parent prints its own."""
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        for descriptor in (1, 2):
            os.dup2(devnull, descriptor)
        os.close(devnull)
    sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - for the child's life
