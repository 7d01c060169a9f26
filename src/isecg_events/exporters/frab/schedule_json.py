"""The frab/c3voc ``schedule.json`` (version 1) that conference apps read.

Valid against the c3voc schema (``https://c3voc.de/schedule/schema.json``);
the mapping is documented in ``docs/formats/schedule-json.md``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Literal

import orjson

from isecg_events.exporters._prepared import Prepared
from isecg_events.exporters._registry import Option
from isecg_events.exporters._text import clean
from isecg_events.exporters.frab import _entries

__all__ = ["OPTIONS", "PERSON_STYLES", "SCHEMA_URL", "PersonStyle", "render_prepared"]

SCHEMA_URL = "https://c3voc.de/schedule/schema.json"

#: The zone names the schema's ``time_zone_name`` pattern takes (it anchors
#: only the ``Area/Location`` branch's start, so ``America/Los_Angeles`` passes).
_ZONE_NAME = re.compile(r"^([A-Z][a-z]+/[A-Z][a-z]+)|UTC$")

PersonStyle = Literal["pretalx", "frab"]

#: How persons are written. The schema takes a person as pretalx writes one
#: (``name``) or as frab does (``id`` and ``public_name``) but not as both
#: (its ``oneOf`` refuses a person matching both), so the two are a choice:
#: ``pretalx`` gives guid, name and public_name; ``frab`` guid, id and public_name.
PERSON_STYLES: tuple[PersonStyle, ...] = ("pretalx", "frab")

#: The options of the ``json`` format.
OPTIONS = (
    Option(
        name="persons",
        default="pretalx",
        choices=PERSON_STYLES,
        help="person fields: pretalx (guid, name, public_name) or frab (guid, id, public_name)",
    ),
)


def render_prepared(prepared: Prepared, *, persons: PersonStyle = "pretalx") -> bytes:
    """Serialise a prepared programme (whose entries schedule.xml shares).

    Args:
        prepared: the programme, prepared once for every format rendered.
        persons: the person fields to write (see :data:`PERSON_STYLES`).

    Raises:
        ValueError: ``persons`` is not one of :data:`PERSON_STYLES`.
    """
    if persons not in PERSON_STYLES:
        raise ValueError(f"persons must be one of {', '.join(PERSON_STYLES)}, not {persons!r}")
    programme = prepared.programme
    days = _entries.days(prepared)
    document = {
        "$schema": SCHEMA_URL,
        "generator": {
            "name": _entries.GENERATOR,
            "version": _entries.VERSION,
            "url": _entries.GENERATOR_URL,
        },
        "schedule": {
            "version": _entries.schedule_version(programme),
            "conference": _conference(prepared, days, persons),
        },
    }
    # orjson writes the bytes json.dumps(ensure_ascii=False, separators=(",", ":"))
    # would, about five times faster (tests/test_schedule.py compares the two).
    return orjson.dumps(document, option=orjson.OPT_APPEND_NEWLINE)


def _conference(
    prepared: Prepared, days: tuple[_entries.Day, ...], persons: PersonStyle
) -> dict[str, Any]:
    programme = prepared.programme
    conference = programme.conference
    result: dict[str, Any] = {
        "acronym": conference.id,
        "title": clean(conference.display_title),
        "start": conference.start.isoformat(),
        "end": conference.end.isoformat(),
        "daysCount": len(days),
        "timeslot_duration": _entries.timeslot(prepared),
    }
    if _ZONE_NAME.match(conference.timezone):
        # The schema's pattern refuses fixed-offset zones (Etc/GMT-1) and
        # aliases (EST5EDT); without the field, apps read each time's offset.
        result["time_zone_name"] = conference.timezone
    if conference.url:
        result["url"] = conference.url
    if conference.description:
        result["description"] = clean(conference.description)
    tracks = _entries.tracks(prepared)
    if tracks:
        result["tracks"] = [
            {"name": clean(track.name), **_given(color=track.color, slug=track.slug)}
            for track in tracks
        ]
    result["rooms"] = [
        {"name": name, "guid": guid, **_given(slug=slug)}
        for name, guid, slug in _entries.rooms(prepared)
    ]
    entry = _frab_persons(prepared) if persons == "frab" else None
    result["days"] = [_day(day, entry) for day in days]
    return result


def _given(**values: str | None) -> dict[str, str]:
    return {key: value for key, value in values.items() if value is not None}


def _day(day: _entries.Day, entry: Callable[[_entries.FrabEvent], Any] | None) -> dict[str, Any]:
    return {
        "index": day.index,
        "date": day.date.isoformat(),
        "day_start": day.start.isoformat(),
        "day_end": day.end.isoformat(),
        "rooms": {
            name: list(entries) if entry is None else list(map(entry, entries))
            for name, entries in day.rooms
        },
    }


def _frab_persons(prepared: Prepared) -> Callable[[_entries.FrabEvent], dict[str, Any]]:
    """A function giving an entry with every person as frab writes one (guid, id, public_name)."""
    numbers = _entries.person_numbers(prepared)
    people: dict[str, dict[str, Any]] = {}

    def person(given: _entries.Person) -> dict[str, Any]:
        found = people.get(given["guid"])
        if found is None:
            found = people[given["guid"]] = {
                "guid": given["guid"],
                "id": numbers[given["guid"]],
                "public_name": given["public_name"],
            }
        return found

    def entry(given: _entries.FrabEvent) -> dict[str, Any]:
        return {**given, "persons": [person(p) for p in given["persons"]]}

    return entry
