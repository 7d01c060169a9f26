"""The columns a table's headers name, and the mapping file that names the rest.

:data:`COLUMNS` lists each field a column can give with the header names it
is recognised by. A mapping (a small TOML file, or its parsed content)
names other headers, how to split speakers, the sheet, the delimiter, the
date order, and the conference: it is checked here, every problem naming
the mapping file and key (see docs/importing.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import attrs

from isecg_events.errors import ProgrammeError, did_you_mean
from isecg_events.readers.document import read_bytes, read_document
from isecg_events.readers.fields import FieldReader

__all__ = ["BY_HEADER", "COLUMNS", "TableMapping", "header_key", "load_mapping", "mapping_of"]

COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "title": ("title", "titel", "sessiontitle", "talk", "talktitle", "eventtitle",
              "subject", "topic", "thema", "vortrag"),
    "start": ("start", "starttime", "startsat", "begin", "beginn", "from", "time", "von",
              "uhrzeit", "zeit", "scheduledat", "startdatetime", "datestart", "slot"),
    "end": ("end", "endtime", "endsat", "ende", "until", "to", "finish", "bis",
            "enddatetime", "dateend"),
    "duration": ("duration", "length", "dauer", "minutes", "durationminutes", "mins",
                 "lengthminutes", "laenge", "länge"),
    "date": ("date", "datum", "startdate", "daydate"),
    "day": ("day", "tag", "dayno", "daynumber"),
    "room": ("room", "raum", "location", "ort", "hall", "stage", "roomname", "saal", "venue"),
    "track": ("track", "category", "stream", "kategorie", "tracks"),
    "type": ("type", "format", "sessiontype", "sessionformat", "kind", "typ", "art"),
    "speakers": ("speakers", "speaker", "persons", "person", "presenters", "presenter",
                 "referent", "referenten", "referentinnen", "sprecher", "authors", "author",
                 "people", "speakernames", "speakername"),
    "abstract": ("abstract", "summary", "teaser", "kurzbeschreibung", "zusammenfassung"),
    "description": ("description", "beschreibung", "details", "notes", "text"),
    "id": ("id", "sessionid", "eventid", "talkid", "number", "nr", "uid"),
    "language": ("language", "lang", "sprache"),
    "url": ("url", "link", "website", "web", "page", "eventurl"),
    "subtitle": ("subtitle", "untertitel"),
    "status": ("status", "state"),
    "links": ("fileurl", "slides", "slidesurl", "recording", "recordingurl", "video",
              "videourl"),
}  # fmt: skip
BY_HEADER: Final = {name: field for field, names in COLUMNS.items() for name in names}

_MAPPING_FIELDS: Final = {
    "top": {"import", "conference"},
    "import": {"file", "sheet", "delimiter", "columns", "speaker_separators", "date_order"},
    "conference": {
        "id", "title", "acronym", "timezone", "start", "end", "venue", "city", "country",
        "url", "language", "description",
    },
}  # fmt: skip


def header_key(text: str) -> str:
    """A header as it is compared: lower case, without spaces or punctuation."""
    return re.sub(r"[\W_]+", "", text.casefold())


@attrs.frozen
class TableMapping:
    """A mapping file's content, checked: columns, separators, the sheet, the conference."""

    columns: dict[str, str] = attrs.Factory(dict)  # header key -> field
    separators: tuple[str, ...] = (";", "|")
    delimiter: str | None = None
    sheet: str | None = None
    day_first: bool = True
    conference: dict[str, Any] = attrs.Factory(dict)
    file: str | None = None


def mapping_of(document: Mapping[str, Any], source: str) -> TableMapping:
    """A mapping's parsed TOML, checked; every problem names the mapping file and key."""
    fields = FieldReader(source, _MAPPING_FIELDS)
    fields.table(dict(document), "", "top")
    table = document.get("import", {})
    table = fields.table(table, "import", "import") or {}
    columns: dict[str, str] = {}
    raw_columns = table.get("columns", {})
    if not isinstance(raw_columns, dict):
        fields.problem("import.columns", "must be a table of header = field")
        raw_columns = {}
    for header, field in raw_columns.items():
        if field not in COLUMNS:
            hint = did_you_mean(str(field), COLUMNS)
            fields.problem(
                f"import.columns.{header}", f"{field!r} is not one of {', '.join(COLUMNS)}{hint}"
            )
            continue
        columns[header_key(header)] = field
    separators = table.get("speaker_separators", [";", "|"])
    if not isinstance(separators, list) or not all(
        isinstance(s, str) and s.strip() and len(s) <= 5 for s in separators
    ):
        fields.problem("import.speaker_separators", "must be an array of short texts such as ';'")
        separators = [";", "|"]
    delimiter = fields.get(table, "delimiter", "import", fields.text)
    if delimiter is not None and len(delimiter) != 1:
        fields.problem("import.delimiter", f"{delimiter!r} must be one character")
    order = fields.get(
        table, "date_order", "import", lambda v, p: fields.one_of(v, p, ("dmy", "mdy"))
    )
    conference = _conference_fields(fields, document.get("conference", {}))
    if fields.problems:
        raise ProgrammeError(fields.problems)
    return TableMapping(
        columns=columns,
        separators=tuple(separators),
        delimiter=delimiter,
        sheet=fields.get(table, "sheet", "import", fields.text),
        day_first=order != "mdy",
        conference=dict(conference),
        file=fields.get(table, "file", "import", fields.text),
    )


_TEXTS: Final = ("title", "acronym", "venue", "city", "country")


def _conference_fields(fields: FieldReader, value: Any) -> dict[str, Any]:
    """The mapping's ``[conference]``, each value checked as our format checks it."""
    table = fields.table(value, "conference", "conference") or {}
    found: dict[str, Any] = {}
    readers = {
        **dict.fromkeys(_TEXTS, fields.text),
        "description": fields.long_text,
        "url": fields.url,
        "language": fields.language,
        "timezone": fields.zone_name,
        "start": fields.a_date,
        "end": fields.a_date,
        "id": fields.identifier,
    }
    for key, read in readers.items():
        if key in table and (checked := read(table[key], f"conference.{key}")) is not None:
            found[key] = checked
    return found


def load_mapping(given: Mapping[str, Any] | str | Any, source: str) -> TableMapping:
    """The mapping given to :func:`load`: a mapping file's path, or its parsed content."""
    if isinstance(given, Mapping):
        return mapping_of(given, "<mapping>")
    name = str(given)
    document = read_document(read_bytes(Path(name), name), name, "toml")
    return mapping_of(document, name)
