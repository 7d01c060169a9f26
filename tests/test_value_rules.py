"""Our format's reader applies every value rule the checker has, as it reads each field.

So a file's problems are reported with their lines, and every programme the
reader accepts passes the checker's every rule, values included: these
tests hold the reader to that.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import isecg_events
from isecg_events import checks
from isecg_events.model import Conference, Event, Segment
from isecg_events.rules import EVENT_TYPES, LIMITS, MARKUPS, STATUSES

PARIS = ZoneInfo("Europe/Paris")
_SHORT, _LONG = LIMITS["short_text"], LIMITS["long_text"]

_hazards = st.text(
    alphabet=st.sampled_from(["a", "é", " ", "\n", "\r", "\t", "\x00", "\x1f", "\x7f",
                              "\x85", "\ud800", "\ufffe", "\uffff", "中", "-", "_", "0"]),
    max_size=6,
)  # fmt: skip
_texts = st.one_of(_hazards, st.just("x" * _SHORT), st.just("x" * (_SHORT + 1)))
_long_texts = st.one_of(_hazards, st.just("x" * (_LONG + 1)))
_ids = st.one_of(_hazards, st.sampled_from(["talk-1", "Talk", "a b", "x" * 200]))
_integers = st.one_of(st.integers(-3, 3), st.just(2**31), st.just(2**31 - 1))

#: Each optional event field with values that break its rules, and values that do not.
FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "label": _texts,
    "subtitle": _texts,
    "room": _texts,
    "venue": _texts,
    "track": _texts,
    "abstract": _long_texts,
    "description": _long_texts,
    "type": st.one_of(st.sampled_from(EVENT_TYPES), _hazards),
    "status": st.one_of(st.sampled_from(STATUSES), _hazards),
    "markup": st.one_of(st.sampled_from(MARKUPS), _hazards),
    "language": st.one_of(st.sampled_from(["en", "zh-Hans", "en_GB", "x-"]), _hazards),
    "url": st.one_of(st.sampled_from(["https://a.example/", "ftp://a", "https://a b"]), _hazards),
    "slug": st.one_of(st.sampled_from(["a-1", "A", "a b"]), _hazards),
    "sequence": _integers,
    "number": _integers,
}

CONFERENCE = {
    "id": "demo2026",
    "title": "Demo",
    "timezone": "Europe/Paris",
    "start": "2026-03-28",
    "end": "2026-03-28",
    "published": "2026-01-01T00:00:00Z",
}


def _in_python(event_id: str, title: str, values: dict[str, Any], segment: str) -> bool:
    """Whether the checker accepts the event built in Python (all its rules)."""
    conference = Conference(
        id="demo2026",
        title="Demo",
        timezone="Europe/Paris",
        start=datetime(2026, 3, 28).date(),
        end=datetime(2026, 3, 28).date(),
        published=datetime(2026, 1, 1, tzinfo=PARIS),
    )
    try:
        event = Event(
            id=event_id,
            title=title,
            start=datetime(2026, 3, 28, 9, tzinfo=PARIS),
            end=datetime(2026, 3, 28, 10, tzinfo=PARIS),
            segments=(Segment(title=segment),),
            **values,
        )
        isecg_events.Programme(conference, events=(event,))
    except (isecg_events.ProgrammeError, TypeError, ValueError):
        return False
    return True


def _from_a_file(event_id: str, title: str, values: dict[str, Any], segment: str) -> bool:
    """Whether our format's reader accepts the same event in a JSON file.

    A programme it accepts is checked again with every rule: the value rules
    it skipped must find nothing.
    """
    event = {"id": event_id, "title": title, "date": "2026-03-28", "start": "09:00",
             "end": "10:00", "segments": [{"title": segment}], **values}  # fmt: skip
    document = {"conference": CONFERENCE, "events": [event]}
    try:
        programme = isecg_events.loads(json.dumps(document), syntax="json")
    except isecg_events.ProgrammeError:
        return False
    parts = (programme.conference, programme.organizations, programme.participants)
    assert checks.check(*parts, programme.events).problems == []
    return True


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), field=st.sampled_from(sorted(FIELDS)))
def test_a_field_the_reader_accepts_passes_every_rule(data: st.DataObject, field: str) -> None:
    _from_a_file("talk", "Talk", {field: data.draw(FIELDS[field], label=field)}, "Part")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event_id=_ids, title=_texts, segment=_texts)
def test_an_id_or_title_the_reader_accepts_passes_every_rule(
    event_id: str, title: str, segment: str
) -> None:
    _from_a_file(event_id, title, {}, segment)


@pytest.mark.parametrize(
    ("field", "value"),
    [("title", "a\x00b"), ("label", "x" * (_SHORT + 1)), ("url", "ftp://a"),
     ("language", "en_GB"), ("status", "maybe"), ("slug", "A B"), ("number", 0)],
)  # fmt: skip
def test_each_value_rule_is_the_readers_too(field: str, value: Any) -> None:
    values = {field: value} if field != "title" else {}
    title = value if field == "title" else "Talk"
    assert not _in_python("talk", title, values, "Part")
    assert not _from_a_file("talk", title, values, "Part")
    assert _in_python("talk", "Talk", {}, "Part") and _from_a_file("talk", "Talk", {}, "Part")
