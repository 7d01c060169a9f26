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
import io
import os
import sys
import warnings
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from isecg_events.cli._arguments import parser
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
from isecg_events.exporters import get_exporter, render, render_changes, render_history
from isecg_events.programme import Programme
from isecg_events.readers import load, load_stream
from isecg_events.releases import History
from isecg_events.site import check_folder, default_formats, export
from isecg_events.timezones import TimeZoneError, get_zone

__all__ = ["main"]

EXIT_OK, EXIT_OUTPUT, EXIT_INPUT = 0, 1, 2
#: ``diff`` found changes (the exit code of diff(1)).
EXIT_CHANGED = 1
#: Ctrl-C: 128 + SIGINT, what a shell reports for a command SIGINT ended.
EXIT_INTERRUPTED = 130
_NOT_OPTIONS = {
    "command", "file", "format", "output", "split", "markdown", "timezone", "feeds", "jobs",
    "releases", "strict", "verbose",
}  # fmt: skip


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
    args = parser().parse_args(argv)
    if getattr(args, "jobs", None) is not None:
        print(
            "warning: --jobs is deprecated and ignored; it goes in the next release",
            file=sys.stderr,
        )
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
        if args.command == "export":  # its arguments are checked before the programme
            names = _formats(args.format or ["all"], getattr(args, "releases", None) is not None)
            _check_export(names, args.output, split=args.split, feeds=args.feeds)
        programme = _load(args.file, args.timezone, getattr(args, "strict", False))
        if args.command == "release":
            return _release(programme, args)
        if args.command == "publish":
            return _publish(programme, args)
        options = {k: v for k, v in vars(args).items() if k not in _NOT_OPTIONS}
        if args.command == "agenda":
            names = ["markdown" if args.markdown else "text"]
            return _export(programme, names, "-", split=False, options=options)
        history = None
        if args.releases is not None:
            # Read once; the render applies it. Unreleased changes are refused.
            history = History.read(args.releases)
            history.check_current(programme)
        return _export(
            programme,
            names,
            args.output,
            split=args.split,
            options=options,
            feeds=args.feeds,
            releases=history,
            verbose=args.verbose,
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
        return default_formats(releases)
    if "atom" in given and not releases:
        raise ValueError(
            "--format atom is the changelog of a release history: give --releases DIR "
            "(recorded with 'isecg-events release')"
        )
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

    Raises:
        UnknownTimeZone: ``timezone`` is not an IANA zone (told before the file's problems).
        ProgrammeError: the file cannot be read or has problems.
    """
    if timezone is not None:
        get_zone(timezone)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ProgrammeWarning)
        try:
            if file != "-":
                return load(file, timezone=timezone, strict=strict)
            binary = getattr(sys.stdin, "buffer", None)
            if binary is None:  # a text stream put there by a caller
                binary = io.BytesIO(sys.stdin.read().encode("utf-8"))
            return load_stream(binary, timezone=timezone, strict=strict)
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


def _check_export(names: list[str], output: str, *, split: bool, feeds: bool) -> None:
    """Refuse an export's arguments that cannot work, before any programme is read.

    Raises:
        ValueError: arguments that do not go together.
        ExportError: an output folder whose parent does not exist.
    """
    if split and not any(get_exporter(name).render_event_prepared for name in names):
        raise ValueError(f"--split needs a format with a file per event, not {', '.join(names)}")
    if not output.strip():
        raise ValueError("--output needs a folder, or - for standard output")
    if output == "-":
        if len(names) != 1 or split or feeds:
            raise ValueError("--output - takes a single --format and no --split or --feeds")
        return
    check_folder(output)


def _export(
    programme: Programme,
    names: list[str],
    output: str,
    *,
    split: bool,
    options: dict[str, Any],
    feeds: bool = False,
    releases: History | None = None,
    verbose: bool = False,
) -> int:
    """Write the formats' files (:func:`isecg_events.site.export`), or print one.

    Prints the files written at the folder's top, and a line per folder
    below it with its count (every path with ``verbose``).
    """
    _check_export(names, output, split=split, feeds=feeds)
    if output == "-":
        content = render(programme, names, releases=releases, **options)[names[0]]
        binary = getattr(sys.stdout, "buffer", None)  # None when a caller put a text stream there
        if binary is None:
            sys.stdout.write(content.decode("utf-8"))
        else:
            binary.write(content)
        sys.stdout.flush()
        return EXIT_OK
    written = export(
        programme, output, names, feeds=feeds, split=split, releases=releases, **options
    )
    shown = written if verbose else _summary(written, output)
    sys.stdout.write("".join(printable(line) + "\n" for line in shown))
    return EXIT_OK


def _summary(paths: list[str], output: str) -> list[str]:
    """The top-level files as they are, each folder below as ``out/events/: 1,203 files``."""
    lines: list[str] = []
    folders: dict[str, int] = {}
    for path in paths:
        relative = os.path.relpath(path, output)
        head, _, rest = relative.partition(os.sep)
        if not rest:
            lines.append(path)
            continue
        if head not in folders:
            lines.append(head)
        folders[head] = folders.get(head, 0) + 1
    return [
        f"{os.path.join(output, line, '')}: {_count(folders[line], 'file')}"
        if line in folders
        else line
        for line in lines
    ]


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
    app = create_app(args.file, releases=args.releases, timezone=args.timezone, **options)
    print(f"serving {printable(args.file)} on http://{args.host}:{args.port}/", file=sys.stderr)
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C: a clean stop
        waitress.serve(app, host=args.host, port=args.port, threads=args.threads, ident=None)
    return EXIT_OK


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
