"""The frab ``schedule.xml`` that conference apps read.

Written as a stream, valid against the c3voc XSD; see
``docs/formats/schedule-xml.md``. :class:`xml.sax.saxutils.XMLGenerator`
writes the frame; each ``<event>``, the bulk of a large export, is built as
one string with the same ``escape`` (see :func:`_event`). Streaming keeps a
25,000-event export from holding a whole element tree in memory.
"""

from __future__ import annotations

import functools
import io
from xml.sax.saxutils import XMLGenerator, escape, quoteattr

from isecg_events.exporters._prepared import Prepared
from isecg_events.exporters._text import clean
from isecg_events.exporters.frab import _entries
from isecg_events.programme import Programme

__all__ = ["render_prepared"]


class _Writer:
    """Indented elements over an XMLGenerator, collected as UTF-8 chunks.

    The frame is written by the XMLGenerator into a small text buffer; the
    events arrive as markup already escaped. Each is encoded as it comes,
    so no text copy of the whole document is ever held.
    """

    def __init__(self) -> None:
        self._frame = io.StringIO()
        self._xml = XMLGenerator(self._frame, encoding="utf-8", short_empty_elements=True)
        self._chunks: list[bytes] = []

    def write_raw(self, markup: str) -> None:
        """Write markup that is already escaped, after a finished start tag."""
        self._flush_frame()
        self._chunks.append(markup.encode("utf-8"))

    def _flush_frame(self) -> None:
        text = self._frame.getvalue()
        if text:
            self._chunks.append(text.encode("utf-8"))
            self._frame.seek(0)
            self._frame.truncate()

    def getvalue(self) -> bytes:
        """The document so far, as UTF-8."""
        self._flush_frame()
        return b"".join(self._chunks)

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
        out.write_raw("".join([_event(entry, numbers) for entry in entries]))
        out.close(2, "room")
    out.close(1, "day")


def _event(entry: _entries.FrabEvent, numbers: dict[str, int]) -> str:
    """One ``<event>`` element, indented at depth 3, as XMLGenerator would write it.

    The hot path of a large export, so the element is one string. Text is
    escaped by the same ``escape`` XMLGenerator applies; guids, ids, dates,
    times, durations and slugs are formatted by this library from UUIDs,
    numbers and ``[a-z0-9_-]`` and need none. A differential test in
    ``tests/test_schedule.py`` holds the result equal to XMLGenerator's.
    """
    slug = _entries.xml_slug(entry)
    url = _entries.web_url(entry)
    language = entry["language"]
    persons = entry["persons"]
    return "".join(
        (
            f'      <event guid="{entry["guid"]}" id="{entry["id"]}">\n'
            f"        <date>{entry['date']}</date>\n"
            f"        <start>{entry['start']}</start>\n"
            f"        <duration>{entry['duration']}</duration>\n",
            _repeated_leaf("room", entry["room"]),
            f"        <slug>{slug}</slug>\n" if slug else "",
            _leaf("url", clean(url)) if url else "",
            _leaf("title", entry["title"]),
            _leaf("subtitle", entry["subtitle"]),
            _repeated_leaf("track", entry["track"]),
            _repeated_leaf("type", entry["type"]),
            _repeated_leaf("language", clean(language)) if language else "",
            _leaf("abstract", entry["abstract"]),
            _leaf("description", entry["description"]) if entry["description"] else "",
            _persons(persons, numbers) if persons else "        <persons/>\n",
            _links(entry["links"]) if entry["links"] else "        <links/>\n",
            "      </event>\n",
        )
    )


def _persons(persons: tuple[_entries.Person, ...], numbers: dict[str, int]) -> str:
    people = "".join(
        [_person(numbers[person["guid"]], person["guid"], person["name"]) for person in persons]
    )
    return f"        <persons>\n{people}        </persons>\n"


@functools.lru_cache(maxsize=4096)
def _person(number: int, guid: str, name: str) -> str:
    """One ``<person>`` line (people recur across events)."""
    return f'          <person id="{number}" guid="{guid}"{_content("person", name)}\n'


def _links(links: tuple[_entries.Reference, ...]) -> str:
    items = "".join(
        [
            f"          <link href={quoteattr(link['url'])}{_content('link', link.get('title'))}\n"
            for link in links
        ]
    )
    return f"        <links>\n{items}        </links>\n"


def _leaf(tag: str, text: str | None) -> str:
    """A child of ``<event>`` holding clean text: ``<tag>text</tag>``, or ``<tag/>``."""
    return f"        <{tag}{_content(tag, text)}\n"


@functools.lru_cache(maxsize=4096)
def _repeated_leaf(tag: str, text: str | None) -> str:
    """:func:`_leaf` for values that recur across events: rooms, tracks, types, languages."""
    return _leaf(tag, text)


def _content(tag: str, text: str | None) -> str:
    """What follows ``<tag`` and its attributes: ``>text</tag>`` or ``/>``."""
    if not text:
        return "/>"
    if "&" in text or "<" in text or ">" in text:
        text = escape(text)
    return f">{text}</{tag}>"
