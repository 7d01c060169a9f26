"""The ``isecg-events`` command: parse arguments, call the library, report errors.

Exit codes: 0 success; 1 an output could not be written; 2 bad input or a
bad command line. User errors never print a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from isecg_events._version import __version__
from isecg_events.errors import ExportError, ProgrammeError, printable
from isecg_events.exporters import (
    EXPORTERS,
    event_to_ical,
    get_exporter,
    render_all,
    to_agenda,
)
from isecg_events.exporters.agenda import to_markdown
from isecg_events.loader import load
from isecg_events.model import Programme
from isecg_events.output import write_all
from isecg_events.timezones import TimeZoneError

__all__ = ["main"]

EXIT_OK, EXIT_OUTPUT, EXIT_INPUT = 0, 1, 2
FORMATS = [exporter.name for exporter in EXPORTERS]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="isecg-events",
        description="Turn a conference programme into calendar feeds, "
        "conference-app schedules and agendas.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    file_help = "programme file (TOML, JSON, or a frab schedule.json/.xml); default: GLEX 2017"

    validate = commands.add_parser("validate", help="check a programme file")
    validate.add_argument("file", nargs="?", help=file_help)

    export = commands.add_parser("export", help="write the programme in one or all formats")
    export.add_argument("file", nargs="?", help=file_help)
    export.add_argument(
        "--format", "-f", choices=[*FORMATS, "all"], default="all", help="default: all"
    )
    export.add_argument(
        "--output",
        "-o",
        default="out",
        help="folder to write into, or - for stdout (default: out)",
    )
    export.add_argument(
        "--split",
        action="store_true",
        help="with ics: also one calendar per event in events/",
    )
    export.add_argument(
        "--profile",
        choices=["compat", "rich"],
        default="compat",
        help="iCalendar profile",
    )

    agenda = commands.add_parser("agenda", help="print the agenda")
    agenda.add_argument("file", nargs="?", help=file_help)
    agenda.add_argument("--width", type=int, default=78, help="line width (default: 78)")
    agenda.add_argument("--tz", help="show times in this IANA time zone")
    agenda.add_argument("--brief", action="store_true", help="leave out abstracts")
    agenda.add_argument("--markdown", action="store_true", help="print Markdown")

    commands.add_parser("schema", help="print the JSON Schema of the programme data format")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "schema":
            return _schema()
        programme = load(args.file)
        if args.command == "validate":
            return _validate(args.file, programme)
        if args.command == "agenda":
            return _agenda(programme, args)
        return _export(programme, args)
    except ProgrammeError as error:
        for problem in error.problems:
            print(f"error: {problem}", file=sys.stderr)
        count = len(error.problems)
        print(f"{count} problem{'s' if count != 1 else ''} found", file=sys.stderr)
        return EXIT_INPUT
    except (TimeZoneError, ValueError) as error:
        print(f"error: {printable(str(error))}", file=sys.stderr)
        return EXIT_INPUT
    except ExportError as error:
        print(f"error: nothing was written: {printable(str(error))}", file=sys.stderr)
        return EXIT_OUTPUT


def _validate(file: str | None, programme: Programme) -> int:
    conference = programme.conference
    name = file or "data/glex2017.toml (bundled)"
    people = len(programme.participants)
    summary = (
        f"{name}: OK: {conference.acronym or conference.id}, "
        f"{conference.start} to {conference.end} ({conference.timezone}); "
        f"{_count(len(programme.events), 'event')} "
        f"({_count(len(programme.occurrences), 'occurrence')}), "
        f"{_count(len(programme.rooms), 'room')}, {_count(people, 'participant')}, "
        f"{_count(len(programme.organizations), 'organization')}"
    )
    print(printable(summary))
    return EXIT_OK


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _agenda(programme: Programme, args: argparse.Namespace) -> int:
    render = to_markdown if args.markdown else to_agenda
    text = render(
        programme,
        width=args.width,
        tz=args.tz,
        detail="brief" if args.brief else "full",
    )
    sys.stdout.write(text)
    return EXIT_OK


def _export(programme: Programme, args: argparse.Namespace) -> int:
    names = FORMATS if args.format == "all" else [args.format]
    if args.output == "-":
        if len(names) != 1 or args.split:
            print(
                "error: --output - takes a single --format and no --split",
                file=sys.stderr,
            )
            return EXIT_INPUT
        rendered = render_all(programme, names, profile=args.profile)
        sys.stdout.buffer.write(rendered[names[0]])
        sys.stdout.flush()
        return EXIT_OK
    folder = Path(args.output)
    if not folder.exists() and not folder.parent.is_dir():
        raise ExportError(f"{folder.parent}: the folder does not exist")
    rendered = render_all(programme, names, profile=args.profile)
    outputs = [
        (folder / get_exporter(name).file_name(programme), content)
        for name, content in rendered.items()
    ]
    if args.split and "ics" in names:
        for event in programme.events:
            content = event_to_ical(programme, event.id, profile=args.profile)
            outputs.append((folder / "events" / f"{event.id}.ics", content))
    for path in write_all(outputs):
        print(printable(str(path)))
    return EXIT_OK


def _schema() -> int:
    schema = resources.files("isecg_events").joinpath("programme.schema.json")
    sys.stdout.write(schema.read_text(encoding="utf-8"))
    return EXIT_OK
