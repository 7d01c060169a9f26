"""Changes between programmes (diff.py): each kind, and that none goes unannounced."""

from __future__ import annotations

from datetime import timedelta

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import isecg_events
from isecg_events.diff import KINDS, Change, diff, event_key
from isecg_events.programme import Programme
from tests.programmes import RECURRING, programmes, with_event

FORMATS = ["ics", "json", "xml", "text", "markdown"]


@pytest.fixture(scope="module")
def base() -> Programme:
    return isecg_events.loads(RECURRING)


def _kinds(changes: tuple[Change, ...]) -> list[str]:
    return [change.kind for change in changes]


def test_each_kind(base: Programme) -> None:
    opening = next(e for e in base.events if e.id == "opening")
    hour = timedelta(hours=1)
    cases = {
        "moved": {"start": opening.start + hour, "end": opening.end + hour},
        "room": {"room": "Room B"},
        "renamed": {"title": "Grand opening"},
        "participants": {"participants": opening.participants[:1]},
        "cancelled": {"status": "cancelled"},
        "details": {"abstract": "Now with an abstract."},
    }
    for kind, change in cases.items():
        changes = diff(base, with_event(base, "opening", **change))
        assert _kinds(changes) == [kind], kind
        assert changes[0].key == "opening" and changes[0].event is not None
    moved = diff(base, with_event(base, "opening", **cases["moved"]))[0]
    assert moved.old == "2026-03-28 09:00–10:00 Europe/Paris"
    assert moved.new == "2026-03-28 10:00–11:00 Europe/Paris"
    assert moved.describe() == (
        "moved: Opening (2026-03-28 09:00–10:00 Europe/Paris → 2026-03-28 10:00–11:00 Europe/Paris)"
    )
    cancelled = with_event(base, "opening", status="cancelled")
    assert _kinds(diff(cancelled, base)) == ["reinstated"]
    tentative = with_event(base, "opening", status="tentative")
    (status,) = diff(base, tentative)
    assert (status.kind, status.new, status.significant) == ("details", "status", True)


def test_added_removed_and_conference(base: Programme) -> None:
    coffee = next(e for e in base.events if e.id == "coffee")
    fewer = attrs.evolve(base, events=tuple(e for e in base.events if e.id != "coffee"))
    assert _kinds(diff(base, fewer)) == ["removed"]
    assert diff(base, fewer)[0].title == coffee.display_title
    assert _kinds(diff(fewer, base)) == ["added"]
    retitled = attrs.evolve(base, conference=attrs.evolve(base.conference, title="Renamed"))
    (change,) = diff(base, retitled)
    assert (change.kind, change.new, change.event) == ("conference", "title", None)
    stamped = attrs.evolve(base, conference=attrs.evolve(base.conference, version="v9"))
    assert diff(base, stamped) == ()  # a stamp is no change


def test_significant_kinds(base: Programme) -> None:
    significant = {kind for kind in KINDS if Change(kind, "k", "t", "a", "b").significant}
    assert significant == {"removed", "cancelled", "reinstated", "moved", "room"}


def test_imported_events_match_by_guid() -> None:
    from tests.programmes import reference

    programme = isecg_events.load(reference("examples/frab-camp2019.json"))
    first = programme.events[0]
    assert event_key(first) == str(first.guid)
    renumbered = attrs.evolve(
        programme, events=(attrs.evolve(first, id="other-id"), *programme.events[1:])
    )
    assert diff(programme, renumbered) == ()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programme=programmes())
def test_a_programme_has_no_changes_against_itself(programme: Programme) -> None:
    assert diff(programme, programme) == ()


_MUTATIONS = st.sampled_from(
    [
        ("title", "A new title"),
        ("room", "Elsewhere"),
        ("abstract", "An abstract."),
        ("status", "cancelled"),
        ("status", "tentative"),
        ("track", "Track"),
        ("url", "https://example.org/x"),
        ("language", "de"),
        ("sequence", 3),
        ("subtitle", "Sub"),
        ("conference.title", "Other conference"),
        ("conference.venue", "Other venue"),
        ("shift", 30),
        ("same", None),
    ]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programme=programmes(), mutation=_MUTATIONS, index=st.integers(0, 5))
def test_no_change_reaches_a_subscriber_unannounced(
    programme: Programme, mutation: tuple[str, object], index: int
) -> None:
    """When diff finds nothing, every format writes the same bytes."""
    field, value = mutation
    event = programme.events[index % len(programme.events)]
    try:
        if field.startswith("conference."):
            conference = attrs.evolve(programme.conference, **{field.split(".")[1]: value})
            changed = attrs.evolve(programme, conference=conference)
        elif field == "shift":
            step = timedelta(minutes=int(value))  # type: ignore[call-overload]
            changed = with_event(
                programme, event.id, start=event.start + step, end=event.end + step
            )
        elif field == "same":
            changed = attrs.evolve(programme, events=tuple(reversed(programme.events)))
        else:
            changed = with_event(programme, event.id, **{field: value})
    except isecg_events.ProgrammeError:
        return  # the change makes the programme invalid (an overlap, say)
    if diff(programme, changed):
        return
    assert isecg_events.render(programme, FORMATS) == isecg_events.render(changed, FORMATS)
