"""The frab/c3voc ``schedule.json`` (version 1) that conference apps read.

Valid against the c3voc schema (``https://c3voc.de/schedule/schema.json``);
the mapping is documented in ``docs/formats/schedule-json.md``.
"""

from __future__ import annotations

from typing import Any

import orjson

from isecg_events.exporters._prepared import Prepared
from isecg_events.exporters._text import clean
from isecg_events.exporters.frab import _entries

__all__ = ["SCHEMA_URL", "render_prepared"]

SCHEMA_URL = "https://c3voc.de/schedule/schema.json"


def render_prepared(prepared: Prepared) -> bytes:
    """Serialise a prepared programme (whose entries schedule.xml shares)."""
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
            "conference": _conference(prepared, days),
        },
    }
    # orjson writes the bytes json.dumps(ensure_ascii=False, separators=(",", ":"))
    # would, about five times faster (tests/test_schedule.py compares the two).
    return orjson.dumps(document, option=orjson.OPT_APPEND_NEWLINE)


def _conference(prepared: Prepared, days: tuple[_entries.Day, ...]) -> dict[str, Any]:
    programme = prepared.programme
    conference = programme.conference
    result: dict[str, Any] = {
        "acronym": conference.id,
        "title": clean(conference.display_title),
        "start": conference.start.isoformat(),
        "end": conference.end.isoformat(),
        "daysCount": len(days),
        "timeslot_duration": _entries.timeslot(prepared),
        "time_zone_name": conference.timezone,
    }
    if conference.url:
        result["url"] = conference.url
    if conference.description:
        result["description"] = clean(conference.description)
    tracks = _entries.tracks(prepared)
    if tracks:
        result["tracks"] = [{"name": clean(name)} for name in tracks]
    result["rooms"] = [{"name": name, "guid": guid} for name, guid in _entries.rooms(prepared)]
    result["days"] = [_day(day) for day in days]
    return result


def _day(day: _entries.Day) -> dict[str, Any]:
    return {
        "index": day.index,
        "date": day.date.isoformat(),
        "day_start": day.start.isoformat(),
        "day_end": day.end.isoformat(),
        "rooms": {name: list(entries) for name, entries in day.rooms},
    }
