"""Programmes built in Python meet the rules of files (issue: Python-API checks)."""

from __future__ import annotations

import tomllib
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest
from dateutil import tz as dateutil_tz
from hypothesis import HealthCheck, given, settings
from icalendar.prop import vDuration

import isecg_events
from isecg_events import (
    Conference,
    Event,
    Organization,
    Participant,
    Participation,
    Programme,
    ProgrammeBuilder,
    ProgrammeError,
    Segment,
)
from isecg_events.exporters import native
from isecg_events.model import split_printed_name
from isecg_events.rules import EVENT_TYPES
from tests.programmes import CASES, MINIMAL, programmes

PARIS = ZoneInfo("Europe/Paris")


class NotInPython(Exception):
    """The file's problem is one of its syntax or types: a Python programme cannot hold it."""


def _only(table: Any, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(table, dict) or set(table) - allowed:
        raise NotInPython("not a table, or an unknown field")
    return table


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise NotInPython("not a string")
    return value


def _opt(table: dict[str, Any], key: str) -> str | None:
    return None if key not in table else _str(table[key])


def build_in_python(document: dict[str, Any]) -> Programme:
    """Build the programme a document describes, with the model's classes and no checks.

    A stand-in for an organiser's script: references to ids that do not exist
    become objects of that id that the programme does not list.
    """
    if set(document) - {"conference", "organizations", "participants", "events"}:
        raise NotInPython("unknown top-level key")
    table = _only(
        document.get("conference"),
        {"id", "title", "acronym", "timezone", "start", "end", "venue", "city", "country",
         "url", "language", "description", "published"},
    )  # fmt: skip
    published = table.get("published")
    if not isinstance(published, datetime) or published.tzinfo is None:
        raise NotInPython("published is not an offset date-time")
    if not all(isinstance(table.get(k), date) for k in ("start", "end")):
        raise NotInPython("conference dates")
    for key in ("id", "title", "timezone"):
        if key not in table:
            raise NotInPython("required")
    conference = Conference(
        id=_str(table["id"]), title=_str(table["title"]), timezone=_str(table["timezone"]),
        start=table["start"], end=table["end"], published=published,
        **{k: _opt(table, k) for k in ("acronym", "venue", "city", "country", "url",
                                        "language", "description")},
    )  # fmt: skip
    organizations = {
        key: Organization(
            key, _str(value.get("name")), _opt(value, "acronym"), _opt(value, "country")
        )
        for key, value in document.get("organizations", {}).items()
        if _only(value, {"name", "acronym", "country"})
    }
    participants = {}
    for key, value in document.get("participants", {}).items():
        _only(value, {"name", "given_name", "family_name", "position", "organization", "country"})
        org_id = _opt(value, "organization")
        organization = None
        if org_id is not None:
            organization = organizations.get(org_id) or Organization(org_id, org_id)
        name, given, family = (
            _opt(value, "name"),
            _opt(value, "given_name"),
            _opt(value, "family_name"),
        )
        if name is not None and given is None and (split := split_printed_name(name)):
            given, family = split
        if name is None and given is not None and family is not None:
            name = f"{given} {family}"
        participants[key] = Participant(
            key, name=name, position=_opt(value, "position"), organization=organization,
            country=_opt(value, "country"), given_name=given, family_name=family,
        )  # fmt: skip
    events = [_event(value, conference, participants) for value in document.get("events", [])]
    return Programme(
        conference, tuple(organizations.values()), tuple(participants.values()), events
    )


def _local(day: date, value: Any, zone: ZoneInfo) -> datetime:
    clock = time.fromisoformat(_str(value)) if isinstance(value, str) else value
    if not isinstance(clock, time):
        raise NotInPython("not a time")
    moment = datetime.combine(day, clock, tzinfo=zone)
    if dateutil_tz.datetime_exists(moment) and dateutil_tz.datetime_ambiguous(moment):
        raise NotInPython("a naive time in a fold: only a file can be ambiguous")
    return moment


def _people(values: Any, participants: dict[str, Participant]) -> tuple[Participation, ...]:
    found = []
    for value in values:
        key, role = (value, None) if isinstance(value, str) else (value["id"], value.get("role"))
        found.append(Participation(participants.get(key) or Participant(key, name=key), role))
    return tuple(found)


def _event(value: Any, conference: Conference, participants: dict[str, Participant]) -> Event:
    table = _only(
        value,
        {"id", "label", "title", "subtitle", "type", "date", "start", "end", "duration",
         "timezone", "room", "venue", "abstract", "description", "language", "track", "url",
         "status", "sequence", "rrule", "participants", "segments", "guid", "number", "slug"},
    )  # fmt: skip
    if not isinstance(table.get("date"), date) or "id" not in table or "title" not in table:
        raise NotInPython("no date (a day label is a file's shorthand), id or title")
    if ("end" in table) == ("duration" in table) or table.get("type", "session") not in EVENT_TYPES:
        raise NotInPython("end and duration, or a type outside the file format's list")
    try:
        zone = ZoneInfo(_str(table.get("timezone", conference.timezone)))
    except (ValueError, KeyError):  # an unknown zone: the script's events are in UTC
        zone = ZoneInfo("UTC")
    start = _local(table["date"], table["start"], zone)
    if "end" in table:
        end = _local(table["date"], table["end"], zone)
    else:
        text = _str(table["duration"])
        hours, _, minutes = text.partition(":")
        length = (
            timedelta(hours=int(hours), minutes=int(minutes))
            if minutes
            else vDuration.from_ical(text)
        )
        end = (start.astimezone(UTC) + length).astimezone(zone)
    segments = tuple(
        Segment(
            title=_str(segment["title"]),
            description=_opt(segment, "description"),
            start=_local(table["date"], segment["start"], zone) if "start" in segment else None,
            end=_local(table["date"], segment["end"], zone) if "end" in segment else None,
            participants=_people(segment.get("participants", []), participants),
        )
        for segment in table.get("segments", [])
    )
    return Event(
        id=_str(table["id"]), title=_str(table["title"]), start=start, end=end,
        type=table.get("type", "session"),
        status=table.get("status", "confirmed"),
        sequence=table.get("sequence", 0),
        number=table.get("number"),
        guid=uuid.UUID(table["guid"]) if "guid" in table else None,
        language=_opt(table, "language") or conference.language,
        segments=segments,
        participants=_people(table.get("participants", []), participants),
        **{k: _opt(table, k) for k in ("label", "subtitle", "room", "venue", "abstract",
                                        "description", "track", "url", "rrule", "slug")},
    )  # fmt: skip


def _problems(error: ProgrammeError) -> list[tuple[str, str]]:
    return sorted((problem.path, problem.message) for problem in error.problems)


CHECKED_IN_PYTHON: list[str] = []


@pytest.mark.parametrize(("name", "mutate", "expected"), CASES, ids=[c[0] for c in CASES])
def test_the_file_corpus_is_a_python_corpus(
    name: str,
    mutate: Callable[[str], str],
    expected: str,
    write_programme: Callable[..., Path],
) -> None:
    """Each bad programme, built in Python, gives the same problems as its file."""
    text = mutate(MINIMAL)
    with pytest.raises(ProgrammeError) as from_file:
        isecg_events.load(write_programme(text))
    try:
        document = tomllib.loads(text)
        with pytest.raises(ProgrammeError) as from_python:
            build_in_python(document)
    except (NotInPython, tomllib.TOMLDecodeError, KeyError, ValueError, TypeError):
        pytest.skip("a problem of the file's syntax or types, which Python objects cannot hold")
    CHECKED_IN_PYTHON.append(name)
    # A file gives an event's day apart (its date), and a day outside the
    # conference is reported there; Python objects hold only the start.
    in_file = [
        (path.replace(".date", ".start"), message) if "outside the conference" in message else pair
        for pair in _problems(from_file.value)
        for path, message in [pair]
    ]
    assert _problems(from_python.value) == sorted(in_file)
    assert all(problem.file == "" for problem in from_python.value.problems)


def test_most_of_the_corpus_is_checked_in_python() -> None:
    """The translation above is no excuse to skip: most rules are model rules."""
    if len(CHECKED_IN_PYTHON) < 5:  # run alone: repeat the corpus here
        pytest.skip("run with the corpus test")
    assert len(CHECKED_IN_PYTHON) >= 20, CHECKED_IN_PYTHON


def test_the_issue_example_is_refused_with_every_problem() -> None:
    """End before start, an overlap, a time that never happened, a date outside."""
    conference = Conference(
        id="test2025", title="T", timezone="Europe/Paris", start=date(2025, 3, 28),
        end=date(2025, 3, 30), published=datetime(2025, 1, 1, tzinfo=UTC),
    )  # fmt: skip

    def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
        return datetime(2025, month, day, hour, minute, tzinfo=PARIS)

    with pytest.raises(ProgrammeError) as caught:
        Programme(
            conference=conference,
            events=[
                Event(id="a", title="A", start=at(28, 10), end=at(28, 9), room="R1"),
                Event(id="b", title="B", start=at(28, 10, 30), end=at(28, 11, 30), room="R1"),
                Event(id="c", title="C", start=at(30, 2, 30), end=at(30, 4)),
                Event(id="d", title="D", start=at(2, 10, month=4), end=at(2, 11, month=4)),
            ],
        )
    assert [str(problem) for problem in caught.value.problems] == [
        "events[0].end: 09:00 is not after start 10:00",
        "events[2].start: 2025-03-30 02:30 does not exist in Europe/Paris "
        "(the clocks skip it for daylight saving time)",
        "events[3].start: 2025-04-02 10:00 is outside the conference (2025-03-28 to 2025-03-30)",
    ]
    with pytest.raises(ProgrammeError, match=r"events\[1\]\.start: overlaps events\[0\]"):
        Programme(
            conference=conference,
            events=[
                Event(id="a", title="A", start=at(28, 10), end=at(28, 11), room="R1"),
                Event(id="b", title="B", start=at(28, 10, 30), end=at(28, 11, 30), room="R1"),
            ],
        )


def test_paths_number_the_events_as_given_not_as_sorted(plenary: Programme) -> None:
    late = attrs.evolve(plenary.events[0], id="late", title="")
    with pytest.raises(ProgrammeError) as caught:
        Programme(plenary.conference, plenary.organizations, plenary.participants,
                  [plenary.events[0], late])  # fmt: skip
    paths = [problem.path for problem in caught.value.problems]
    assert "events[1].title" in paths


def test_evolve_is_checked_too(plenary: Programme) -> None:
    bad = attrs.evolve(plenary.events[0], end=plenary.events[0].start)
    with pytest.raises(ProgrammeError, match=r"events\[0\]\.end: 09:30 is not after start 09:30"):
        attrs.evolve(plenary, events=(bad,))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        plenary.events = ()  # type: ignore[misc]


def test_duplicate_guids_and_ids_name_the_second(plenary: Programme) -> None:
    event = plenary.events[0]
    twin = attrs.evolve(event, id="twin", guid=uuid.UUID(int=7))
    first = attrs.evolve(event, guid=uuid.UUID(int=7))
    later = attrs.evolve(
        twin, start=twin.start + timedelta(days=1), end=twin.end + timedelta(days=1)
    )
    with pytest.raises(ProgrammeError) as caught:
        attrs.evolve(plenary, events=(first, later, attrs.evolve(later, guid=None)))
    assert [str(p) for p in caught.value.problems] == [
        f"events[1].guid: duplicate guid {uuid.UUID(int=7)} (also events[0])",
        "events[2].id: duplicate event id 'twin' (also events[1])",
        "events[2].start: overlaps events[1] ('twin') in room 'Hall 2' from 2017-06-08 09:30 "
        "to 10:30",
    ]


def test_builder_adds_parts_then_builds_one_checked_programme(plenary: Programme) -> None:
    builder = ProgrammeBuilder(plenary.conference)
    builder.add(*plenary.organizations)
    builder.add(*plenary.participants)
    assert builder.build().events == ()
    builder.add(*plenary.events)
    assert builder.build() == plenary
    builder.add(attrs.evolve(plenary.events[0], id="again"))
    with pytest.raises(ProgrammeError, match=r"events\[1\]\.start: overlaps"):
        builder.build()
    with pytest.raises(TypeError, match="cannot add str"):
        builder.add("not a part")  # type: ignore[arg-type]


def test_a_programme_loaded_from_a_file_builds_equal_in_python(plenary: Programme) -> None:
    rebuilt = Programme(
        plenary.conference,
        plenary.organizations,
        plenary.participants,
        tuple(reversed(plenary.events)),
    )
    assert rebuilt == plenary
    assert rebuilt.occurrences == plenary.occurrences


def _as_a_file_reads_it(programme: Programme) -> Programme:
    """The programme as our format's reader gives it back: its two documented shorthands.

    A name printed "Given FAMILY" is split into given and family names, and an
    event without a language takes the conference's.
    """
    people = {}
    for person in programme.participants:
        split = split_printed_name(person.name) if person.name and not person.given_name else None
        if split:
            person = attrs.evolve(person, given_name=split[0], family_name=split[1])
        people[person.id] = person

    def moved(participations: tuple[Participation, ...]) -> tuple[Participation, ...]:
        return tuple(attrs.evolve(p, participant=people[p.participant.id]) for p in participations)

    language = programme.conference.language
    events = [
        attrs.evolve(
            event,
            language=event.language or language,
            participants=moved(event.participants),
            segments=tuple(
                attrs.evolve(s, participants=moved(s.participants)) for s in event.segments
            ),
        )
        for event in programme.events
    ]
    return attrs.evolve(programme, participants=tuple(people.values()), events=events)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programme=programmes())
def test_python_and_file_programmes_round_trip(programme: Programme) -> None:
    """Built in Python, written in our format, loaded back: an equal programme.

    And the other way: what loads from that file builds in Python, from its
    parts, to the same programme.
    """
    loaded = isecg_events.loads(native.to_json(programme), syntax="json")
    assert loaded == _as_a_file_reads_it(programme)
    rebuilt = Programme(
        loaded.conference, loaded.organizations, loaded.participants, loaded.events[::-1]
    )
    assert rebuilt == loaded
    assert native.to_json(rebuilt) == native.to_json(loaded)


def test_the_plenary_round_trips_through_our_json(plenary: Programme) -> None:
    assert isecg_events.loads(native.to_json(plenary), syntax="json") == plenary
