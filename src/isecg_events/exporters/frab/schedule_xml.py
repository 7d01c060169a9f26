"""The frab ``schedule.xml`` that conference apps read.

Valid against the c3voc XSD; see ``docs/formats/schedule-xml.md``.
:class:`xml.sax.saxutils.XMLGenerator` writes every element, indented.
"""

from __future__ import annotations

import io

from isecg_events.exporters._prepared import Prepared
from isecg_events.exporters._text import clean
from isecg_events.exporters.frab import _entries
from isecg_events.programme import Programme

__all__ = ["render_prepared"]


class _Writer:
    """Indented elements over an XMLGenerator."""

    def __init__(self) -> None:
        # Imported here: xml.sax.saxutils brings urllib and http.client, which
        # the command's start (``--version``, a feed server's) does not need.
        from xml.sax.saxutils import XMLGenerator

        self._out = io.StringIO()
        self._xml = XMLGenerator(self._out, encoding="utf-8", short_empty_elements=True)

    def getvalue(self) -> bytes:
        """The document so far, as UTF-8."""
        return self._out.getvalue().encode("utf-8")

    def start_document(self) -> None:
        self._xml.startDocument()

    def open(self, depth: int, tag: str, **attributes: str) -> None:
        self._xml.ignorableWhitespace("  " * depth)
        self._xml.startElement(tag, attributes)  # type: ignore[arg-type]
        self._xml.ignorableWhitespace("\n")

    def close(self, depth: int, tag: str) -> None:
        self._xml.ignorableWhitespace("  " * depth)
        self._xml.endElement(tag)
        self._xml.ignorableWhitespace("\n")

    def leaf(self, depth: int, tag: str, text: str | int | None, **attributes: str) -> None:
        self._xml.ignorableWhitespace("  " * depth)
        self._xml.startElement(tag, attributes)  # type: ignore[arg-type]
        if text is not None and text != "":
            self._xml.characters(clean(str(text)))
        self._xml.endElement(tag)
        self._xml.ignorableWhitespace("\n")


def render_prepared(prepared: Prepared) -> bytes:
    """Serialise a prepared programme (whose entries schedule.json shares)."""
    programme = prepared.programme
    days = _entries.days(prepared)
    out = _Writer()
    out.start_document()
    out.open(0, "schedule")
    out.leaf(1, "generator", None, name=_entries.GENERATOR, version=_entries.VERSION)
    out.leaf(1, "version", _entries.schedule_version(programme))
    _conference(out, prepared, len(days))
    numbers = _entries.person_numbers(prepared)
    for day in days:
        _day(out, programme, day, numbers)
    out.close(0, "schedule")
    return out.getvalue()


def _conference(out: _Writer, prepared: Prepared, day_count: int) -> None:
    programme = prepared.programme
    conference = programme.conference
    out.open(1, "conference")
    out.leaf(2, "acronym", conference.id)
    out.leaf(2, "title", conference.display_title)
    out.leaf(2, "start", conference.start.isoformat())
    out.leaf(2, "end", conference.end.isoformat())
    out.leaf(2, "days", day_count)
    out.leaf(2, "timeslot_duration", _entries.timeslot(prepared))
    out.leaf(2, "time_zone_name", conference.timezone)
    if conference.url:
        out.leaf(2, "url", conference.url)
    for track in _entries.tracks(prepared):
        extra = {k: v for k, v in (("color", track.color), ("slug", track.slug)) if v}
        out.leaf(2, "track", track.name, name=clean(track.name), **extra)
    out.close(1, "conference")


def _day(out: _Writer, programme: Programme, day: _entries.Day, numbers: dict[str, int]) -> None:
    attributes = {
        "index": str(day.index),
        "date": day.date.isoformat(),
        "start": day.start.isoformat(),
        "end": day.end.isoformat(),
    }
    if not day.rooms:
        out.leaf(1, "day", None, **attributes)
        return
    out.open(1, "day", **attributes)
    for name, entries in day.rooms:
        out.open(2, "room", name=name, guid=_entries.room_guid(programme, name))
        for entry in entries:
            _event(out, entry, numbers)
        out.close(2, "room")
    out.close(1, "day")


def _event(out: _Writer, entry: _entries.FrabEvent, numbers: dict[str, int]) -> None:
    """One ``<event>`` element, at depth 3."""
    out.open(3, "event", guid=entry["guid"], id=str(entry["id"]))
    for key in ("date", "start", "duration", "room"):
        out.leaf(4, key, entry[key])
    slug = _entries.xml_slug(entry)
    if slug:
        out.leaf(4, "slug", slug)
    url = _entries.web_url(entry)
    if url:
        out.leaf(4, "url", url)
    for key in ("title", "subtitle", "track", "type"):
        out.leaf(4, key, entry[key])  # type: ignore[literal-required]
    if entry["language"]:
        out.leaf(4, "language", entry["language"])
    out.leaf(4, "abstract", entry["abstract"])
    if entry["description"]:
        out.leaf(4, "description", entry["description"])
    if entry["persons"]:
        out.open(4, "persons")
        for person in entry["persons"]:
            number = str(numbers[person["guid"]])
            out.leaf(5, "person", person["name"], id=number, guid=person["guid"])
        out.close(4, "persons")
    else:
        out.leaf(4, "persons", None)
    if entry["links"]:
        out.open(4, "links")
        for link in entry["links"]:
            out.leaf(5, "link", link.get("title"), href=link["url"])
        out.close(4, "links")
    else:
        out.leaf(4, "links", None)
    out.close(3, "event")
