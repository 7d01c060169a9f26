"""The frab ``schedule.xml`` that conference apps read.

Written as a stream with :class:`xml.sax.saxutils.XMLGenerator`, which does
all escaping (never string concatenation of markup), and valid against the
c3voc XSD; see ``docs/formats/schedule-xml.md``. Streaming keeps a 25,000-event
export from holding a whole element tree in memory.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import XMLGenerator

from isecg_events.exporters import _frab
from isecg_events.exporters._text import clean
from isecg_events.model import Programme

__all__ = ["to_schedule_xml"]


class _Writer:
    """Indented elements over an XMLGenerator."""

    def __init__(self, stream: io.StringIO) -> None:
        self._xml = XMLGenerator(stream, encoding="utf-8", short_empty_elements=True)

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


def to_schedule_xml(programme: Programme) -> bytes:
    """Serialise the programme as a schedule.xml document.

    Returns:
        UTF-8 XML with a declaration, indented, ending with a newline.
    """
    return render(programme, _frab.days(programme))


def render(programme: Programme, days: tuple[_frab.Day, ...]) -> bytes:
    """Serialise with the schedule's days already computed (shared with JSON)."""
    stream = io.StringIO()
    out = _Writer(stream)
    out.start_document()
    out.open(0, "schedule")
    out.leaf(1, "generator", None, name=_frab.GENERATOR, version=_frab.VERSION)
    out.leaf(1, "version", _frab.schedule_version(programme))
    _conference(out, programme, len(days))
    for day in days:
        _day(out, programme, day)
    out.close(0, "schedule")
    return stream.getvalue().encode("utf-8")


def _conference(out: _Writer, programme: Programme, day_count: int) -> None:
    conference = programme.conference
    out.open(1, "conference")
    out.leaf(2, "acronym", conference.id)
    out.leaf(2, "title", conference.display_title)
    out.leaf(2, "start", conference.start.isoformat())
    out.leaf(2, "end", conference.end.isoformat())
    out.leaf(2, "days", day_count)
    out.leaf(2, "timeslot_duration", _frab.timeslot(programme))
    out.leaf(2, "time_zone_name", conference.timezone)
    if conference.url:
        out.leaf(2, "url", conference.url)
    for track in programme.tracks:
        out.leaf(2, "track", track, name=clean(track))
    out.close(1, "conference")


def _day(out: _Writer, programme: Programme, day: _frab.Day) -> None:
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
        out.open(2, "room", name=name, guid=_frab.room_guid(programme, name))
        for entry in entries:
            _event(out, entry)
        out.close(2, "room")
    out.close(1, "day")


def _event(out: _Writer, entry: _frab.FrabEvent) -> None:
    out.open(3, "event", guid=entry["guid"], id=str(entry["id"]))
    out.leaf(4, "date", entry["date"])
    out.leaf(4, "start", entry["start"])
    out.leaf(4, "duration", entry["duration"])
    out.leaf(4, "room", entry["room"])
    slug = _frab.xml_slug(entry)
    if slug:
        out.leaf(4, "slug", slug)
    url = _frab.web_url(entry)
    if url:
        out.leaf(4, "url", url)
    out.leaf(4, "title", entry["title"])
    out.leaf(4, "subtitle", entry["subtitle"])
    out.leaf(4, "track", entry["track"])
    out.leaf(4, "type", entry["type"])
    if entry["language"]:
        out.leaf(4, "language", entry["language"])
    out.leaf(4, "abstract", entry["abstract"])
    if entry["description"]:
        out.leaf(4, "description", entry["description"])
    if entry["persons"]:
        out.open(4, "persons")
        for person in entry["persons"]:
            out.leaf(5, "person", person["name"], guid=person["guid"])
        out.close(4, "persons")
    else:
        out.leaf(4, "persons", None)
    out.leaf(4, "links", None)
    out.close(3, "event")
