"""Export benchmark: synthetic programmes of N events, timed per format.

    python benchmarks/run.py              # N = 1,000, 10,000 and 25,000
    python benchmarks/run.py --smoke      # N = 50, nothing timed against targets
    python benchmarks/run.py --output-dir /dev/shm   # exports written to memory

Each size is measured in a fresh Python process.

Prints two tables per run. The first times loading against a yardstick,
the standard library's ``tomllib`` parsing the same file alone, and two
whole ``isecg-events export`` commands (a fresh process writing into an
empty folder) against the same yardstick: the five formats ``--format all``
wrote when issue 20 set its target (ics, json, xml, text, markdown), and
``--format all`` today (those, the page, and the page's 25,000 event
calendars at the largest size). The second: export time per
format, the formats together through ``render`` (as ``export --format
all`` does),
peak memory (tracemalloc), and, on the same events, ics-py's serialisation
and icalendar's own ``Calendar.to_ical()`` for comparison. Ratios are to be
read within one run; absolute times on shared machines are noisy, so each
row starts with a yardstick: a fixed pure-Python loop timed just before it.
"""

from __future__ import annotations

import argparse
import functools
import gc
import itertools
import random
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
import tracemalloc
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import isecg_events
from isecg_events.exporters import render

WORDS = [
    "space",
    "lunar",
    "orbit",
    "Mars",
    "café",
    "équipe",
    "宇宙",
    "探索",
    "🚀",
    "roadmap",
    "cooperation",
    "agency",
    "exploration",
    "habitat",
    "rover",
    "Gateway",
]
ROOMS = [f"Room {n}" for n in range(1, 13)]


def icalendar_feed(programme: isecg_events.Programme) -> bytes:
    """The feed's events as icalendar's own ``Calendar.to_ical()`` writes them."""
    from isecg_events.exporters import ical
    from isecg_events.exporters._prepared import Prepared

    events = [o.event for o in programme.occurrences if o.index == 0]
    calendar = ical._calendar(programme, programme.conference.display_title, None, "compat")
    prepared = Prepared(programme)
    ical._add_events(calendar, prepared, events, "compat")
    return ical._finish(calendar, prepared, events)


def synthetic(n: int, seed: int = 2017) -> str:
    """Return a programme of ``n`` events in the data format, deterministically."""
    rng = random.Random(seed)
    days = max(1, -(-n // (len(ROOMS) * 10)))
    start = date(2026, 6, 1)
    lines = [
        "[conference]",
        'id = "bench2026"',
        'title = "Benchmark Conference"',
        'timezone = "Europe/Paris"',
        f"start = {start}",
        f"end = {start + timedelta(days)}",
        'venue = "Centre"',
        "published = 2026-11-25T00:00:00Z",
        "",
        "[organizations.org]",
        'name = "Organisation"',
        'acronym = "ORG"',
        "",
    ]
    for p in range(200):
        lines.append(f"[participants.p{p}]")
        if p % 3:
            lines.append(f'name = "{rng.choice(WORDS).title()} PERSON{p}"')
        lines += ['position = "Delegate"', 'organization = "org"', ""]
    count = 0
    for day in range(days):
        for room in ROOMS:
            for slot in range(10):
                if count >= n:
                    break
                title = " ".join(rng.choice(WORDS) for _ in range(6))
                people = ", ".join(f'"p{rng.randrange(200)}"' for _ in range(rng.randrange(4)))
                people = ", ".join(dict.fromkeys(people.split(", "))) if people else ""
                lines += [
                    "[[events]]",
                    f'id = "e{count}"',
                    f'title = "{title}"',
                    f"date = {start + timedelta(day)}",
                    f'start = "{8 + slot}:00"',
                    f'end = "{8 + slot}:45"',
                    f'room = "{room}"',
                    f'abstract = "{" ".join(rng.choice(WORDS) for _ in range(40))}"',
                    f"participants = [{people}]",
                    "  [[events.segments]]",
                    '  title = "Part one"',
                    "  [[events.segments]]",
                    '  title = "Part two"',
                    "",
                ]
                count += 1
    return "\n".join(lines)


REPEATS = 3


def timed(action: Callable[[], object]) -> float:
    """Best of three calls, in seconds (tracemalloc off: it slows Python severalfold).

    The minimum is the least disturbed by other work on a shared machine.
    """
    best = float("inf")
    for _ in range(REPEATS):
        gc.collect()
        began = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - began)
    return best


def peak_memory(action: Callable[[], object]) -> int:
    """Peak bytes allocated by Python during one call, measured in its own run."""
    gc.collect()
    tracemalloc.start()
    action()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def ics_py(programme: isecg_events.Programme) -> str:
    import ics  # type: ignore[import-untyped]

    calendar = ics.Calendar()
    for occurrence in programme.occurrences:
        event = occurrence.event
        calendar.events.add(
            ics.Event(
                name=event.title,
                begin=occurrence.start,
                end=occurrence.end,
                uid=str(occurrence.guid),
                description=event.abstract,
                location=event.room,
            )
        )
    return str(calendar.serialize())


# Each format as the command line renders it: through the registry.
FORMATS: list[tuple[str, Callable[[isecg_events.Programme], object]]] = [
    (name, isecg_events.get_exporter(name).render)
    for name in ("ics", "json", "xml", "text", "html")
]


def yardstick() -> float:
    """Seconds for ten million additions in a Python loop (best of three)."""

    def loop() -> int:
        total = 0
        for number in range(10_000_000):
            total += number
        return total

    return timed(loop)


#: The formats ``--format all`` wrote when issue 20 set its end-to-end
#: target; ``all`` has since gained the page and its per-event calendars.
FIVE = ("ics", "json", "xml", "text", "markdown")


def export_command(path: Path, folder: Path, formats: tuple[str, ...] = ()) -> float:
    """Seconds for ``isecg-events export`` (``--format all``, or ``formats``) in a fresh process.

    It writes into a new folder.
    """
    chosen = [argument for name in formats for argument in ("-f", name)]
    command = [sys.executable, "-m", "isecg_events", "export", str(path), *chosen]
    began = time.perf_counter()
    subprocess.run([*command, "-o", str(folder)], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - began


def load_row(n: int, folder: Path) -> None:
    """Measure loading and the whole export of one size; print its row.

    The seconds are each the best of the rounds. Each ratio is the median
    over the rounds of that round's own ratio: in a round, the ``tomllib``
    parse is timed again just before each measurement it divides, so a
    change in the machine's speed between measurements (by half, within a
    minute, on the shared machines this runs on) does not count as the
    code's. Every export writes into a new folder under ``folder``, which
    the whole run removes only at its end: on ext4 without a journal,
    creating files within minutes of deleting many is several times slower
    (the allocator skips recently freed inodes), so a run deleting its own
    outputs between exports would time that instead.
    """
    machine = yardstick()
    path = folder / f"programme-{n}.toml"
    text = synthetic(n)
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    measured: dict[str, list[tuple[float, float]]] = {"load": [], "five": [], "all": []}
    runs = itertools.count()
    actions: dict[str, Callable[[], object]] = {
        "load": functools.partial(isecg_events.load, path),
        "five": lambda: export_command(path, folder / f"out-{n}-{next(runs)}", FIVE),
        "all": lambda: export_command(path, folder / f"out-{n}-{next(runs)}"),
    }
    for _ in range(REPEATS):
        for name, action in actions.items():
            parse = once(functools.partial(tomllib.loads, text))
            measured[name].append((parse, once(action)))
    parse_s = min(parse for pairs in measured.values() for parse, _ in pairs)
    cells = [f"{n:,}", f"{machine:.2f}", f"{parse_s:.2f}"]
    for name in actions:
        best = min(seconds for _, seconds in measured[name])
        ratio = statistics.median(seconds / parse for parse, seconds in measured[name])
        cells += [f"{best:.2f}", f"{ratio:.2f}"]
    print("| " + " | ".join(cells) + " |")
    sys.stdout.flush()


def once(action: Callable[[], object]) -> float:
    """One call, in seconds, after a collection."""
    gc.collect()
    began = time.perf_counter()
    action()
    return time.perf_counter() - began


def run(sizes: list[int], output: str | None) -> None:
    """Print the tables, measuring each size in a fresh Python process.

    A process that has just rendered a large programme renders a small one
    more slowly (its memory is left fragmented), so each row starts from the
    same state. Exports are written under ``output`` (default: the system's
    temporary folder), removed when the run ends.
    """
    print(
        "Yardstick: seconds for 10 million additions in a Python loop, timed just before each row."
    )
    with tempfile.TemporaryDirectory(prefix="isecg-bench-", dir=output) as folder:
        table(
            "N | yardstick s | tomllib s | load s | load / tomllib | export five s "
            "| five / tomllib | export all s | all / tomllib",
            ["--load-row", "--folder", folder],
            sizes,
        )
    table(
        "N | yardstick s | load s | ics s | json s | xml s | text s | html s | all five s "
        "| together s | ics-py s | icalendar to_ical s | ics / ics-py | peak MB",
        ["--row"],
        sizes,
    )


def table(columns: str, flags: list[str], sizes: list[int]) -> None:
    """Print a table's head, then one row per size, each from a fresh process run with ``flags``."""
    print()
    print(f"| {columns} |")
    print("|" + "---|" * (columns.count("|") + 1))
    sys.stdout.flush()
    for n in sizes:
        command = [sys.executable, __file__, *flags[:1], str(n), *flags[1:]]
        subprocess.run([*command, "--repeats", str(REPEATS)], check=True)


def row(n: int) -> None:
    """Measure one size and print its row of the table."""
    machine = yardstick()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "programme.toml"
        path.write_text(synthetic(n), encoding="utf-8")
        load_s = timed(functools.partial(isecg_events.load, path))
        programme = isecg_events.load(path)

    def everything(programme: isecg_events.Programme = programme) -> None:
        for _, render in FORMATS:
            render(programme)

    times = {name: timed(functools.partial(render, programme)) for name, render in FORMATS}
    names = [name for name, _ in FORMATS]
    together = timed(functools.partial(render, programme, names))
    reference = timed(functools.partial(icalendar_feed, programme))
    try:
        theirs = timed(functools.partial(ics_py, programme))
    except ImportError:
        theirs = float("nan")
    peak = peak_memory(everything)
    print(
        f"| {n:,} | {machine:.2f} | {load_s:.2f} | {times['ics']:.2f} | {times['json']:.2f} | "
        f"{times['xml']:.2f} | {times['text']:.2f} | {times['html']:.2f} | "
        f"{sum(times.values()):.2f} | "
        f"{together:.2f} | "
        f"{theirs:.2f} | {reference:.2f} | {times['ics'] / theirs:.2f} | "
        f"{peak / 2**20:.0f} |"
    )
    sys.stdout.flush()


def main() -> None:
    global REPEATS
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="one tiny run, for CI")
    parser.add_argument("--sizes", type=int, nargs="*", default=[1_000, 10_000, 25_000])
    parser.add_argument("--row", type=int, help=argparse.SUPPRESS)  # one size, in this process
    parser.add_argument("--load-row", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)  # the run's, for exports
    parser.add_argument(
        "--output-dir",
        metavar="DIR",
        help="where the exports of the first table are written (default: the temporary folder)",
    )
    parser.add_argument("--repeats", type=int, default=REPEATS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    REPEATS = 1 if args.smoke else args.repeats
    if args.load_row is not None:
        load_row(args.load_row, args.folder)
    elif args.row is not None:
        row(args.row)
    else:
        run([50] if args.smoke else args.sizes, args.output_dir)


if __name__ == "__main__":
    main()
