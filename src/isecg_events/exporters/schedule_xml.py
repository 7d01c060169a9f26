"""The frab ``schedule.xml`` that conference apps read.

Built with :mod:`xml.etree.ElementTree` (never by string concatenation) and
valid against the c3voc XSD; see ``docs/formats/schedule-xml.md``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from isecg_events.exporters import _frab
from isecg_events.exporters._text import clean
from isecg_events.model import Programme

__all__ = ["to_schedule_xml"]


def to_schedule_xml(programme: Programme) -> bytes:
    """Serialise the programme as a schedule.xml document.

    Returns:
        UTF-8 XML with a declaration, indented, ending with a newline.
    """
    root = ET.Element("schedule")
    ET.SubElement(root, "generator", name=_frab.GENERATOR, version=_frab.VERSION)
    _text(root, "version", _frab.schedule_version(programme))
    days = _frab.days(programme)
    _conference(root, programme, len(days))
    for day in days:
        _day(root, programme, day)
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode", xml_declaration=False)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode("utf-8")


def _text(parent: ET.Element, tag: str, value: str | int | None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    if value is not None:
        element.text = clean(str(value))
    return element


def _conference(root: ET.Element, programme: Programme, day_count: int) -> None:
    conference = programme.conference
    element = ET.SubElement(root, "conference")
    _text(element, "acronym", conference.id)
    _text(element, "title", conference.display_title)
    _text(element, "start", conference.start.isoformat())
    _text(element, "end", conference.end.isoformat())
    _text(element, "days", day_count)
    _text(element, "timeslot_duration", _frab.timeslot(programme))
    _text(element, "time_zone_name", conference.timezone)
    if conference.url:
        _text(element, "url", conference.url)
    for track in programme.tracks:
        _text(element, "track", track, name=clean(track))


def _day(root: ET.Element, programme: Programme, day: _frab.Day) -> None:
    element = ET.SubElement(
        root,
        "day",
        index=str(day.index),
        date=day.date.isoformat(),
        start=day.start.isoformat(),
        end=day.end.isoformat(),
    )
    for name, entries in day.rooms:
        room = ET.SubElement(element, "room", name=name, guid=_frab.room_guid(programme, name))
        for entry in entries:
            _event(room, entry)


def _event(room: ET.Element, entry: _frab.FrabEvent) -> None:
    element = ET.SubElement(room, "event", guid=entry.guid, id=str(entry.id))
    _text(element, "date", entry.date)
    _text(element, "start", entry.start)
    _text(element, "duration", entry.duration)
    _text(element, "room", entry.room)
    if entry.xml_slug:
        _text(element, "slug", entry.xml_slug)
    if entry.url:
        _text(element, "url", entry.url)
    _text(element, "title", entry.title)
    _text(element, "subtitle", entry.subtitle or "")
    _text(element, "track", entry.track or "")
    _text(element, "type", entry.type)
    if entry.language:
        _text(element, "language", entry.language)
    _text(element, "abstract", entry.abstract or "")
    if entry.description:
        _text(element, "description", entry.description)
    persons = ET.SubElement(element, "persons")
    for person in entry.persons:
        _text(persons, "person", person.name, guid=person.guid)
    ET.SubElement(element, "links")
