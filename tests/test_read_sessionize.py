"""The Sessionize reader (readers/sessionize.py) on real "All data" exports.

Three real exports live in ``tests/data/imports`` (README.md there names
their sources): Global Azure Austria 2024 whole, and excerpts of QA or the
Highway 2026 (service and plenum sessions) and Scottish Summit 2026
(categories as track and type).
"""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import pytest

import isecg_events
from isecg_events import ProgrammeError, ProgrammeWarning
from isecg_events.cli import main

IMPORTS = Path(__file__).resolve().parent / "data" / "imports"
AZURE = IMPORTS / "sessionize-globalazure-austria2024.json"
QA = IMPORTS / "sessionize-qaorthehwy2026-excerpt.json"
SUMMIT = IMPORTS / "sessionize-scottishsummit2026-excerpt.json"


def load(path: Path, timezone: str = "Europe/Vienna") -> isecg_events.Programme:
    return isecg_events.load(path, timezone=timezone)


def by_title(programme: isecg_events.Programme, title: str) -> isecg_events.Event:
    (event,) = [e for e in programme.events if e.title.strip() == title]
    return event


def test_every_scheduled_session_is_an_event_in_the_zone_given() -> None:
    document = json.loads(AZURE.read_text("utf-8"))
    programme = load(AZURE)
    assert len(programme.events) == len(document["sessions"]) == 15
    keynote = by_title(programme, "Keynote: Pioneering the Future of Java with Intelligent Apps")
    assert keynote.start.isoformat() == "2024-04-20T09:00:00+02:00"
    assert keynote.end.isoformat() == "2024-04-20T09:45:00+02:00"
    assert keynote.timezone == "Europe/Vienna"
    assert keynote.room == "Aula"
    assert keynote.number == 658419
    assert programme.conference.start == programme.conference.end
    assert str(programme.conference.start) == "2024-04-20"


def test_rooms_keep_sessionizes_order() -> None:
    programme = load(AZURE)
    document = json.loads(AZURE.read_text("utf-8"))
    names = [r["name"] for r in sorted(document["rooms"], key=lambda r: r["sort"])]
    assert [room.name for room in programme.conference.rooms] == names


def test_speakers_keep_names_taglines_bios_pictures_and_links() -> None:
    programme = load(SUMMIT, "Europe/London")
    document = json.loads(SUMMIT.read_text("utf-8"))
    speakers = {s["id"]: s for s in document["speakers"]}
    participants = {p.id: p for p in programme.participants}
    assert set(participants) == set(speakers)
    for key, speaker in speakers.items():
        person = participants[key]
        assert person.name == speaker["fullName"].strip()
        assert person.given_name == speaker["firstName"].strip()
        assert person.position == " ".join(speaker["tagLine"].split())
        assert person.bio == ((speaker["bio"] or "").replace("\r\n", "\n").strip() or None)
        assert person.picture == speaker["profilePicture"]
        assert [link.url for link in person.links] == [link["url"] for link in speaker["links"]]
        assert [link.title for link in person.links] == [link["title"] for link in speaker["links"]]
    assert any(p.links for p in participants.values())


def test_categories_become_track_and_type() -> None:
    programme = load(SUMMIT, "Europe/London")
    event = by_title(programme, "Seeking Your Approval: Mastering Approvals in Microsoft 365")
    assert event.track == "M365"
    assert event.type == "45 min theatre session"
    # a session with no session-type item: a plenum session is a plenary
    keynote = by_title(programme, "Scottish Summit 2026 Keynote")
    assert keynote.type == "plenary"
    assert keynote.track == "Inclusion & Personal Development"


def test_service_sessions_are_breaks_and_meals_without_speakers() -> None:
    programme = load(QA, "America/New_York")
    breakfast = by_title(programme, "Breakfast & Opening Remarks")
    assert breakfast.type == "meal" and not breakfast.participants
    assert breakfast.start.isoformat() == "2026-06-12T07:00:00-04:00"
    assert by_title(programme, "Coffee Break").type == "break"
    keynote = by_title(programme, "Ensuring Software Quality in the world of AI Developers")
    assert keynote.type == "plenary"
    two = by_title(programme, "If AI is Writing the Code, Who’s Guarding the Quality?")
    assert [p.participant.name for p in two.participants] == ["Jeff Van Fleet", "Scott Boyd"]


def test_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    path = tmp_path / "all.json"
    path.write_bytes(b"\xef\xbb\xbf" + AZURE.read_bytes())
    assert len(load(path).events) == 15


def test_no_zone_is_an_error_naming_the_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ProgrammeError, match="--timezone NAME"):
        isecg_events.load(AZURE)
    assert main(["validate", str(AZURE)]) == 2
    err = capsys.readouterr().err
    assert "--timezone" in err and "Traceback" not in err
    assert main(["validate", str(AZURE), "--timezone", "Europe/Vienna"]) == 0


def test_unscheduled_sessions_are_left_out_with_a_warning(tmp_path: Path) -> None:
    document = json.loads(AZURE.read_text("utf-8"))
    document["sessions"][0]["startsAt"] = document["sessions"][0]["endsAt"] = None
    path = tmp_path / "all.json"
    path.write_text(json.dumps(document), "utf-8")
    with pytest.warns(ProgrammeWarning, match="1 session with no time"):
        programme = load(path)
    assert len(programme.events) == 14


def test_problems_name_the_session_field_and_line(tmp_path: Path) -> None:
    text = AZURE.read_text("utf-8").replace('"2024-04-20T10:00:00"', '"2024-04-20 soon"', 1)
    path = tmp_path / "all.json"
    path.write_text(text, "utf-8")
    with pytest.raises(ProgrammeError) as caught:
        load(path)
    (problem,) = caught.value.problems
    assert problem.path == "sessions[1].startsAt"
    assert problem.line == text[: text.index("2024-04-20 soon")].count("\n") + 1
    assert "is not a date-time" in problem.message


def test_an_unknown_speaker_is_a_problem(tmp_path: Path) -> None:
    document = json.loads(AZURE.read_text("utf-8"))
    document["speakers"] = document["speakers"][1:]
    path = tmp_path / "all.json"
    path.write_text(json.dumps(document, indent=1), "utf-8")
    with pytest.raises(ProgrammeError, match=r"sessions\[\d+\]\.speakers\[\d\]: names speaker"):
        load(path)


def test_exports_go_through_every_format(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", ProgrammeWarning)
        programme = load(QA, "America/New_York")
    rendered = isecg_events.render(programme, ["ics", "json", "xml", "html"])
    assert all(rendered.values())
    schedule = json.loads(rendered["json"])
    titles = [
        e["title"]
        for day in schedule["schedule"]["conference"]["days"]
        for room in day["rooms"].values()
        for e in room
    ]
    assert sorted(titles) == sorted(e.title for e in programme.events)


def test_a_mapping_file_gives_the_zone_and_the_title(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(SUMMIT, tmp_path / "all.json")
    mapping = tmp_path / "summit.toml"
    mapping.write_text(
        '[import]\nfile = "all.json"\n\n[conference]\ntitle = "Scottish Summit 2026"\n'
        'timezone = "Europe/London"\ncity = "Glasgow"\n',
        "utf-8",
    )
    programme = isecg_events.load(mapping)
    assert programme.conference.title == "Scottish Summit 2026"
    assert programme.conference.city == "Glasgow"
    assert programme.conference.timezone == "Europe/London"
    assert len(programme.events) == 6
    assert main(["validate", str(mapping)]) == 0
    assert "Scottish Summit 2026" not in capsys.readouterr().err
    mapping.write_text('[import]\nfile = "all.json"\n[conference]\ntimezone = "Europe/Londn"\n')
    with pytest.raises(ProgrammeError, match=r"summit.toml:4:12: conference.timezone: unknown"):
        isecg_events.load(mapping)


def test_another_sessionize_view_is_named_with_the_one_to_export(tmp_path: Path) -> None:
    document = json.loads(AZURE.read_text("utf-8"))
    view = [{"groupId": None, "groupName": "All", "sessions": document["sessions"]}]
    path = tmp_path / "sessions.json"
    path.write_text(json.dumps(view), "utf-8")
    with pytest.raises(ProgrammeError, match=r"export the 'All' view \(https://sessionize"):
        load(path)
