"""The ``isecg-events`` command: parse arguments, call the library, report errors.

Every format and every format option comes from the exporter registry:
``export`` offers the options the formats declare, and ``agenda`` is a
shorthand for ``export --format text --output -``.

Exit codes: 0 success; 1 an output could not be written; 2 bad input or a
bad command line. User errors never print a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
import os
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from isecg_events._version import __version__
from isecg_events.collector import collector_paused, no_collection_at_exit
from isecg_events.diff import diff
from isecg_events.errors import (
    ExportError,
    OptionError,
    ProgrammeError,
    ProgrammeWarning,
    printable,
    printable_lines,
    redact,
)
from isecg_events.exporters import (
    EXPORTERS,
    Option,
    available_jobs,
    get_exporter,
    jobs_for,
    render_all,
    render_changes,
    render_history,
)
from isecg_events.exporters.feeds import FOLDERS, site_stream
from isecg_events.output import write_all
from isecg_events.programme import Programme
from isecg_events.readers import Source, load_source, read_source, read_source_stream
from isecg_events.releases import History
from isecg_events.timezones import TimeZoneError, UnknownTimeZone, get_zone

__all__ = ["main"]

EXIT_OK, EXIT_OUTPUT, EXIT_INPUT = 0, 1, 2
#: ``diff`` found changes (the exit code of diff(1)).
EXIT_CHANGED = 1
#: Ctrl-C: 128 + SIGINT, what a shell reports for a command SIGINT ended.
EXIT_INTERRUPTED = 130
FORMATS = [exporter.name for exporter in EXPORTERS]
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
            if option.command_line:
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
        help="render in at most N processes (default: one per processor, at most "
        f"{DEFAULT_JOBS}; large programmes, on Linux)",
    )
    export.add_argument(
        "--feeds",
        action="store_true",
        help="also the subscriber feeds: events/, tracks/, rooms/ and people/ (ics)",
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
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument("--releases", metavar="DIR", help="the release history folder")
    serve.add_argument("--threads", type=int, default=8, help="worker threads (default 8)")
    _add_options(serve, {k: v for k, v in _options(["ics"]).items() if k != "releases"})

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


#: The most processes ``export`` renders in unless ``--jobs`` says more: from
#: four lanes on, the page (the longest format) has one to itself, and each
#: lane may copy the pages of the programme it touches (the loaded programme
#: is about 300 MB at 25,000 events; a lane's peak resident size 515 MB).
DEFAULT_JOBS = 4

_NOT_OPTIONS = {
    "command", "file", "format", "output", "split", "markdown", "timezone", "feeds", "jobs",
    "strict",
}  # fmt: skip
#: What ``--format all`` writes: every format but those that need a history.
_ALL = [name for name in FORMATS if name != "atom"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code.

    A closed standard output (``isecg-events agenda | head``) ends the run
    quietly with exit 1, as Unix tools do; one that cannot be written (a
    full disk) is one line on standard error and exit 1. Ctrl-C ends it with
    one line and exit 130, as a shell reports a command SIGINT ended.
    """
    try:
        with _whole_writes():
            return _run(argv)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_OUTPUT
    except OSError as error:
        if error.errno is None:
            raise
        reason = error.strerror or str(error)
        if error.filename is not None:  # a file or folder failed, not standard output
            where = printable(os.fsdecode(error.filename))
            print(f"error: nothing was written: {where}: {reason}", file=sys.stderr)
            return EXIT_OUTPUT
        _silence_stdout()
        print(f"error: cannot write to standard output: {reason}", file=sys.stderr)
        return EXIT_OUTPUT


@contextlib.contextmanager
def _whole_writes() -> Iterator[None]:
    """Standard output that writes all it is given, or raises, under ``python -u`` too.

    Unbuffered (``-u``, ``PYTHONUNBUFFERED=1``), standard output is a raw
    stream: one write to a pipe whose reader left takes part of the bytes
    and says nothing, so a closed pipe ended the run with exit 0. A buffered
    writer (over a duplicate of the descriptor, closed after) writes all
    or raises ``BrokenPipeError``: exit 1, as documented. Buffered, what
    is left is flushed before the run ends, for the same reason.
    """
    stdout = sys.stdout
    if not isinstance(getattr(stdout, "buffer", None), io.FileIO):
        yield
        stdout.flush()  # a closed pipe is said now (exit 1), not by Python at exit (120)
        return
    raw = io.FileIO(os.dup(stdout.fileno()), "w")
    sys.stdout = io.TextIOWrapper(
        io.BufferedWriter(raw), encoding=stdout.encoding, errors=stdout.errors, line_buffering=True
    )
    try:
        yield
        sys.stdout.flush()
    finally:
        whole, sys.stdout = sys.stdout, stdout
        with contextlib.suppress(OSError, ValueError):
            whole.close()  # the duplicate only; a failed flush was raised above


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that Python's flush at exit raises nothing more."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no file descriptor (a test's captured stream)
        pass


def _run(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "serve":  # runs for days: its garbage must be collected
        return _command(args)
    # A command's programme and files live until it ends, and none of them
    # is a reference cycle: without the collector walking them again and
    # again, `export --format all` of 25,000 events saves 0.4-0.6 s (a fifth
    # of its writing). See collector.py.
    no_collection_at_exit()
    with collector_paused():
        return _command(args)


def _command(args: argparse.Namespace) -> int:
    try:
        if args.command == "schema":
            return _schema()
        if args.command == "validate":
            return _validate_all(args.files or [None], args.timezone, args.strict)
        if args.command == "diff":
            return _diff(args.old, args.new, args.format, args.timezone)
        if args.command == "changes":
            return _changes(History.read(args.releases), args.format)
        if args.command == "serve":
            return _serve(args)
        source = _read(args.file, args.timezone)
        options = {k: v for k, v in vars(args).items() if k not in _NOT_OPTIONS}
        releases = options.get("releases")
        programme: Programme | Callable[[], Programme]
        if args.command == "export" and releases is None:
            # Loaded once the arguments are checked; when large, in each of
            # the export's processes at once (exporters._lanes.stream_loading).
            programme = functools.partial(_parse, source, args.timezone, args.strict)
        else:
            programme = _parse(source, args.timezone, getattr(args, "strict", False))
            if args.command == "release":
                return _release(programme, args)
            if args.command == "publish":
                return _publish(programme, args)
            if releases is not None:
                # Read once; the registry applies it, and refuses unreleased changes.
                options["releases"] = History.read(releases)
                options["releases"].check_current(programme)
            if args.command == "agenda":
                names = ["markdown" if args.markdown else "text"]
                return _export(programme, names, "-", split=False, options=options)
        names = _formats(args.format or ["all"], releases is not None)
        jobs = jobs_for(len(source.raw), args.jobs or min(available_jobs(), DEFAULT_JOBS))
        return _export(
            programme,
            names,
            args.output,
            split=args.split,
            options=options,
            feeds=args.feeds,
            jobs=jobs,
        )
    except ProgrammeError as error:
        _report(error)
        return EXIT_INPUT
    except (TimeZoneError, ValueError, OptionError) as error:
        lines = str(error).splitlines() or [""]
        print("error: " + "\n".join(printable(line) for line in lines), file=sys.stderr)
        return EXIT_INPUT
    except ExportError as error:
        print(f"error: nothing was written: {printable(str(error))}", file=sys.stderr)
        return EXIT_OUTPUT


def _formats(given: list[str], releases: bool) -> list[str]:
    """The formats of ``--format`` as given, in order, each once; ``all`` stands alone."""
    if "all" in given:
        if len(set(given)) > 1:
            raise ValueError("--format all takes every format; give it alone")
        return _ALL + (["atom"] if releases else [])
    return list(dict.fromkeys(given))


def _report(error: ProgrammeError) -> None:
    for problem in error.problems:
        print(f"error: {problem}", file=sys.stderr)
    count = len(error.problems)
    print(f"{count} problem{'s' if count != 1 else ''} found", file=sys.stderr)


def _load(file: str | None, timezone: str | None, strict: bool = False) -> Programme:
    """The programme of a file, of standard input (``-``), or the bundled one.

    Warnings about the input (an inferred time zone) are printed to standard
    error as ``warning:`` lines as soon as the file is read, before any error.
    """
    return _parse(_read(file, timezone), timezone, strict)


def _read(file: str | None, timezone: str | None) -> Source:
    """The bytes of a file, of standard input (``-``), or of the bundled programme.

    Raises:
        UnknownTimeZone: ``timezone`` is not an IANA zone (told before the file's problems).
        ProgrammeError: the file cannot be read.
    """
    if timezone is not None:
        get_zone(timezone)
    if file == "-":
        binary = getattr(sys.stdin, "buffer", None)
        if binary is None:  # a text stream put there by a caller
            binary = io.BytesIO(sys.stdin.read().encode("utf-8"))
        return read_source_stream(binary)
    return read_source(file)


def _parse(source: Source, timezone: str | None, strict: bool = False) -> Programme:
    """The programme of bytes read, with warnings about it printed as ``warning:`` lines."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ProgrammeWarning)
        try:
            return load_source(source, timezone=timezone, strict=strict)
        finally:
            for warning in caught:
                if isinstance(warning.message, ProgrammeWarning):
                    print(f"warning: {warning.message}", file=sys.stderr)
                else:
                    warnings.showwarning(
                        warning.message, warning.category, warning.filename, warning.lineno
                    )


def _validate_all(files: list[str | None], timezone: str | None, strict: bool) -> int:
    """Validate each file in turn, reporting each; exit 2 when any has problems."""
    if files.count("-") > 1:
        raise ValueError("standard input (-) can be read once")
    code = EXIT_OK
    for file in files:
        try:
            _validate(file, _load(file, timezone, strict))
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
    programme: Programme | Callable[[], Programme],
    names: list[str],
    output: str,
    *,
    split: bool,
    options: dict[str, Any],
    feeds: bool = False,
    jobs: int = 1,
) -> int:
    """Write the formats' files (or print one); ``programme`` may be what loads it, once checked."""
    if split and not any(get_exporter(name).render_event_prepared for name in names):
        raise ValueError(f"--split needs a format with a file per event, not {', '.join(names)}")
    if not output.strip():
        raise ValueError("--output needs a folder, or - for standard output")
    if output == "-":
        if len(names) != 1 or split or feeds:
            raise ValueError("--output - takes a single --format and no --split or --feeds")
        loaded = programme() if callable(programme) else programme
        content = render_all(loaded, names, **options)[names[0]]
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
    prune = []
    if feeds:
        prune = [(folder / name, "*.ics") for name in FOLDERS]
    elif split or "html" in names:
        prune = [(folder / "events", "*.ics")]
    ranks: dict[str, int] = {}

    def outputs() -> Iterator[tuple[str, bytes]]:
        # Each format's files are written as soon as it is rendered (in
        # lanes, while the others still render); all are moved into place
        # together at the end. Paths as strings: 25,000 of them.
        files = site_stream(
            programme, names, options, split=split, feeds=feeds, jobs=jobs, writing=True
        )
        for rank, relative, content in files:
            path = os.path.join(folder, relative)
            ranks[path] = rank
            yield path, content

    written = write_all(outputs(), root=folder, prune=prune)
    ordered = sorted(written, key=ranks.__getitem__)  # site_files' order
    sys.stdout.write("".join(printable(path) + "\n" for path in ordered))
    return EXIT_OK


def _publish(programme: Programme, args: argparse.Namespace) -> int:
    """Bring the CalDAV calendar in step; one line of counts (or of what would be done)."""
    from isecg_events.publish import (
        PASSWORD_VARIABLE,
        Interrupted,
        PublishError,
        UnusableURL,
        publish,
        terminal_progress,
    )

    password = os.environ.get(PASSWORD_VARIABLE)
    if password is None and args.user and sys.stdin.isatty():
        import getpass

        password = getpass.getpass(f"CalDAV password for {args.user}: ")
    history = History.read(args.releases) if args.releases else None
    if history is not None:
        history.check_current(programme)
    try:
        outcome = publish(
            programme,
            args.caldav,
            user=args.user,
            password=password,
            dry_run=args.dry_run,
            releases=history,
            progress=terminal_progress(sys.stderr),
        )
    except Interrupted as stop:  # the writes under way were finished first
        done = stop.outcome.summary()
        print(f"interrupted after: {done}; publish again to complete", file=sys.stderr)
        return EXIT_INTERRUPTED
    except UnusableURL as error:
        print(f"error: {printable(str(error))}", file=sys.stderr)
        return EXIT_INPUT
    except PublishError as error:
        print(f"error: {printable(str(error))}", file=sys.stderr)
        return EXIT_OUTPUT
    except Exception as error:  # a library's own failure: one line, never a traceback
        text = redact(f"{type(error).__name__}: {error}", [password])
        print(f"error: publishing failed: {printable(text)}", file=sys.stderr)
        return EXIT_OUTPUT
    if args.dry_run:
        for kind in ("created", "updated", "restored", "deleted"):
            for title in getattr(outcome, kind):
                print(printable(f"would be {kind}: {title}"))
        print(printable(f"dry run, nothing written: would be {outcome.summary()}"))
    else:
        print(outcome.summary())
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    """Run the feed server (waitress) until Ctrl-C."""
    import waitress  # only the server needs it

    from isecg_events.web import create_app

    given = vars(args)
    options = {name: given[name] for name in ("profile", "refresh") if name in given}
    app = create_app(args.file, releases=args.releases, **options)
    print(f"serving {printable(args.file)} on http://{args.host}:{args.port}/", file=sys.stderr)
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C: a clean stop
        waitress.serve(app, host=args.host, port=args.port, threads=args.threads, ident=None)
    return EXIT_OK


def _timestamp(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} needs Z or a UTC offset")
    return moment


def _release(programme: Programme, args: argparse.Namespace) -> int:
    """Record the release; print its changes."""
    history = History.read(args.releases)
    # The one place a wall clock is read: the release's own time, kept in its file.
    at = args.at or datetime.now(UTC)
    _, release, changes = history.record(
        programme, name=args.name, at=at, note=args.note, allow_empty=args.allow_empty
    )
    print(printable(f"{release.path}: release {release.name!r}, {_count(len(changes), 'change')}"))
    sys.stdout.write(printable_lines(render_changes(changes, "text")))
    return EXIT_OK


def _diff(old: str, new: str, syntax: str, timezone: str | None) -> int:
    """Print the changes; exit 0 when there are none, 1 when there are (diff's convention)."""
    changes = diff(_load(old, timezone), _load(new, timezone))
    sys.stdout.write(printable_lines(render_changes(changes, syntax)))  # type: ignore[arg-type]
    return EXIT_CHANGED if changes else EXIT_OK


def _changes(history: History, syntax: str) -> int:
    """Print every release, newest first, with its changes."""
    if not history.releases:
        raise ValueError(f"{history.folder}: no release yet")
    sys.stdout.write(printable_lines(render_history(history, syntax)))  # type: ignore[arg-type]
    return EXIT_OK


def _schema() -> int:
    schema = resources.files("isecg_events").joinpath("programme.schema.json")
    sys.stdout.write(schema.read_text(encoding="utf-8"))
    return EXIT_OK
