"""Which format a programme's bytes are in, told by their content first.

Organisers keep programmes in many places; a file's name often says
nothing (``export.json``, ``programme``, standard input). This module looks
at the bytes: an XLSX workbook is a ZIP archive, XML opens with ``<``, an
iCalendar file with ``BEGIN:VCALENDAR``, JSON with ``{`` (and its keys tell
a frab schedule, a Sessionize "All" export, an Indico export and our own
format apart), TOML with a table header or a ``key = value`` line, CSV with
a delimited header row. Only what the content leaves open is settled by
the file's extension. Nothing recognisable is one clear error listing the
formats that are read.
"""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import Any, Final

from isecg_events.errors import ProgrammeError

__all__ = ["FORMATS", "SUPPORTED", "detect", "json_kind", "to_utf8"]

#: Every format a programme is read from, by the name :func:`detect` gives.
FORMATS: Final = (
    "toml", "json", "xml", "ical", "csv", "xlsx",
)  # fmt: skip

#: The formats as a sentence, for the error about a file in none of them.
SUPPORTED: Final = (
    "this library's TOML or JSON, a frab/pretalx schedule.json or schedule.xml, "
    "a Sessionize 'All' JSON export, an Indico JSON export, iCalendar (.ics), "
    "CSV or XLSX"
)

_BY_EXTENSION: Final = {
    ".toml": "toml", ".json": "json", ".xml": "xml", ".ics": "ical", ".ical": "ical",
    ".ifb": "ical", ".csv": "csv", ".tsv": "csv", ".tab": "csv", ".xlsx": "xlsx",
    ".xlsm": "xlsx",
}  # fmt: skip

# A first significant line of TOML: a table header (even a broken one, which
# TOML's own error then describes) or a key and "=".
_TOML_LINE: Final = re.compile(r"""^(?:\[|[A-Za-z0-9_."'-]+(?:\s*\.\s*[A-Za-z0-9_"'-]+)*\s*=)""")
_DELIMITERS: Final = (",", ";", "\t", "|")


def to_utf8(raw: bytes) -> bytes:
    """UTF-16 text (what spreadsheets save as "Unicode text") as UTF-8; other bytes as they are.

    Only text that says it is UTF-16 by its byte-order mark is converted;
    a UTF-8 BOM is left for the readers, which accept it.
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            return raw
    return raw


def detect(raw: bytes, source: str, *, fallback: str | None = None) -> str:
    """The format of a programme's bytes: one of :data:`FORMATS`.

    Args:
        raw: the bytes (UTF-16 already converted by :func:`to_utf8`).
        source: the file name; its extension settles what content does not.
        fallback: the format of text nothing else identifies (``loads`` reads
            TOML); None makes that an error.

    Raises:
        ProgrammeError: the bytes are in no format read here (one problem
            listing those that are).
    """
    if raw.startswith(b"PK\x03\x04"):
        return "xlsx"
    extension = _BY_EXTENSION.get(PurePath(source).suffix.lower())
    head = raw[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return "xml"
    if head.startswith(b"{") or (head.startswith(b"[") and extension == "json"):
        return "json"
    if head[:15].upper() == b"BEGIN:VCALENDAR":
        return "ical"
    if not raw.strip(b"\xef\xbb\xbf \t\r\n"):
        return extension or fallback or "toml"  # "is empty", said by the reader
    text = _head_text(head)
    if text is None:  # not UTF-8: the reader of the extension says where
        if extension is not None or fallback is not None:
            return extension or fallback or "toml"
        raise _unknown(source, "is not text (not UTF-8) and not an XLSX workbook")
    first = _first_line(text)
    if extension in ("csv", "xlsx"):
        return extension
    if _TOML_LINE.match(first):
        return "toml"
    if extension is not None:
        return extension
    if any(delimiter in first for delimiter in _DELIMITERS):
        return "csv"
    if fallback is not None:
        return fallback
    raise _unknown(source, "is in no format read here")


def json_kind(document: dict[str, Any]) -> str:
    """Which JSON a parsed document is: "frab", "sessionize", "indico" or "json" (ours)."""
    if "schedule" in document:
        return "frab"
    if isinstance(document.get("sessions"), list) and (
        "speakers" in document or "rooms" in document
    ):
        return "sessionize"
    if document.get("_type") == "HTTPAPIResult" or ("results" in document and "count" in document):
        return "indico"
    return "json"


def _head_text(head: bytes) -> str | None:
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start >= len(head) - 3:  # a character cut at the 4 KiB boundary
            return head[: error.start].decode("utf-8")
        return None


def _first_line(text: str) -> str:
    """The first line that is neither blank nor a ``#`` comment (stripped)."""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            return stripped
    return ""


def _unknown(source: str, what: str) -> ProgrammeError:
    return ProgrammeError.single(source, "", f"{what}; the formats read are {SUPPORTED}")
