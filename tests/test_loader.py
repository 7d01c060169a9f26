from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import isecg_events
from isecg_events import ProgrammeError
from isecg_events.cli import main
from tests.conftest import MINIMAL


def test_bundled_plenary(plenary: isecg_events.Programme) -> None:
    assert len(plenary.events) == 1
    event = plenary.events[0]
    assert event.label == "PLENARY 3"
    assert event.start.isoformat() == "2017-06-07T09:30:00+08:00"
    assert event.end.isoformat() == "2017-06-07T10:30:00+08:00"
    assert event.room == "Hall 2"
    assert event.type == "plenary"
    assert [s.title for s in event.segments] == [
        "Introduction to the work of ISECG",
        "Introduction to the GER",
        "Panel discussion on themes to be reflected in the next GER",
    ]
    assert len(event.participants) == 9
    named = [p.participant.display_name for p in event.participants if p.participant.name]
    assert named == ["Lionel Baize", "Christian Lange", "Naoki Sato"]
    assert all(p.role is None for p in event.participants)  # the seed gives no roles
    assert len(plenary.organizations) == 15
    esa = next(o for o in plenary.organizations if o.acronym == "ESA")
    assert esa.country is None
    assert plenary.conference.timezone == "Asia/Shanghai"
    assert plenary.conference.venue == "Beijing International Convention Center"
    assert plenary.conference.published == datetime(2026, 11, 25, tzinfo=UTC)


def test_the_abstract_is_complete(plenary: isecg_events.Programme) -> None:
    abstract = plenary.events[0].abstract or ""
    assert abstract.startswith("15 Space Agencies (ASI, CNES, CNSA")
    assert "upon the invitation of the US government." in abstract
    assert abstract.endswith("It will be structured in three parts:")


def test_json_with_the_same_structure(write_programme: Callable[..., Path]) -> None:
    import json
    import tomllib

    document = tomllib.loads(MINIMAL)
    document["conference"]["published"] = "2026-01-01T00:00:00Z"
    document["conference"]["start"] = "2026-03-28"
    document["conference"]["end"] = "2026-03-30"
    document["events"][0]["date"] = "2026-03-28"
    path = write_programme(json.dumps(document), "programme.json")
    programme = isecg_events.load(path)
    assert programme.events[0].start.isoformat() == "2026-03-28T09:00:00+01:00"
    assert programme.events[0].participants[1].role == "moderator"


def test_day_label_duration_and_local_times(write_programme: Callable[..., Path]) -> None:
    text = MINIMAL.replace(
        'date = 2026-03-28\nstart = "09:00"\nend = "10:00"',
        'day = "Sunday 29"\nstart = 09:00:00\nduration = "PT1H30M"',
    )
    event = isecg_events.load(write_programme(text)).events[0]
    assert event.start.isoformat() == "2026-03-29T09:00:00+02:00"  # after the DST change
    assert event.duration == timedelta(hours=1, minutes=30)


def test_offset_date_times_move_to_the_event_zone(write_programme: Callable[..., Path]) -> None:
    text = MINIMAL.replace(
        'date = 2026-03-28\nstart = "09:00"\nend = "10:00"',
        "start = 2026-03-28T08:00:00Z\nend = 2026-03-28T09:00:00Z",
    )
    event = isecg_events.load(write_programme(text)).events[0]
    assert event.start.isoformat() == "2026-03-28T09:00:00+01:00"
    assert event.timezone == "Europe/Paris"


def test_every_problem_is_reported(write_programme: Callable[..., Path]) -> None:
    text = (
        MINIMAL.replace('title = "Opening"', 'title = ""')
        .replace('end = "10:00"', 'end = "08:00"')
        .replace('timezone = "Europe/Paris"', 'timezone = "Europe/Paris"\ncolour = "red"')
    )
    with pytest.raises(ProgrammeError) as caught:
        isecg_events.load(write_programme(text))
    paths = sorted(problem.path for problem in caught.value.problems)
    assert paths == ["conference.colour", "events[0].end", "events[0].title"]


EVENT_TAIL = """
[[events]]
id = "second"
title = "Second"
date = 2026-03-28
start = "09:30"
end = "10:30"
room = "Room A"
"""

# Each case: (name, how to change MINIMAL, the exact line the loader reports).
CASES: list[tuple[str, Callable[[str], str], str]] = [
    (
        "missing conference",
        lambda t: t.replace("[conference]", "[conferenc]"),
        "conference: is required\n"
        "{path}: conferenc: unknown field 'conferenc'; did you mean 'conference'?",
    ),
    (
        "missing title",
        lambda t: t.replace('title = "Demo Conference"\n', ""),
        "conference.title: is required",
    ),
    (
        "bad conference id",
        lambda t: t.replace('id = "demo2026"', 'id = "Demo 2026"'),
        "conference.id: 'Demo 2026' must be 4 or more lower-case letters, digits or '_' "
        "(the schedule.json acronym rule), such as 'glex2017'",
    ),
    (
        "unknown time zone",
        lambda t: t.replace('"Europe/Paris"', '"Europe/Pariss"'),
        "conference.timezone: unknown time zone 'Europe/Pariss'; did you mean 'Europe/Paris'?",
    ),
    (
        "conference ends before it starts",
        lambda t: t.replace("end = 2026-03-30", "end = 2026-03-01"),
        "conference.end: 2026-03-01 is before start 2026-03-28",
    ),
    (
        "published without offset",
        lambda t: t.replace("published = 2026-01-01T00:00:00Z", "published = 2026-01-01T00:00:00"),
        "conference.published: 2026-01-01T00:00:00 needs a UTC offset (add Z or +08:00)",
    ),
    (
        "start is not a date",
        lambda t: t.replace("start = 2026-03-28", 'start = "soon"'),
        "conference.start: 'soon' is not a date such as 2017-06-07",
    ),
    (
        "bad url",
        lambda t: t.replace('venue = "Centre"', 'venue = "Centre"\nurl = "javascript:x"'),
        "conference.url: 'javascript:x' is not an http(s) URL",
    ),
    (
        "unknown organization",
        lambda t: t.replace(
            'organization = "org"\n\n[participants.chair]',
            'organization = "orgg"\n\n[participants.chair]',
        ),
        "participants.ada.organization: unknown organization 'orgg'; did you mean 'org'?",
    ),
    (
        "nameless and positionless",
        lambda t: t.replace('position = "Chair"\n', ""),
        "participants.chair: needs a name or a position (it is shown by one of them)",
    ),
    (
        "unknown participant",
        lambda t: t.replace('["ada",', '["adaa",'),
        "events[0].participants[0]: unknown participant 'adaa'; did you mean 'ada'?",
    ),
    (
        "participant listed twice",
        lambda t: t.replace('["ada",', '["ada", "ada",'),
        "events[0].participants[1]: lists 'ada' twice",
    ),
    (
        "duplicate event id",
        lambda t: t + EVENT_TAIL.replace('"second"', '"opening"').replace('"Room A"', '"Room B"'),
        "events[1].id: duplicate event id 'opening' (also events[0])",
    ),
    (
        "end before start",
        lambda t: t.replace('end = "10:00"', 'end = "08:30"'),
        "events[0].end: 08:30 is not after start 09:00",
    ),
    (
        "end and duration",
        lambda t: t.replace('end = "10:00"', 'end = "10:00"\nduration = "PT1H"'),
        "events[0].duration: give end or duration, not both",
    ),
    (
        "no end",
        lambda t: t.replace('end = "10:00"\n', ""),
        "events[0].end: is required (or give a duration)",
    ),
    (
        "bad duration",
        lambda t: t.replace('end = "10:00"', 'duration = "an hour"'),
        "events[0].duration: 'an hour' is not a duration such as 'PT1H30M' or '1:30'",
    ),
    (
        "bad time",
        lambda t: t.replace('start = "09:00"', 'start = "9am"'),
        "events[0].start: '9am' is not a time such as '09:30'",
    ),
    (
        "time without a day",
        lambda t: t.replace("date = 2026-03-28\n", ""),
        "events[0].date: is required when start is a time of day (or give day)",
    ),
    (
        "wrong weekday",
        lambda t: t.replace("date = 2026-03-28", 'day = "Monday 28"'),
        "events[0].day: 'Monday 28': 2026-03-28 is a Saturday",
    ),
    (
        "no such day",
        lambda t: t.replace("date = 2026-03-28", 'day = "Friday 27"'),
        "events[0].day: 'Friday 27': no day 27 between 2026-03-28 and 2026-03-30",
    ),
    (
        "not a day label",
        lambda t: t.replace("date = 2026-03-28", 'day = "the first day"'),
        "events[0].day: 'the first day' is not a day label such as 'Wednesday 7'",
    ),
    (
        "day matching two dates",
        lambda t: t.replace("end = 2026-03-30", "end = 2026-04-30").replace(
            "date = 2026-03-28", 'day = "Saturday 28"'
        ),
        "events[0].day: 'Saturday 28' matches 2 conference days (2026-03-28, 2026-04-28); "
        "use date instead",
    ),
    (
        "DST gap",
        lambda t: (
            t.replace("date = 2026-03-28", "date = 2026-03-29")
            .replace('start = "09:00"', 'start = "02:30"')
            .replace('end = "10:00"', 'end = "03:30"')
        ),
        "events[0].start: 2026-03-29 02:30 does not exist in Europe/Paris "
        "(the clocks skip it for daylight saving time)",
    ),
    (
        "DST fold",
        lambda t: (
            t.replace("end = 2026-03-30", "end = 2026-10-30")
            .replace("date = 2026-03-28", "date = 2026-10-25")
            .replace('start = "09:00"', 'start = "02:30"')
            .replace('end = "10:00"', 'end = "03:30"')
        ),
        "events[0].start: 2026-10-25 02:30 is ambiguous in Europe/Paris "
        "(it happens twice when the clocks go back)",
    ),
    (
        "outside the conference",
        lambda t: t.replace("date = 2026-03-28", "date = 2026-04-02"),
        "events[0].start: 2026-04-02 09:00 is outside the conference (2026-03-28 to 2026-03-30)",
    ),
    (
        "overlap in a room",
        lambda t: t + EVENT_TAIL,
        "events[1].start: overlaps events[0] ('opening') in room 'Room A' "
        "from 2026-03-28 09:30 to 10:00",
    ),
    (
        "segment outside its event",
        lambda t: (
            t
            + """
  [[events.segments]]
  title = "Late part"
  start = "10:00"
  end = "10:30"
"""
        ),
        "events[0].segments[0].end: 10:30 is outside its event (09:00–10:00)",
    ),
    (
        "segments out of order",
        lambda t: (
            t
            + """
  [[events.segments]]
  title = "B"
  start = "09:30"
  end = "10:00"
  [[events.segments]]
  title = "A"
  start = "09:00"
  end = "09:30"
"""
        ),
        "events[0].segments[1].start: 09:00 is before the previous segment ends (10:00)",
    ),
    (
        "rrule without end",
        lambda t: t.replace('room = "Room A"', 'room = "Room A"\nrrule = "FREQ=DAILY"'),
        "events[0].rrule: an rrule must end: give COUNT or UNTIL",
    ),
    (
        "rrule beyond the conference",
        lambda t: t.replace('room = "Room A"', 'room = "Room A"\nrrule = "FREQ=DAILY;COUNT=5"'),
        "events[0].rrule: 2026-03-31 09:00 is outside the conference (2026-03-28 to 2026-03-30)",
    ),
    (
        "invalid rrule",
        lambda t: t.replace('room = "Room A"', 'room = "Room A"\nrrule = "FREQ=SOMETIMES;COUNT=2"'),
        "events[0].rrule: not a valid RFC 5545 rrule (invalid 'FREQ': SOMETIMES)",
    ),
    (
        "unknown event type",
        lambda t: t.replace('title = "Opening"', 'title = "Opening"\ntype = "plenery"'),
        "events[0].type: 'plenery' is not one of plenary, keynote, session, panel, talk, "
        "lightning, workshop, poster, exhibition, ceremony, meeting, break, meal, social, other; "
        "did you mean 'plenary'?",
    ),
    (
        "unknown status",
        lambda t: t.replace('title = "Opening"', 'title = "Opening"\nstatus = "maybe"'),
        "events[0].status: 'maybe' is not one of confirmed, tentative, cancelled",
    ),
    (
        "wrong type",
        lambda t: t.replace('title = "Opening"', "title = 42"),
        "events[0].title: must be a string, not an integer",
    ),
    (
        "negative sequence",
        lambda t: t.replace('title = "Opening"', 'title = "Opening"\nsequence = -1'),
        "events[0].sequence: -1 is out of range (0 to 2147483647)",
    ),
    (
        "bad event id",
        lambda t: t.replace('id = "opening"', 'id = "Opening Talk"'),
        "events[0].id: 'Opening Talk' is not an id: use lower-case letters, digits, '-' and '_', "
        "starting and ending with a letter or digit",
    ),
    (
        "control character",
        lambda t: t.replace('title = "Opening"', 'title = "Open\\u001b[2Jing"'),
        "events[0].title: contains the control character U+001B",
    ),
    (
        "NUL character",
        lambda t: t.replace('title = "Opening"', 'title = "Open\\u0000ing"'),
        "events[0].title: contains the control character U+0000",
    ),
    (
        "multi-line title",
        lambda t: t.replace('title = "Opening"', 'title = "Open\\ning"'),
        "events[0].title: must be a single line",
    ),
    (
        "huge title",
        lambda t: t.replace('title = "Opening"', f'title = "{"x" * 10_000_000}"'),
        "events[0].title: is 10,000,000 characters long; the limit is 1,000",
    ),
    (
        "events is a table",
        lambda t: t.replace("[[events]]", "[events.x]"),
        "events: must be an array of tables, not a table",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "expected"), [(m, e) for _, m, e in CASES], ids=[name for name, _, _ in CASES]
)
def test_malformed_programme(
    mutate: Callable[[str], str],
    expected: str,
    write_programme: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = write_programme(mutate(MINIMAL))
    with pytest.raises(ProgrammeError) as caught:
        isecg_events.load(path)
    lines = f"{path}: {expected}".replace("{path}", str(path)).split("\n")
    assert sorted(str(p) for p in caught.value.problems) == sorted(lines)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert all(f"error: {line}" in err for line in lines)
    assert "Traceback" not in err


def test_at_least_25_malformed_cases() -> None:
    assert len(CASES) >= 25


def test_hundred_thousand_segments_are_refused(write_programme: Callable[..., Path]) -> None:
    segments = '\n  [[events.segments]]\n  title = "s"\n' * 501
    path = write_programme(MINIMAL + segments)
    with pytest.raises(
        ProgrammeError, match=r"events\[0\].segments: has 501 segments; the limit is 500"
    ):
        isecg_events.load(path)


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (b"", "p.toml", "is empty"),
        (
            b"\xef\xbb\xbf[conference]\n",
            "p.toml",
            "starts with a byte-order mark (BOM); save it as UTF-8 without BOM",
        ),
        (b'title = "caf\xe9"\n', "p.toml", "is not UTF-8 (byte 0xe9 at offset 12)"),
        (
            b"[conference\nid = 1\n",
            "p.toml",
            "TOML syntax error: Expected ']' at the end of a table declaration",
        ),
        (
            b'{"conference": {"id": 1,}}',
            "p.json",
            "JSON syntax error: Expecting property name enclosed in double quotes",
        ),
        (
            b'{"conference": {}, "conference": {}}',
            "p.json",
            "JSON object has the key conference twice",
        ),
        (b"[1, 2]", "p.json", "the top level must be an object"),
    ],
)
def test_unreadable_files(content: bytes, name: str, expected: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ProgrammeError) as caught:
        isecg_events.load(path)
    (problem,) = caught.value.problems
    assert problem.message == expected


def test_syntax_errors_carry_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text("[conference]\nid = \n")
    with pytest.raises(ProgrammeError) as caught:
        isecg_events.load(path)
    assert (caught.value.problems[0].line, caught.value.problems[0].column) == (2, 6)
    assert str(caught.value).startswith(f"{path}:2:6: TOML syntax error")


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(ProgrammeError, match="no such file"):
        isecg_events.load(tmp_path / "absent.toml")
    with pytest.raises(ProgrammeError, match="is a directory, not a programme file"):
        isecg_events.load(tmp_path)


def test_shipped_schema_matches_the_loader(bundled_document: dict[str, object]) -> None:
    import json
    from importlib import resources

    import jsonschema

    from isecg_events.loader import _FIELDS

    schema = json.loads(
        resources.files("isecg_events").joinpath("programme.schema.json").read_text()
    )
    document = json.loads(json.dumps(bundled_document, default=str))
    jsonschema.Draft202012Validator(schema).validate(document)
    props = schema["properties"]
    assert set(props) == _FIELDS["top"]
    assert set(props["conference"]["properties"]) == _FIELDS["conference"]
    assert (
        set(props["organizations"]["additionalProperties"]["properties"]) == _FIELDS["organization"]
    )
    assert (
        set(props["participants"]["additionalProperties"]["properties"]) == _FIELDS["participant"]
    )
    event = props["events"]["items"]["properties"]
    assert set(event) == _FIELDS["event"]
    assert set(event["segments"]["items"]["properties"]) == _FIELDS["segment"]
    assert event["type"]["enum"] == list(isecg_events.model.EVENT_TYPES)
