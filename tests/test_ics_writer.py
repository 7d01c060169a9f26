"""Differential tests: the lean writer against icalendar's own to_ical()."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar.parser.string import _foldline

import isecg_events
from isecg_events import Organization, Participant, Participation, Segment
from isecg_events.exporters._ics_writer import fold, text, texts
from isecg_events.exporters._prepared import Prepared
from isecg_events.exporters.ical import _LeanWriter, render_event_prepared
from isecg_events.rules import ROLES
from tests.programmes import RECURRING, event_ical_oracle, model_text
from tests.programmes import ical_oracle as to_ical_reference

# Every escaping and folding hazard the model allows: separators, backslashes
# and carets at fold points, line breaks, multi-byte characters of every length.
hazard_line = model_text(hazards=True, max_size=300)
hazard_text = model_text(lines=True, hazards=True, max_size=300)


@settings(max_examples=400, deadline=None)
@given(
    line=st.text(
        alphabet=st.one_of(
            st.sampled_from("\\^aé中🚀;"),
            st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
        ),
        max_size=400,
    )
)
def test_fold_matches_icalendar(line: str) -> None:
    assert fold(line) == _foldline(line)


def test_fold_backslash_at_the_boundary() -> None:
    for offset in range(70, 80):
        line = "x" * offset + "\\n" + "y" * 100
        assert fold(line) == _foldline(line)


@st.composite
def programmes(draw: st.DrawFn) -> isecg_events.Programme:
    base = isecg_events.loads(RECURRING)
    # organisations and positions with every hazard: the vCards of X-ISECG-PARTICIPANT
    organizations = [Organization(f"o{n}", draw(hazard_line)) for n in range(2)]
    people = [
        Participant(
            f"p{n}",
            name=draw(st.none() | hazard_line),
            position=draw(hazard_line),
            organization=draw(st.none() | st.sampled_from(organizations)),
        )
        for n in range(draw(st.integers(0, 3)))
    ]
    events = []
    for event in base.events:
        events.append(
            attrs.evolve(
                event,
                title=draw(hazard_line),
                label=draw(st.none() | hazard_line),
                abstract=draw(st.none() | hazard_text),
                room=draw(st.none() | hazard_line),
                track=draw(st.none() | hazard_line),
                language=draw(st.none() | st.sampled_from(["en", "zh-Hans", "fr"])),
                url=draw(
                    st.none() | st.sampled_from(["https://example.org/a?b=c;d", "http://x.y/é"])
                ),
                status=draw(st.sampled_from(["confirmed", "tentative", "cancelled"])),
                sequence=draw(st.integers(0, 5)),
                segments=tuple(
                    Segment(draw(hazard_line), draw(st.none() | hazard_text))
                    for _ in range(draw(st.integers(0, 2)))
                ),
                participants=tuple(
                    Participation(p, draw(st.none() | st.sampled_from(ROLES))) for p in people
                ),
                description=draw(st.none() | hazard_text),
            )
        )
    conference = attrs.evolve(
        base.conference, title=draw(hazard_line), description=draw(st.none() | hazard_text)
    )
    return attrs.evolve(
        base,
        conference=conference,
        events=tuple(events),
        participants=tuple(people),
        organizations=(*base.organizations, *organizations),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programme=programmes(), hours=st.integers(1, 48))
def test_lean_feed_is_byte_identical_to_icalendar(
    programme: isecg_events.Programme, hours: int
) -> None:
    refresh = timedelta(hours=hours)
    assert isecg_events.to_ical(programme, refresh=refresh) == to_ical_reference(
        programme, refresh=refresh
    )


def test_plenary_and_imported_schedules_are_byte_identical(
    plenary: isecg_events.Programme,
) -> None:
    from tests.programmes import reference

    assert isecg_events.to_ical(plenary) == to_ical_reference(plenary)
    for name in ("pretalx-democon.json", "frab-camp2019.json"):
        programme = isecg_events.load(reference(f"examples/{name}"))
        assert isecg_events.to_ical(programme) == to_ical_reference(programme)


def test_events_escaped_in_several_batches_are_byte_identical(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.programmes import reference

    monkeypatch.setattr(_LeanWriter, "BATCH", 3)
    programme = isecg_events.load(reference("examples/frab-camp2019.json"))
    assert len(programme.events) > 3 * 3
    assert isecg_events.to_ical(programme) == to_ical_reference(programme)


@settings(max_examples=300, deadline=None)
@given(values=st.lists(hazard_text, max_size=8))
def test_texts_escape_each_value_as_text_does(values: list[str]) -> None:
    assert texts(values) == [text(value) for value in values]


def _each_event_alike(programme: isecg_events.Programme) -> None:
    """Every event's own compat calendar is byte-identical to icalendar's."""
    prepared = Prepared(programme)  # one render: templates and lines are shared
    for event in programme.events:
        lean = render_event_prepared(prepared, event)
        assert lean == event_ical_oracle(programme, event)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programme=programmes())
def test_each_events_own_calendar_is_byte_identical_to_icalendar(
    programme: isecg_events.Programme,
) -> None:
    _each_event_alike(programme)


def test_own_calendars_of_the_plenary_and_imports_are_byte_identical(
    plenary: isecg_events.Programme,
) -> None:
    from tests.programmes import reference

    _each_event_alike(plenary)
    for name in ("pretalx-democon.json", "frab-camp2019.json"):
        _each_event_alike(isecg_events.load(reference(f"examples/{name}")))
    from tests.test_imports import EXPORTS, IMPORTS, SOURCES, load

    for path, zone in SOURCES.items():  # every real export, with the zone it needs
        _each_event_alike(load(path, zone))
    for name, zone in EXPORTS.items():
        _each_event_alike(load(IMPORTS / name, zone))


def test_own_calendars_across_zones_and_spans_are_byte_identical() -> None:
    base = isecg_events.loads(RECURRING)
    event = base.events[0]
    zones = [ZoneInfo("UTC"), ZoneInfo("America/New_York"), ZoneInfo("Pacific/Kiritimati")]
    moved = [
        attrs.evolve(
            event,
            id=f"moved-{n}",
            rrule=None,
            start=event.start.astimezone(zone),
            end=(event.start + timedelta(minutes=30)).astimezone(zone),
            room=f"Room {n}",
        )
        for n, zone in enumerate(zones)
    ]
    _each_event_alike(attrs.evolve(base, events=(*base.events, *moved)))
