"""Benchmark: whole exports of real programmes, side by side with the command's start-up.

    python benchmarks/run.py            # the tables of docs/performance.md
    python benchmarks/run.py --smoke    # one quick round, no targets (CI)

Table 1, real programmes (benchmarks/data, see its README): the whole site
(``isecg-events export FILE --format all --feeds --split``, a fresh process
writing into a new folder) against the command's own start-up
(``isecg-events --version``), and that start-up against Python importing
icalendar, attrs, dateutil and pytz. Every command is run once per round,
the rounds alternate the commands, and each figure is the best of the
rounds: on a shared machine the minimum is the least disturbed. Seconds
are wall-clock; the CPU seconds (user + system of the child) are beside them.

Table 2, informational stress rows on synthetic programmes: the 25,000-event
export (wall clock) against ``tomllib`` parsing the same file (CPU; growth
must stay linear), and the iCalendar feed of 10,000 events against ics-py's
serialisation (both CPU seconds, in this process).
"""

from __future__ import annotations

import argparse
import functools
import lzma
import random
import resource
import subprocess
import sys
import tempfile
import time
import tomllib
import warnings
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import isecg_events

DATA = Path(__file__).resolve().parent / "data"
#: name, file (xz-compressed under benchmarks/data, or None: the bundled plenary), target.
PROGRAMMES: list[tuple[str, str | None, float | None]] = [
    ("FOSDEM 2026 (pentabarf XML, HTML)", "fosdem-2026.xml.xz", 5.0),
    ("rC3 Channels 2020 (pretalx JSON, Markdown)", "pretalx-rc3-channels-2020.json.xz", None),
    ("GLEX 2017 plenary (our TOML)", None, None),
]
COMMAND = [sys.executable, "-m", "isecg_events"]
IMPORTS = [sys.executable, "-c", "import icalendar, attrs, dateutil, pytz"]

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


def command(arguments: list[str]) -> tuple[float, float]:
    """Run a command; its wall-clock and CPU (user + system) seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    subprocess.run(arguments, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def best(samples: list[tuple[float, float]]) -> tuple[float, float]:
    return min(wall for wall, _ in samples), min(cpu for _, cpu in samples)


def site_table(
    rounds: int, folder: Path, programmes: list[tuple[str, str | None, float | None]]
) -> None:
    """Table 1: each programme's whole site against the start-up, best of ``rounds`` alternated."""
    files: dict[str, list[str]] = {}
    for name, data, _ in programmes:
        if data is None:
            files[name] = []  # the bundled programme
            continue
        path = folder / data.removesuffix(".xz")
        path.write_bytes(lzma.decompress((DATA / data).read_bytes()))
        files[name] = [str(path)]
    samples: dict[str, list[tuple[float, float]]] = {"imports": [], "start-up": []}
    runs = 0
    for _ in range(rounds):
        samples["imports"].append(command(IMPORTS))
        samples["start-up"].append(command([*COMMAND, "--version"]))
        for name, _, _ in programmes:
            runs += 1
            out = folder / f"site-{runs}"  # a new folder each time, removed at the end
            site = [*COMMAND, "export", *files[name], "-f", "all", "--feeds", "--split", "-o"]
            samples.setdefault(name, []).append(command([*site, str(out)]))
    imports, startup = best(samples["imports"]), best(samples["start-up"])
    print("| | events | wall s | CPU s | / start-up (wall) | / start-up (CPU) | target |")
    print("|---|---|---|---|---|---|---|")
    ratio = startup[0] / imports[0], startup[1] / imports[1]
    print(
        f"| import icalendar, attrs, dateutil, pytz | | {imports[0]:.2f} | {imports[1]:.2f} | | | |"
    )
    print(
        f"| start-up (`--version`) | | {startup[0]:.2f} | {startup[1]:.2f} | "
        f"{ratio[0]:.1f} × imports | {ratio[1]:.1f} × imports | ≤ 4 × imports |"
    )
    for name, _, target in programmes:
        wall, cpu = best(samples[name])
        events = len(_load(files[name]).events)
        goal = f"≤ {target:g}" if target else ""
        print(
            f"| {name} | {events:,} | {wall:.2f} | {cpu:.2f} | {wall / startup[0]:.1f} | "
            f"{cpu / startup[1]:.1f} | {goal} |"
        )
    sys.stdout.flush()


def _load(arguments: list[str]) -> isecg_events.Programme:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", isecg_events.ProgrammeWarning)
        return isecg_events.load(arguments[0] if arguments else None)


def stress_table(rounds: int, folder: Path, export_n: int, ics_n: int) -> None:
    """Table 2: the synthetic export against tomllib, the ics feed against ics-py."""
    path = folder / f"synthetic-{export_n}.toml"
    text = synthetic(export_n)
    path.write_text(text, encoding="utf-8")
    parse = min(_timed(functools.partial(tomllib.loads, text)) for _ in range(rounds))
    export = best(
        [
            command([*COMMAND, "export", str(path), "-o", str(folder / f"x-{i}")])
            for i in range(rounds)
        ]
    )
    print("| stress row (informational) | s | against | ratio | guard |")
    print("|---|---|---|---|---|")
    print(
        f"| `export --format all`, {export_n:,} synthetic events | {export[0]:.2f} "
        f"| tomllib parse {parse:.2f} s | {export[0] / parse:.1f} | ≤ 8 |"
    )
    with warnings.catch_warnings():  # the synthetic programme double-books some people
        warnings.simplefilter("ignore", isecg_events.ProgrammeWarning)
        programme = isecg_events.loads(synthetic(ics_n))
    ours = min(_timed(functools.partial(isecg_events.to_ical, programme)) for _ in range(rounds))
    try:
        theirs = min(_timed(functools.partial(_ics_py, programme)) for _ in range(rounds))
    except ImportError:
        theirs = float("nan")
    print(
        f"| iCalendar feed, {ics_n:,} events | {ours:.2f} | ics-py {theirs:.2f} s "
        f"| {ours / theirs:.2f} | ≤ 0.5 |"
    )
    sys.stdout.flush()


def _timed(action: Callable[[], object]) -> float:
    """CPU seconds of one call in this process (steadier than the wall clock when shared)."""
    began = time.process_time()
    action()
    return time.process_time() - began


def _ics_py(programme: isecg_events.Programme) -> str:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="one quick round, for CI")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (default 3)")
    parser.add_argument("--output-dir", metavar="DIR", help="where the exports are written")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="isecg-bench-", dir=args.output_dir) as folder:
        if args.smoke:
            site_table(1, Path(folder), PROGRAMMES[-1:])
            print()
            stress_table(1, Path(folder), 50, 50)
            return
        site_table(args.rounds, Path(folder), PROGRAMMES)
        print()
        stress_table(args.rounds, Path(folder), 25_000, 10_000)


if __name__ == "__main__":
    main()
