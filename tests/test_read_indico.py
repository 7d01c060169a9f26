"""The Indico reader (readers/indico.py) on XDC 2021's real export and Indico's documented shapes.

``indico-xdc2021-excerpt.json`` is a real event export with contributions;
the timetable and ``detail=sessions`` shapes are Indico's documentation's
own examples (tests/data/imports/README.md).
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import pytest

import isecg_events
from isecg_events import ProgrammeError, ProgrammeWarning
from isecg_events.cli import main

IMPORTS = Path(__file__).resolve().parent / "data" / "imports"
XDC = IMPORTS / "indico-xdc2021-excerpt.json"
TIMETABLE = IMPORTS / "indico-docs-timetable.json"
SESSIONS = IMPORTS / "indico-docs-event-sessions.json"


def source() -> dict[str, Any]:
    return json.loads(XDC.read_text("utf-8"))  # type: ignore[no-any-return]


def write(tmp_path: Path, document: dict[str, Any]) -> Path:
    path = tmp_path / "export.json"
    path.write_text(json.dumps(document, indent=2), "utf-8")
    return path


def test_the_event_is_the_conference_in_its_own_zone() -> None:
    conference = isecg_events.load(XDC).conference
    assert conference.title == "X.Org Developer Conference 2021"
    assert conference.timezone == "Europe/Warsaw"
    assert (str(conference.start), str(conference.end)) == ("2021-09-15", "2021-09-17")
    assert conference.url == "https://indico.freedesktop.org/event/1/"
    # the event's HTML description, as text
    assert conference.description is not None and "<p>" not in conference.description
    assert conference.description.startswith("The X.Org Developers Conference 2020 is")


def test_contributions_are_events_with_utc_times_shown_in_the_events_zone() -> None:
    programme = isecg_events.load(XDC)
    contributions = source()["results"][0]["contributions"]
    assert len(programme.events) == len(contributions) == 10
    events = {e.url: e for e in programme.events}
    for given in contributions:
        event = events[given["url"]]
        assert event.title == given["title"].strip()
        assert given["startDate"]["tz"] == "UTC"
        assert event.start.utcoffset() == timedelta(hours=2)  # Warsaw in September
        utc = event.start.astimezone(UTC)
        assert utc.strftime("%Y-%m-%d %H:%M:%S") == (
            f"{given['startDate']['date']} {given['startDate']['time']}"
        )
        assert event.timezone == "Europe/Warsaw"
        assert event.duration.total_seconds() == given["duration"] * 60
        assert event.track == given["track"]
        assert event.number == given["friendly_id"]


def test_primary_authors_speak_when_no_speaker_is_named() -> None:
    programme = isecg_events.load(XDC)
    contributions = {c["url"]: c for c in source()["results"][0]["contributions"]}
    for event in programme.events:
        authors = contributions[event.url]["primaryauthors"]  # type: ignore[index]
        assert [p.participant.name for p in event.participants] == [
            " ".join(p.strip() for p in (a["first_name"], a["last_name"]) if p.strip())
            for a in authors
        ]
        assert [
            p.participant.organization.name if p.participant.organization else None
            for p in event.participants
        ] == [a["affiliation"] or None for a in authors]


def test_speakers_come_before_authors_and_html_stays_html(tmp_path: Path) -> None:
    document = source()
    first = document["results"][0]["contributions"][0]
    speaker = copy.deepcopy(first["primaryauthors"][0])
    first["speakers"] = [speaker | {"first_name": "Ada", "last_name": "Speaker"}]
    first["description"] = "<p>Talk about <strong>bare metal</strong>.</p>"
    event = next(e for e in isecg_events.load(write(tmp_path, document)).events
                 if e.url == first["url"])  # fmt: skip
    assert [p.participant.name for p in event.participants] == ["Ada Speaker"]
    assert event.markup == "html" and event.description == first["description"]


def test_timezone_option_shows_the_times_elsewhere() -> None:
    programme = isecg_events.load(XDC, timezone="America/Montreal")
    assert programme.conference.timezone == "America/Montreal"
    assert all(e.timezone == "America/Montreal" for e in programme.events)


def test_detail_sessions_groups_contributions_under_their_session() -> None:
    programme = isecg_events.load(SESSIONS)
    assert sorted(e.title for e in programme.events) == ["d1c1", "d1c2", "d2c1", "d2s1c1"]
    grouped = next(e for e in programme.events if e.title == "d2s1c1")
    assert grouped.track == "d2s1"
    assert grouped.start.isoformat() == "2011-06-24T14:00:00+02:00"
    assert programme.conference.venue == "CERN"


def test_subcontributions_are_segments(tmp_path: Path) -> None:
    document = json.loads(SESSIONS.read_text("utf-8"))
    document["results"][0]["contributions"][0]["subContributions"] = [
        {"title": "Part one", "speakers": [{"fullName": "Doe, Jane", "affiliation": "CERN"}]},
        {"title": "Part two", "speakers": []},
    ]
    programme = isecg_events.load(write(tmp_path, document))
    event = next(e for e in programme.events if e.title == "d1c2")
    assert [s.title for s in event.segments] == ["Part one", "Part two"]
    assert [p.participant.name for p in event.segments[0].participants] == ["Jane Doe"]


def test_the_documented_timetable_export() -> None:
    programme = isecg_events.load(TIMETABLE)
    (event,) = programme.events
    assert (event.title, event.room) == ("Contrib 1", "160-1-009")
    assert event.start.isoformat() == "2013-04-29T16:00:00+02:00"
    assert programme.conference.timezone == "Europe/Zurich"


def test_a_timetable_with_a_session_block_and_a_break(tmp_path: Path) -> None:
    document = json.loads(TIMETABLE.read_text("utf-8"))
    day = document["results"]["137346"]["20130429"]
    contribution = day.pop("c0")
    day["b1"] = {**contribution, "entryType": "Break", "title": "Coffee", "id": "b1",
                 "startDate": {**contribution["startDate"], "time": "16:30:00"},
                 "endDate": {**contribution["endDate"], "time": "17:00:00"}}  # fmt: skip
    inner = {**contribution, "presenters": [{"name": "Jane Doe"}]}
    day["s0"] = {**contribution, "entryType": "Session", "title": "Block", "id": "s0",
                 "entries": {"c0": inner}}  # fmt: skip
    programme = isecg_events.load(write(tmp_path, document))
    by_title = {e.title: e for e in programme.events}
    assert set(by_title) == {"Contrib 1", "Coffee"}
    assert by_title["Coffee"].type == "break"
    assert by_title["Contrib 1"].track == "Block"
    assert [p.participant.name for p in by_title["Contrib 1"].participants] == ["Jane Doe"]


def test_unscheduled_contributions_warn_and_bad_times_name_their_place(tmp_path: Path) -> None:
    document = source()
    contributions = document["results"][0]["contributions"]
    contributions[1]["startDate"] = None
    with pytest.warns(ProgrammeWarning, match="1 contribution with no time"):
        assert len(isecg_events.load(write(tmp_path, document)).events) == 9
    contributions[1]["startDate"] = {"date": "2021-09-32", "time": "10:00:00", "tz": "UTC"}
    path = write(tmp_path, document)
    with pytest.raises(ProgrammeError) as caught:
        isecg_events.load(path)
    (problem,) = caught.value.problems
    assert problem.path == "results[0].contributions[1].startDate"
    text = path.read_text("utf-8")
    assert problem.line == text[: text.index("2021-09-32")].count("\n")  # the object's line


def test_the_cli_validates_an_indico_export(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(XDC)]) == 0
    out = capsys.readouterr().out
    assert "OK" in out and "unknown field" not in out


def test_an_export_of_several_events_reads_the_first_with_a_warning(tmp_path: Path) -> None:
    document = source()
    document["results"].append(json.loads(SESSIONS.read_text("utf-8"))["results"][0])
    with pytest.warns(ProgrammeWarning, match="holds 2 events; the first is read"):
        programme = isecg_events.load(write(tmp_path, document))
    assert programme.conference.title == "X.Org Developer Conference 2021"
