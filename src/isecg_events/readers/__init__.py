"""Readers: every input the library reads, behind :func:`load` and :func:`loads`.

Our own data format (TOML or JSON, :mod:`.native`), frab/pretalx/c3voc
``schedule.json`` (:mod:`.frab_json`) and ``schedule.xml`` (:mod:`.frab_xml`),
Sessionize "All" JSON (:mod:`.sessionize`), Indico JSON exports
(:mod:`.indico`), iCalendar (:mod:`.ical`), and CSV and XLSX tables
(:mod:`.spreadsheet`). The format is told by content (:mod:`.formats`),
so any of them goes wherever a programme file does. Each builds a
:class:`~isecg_events.programme.Programme`, which checks the whole
(:mod:`isecg_events.checks`); problems name the file and field path.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, BinaryIO, Final

import attrs

from isecg_events import timezones
from isecg_events.errors import Problem, ProgrammeError, ProgrammeWarning
from isecg_events.programme import Programme
from isecg_events.readers import formats, frab_json, native, positions
from isecg_events.readers.document import read_bytes, read_document, read_stream
from isecg_events.readers.mapping import mapping_of

__all__ = [
    "BUNDLED",
    "bundled_path",
    "load",
    "load_stream",
    "loads",
]

#: A mapping for a table: a mapping file's path, or its parsed content.
MappingSource = Mapping[str, Any] | str | os.PathLike[str] | None

#: The file name of the bundled GLEX 2017 programme.
BUNDLED: Final = "glex2017.toml"


def bundled_path() -> Path:
    """Return the path of the bundled GLEX 2017 data file.

    In an installed wheel the file lies inside the package; in a source
    checkout it is ``data/`` at the repository root.
    """
    packaged = resources.files("isecg_events").joinpath("data", BUNDLED)
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[3] / "data" / BUNDLED


def load(
    path: str | os.PathLike[str] | None = None,
    *,
    timezone: str | None = None,
    mapping: MappingSource = None,
    strict: bool = False,
) -> Programme:
    """Load a programme from a file; with no path, the bundled GLEX 2017 data.

    TOML and JSON files in this library's format are read, and so are frab
    and c3voc ``schedule.json`` and ``schedule.xml`` files, Sessionize
    "All" and Indico JSON exports, iCalendar files, and CSV and XLSX tables;
    the format is told by the content (see :mod:`.formats`).

    Args:
        path: the file; None for the bundled programme.
        timezone: an IANA zone that overrides the one the file gives: our
            format's ``[conference] timezone`` (its local times are read in
            it), or a schedule's ``time_zone_name`` (its times keep their
            instants and are shown in it). A schedule with none gets the zone
            its times' offsets fit, with a :class:`~isecg_events.errors.ProgrammeWarning`.
            Sessionize's and a table's times carry no zone: they need one.
        mapping: for a CSV or XLSX table, a mapping file (TOML) or its
            parsed table: column names, the conference, how to split
            speakers (see docs/importing.md).
        strict: refuse the programme for what is otherwise a warning (an
            inferred zone, a participant booked in two places at once): every
            :class:`~isecg_events.errors.ProgrammeWarning` becomes a problem.

    Raises:
        ProgrammeError: the file cannot be read or has problems; every
            problem is listed with its file and field path.
        UnknownTimeZone: ``timezone`` is not an IANA zone name.
    """
    _check_zone(timezone)
    file = Path(path) if path is not None else bundled_path()
    name = str(path) if path is not None else f"data/{BUNDLED}"
    return _parse(read_bytes(file, name), name, None, timezone, mapping, strict=strict)


def load_stream(
    stream: BinaryIO,
    source: str = "<stdin>",
    *,
    timezone: str | None = None,
    strict: bool = False,
) -> Programme:
    """Load a programme from a binary stream (standard input, say), its format told by content.

    Every format :func:`load` reads (:mod:`.formats`); ``timezone`` and
    ``strict`` are as in :func:`load`.

    Raises:
        ProgrammeError: the stream is over the size limit or has problems.
        UnknownTimeZone: ``timezone`` is not an IANA zone name.
    """
    _check_zone(timezone)
    return _parse(read_stream(stream, source), source, None, timezone, strict=strict)


def loads(
    text: str | bytes,
    *,
    syntax: str | None = None,
    source: str = "<string>",
    timezone: str | None = None,
    mapping: MappingSource = None,
    strict: bool = False,
) -> Programme:
    """Load a programme from text in ``syntax`` (one of :data:`.formats.FORMATS`).

    With no ``syntax`` the format is told by the content, as :func:`load`
    does, and text that is none of the others is read as TOML.
    ``timezone``, ``mapping`` and ``strict`` are as in :func:`load`.

    Raises:
        ProgrammeError: the text has problems.
        UnknownTimeZone: ``timezone`` is not an IANA zone name.
    """
    _check_zone(timezone)
    raw = text.encode("utf-8") if isinstance(text, str) else text
    if syntax is not None and syntax not in formats.FORMATS:
        raise ValueError(f"syntax must be one of {', '.join(formats.FORMATS)}, not {syntax!r}")
    return _parse(raw, source, syntax, timezone, mapping, fallback="toml", strict=strict)


def _check_zone(timezone: str | None) -> None:
    if timezone is not None:
        timezones.get_zone(timezone)


def _parse(
    raw: bytes,
    source: str,
    syntax: str | None,
    timezone: str | None,
    mapping: MappingSource = None,
    *,
    fallback: str | None = None,
    strict: bool = False,
) -> Programme:
    """The programme of ``raw``, in ``syntax`` or, with None, the format its content shows.

    The readers issue what they assumed and the programme's warnings, each
    at its place in the source; they are located here, and refused as
    problems when ``strict``.
    """
    raw = formats.to_utf8(raw)
    syntax = syntax or formats.detect(raw, source, fallback=fallback)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ProgrammeWarning)
        try:
            programme = _read(raw, source, syntax, timezone, mapping)
        except ProgrammeError as error:
            raise ProgrammeError(_located(error.problems, raw, source, syntax)) from None
    found = _located(
        [w.message.problem for w in caught if isinstance(w.message, ProgrammeWarning)],
        raw,
        source,
        syntax,
    )
    if strict and found:
        raise ProgrammeError(found)
    for warning in caught:
        if not isinstance(warning.message, ProgrammeWarning):
            warnings.warn_explicit(
                warning.message, warning.category, warning.filename, warning.lineno
            )
    for problem in found:
        warnings.warn(ProgrammeWarning(problem), stacklevel=3)
    return programme


def _located(problems: Sequence[Problem], raw: bytes, source: str, syntax: str) -> list[Problem]:
    """The problems of ``source`` with their lines and columns, looked up only when there are some.

    Problems of another file (the export a mapping file names) keep theirs.
    """
    if syntax not in ("toml", "json") or not problems:
        return list(problems)
    text = raw.decode("utf-8", "replace").lstrip("\ufeff")
    ours = [p for p in problems if p.file == source]
    located = iter(positions.locate(ours, text, syntax))
    return [next(located) if p.file == source else p for p in problems]


def _read(
    raw: bytes,
    source: str,
    syntax: str,
    timezone: str | None,
    mapping: MappingSource,
) -> Programme:
    """Dispatch to the reader of ``syntax`` (and, for JSON and TOML, of the document's kind).

    The readers of other sources are imported when a file needs them, not
    when the command starts.
    """
    if syntax == "xml":
        from isecg_events.readers import frab_xml

        return frab_xml.read(raw, source, timezone=timezone)
    if syntax == "ical":
        from isecg_events.readers import ical

        if mapping is not None:
            raise ProgrammeError.single(source, "", "a mapping applies to CSV and XLSX tables only")
        return ical.read(raw, source, timezone=timezone)
    if syntax in ("csv", "xlsx"):
        from isecg_events.readers import spreadsheet

        read = spreadsheet.read_csv if syntax == "csv" else spreadsheet.read_xlsx
        return read(raw, source, timezone=timezone, mapping=mapping)
    if mapping is not None:
        raise ProgrammeError.single(source, "", "a mapping applies to CSV and XLSX tables only")
    document = read_document(raw, source, syntax)
    kind = formats.json_kind(document) if syntax == "json" else "toml"
    if kind == "frab":
        return frab_json.read(document, source, timezone=timezone)
    if kind == "sessionize":
        from isecg_events.readers import sessionize

        return sessionize.read(document, source, timezone=timezone)
    if kind == "indico":
        from isecg_events.readers import indico

        return indico.read(document, source, timezone=timezone)
    if kind == "toml" and "import" in document:  # a mapping file naming its export
        return _mapped(document, source, timezone)
    conference = document.get("conference")
    if timezone is not None and isinstance(conference, dict):
        document = {**document, "conference": {**conference, "timezone": timezone}}
    return native.read(document, source)


def _mapped(document: dict[str, Any], source: str, timezone: str | None) -> Programme:
    """The export a mapping file names (``[import] file``), read as the mapping says.

    A table is read with the mapping's columns and conference. Any other
    export (Sessionize, Indico, iCalendar, a schedule) is read in the
    mapping's ``timezone`` and given its conference's title, venue and the
    like: so ``serve`` and ``publish`` take a Sessionize export too.
    """
    settings = mapping_of(document, source)
    if settings.file is None:
        raise ProgrammeError.single(source, "import.file", "is required: the export to read")
    base = Path(source).parent if not source.startswith("<") else Path()
    name = str(base / settings.file)
    raw = formats.to_utf8(read_bytes(Path(name), name))
    syntax = formats.detect(raw, name)
    if syntax in ("csv", "xlsx"):
        from isecg_events.readers import spreadsheet

        return spreadsheet.read_table(raw, name, settings, timezone=timezone)
    if syntax == "toml":
        raise ProgrammeError.single(
            source, "import.file", f"{settings.file!r} is TOML; name an export or a table"
        )
    given = settings.conference
    programme = _parse(raw, name, syntax, timezone or given.get("timezone"))
    changes = {key: given[key] for key in _CONFERENCE_TEXTS if key in given}
    if not changes:
        return programme
    try:
        return attrs.evolve(programme, conference=attrs.evolve(programme.conference, **changes))
    except ProgrammeError as error:
        raise ProgrammeError([attrs.evolve(p, file=source) for p in error.problems]) from None


#: What a mapping's ``[conference]`` sets on an export that is not a table.
_CONFERENCE_TEXTS: Final = (
    "title", "acronym", "venue", "city", "country", "url", "language", "description",
)  # fmt: skip
