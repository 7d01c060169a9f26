from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import isecg_events
from isecg_events import ProgrammeError
from isecg_events.cli import main
from tests.programmes import (
    CASES,
    MINIMAL,
    assert_located,
    json_error,
    without_position,
)


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
    problems = caught.value.problems
    assert sorted(without_position(str(p)) for p in problems) == sorted(lines)
    assert_located([p for p in problems if p.path], path.read_text(encoding="utf-8"))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    shown = [without_position(line) for line in err.splitlines()]
    assert all(f"error: {line}" in shown for line in lines)
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
        (b'title = "caf\xe9"\n', "p.toml", "is not UTF-8 (byte 0xe9 at offset 12)"),
        (
            b"[conference\nid = 1\n",
            "p.toml",
            "TOML syntax error: Expected ']' at the end of a table declaration",
        ),
        (
            b'{"conference": {"id": 1,}}',
            "p.json",
            "JSON syntax error: " + json_error(b'{"conference": {"id": 1,}}')[2],
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

    from isecg_events.readers.native import FIELDS as _FIELDS

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


def test_roles_are_a_closed_set_with_suggestions(write_programme: Callable[..., Path]) -> None:
    text = MINIMAL.replace('role = "moderator"', 'role = "moderater"')
    with pytest.raises(ProgrammeError) as caught:
        isecg_events.load(write_programme(text))
    (problem,) = caught.value.problems
    assert problem.path == "events[0].participants[1].role"
    assert problem.message.endswith("; did you mean 'moderator'?")
    programme = isecg_events.load(write_programme(MINIMAL))
    event = programme.events[0]
    import attrs

    odd = attrs.evolve(event.participants[1], role="Chief Wizard")
    with pytest.raises(ProgrammeError, match=r"events\[0\]\.participants\[1\]\.role: 'Chief"):
        attrs.evolve(
            programme, events=(attrs.evolve(event, participants=(event.participants[0], odd)),)
        )


def _second_event(start: str, end: str, *, room: str = "Room B", status: str = "") -> str:
    extra = f'\nstatus = "{status}"' if status else ""
    return (
        f'\n[[events]]\nid = "panel"\ntitle = "Panel"\ndate = 2026-03-28\nstart = "{start}"\n'
        f'end = "{end}"\nroom = "{room}"\nparticipants = ["chair"]{extra}\n'
    )


def test_a_participant_in_two_rooms_at_once_is_a_warning_or_under_strict_an_error(
    tmp_path: Path,
) -> None:
    text = MINIMAL + _second_event("09:30", "10:30")
    with pytest.warns(isecg_events.ProgrammeWarning) as caught:
        programme = isecg_events.loads(text, source="p.toml")
    # only ours: pytest.warns records every warning of the block
    ours = isecg_events.ProgrammeWarning
    (warning,) = [w.message for w in caught if issubclass(w.category, ours)]
    assert str(warning) == (
        "p.toml:40:16: events[1].participants: Chair, ORG ('chair') is booked in events[0] "
        "('opening') and here ('panel') at once, 2026-03-28 09:30 to 10:00"
    )
    assert len(programme.warnings) == 1  # a programme built in Python holds them too
    with pytest.raises(ProgrammeError) as refused:
        isecg_events.loads(text, source="p.toml", strict=True)
    assert str(refused.value) == str(warning)
    source = tmp_path / "p.toml"
    source.write_text(text, encoding="utf-8")
    assert main(["validate", str(source)]) == 0
    assert main(["validate", "--strict", str(source)]) == 2
    assert main(["export", "--strict", str(source), "-o", str(tmp_path / "out")]) == 2
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "second",
    [
        _second_event("10:00", "11:00"),  # back to back
        _second_event("09:30", "10:30", status="cancelled"),
    ],
    ids=["back to back", "cancelled"],
)
def test_what_is_no_clash(second: str) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert isecg_events.loads(MINIMAL + second, strict=True).warnings == ()


def test_an_unquoted_time_gets_a_hint() -> None:
    with pytest.raises(ProgrammeError) as caught:
        isecg_events.loads(MINIMAL.replace('start = "09:00"', "start = 09:00"), source="p.toml")
    assert str(caught.value) == (
        "p.toml:28:10: TOML syntax error: Expected newline or end of document after a "
        'statement; a time of day is a quoted string: start = "09:00"'
    )


def test_an_unknown_conference_zone_hides_no_other_problem() -> None:
    text = (
        MINIMAL.replace('"Europe/Paris"', '"Europe/Pariss"')
        .replace('"ada", {', '"adaa", {')
        .replace('role = "moderator"', 'role = "wizard"')
    )
    with pytest.raises(ProgrammeError) as caught:
        isecg_events.loads(text, source="p.toml")
    paths = sorted(problem.path for problem in caught.value.problems)
    assert paths == [
        "conference.timezone",
        "events[0].participants[0]",
        "events[0].participants[1].role",
    ]


def test_a_day_outside_the_conference_is_reported_on_its_date() -> None:
    text = MINIMAL.replace("date = 2026-03-28", "date = 2026-04-28")
    with pytest.raises(ProgrammeError) as caught:
        isecg_events.loads(text, source="p.toml")
    (problem,) = caught.value.problems
    assert (problem.path, problem.line, problem.column) == ("events[0].date", 27, 8)
    # a start given as a date-time is the value to correct
    text = MINIMAL.replace(
        'date = 2026-03-28\nstart = "09:00"\nend = "10:00"',
        "start = 2026-04-28T09:00:00\nend = 2026-04-28T10:00:00",
    )
    with pytest.raises(ProgrammeError) as caught:
        isecg_events.loads(text, source="p.toml")
    assert [p.path for p in caught.value.problems] == ["events[0].start"]
