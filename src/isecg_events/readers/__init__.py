"""Readers: every input the library reads, behind :func:`load` and :func:`loads`.

Our own data format (TOML or JSON, :mod:`.native`), and frab/pretalx/c3voc
``schedule.json`` (:mod:`.frab_json`) and ``schedule.xml`` (:mod:`.frab_xml`).
Each builds a :class:`~isecg_events.programme.Programme`, which checks the
whole (:mod:`isecg_events.checks`); problems name the file and field path.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import BinaryIO, Final

import attrs

from isecg_events import timezones
from isecg_events.collector import collector_paused
from isecg_events.errors import Problem, ProgrammeError, ProgrammeWarning
from isecg_events.programme import Programme
from isecg_events.readers import frab_json, frab_xml, native, positions
from isecg_events.readers.document import read_bytes, read_document, read_stream, sniff

__all__ = [
    "BUNDLED",
    "Source",
    "bundled_path",
    "load",
    "load_source",
    "load_stream",
    "loads",
    "read_source",
    "read_source_stream",
]

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
    strict: bool = False,
) -> Programme:
    """Load a programme from a file; with no path, the bundled GLEX 2017 data.

    TOML and JSON files in this library's format are read, and so are frab
    and c3voc ``schedule.json`` and ``schedule.xml`` files.

    Args:
        path: the file; None for the bundled programme.
        timezone: an IANA zone that overrides the one the file gives: our
            format's ``[conference] timezone`` (its local times are read in
            it), or a schedule's ``time_zone_name`` (its times keep their
            instants and are shown in it). A schedule with none gets the zone
            its times' offsets fit, with a :class:`~isecg_events.errors.ProgrammeWarning`.
        strict: refuse the programme for what is otherwise a warning (an
            inferred zone, a participant booked in two places at once): every
            :class:`~isecg_events.errors.ProgrammeWarning` becomes a problem.

    Raises:
        ProgrammeError: the file cannot be read or has problems; every
            problem is listed with its file and field path.
        UnknownTimeZone: ``timezone`` is not an IANA zone name.
    """
    _check_zone(timezone)
    return load_source(read_source(path), timezone=timezone, strict=strict)


@attrs.frozen
class Source:
    """A programme's bytes as read, not yet parsed: :func:`load` in two steps.

    Attributes:
        raw: the bytes.
        name: the file's name in messages.
        syntax: "toml", "json" or "xml".
    """

    raw: bytes = attrs.field(repr=False)
    name: str
    syntax: str


def read_source(path: str | os.PathLike[str] | None = None) -> Source:
    """Read a programme file's bytes (the bundled programme's with no path), without parsing them.

    Raises:
        ProgrammeError: the file is missing, a folder, unreadable or too large.
    """
    file = Path(path) if path is not None else bundled_path()
    name = str(path) if path is not None else f"data/{BUNDLED}"
    return Source(read_bytes(file, name), name, _syntax_of(file))


def read_source_stream(stream: BinaryIO, name: str = "<stdin>") -> Source:
    """Read a programme's bytes from a binary stream, sniffing its syntax as :func:`load_stream`.

    Raises:
        ProgrammeError: the stream holds more than the size limit.
    """
    raw = read_stream(stream, name)
    return Source(raw, name, sniff(raw))


def load_source(source: Source, *, timezone: str | None = None, strict: bool = False) -> Programme:
    """Load the programme of bytes already read; ``timezone`` is as in :func:`load`.

    The same bytes give the same programme, in any process.

    Raises:
        ProgrammeError: the bytes have problems.
        UnknownTimeZone: ``timezone`` is not an IANA zone name.
    """
    _check_zone(timezone)
    return _parse(source.raw, source.name, source.syntax, timezone, strict)


def load_stream(
    stream: BinaryIO,
    source: str = "<stdin>",
    *,
    timezone: str | None = None,
    strict: bool = False,
) -> Programme:
    """Load a programme from a binary stream (standard input, say), sniffing its syntax.

    XML starts with ``<``, JSON with ``{``; anything else is read as TOML.
    ``timezone`` is as in :func:`load`.

    Raises:
        ProgrammeError: the stream is over the size limit or has problems.
        UnknownTimeZone: ``timezone`` is not an IANA zone name.
    """
    _check_zone(timezone)
    return load_source(read_source_stream(stream, source), timezone=timezone, strict=strict)


def loads(
    text: str | bytes,
    *,
    syntax: str = "toml",
    source: str = "<string>",
    timezone: str | None = None,
    strict: bool = False,
) -> Programme:
    """Load a programme from text in ``syntax`` ("toml", "json" or "xml").

    ``timezone`` is as in :func:`load`.

    Raises:
        ProgrammeError: the text has problems.
        UnknownTimeZone: ``timezone`` is not an IANA zone name.
    """
    _check_zone(timezone)
    raw = text.encode("utf-8") if isinstance(text, str) else text
    return _parse(raw, source, syntax, timezone, strict)


def _check_zone(timezone: str | None) -> None:
    if timezone is not None:
        timezones.get_zone(timezone)


def _parse(
    raw: bytes, source: str, syntax: str, timezone: str | None, strict: bool = False
) -> Programme:
    """The programme of ``raw``; its warnings issued, or refused as problems when ``strict``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ProgrammeWarning)
        try:
            with collector_paused():
                programme = _read(raw, source, syntax, timezone)
        except ProgrammeError as error:
            raise ProgrammeError(_located(error.problems, raw, syntax)) from None
    # The readers issue what they assumed and the programme's warnings, each
    # with its path in the file; lines are looked up only now.
    found = _located(
        [w.message.problem for w in caught if isinstance(w.message, ProgrammeWarning)],
        raw,
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


def _located(problems: Sequence[Problem], raw: bytes, syntax: str) -> list[Problem]:
    """The problems with their lines and columns, looked up only when there are some."""
    if syntax == "xml" or not problems:
        return list(problems)
    text = raw.decode("utf-8", "replace").lstrip("\ufeff")
    return positions.locate(problems, text, syntax)


def _read(raw: bytes, source: str, syntax: str, timezone: str | None) -> Programme:
    if syntax == "xml":
        return frab_xml.read(raw, source, timezone=timezone)
    document = read_document(raw, source, syntax)
    if syntax == "json" and "schedule" in document:
        return frab_json.read(document, source, timezone=timezone)
    conference = document.get("conference")
    if timezone is not None and isinstance(conference, dict):
        document = {**document, "conference": {**conference, "timezone": timezone}}
    return native.read(document, source)


def _syntax_of(file: Path) -> str:
    suffix = file.suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix == ".xml":
        return "xml"
    return "toml"
