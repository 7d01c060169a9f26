"""The frab/c3voc ``schedule.json`` (version 1) that conference apps read.

Valid against the c3voc schema (``https://c3voc.de/schedule/schema.json``);
the mapping is documented in ``docs/formats/schedule-json.md``.
"""

from __future__ import annotations

from typing import Any

import orjson

from isecg_events.exporters import _frab
from isecg_events.exporters._collector import collector_paused
from isecg_events.exporters._prepared import Prepared
from isecg_events.exporters._text import clean
from isecg_events.model import Programme

__all__ = ["SCHEMA_URL", "render_prepared", "to_schedule_json"]

SCHEMA_URL = "https://c3voc.de/schedule/schema.json"


def to_schedule_json(programme: Programme) -> bytes:
    """Serialise the programme as a schedule.json document.

    Returns:
        Compact UTF-8 JSON (keys in a fixed order) ending with a newline;
        compact because it is several times faster to write and smaller
        than an indented dump. Pipe it through ``jq .`` to read it.
    """
    with collector_paused():
        return render_prepared(Prepared(programme))


def render_prepared(prepared: Prepared) -> bytes:
    """Serialise a prepared programme (whose entries schedule.xml shares)."""
    programme = prepared.programme
    days = prepared.frab_days
    document = {
        "$schema": SCHEMA_URL,
        "generator": {
            "name": _frab.GENERATOR,
            "version": _frab.VERSION,
            "url": _frab.GENERATOR_URL,
        },
        "schedule": {
            "version": _frab.schedule_version(programme),
            "conference": _conference(prepared, days),
        },
    }
    # orjson writes the bytes json.dumps(ensure_ascii=False, separators=(",", ":"))
    # would, about five times faster (tests/test_schedule.py compares the two).
    return orjson.dumps(document, option=orjson.OPT_APPEND_NEWLINE)


def _conference(prepared: Prepared, days: tuple[_frab.Day, ...]) -> dict[str, Any]:
    programme = prepared.programme
    conference = programme.conference
    result: dict[str, Any] = {
        "acronym": conference.id,
        "title": clean(conference.display_title),
        "start": conference.start.isoformat(),
        "end": conference.end.isoformat(),
        "daysCount": len(days),
        "timeslot_duration": prepared.frab_timeslot,
        "time_zone_name": conference.timezone,
    }
    if conference.url:
        result["url"] = conference.url
    if conference.description:
        result["description"] = clean(conference.description)
    tracks = programme.tracks
    if tracks:
        result["tracks"] = [{"name": clean(name)} for name in tracks]
    result["rooms"] = [{"name": name, "guid": guid} for name, guid in _frab.rooms(programme)]
    result["days"] = [_day(day) for day in days]
    return result


def _day(day: _frab.Day) -> dict[str, Any]:
    return {
        "index": day.index,
        "date": day.date.isoformat(),
        "day_start": day.start.isoformat(),
        "day_end": day.end.isoformat(),
        "rooms": {name: list(entries) for name, entries in day.rooms},
    }
