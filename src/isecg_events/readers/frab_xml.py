"""Read a frab ``schedule.xml`` into the model, safely.

The XML is parsed with defusedxml with DTDs forbidden: no entity expansion
(no "billion laughs"), no external entities, no network. The document is
mapped onto the schedule.json shape and read by :mod:`.frab_json`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from isecg_events.errors import ProgrammeError
from isecg_events.programme import Programme
from isecg_events.readers import frab_json

__all__ = ["read"]

_EVENT_FIELDS = (
    "date", "start", "duration", "room", "slug", "url", "title", "subtitle", "track",
    "type", "language", "abstract", "description",
)  # fmt: skip
_CONFERENCE_FIELDS = (
    "acronym", "title", "start", "end", "time_zone_name", "url", "day_change",
)  # fmt: skip


def read(raw: bytes, source: str, *, timezone: str | None = None) -> Programme:
    """Build a programme from schedule.xml bytes.

    ``timezone`` is as in :func:`.frab_json.read`.

    Raises:
        ProgrammeError: the XML is malformed, declares a DTD or entities,
            or its content has problems.
    """
    try:
        root = SafeET.fromstring(raw, forbid_dtd=True)
    except DefusedXmlException:
        raise ProgrammeError.single(
            source, "", "XML with a DTD or entity declarations is refused (unsafe)"
        ) from None
    except (LookupError, ValueError) as error:  # encoding="foo", multi-byte encodings
        raise ProgrammeError.single(source, "", f"XML cannot be read: {error}") from None
    except RecursionError:
        raise ProgrammeError.single(source, "", "XML is nested too deeply") from None
    except ET.ParseError as error:
        line, column = error.position
        reason = re.sub(r": line \d+, column \d+$", "", str(error))
        raise ProgrammeError.single(
            source, "", f"XML syntax error: {reason}", line=line, column=column + 1
        ) from None
    if root.tag != "schedule":
        raise ProgrammeError.single(source, root.tag, "the root element must be <schedule>")
    document = {"schedule": _schedule(root), "generator": _generator(root)}
    return frab_json.read(document, source, timezone=timezone)


def _is_number(text: str) -> bool:
    """ASCII digits only (``"²".isdigit()`` is true); the reader checks the range."""
    return text.isascii() and text.isdigit() and len(text) <= 4000


def _text(element: ET.Element | None) -> str | None:
    if element is None or element.text is None:
        return None
    return element.text


def _schedule(root: ET.Element) -> dict[str, Any]:
    conference = root.find("conference")
    table: dict[str, Any] = {}
    if conference is not None:
        for field in _CONFERENCE_FIELDS:
            value = _text(conference.find(field))
            if value is not None:
                table[field] = value
        tracks = [*conference.iterfind("track"), *conference.iterfind("tracks/track")]
        table["tracks"] = [
            {"name": track.get("name") or track.text, **_attributes(track, "color", "slug")}
            for track in tracks
        ]
    days = root.findall("day")
    table["rooms"] = [
        {"name": room.get("name"), **_attributes(room, "guid", "slug")}
        for day in days
        for room in day.findall("room")
    ]
    table["days"] = [_day(day) for day in days]
    return {"version": _text(root.find("version")), "conference": table}


def _attributes(element: ET.Element, *names: str) -> dict[str, str]:
    return {name: value for name in names if (value := element.get(name))}


def _generator(root: ET.Element) -> dict[str, Any] | None:
    generator = root.find("generator")
    return None if generator is None else {"name": generator.get("name")}


def _day(day: ET.Element) -> dict[str, Any]:
    rooms: dict[str, list[dict[str, Any]]] = {}
    for room in day.findall("room"):
        entries = rooms.setdefault(room.get("name", ""), [])
        entries.extend(_event(event) for event in room.findall("event"))
    bounds = {"day_start": day.get("start"), "day_end": day.get("end")}
    return {"date": day.get("date"), **{k: v for k, v in bounds.items() if v}, "rooms": rooms}


def _event(event: ET.Element) -> dict[str, Any]:
    entry: dict[str, Any] = {"guid": event.get("guid")}
    number = event.get("id")
    if number is not None and _is_number(number):
        entry["id"] = int(number)
    for field in _EVENT_FIELDS:
        value = _text(event.find(field))
        if value is not None:
            entry[field] = value
    persons = []
    for person in event.iterfind("persons/person"):
        item: dict[str, Any] = {"name": person.text or ""}
        if person.get("guid"):
            item["guid"] = person.get("guid")
        if _is_number(person.get("id") or ""):
            item["id"] = int(person.get("id", "0"))
        persons.append(item)
    entry["persons"] = persons
    entry["links"] = [
        {"url": link.get("href") or "", "title": link.text or ""}
        for link in event.iterfind("links/link")
    ]
    return entry
