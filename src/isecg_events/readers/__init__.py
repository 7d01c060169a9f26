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

from isecg_events.programme import Programme
from isecg_events.readers import frab_json, frab_xml, native
from isecg_events.readers.document import read_bytes, read_document, read_stream, sniff

__all__ = ["BUNDLED", "bundled_path", "load", "load_stream", "loads"]

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


def load(path: str | os.PathLike[str] | None = None) -> Programme:
    """Load a programme from a file; with no path, the bundled GLEX 2017 data.

    TOML and JSON files in this library's format are read, and so are frab
    and c3voc ``schedule.json`` and ``schedule.xml`` files.

    Raises:
        ProgrammeError: the file cannot be read or has problems; every
            problem is listed with its file and field path.
    """
    file = Path(path) if path is not None else bundled_path()
    source = str(path) if path is not None else f"data/{BUNDLED}"
    raw = read_bytes(file, source)
    return _parse(raw, source, _syntax_of(file))


def load_stream(stream: BinaryIO, source: str = "<stdin>") -> Programme:
    """Load a programme from a binary stream (standard input, say), sniffing its syntax.

    XML starts with ``<``, JSON with ``{``; anything else is read as TOML.

    Raises:
        ProgrammeError: the stream is over the size limit or has problems.
    """
    raw = read_stream(stream, source)
    return _parse(raw, source, sniff(raw))


def loads(text: str | bytes, *, syntax: str = "toml", source: str = "<string>") -> Programme:
    """Load a programme from text in ``syntax`` ("toml", "json" or "xml").

    Raises:
        ProgrammeError: the text has problems.
    """
    raw = text.encode("utf-8") if isinstance(text, str) else text
    return _parse(raw, source, syntax)


def _parse(raw: bytes, source: str, syntax: str) -> Programme:
    if syntax == "xml":
        return frab_xml.read(raw, source)
    document = read_document(raw, source, syntax)
    if syntax == "json" and "schedule" in document:
        return frab_json.read(document, source)
    return native.read(document, source)


def _syntax_of(file: Path) -> str:
    suffix = file.suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix == ".xml":
        return "xml"
    return "toml"
