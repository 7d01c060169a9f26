"""The Sessionize writer (exporters/sessionize.py): Sessionize's shape, read back by our reader.

Round trips start from real exports (tests/data/imports/README.md): two
Sessionize exports, a CSV table and an Indico export, and from the
bundled GLEX programme, whose panel has nameless participants.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import isecg_events
from isecg_events.exporters import get_exporter
from isecg_events.exporters import sessionize as writer

IMPORTS = Path(__file__).resolve().parent / "data" / "imports"
QA = IMPORTS / "sessionize-qaorthehwy2026-excerpt.json"
SUMMIT = IMPORTS / "sessionize-scottishsummit2026-excerpt.json"
SOURCES = {
    QA: "America/New_York",
    SUMMIT: "Europe/London",
    IMPORTS / "voctosched-gpn11.csv": "Europe/Berlin",
    IMPORTS / "indico-xdc2021-excerpt.json": None,
}


def again(programme: isecg_events.Programme) -> isecg_events.Programme:
    return isecg_events.loads(
        get_exporter("sessionize").render(programme),
        source="all.json",
        timezone=programme.conference.timezone,
    )


def facts(programme: isecg_events.Programme) -> list[tuple[object, ...]]:
    return sorted(
        (
            e.display_title, e.start, e.end, e.room, e.track,
            tuple((p.participant.name, p.participant.bio, p.participant.picture,
                   tuple(link.url for link in p.participant.links)) for p in e.participations),
        )
        for e in programme.events
    )  # fmt: skip


@pytest.mark.parametrize("path", list(SOURCES), ids=lambda p: p.name)
def test_a_programme_reads_back_the_same(path: Path) -> None:
    programme = isecg_events.load(path, timezone=SOURCES[path])
    assert facts(again(programme)) == facts(programme)


def test_sessionize_reads_back_its_types_service_and_plenum_sessions() -> None:
    programme = isecg_events.load(QA, timezone="America/New_York")
    document = writer.to_document(programme)
    source = json.loads(QA.read_text("utf-8"))
    assert [s["isServiceSession"] for s in document["sessions"]] == [
        s["isServiceSession"] for s in sorted(source["sessions"], key=lambda s: s["startsAt"])
    ]
    assert [e.type for e in again(programme).events] == [e.type for e in programme.events]


def test_the_shape_apps_read() -> None:
    programme = isecg_events.load(SUMMIT, timezone="Europe/London")
    document = writer.to_document(programme)
    assert list(document) == ["sessions", "speakers", "questions", "categories", "rooms"]
    rooms = {room["id"]: room["name"] for room in document["rooms"]}
    speakers = {speaker["id"] for speaker in document["speakers"]}
    items = {i["id"]: c["title"] for c in document["categories"] for i in c["items"]}
    assert {c["title"] for c in document["categories"]} == {"Track", "Session format"}
    for session in document["sessions"]:
        assert session["roomId"] in rooms
        assert set(session["speakers"]) <= speakers
        assert set(session["categoryItems"]) <= set(items)
        assert session["startsAt"] < session["endsAt"] and "+" not in session["startsAt"]
    keynote = next(s for s in document["sessions"] if s["title"] == "Scottish Summit 2026 Keynote")
    assert keynote["startsAt"] == "2026-10-03T09:00:00" and keynote["isPlenumSession"]
    for speaker in document["speakers"]:
        assert speaker["fullName"] and isinstance(speaker["sessions"][0], int)
        numbers = {int(s["id"]) for s in document["sessions"] if speaker["id"] in s["speakers"]}
        assert set(speaker["sessions"]) == numbers


def test_nameless_participants_are_shown_by_position_and_stay_nameless() -> None:
    programme = isecg_events.load()
    document = writer.to_document(programme)
    nameless = [s for s in document["speakers"] if not s["firstName"]]
    assert nameless and all(s["fullName"] == s["tagLine"] and not s["lastName"] for s in nameless)
    back = again(programme)
    assert sorted(p.label for p in back.participants if p.name is None) == sorted(
        s["tagLine"] for s in nameless
    )
    assert [(p.participant.display_name or None) for p in back.events[0].participations] == [
        p.participant.display_name for p in programme.events[0].participations
    ]


def test_cancelled_events_are_left_out() -> None:
    import attrs

    programme = isecg_events.load(QA, timezone="America/New_York")
    first = programme.events[0]
    changed = attrs.evolve(
        programme,
        events=(attrs.evolve(first, status="cancelled"), *programme.events[1:]),
    )
    titles = [s["title"] for s in writer.to_document(changed)["sessions"]]
    assert first.title not in titles and len(titles) == len(programme.events) - 1


def test_output_is_deterministic_and_stable() -> None:
    programme = isecg_events.load(SUMMIT, timezone="Europe/London")
    first = get_exporter("sessionize").render(programme)
    assert first == get_exporter("sessionize").render(
        isecg_events.load(SUMMIT, timezone="Europe/London")
    )
    assert first.endswith(b"\n") and json.loads(first)


def test_golden_output_of_a_real_export() -> None:
    from tests.programmes import GOLDEN

    programme = isecg_events.load(QA, timezone="America/New_York")
    golden = GOLDEN / "sessionize-qaorthehwy2026.json"
    assert get_exporter("sessionize").render(programme) == golden.read_bytes()
