"""The ``isecg-events`` command: parse arguments, call the library, report errors.

Every format and every format option comes from the exporter registry:
``export`` offers the options the formats declare, and ``agenda`` is a
shorthand for ``export --format text --output -``.

Exit codes: 0 success; 1 an output could not be written; 2 bad input or a
bad command line. User errors never print a traceback.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from isecg_events._version import __version__
from isecg_events.errors import (
    ExportError,
    OptionError,
    ProgrammeError,
    ProgrammeWarning,
    printable,
)
from isecg_events.exporters import EXPORTERS, Option, get_exporter, render_all
from isecg_events.output import write_all
from isecg_events.programme import Programme
from isecg_events.readers import load, load_stream
from isecg_events.timezones import TimeZoneError, UnknownTimeZone, get_zone

__all__ = ["main"]

EXIT_OK, EXIT_OUTPUT, EXIT_INPUT = 0, 1, 2
FORMATS = [exporter.name for exporter in EXPORTERS]
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


def _add_input(parser: argparse.ArgumentParser, *, several: bool = False) -> None:
    """The input file argument(s) and ``--timezone``, the same on every command that reads."""
    if several:
        parser.add_argument("files", nargs="*", metavar="FILE", help=FILE_HELP)
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
    """One ``--NAME`` per option; left unset unless given, so formats keep their defaults."""
    for option in options.values():
        parser.add_argument(
            f"--{option.name}",
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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="isecg-events",
        description="Turn a conference programme into calendar feeds, "
        "conference-app schedules and agendas.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser("validate", help="check a programme file")
    _add_input(validate, several=True)

    export = commands.add_parser("export", help="write the programme in one or all formats")
    _add_input(export)
    export.add_argument(
        "--format", "-f", choices=[*FORMATS, "all"], default="all", help="default: all"
    )
    export.add_argument(
        "--output", "-o", default="out", help="folder to write into, or - for stdout (default: out)"
    )
    export.add_argument(
        "--split", action="store_true", help="also one file per event in events/ (ics)"
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

    commands.add_parser("schema", help="print the JSON Schema of the programme data format")
    return parser


_NOT_OPTIONS = {"command", "file", "format", "output", "split", "markdown", "timezone"}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code.

    A closed standard output (``isecg-events agenda | head``) ends the run
    quietly with exit 1, as Unix tools do; one that cannot be written (a
    full disk) is one line on standard error and exit 1.
    """
    try:
        return _run(argv)
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_OUTPUT
    except OSError as error:
        if error.errno is None:
            raise
        _silence_stdout()
        reason = error.strerror or str(error)
        print(f"error: cannot write to standard output: {reason}", file=sys.stderr)
        return EXIT_OUTPUT


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that Python's flush at exit raises nothing more."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no file descriptor (a test's captured stream)
        pass


def _run(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "schema":
            return _schema()
        if args.command == "validate":
            return _validate_all(args.files or [None], args.timezone)
        programme = _load(args.file, args.timezone)
        options = {k: v for k, v in vars(args).items() if k not in _NOT_OPTIONS}
        if args.command == "agenda":
            names = ["markdown" if args.markdown else "text"]
            return _export(programme, names, "-", split=False, options=options)
        names = FORMATS if args.format == "all" else [args.format]
        return _export(programme, names, args.output, split=args.split, options=options)
    except ProgrammeError as error:
        _report(error)
        return EXIT_INPUT
    except (TimeZoneError, ValueError, OptionError) as error:
        print(f"error: {printable(str(error))}", file=sys.stderr)
        return EXIT_INPUT
    except ExportError as error:
        print(f"error: nothing was written: {printable(str(error))}", file=sys.stderr)
        return EXIT_OUTPUT


def _report(error: ProgrammeError) -> None:
    for problem in error.problems:
        print(f"error: {problem}", file=sys.stderr)
    count = len(error.problems)
    print(f"{count} problem{'s' if count != 1 else ''} found", file=sys.stderr)


def _load(file: str | None, timezone: str | None) -> Programme:
    """The programme of a file, of standard input (``-``), or the bundled one.

    Warnings about the input (an inferred time zone) are printed to standard
    error as ``warning:`` lines as soon as the file is read, before any error.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ProgrammeWarning)
        try:
            if file == "-":
                binary = getattr(sys.stdin, "buffer", None)
                if binary is None:  # a text stream put there by a caller
                    binary = io.BytesIO(sys.stdin.read().encode("utf-8"))
                return load_stream(binary, timezone=timezone)
            return load(file, timezone=timezone)
        finally:
            for warning in caught:
                if isinstance(warning.message, ProgrammeWarning):
                    print(f"warning: {warning.message}", file=sys.stderr)
                else:
                    warnings.showwarning(
                        warning.message, warning.category, warning.filename, warning.lineno
                    )


def _validate_all(files: list[str | None], timezone: str | None) -> int:
    """Validate each file in turn, reporting each; exit 2 when any has problems."""
    if files.count("-") > 1:
        raise ValueError("standard input (-) can be read once")
    code = EXIT_OK
    for file in files:
        try:
            _validate(file, _load(file, timezone))
        except ProgrammeError as error:
            _report(error)
            code = EXIT_INPUT
    return code


def _validate(file: str | None, programme: Programme) -> int:
    conference = programme.conference
    name = {None: "data/glex2017.toml (bundled)", "-": "<stdin>"}.get(file, file)
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


def _export(
    programme: Programme, names: list[str], output: str, *, split: bool, options: dict[str, Any]
) -> int:
    splitting = [name for name in names if get_exporter(name).render_event_prepared]
    if split and not splitting:
        raise ValueError(f"--split needs a format with a file per event, not {', '.join(names)}")
    if not output.strip():
        raise ValueError("--output needs a folder, or - for standard output")
    if output == "-":
        if len(names) != 1 or split:
            raise ValueError("--output - takes a single --format and no --split")
        content = render_all(programme, names, **options)[names[0]]
        binary = getattr(sys.stdout, "buffer", None)  # None when a caller put a text stream there
        if binary is None:
            sys.stdout.write(content.decode("utf-8"))
        else:
            binary.write(content)
        sys.stdout.flush()
        return EXIT_OK
    folder = Path(output)
    if not folder.exists() and not folder.parent.is_dir():
        raise ExportError(f"{folder.parent}: the folder does not exist")
    rendered = render_all(programme, names, **options)
    outputs = [
        (folder / get_exporter(name).file_name(programme), content)
        for name, content in rendered.items()
    ]
    prune = []
    for name in splitting if split else []:
        exporter = get_exporter(name)
        own = {k: v for k, v in options.items() if k in exporter.option_names}
        for event_id, content in exporter.render_events(programme, **own).items():
            outputs.append((folder / "events" / f"{event_id}.{exporter.extension}", content))
        prune.append((folder / "events", f"*.{exporter.extension}"))
    for path in write_all(outputs, root=folder, prune=prune):
        print(printable(str(path)))
    return EXIT_OK


def _schema() -> int:
    schema = resources.files("isecg_events").joinpath("programme.schema.json")
    sys.stdout.write(schema.read_text(encoding="utf-8"))
    return EXIT_OK
