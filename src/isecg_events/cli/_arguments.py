"""The command line's arguments: every command, and every format option from the registry.

``export`` offers the options the formats declare (:data:`isecg_events.exporters.EXPORTERS`);
``agenda`` those of the two agendas; ``serve`` those of the ``ics`` format.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from isecg_events._version import __version__
from isecg_events.exporters import EXPORTERS, Option, get_exporter
from isecg_events.timezones import UnknownTimeZone, get_zone

__all__ = ["FORMATS", "parser"]

FORMATS = list(EXPORTERS)
STRICT_HELP = (
    "refuse what is otherwise a warning (an inferred zone, a participant in two places at once)"
)
FILE_HELP = (
    "programme file (TOML, JSON, or a frab schedule.json/.xml), - for standard input; "
    "default: GLEX 2017"
)
TIMEZONE_HELP = (
    "the IANA zone of the input, overriding the file's (a schedule without "
    "time_zone_name otherwise gets the zone its times' offsets fit)"
)


def _zone_argument(text: str) -> str:
    try:
        get_zone(text)
    except UnknownTimeZone as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def _positive(text: str) -> int:
    number = int(text) if text.isdigit() else 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"a whole number, 1 or more, not {text!r}")
    return number


def _add_input(
    parser: argparse.ArgumentParser, *, several: bool = False, required: bool = False
) -> None:
    """The input file argument(s) and ``--timezone``, the same on every command that reads.

    ``required``: the command writes somewhere lasting (a release history, a
    CalDAV calendar), so it never falls back on the bundled example.
    """
    if several:
        parser.add_argument("files", nargs="*", metavar="FILE", help=FILE_HELP)
    elif required:
        parser.add_argument("file", metavar="FILE", help="the programme file, or - for stdin")
    else:
        parser.add_argument("file", nargs="?", help=FILE_HELP)
    parser.add_argument("--timezone", metavar="NAME", type=_zone_argument, help=TIMEZONE_HELP)


def _options(formats: Sequence[str]) -> dict[str, Option]:
    """The options the named formats declare, by name (formats may share one)."""
    found: dict[str, Option] = {}
    for name in formats:
        for option in get_exporter(name).options:
            found.setdefault(option.name, option)
    return found


def _argument_type(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """``parse`` for argparse: its ValueError's message becomes argparse's (exit 2)."""

    def convert(text: str) -> Any:
        try:
            return parse(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    convert.__name__ = parse.__name__  # argparse names the type in its messages
    return convert


def _add_options(parser: argparse.ArgumentParser, options: dict[str, Option]) -> None:
    """One ``--NAME`` per option; left unset unless given, so formats keep their defaults.

    A keyword with an underscore is spelled with a hyphen (``--base-url``),
    the underscore kept as an alias (``--base_url``).
    """
    for option in options.values():
        spellings = dict.fromkeys([f"--{option.name.replace('_', '-')}", f"--{option.name}"])
        parser.add_argument(
            *spellings,
            dest=option.name,
            type=_argument_type(option.parse),
            choices=option.choices or None,
            default=argparse.SUPPRESS,
            help=option.help,
        )
        for flag, value, help_text in option.shorthands:
            parser.add_argument(
                flag,
                dest=option.name,
                action="store_const",
                const=value,
                default=argparse.SUPPRESS,
                help=help_text,
            )


def parser() -> argparse.ArgumentParser:
    """The ``isecg-events`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="isecg-events",
        description="Turn a conference programme into calendar feeds, "
        "conference-app schedules and agendas.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser("validate", help="check a programme file")
    _add_input(validate, several=True)
    validate.add_argument("--strict", action="store_true", help=STRICT_HELP)

    export = commands.add_parser("export", help="write the programme in one or all formats")
    _add_input(export)
    export.add_argument("--strict", action="store_true", help=STRICT_HELP)
    export.add_argument(
        "--format",
        "-f",
        action="append",
        choices=[*FORMATS, "all"],
        help="a format, or several: -f ics -f json (default: all)",
    )
    export.add_argument(
        "--output", "-o", default="out", help="folder to write into, or - for stdout (default: out)"
    )
    export.add_argument(
        "--split", action="store_true", help="also one file per event in events/ (ics)"
    )
    export.add_argument(
        "--jobs",
        "-j",
        type=_positive,
        metavar="N",
        help="deprecated, ignored: an export renders in one process (removed in the next release)",
    )
    export.add_argument(
        "--verbose",
        "-v",
        action="store_true",
        help="print every file written (default: the top-level files and a count per folder)",
    )
    export.add_argument(
        "--feeds",
        action="store_true",
        help="also the subscriber feeds: events/, tracks/, rooms/ and people/ (ics)",
    )
    export.add_argument(
        "--releases",
        metavar="DIR",
        help="the release history folder (see 'release'): SEQUENCE, stamps, removed events",
    )
    _add_options(export, _options(FORMATS))

    agenda = commands.add_parser(
        "agenda", help="print the agenda (export --format text --output -)"
    )
    _add_input(agenda)
    agenda.add_argument(
        "--markdown", action="store_true", help="print Markdown (--format markdown)"
    )
    _add_options(agenda, _options(["text", "markdown"]))

    release = commands.add_parser(
        "release", help="record the programme as a new release in a history folder"
    )
    _add_input(release, required=True)
    release.add_argument("--releases", required=True, metavar="DIR", help="the history folder")
    release.add_argument("--name", required=True, help="the release's name, such as v2")
    release.add_argument("--note", help="one line on what the release is about")
    release.add_argument(
        "--at",
        type=_timestamp,
        help="the release time, ISO 8601 with Z or an offset (default: now)",
    )
    release.add_argument(
        "--allow-empty", action="store_true", help="record a release with no changes"
    )

    compare = commands.add_parser(
        "diff", help="print what changed between two programmes (exit 1 if anything did)"
    )
    compare.add_argument("old", help="the earlier programme (any input, a release file too)")
    compare.add_argument("new", help="the later programme")
    compare.add_argument("--format", choices=["text", "markdown", "json"], default="text")
    compare.add_argument("--timezone", metavar="NAME", type=_zone_argument, help=TIMEZONE_HELP)

    changelog = commands.add_parser("changes", help="print the changelog of every release")
    changelog.add_argument("--releases", required=True, metavar="DIR", help="the history folder")
    changelog.add_argument("--format", choices=["text", "markdown"], default="text")

    serve = commands.add_parser(
        "serve", help="serve every feed over HTTP, following the file as it changes"
    )
    serve.add_argument("file", help="programme file, watched for changes")
    serve.add_argument("--timezone", metavar="NAME", type=_zone_argument, help=TIMEZONE_HELP)
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument("--releases", metavar="DIR", help="the release history folder")
    serve.add_argument("--threads", type=int, default=8, help="worker threads (default 8)")
    _add_options(serve, _options(["ics"]))

    publishing = commands.add_parser(
        "publish",
        help="make a CalDAV calendar hold the programme (password: $ISECG_EVENTS_CALDAV_PASSWORD)",
    )
    _add_input(publishing, required=True)
    publishing.add_argument(
        "--caldav", required=True, metavar="URL", help="the calendar collection"
    )
    publishing.add_argument("--user", help="the CalDAV user name")
    publishing.add_argument(
        "--dry-run", action="store_true", help="say what would change; write nothing"
    )
    publishing.add_argument("--releases", metavar="DIR", help="the release history folder")

    commands.add_parser("schema", help="print the JSON Schema of the programme data format")
    return parser


def _timestamp(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} needs Z or a UTC offset")
    return moment
