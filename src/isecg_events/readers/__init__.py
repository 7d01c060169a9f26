"""Readers: every input the library reads, behind :func:`load` and :func:`loads`.

Our own data format (TOML or JSON, :mod:`.native`), and frab/pretalx/c3voc
``schedule.json`` (:mod:`.frab_json`) and ``schedule.xml`` (:mod:`.frab_xml`).
Each builds a :class:`~isecg_events.programme.Programme`, which checks the
whole (:mod:`isecg_events.checks`); problems name the file and field path.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import BinaryIO, Final

from isecg_events import timezones
from isecg_events.errors import ProgrammeError
from isecg_events.programme import Programme
from isecg_events.readers import frab_json, frab_xml, native, positions
from isecg_events.readers.document import read_bytes, read_document, read_stream, sniff

__all__ = [
    "BUNDLED",
    "bundled_path",
    "load",
    "load_stream",
    "loads",
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


def load(path: str | os.PathLike[str] | None = None, *, timezone: str | None = None) -> Programme:
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

    Raises:
        ProgrammeError: the file cannot be read or has problems; every
            problem is listed with its file and field path.
        UnknownTimeZone: ``timezone`` is not an IANA zone name.
    """
    _check_zone(timezone)
    file = Path(path) if path is not None else bundled_path()
    name = str(path) if path is not None else f"data/{BUNDLED}"
    return _parse(read_bytes(file, name), name, _syntax_of(file), timezone)


def load_stream(
    stream: BinaryIO, source: str = "<stdin>", *, timezone: str | None = None
) -> Programme:
    """Load a programme from a binary stream (standard input, say), sniffing its syntax.

    XML starts with ``<``, JSON with ``{``; anything else is read as TOML.
    ``timezone`` is as in :func:`load`.

    Raises:
        ProgrammeError: the stream is over the size limit or has problems.
        UnknownTimeZone: ``timezone`` is not an IANA zone name.
    """
    _check_zone(timezone)
    raw = read_stream(stream, source)
    return _parse(raw, source, sniff(raw), timezone)


def loads(
    text: str | bytes,
    *,
    syntax: str = "toml",
    source: str = "<string>",
    timezone: str | None = None,
) -> Programme:
    """Load a programme from text in ``syntax`` ("toml", "json" or "xml").

    ``timezone`` is as in :func:`load`.

    Raises:
        ProgrammeError: the text has problems.
        UnknownTimeZone: ``timezone`` is not an IANA zone name.
    """
    _check_zone(timezone)
    raw = text.encode("utf-8") if isinstance(text, str) else text
    return _parse(raw, source, syntax, timezone)


def _check_zone(timezone: str | None) -> None:
    if timezone is not None:
        timezones.get_zone(timezone)


def _parse(raw: bytes, source: str, syntax: str, timezone: str | None) -> Programme:
    try:
        return _read(raw, source, syntax, timezone)
    except ProgrammeError as error:
        if syntax == "xml":
            raise
        # Lines and columns are looked up only now, when there are problems.
        text = raw.decode("utf-8", "replace").lstrip("\ufeff")
        raise ProgrammeError(positions.locate(error.problems, text, syntax)) from None


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
