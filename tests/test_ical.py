from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import icalendar
import pytest
import recurring_ical_events
import vobject
from hypothesis import HealthCheck, given, settings
from ical.calendar_stream import IcsCalendarStream

import isecg_events
from isecg_events import event_to_ical, to_ical
from tests.programmes import GOLDEN, MINIMAL, RECURRING, model_text, raw_checks


def test_plenary_feed(plenary: isecg_events.Programme) -> None:
    feed = to_ical(plenary)
    raw_checks(feed)
    unfolded = feed.decode().replace("\r\n ", "")
    assert "DTSTART;TZID=Asia/Shanghai:20170607T093000\r\n" in unfolded
    assert "DTEND;TZID=Asia/Shanghai:20170607T103000\r\n" in unfolded
    assert "TZOFFSETTO:+0800\r\n" in unfolded
    assert "COMMENT" not in unfolded and "METHOD" not in unfolded and "ATTENDEE" not in unfolded
    assert "DTSTAMP:20261125T000000Z" in unfolded
    assert "LOCATION:Hall 2\\, Beijing International Convention Center" in unfolded
    assert "SUMMARY;LANGUAGE=en:PLENARY 3: Fostering International Cooperation" in unfolded
    assert "X-WR-TIMEZONE:Asia/Shanghai" in unfolded
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT12H" in unfolded
    assert "X-PUBLISHED-TTL:PT12H" in unfolded
    calendar = icalendar.Calendar.from_ical(feed)
    (event,) = calendar.walk("VEVENT")
    description = str(event["DESCRIPTION"])
    for part in plenary.events[0].segments:
        assert part.title in description
    for participation in plenary.events[0].participants:
        assert participation.participant.label in description
    assert to_ical(plenary) == feed  # deterministic


def test_round_trip_through_icalendar(plenary: isecg_events.Programme) -> None:
    calendar = icalendar.Calendar.from_ical(to_ical(plenary, profile="rich"))
    assert calendar.get_missing_tzids() == set()
    for component in calendar.walk():
        assert component.errors == []
    (event,) = calendar.walk("VEVENT")
    model = plenary.events[0]
    assert event.start == model.start and event.end == model.end
    assert str(event["UID"]) == str(plenary.occurrences[0].guid)
    assert event["STATUS"] == "CONFIRMED"
    assert event.categories == ["plenary"]
    participants = event.walk("PARTICIPANT")
    assert len(participants) == len(model.participants)
    assert all("SUMMARY" not in p for p in participants)  # the event's title is its own
    cards = [str(p["STRUCTURED-DATA"]) for p in participants]
    for card, participation in zip(cards, model.participants, strict=True):
        person = participation.participant
        assert f"FN:{person.display_name or person.label}".replace(",", "\\,") in card
    (summary,) = [line for line in to_ical(plenary, profile="rich").decode().replace(
        "\r\n ", "").splitlines() if line.startswith("SUMMARY")]  # fmt: skip
    assert summary.endswith(plenary.events[0].display_title[-20:])
    assert all(p["PARTICIPANT-TYPE"] == "ACTIVE" for p in participants)  # no roles invented


@pytest.mark.parametrize("profile", ["compat", "rich"])
def test_independent_parsers_accept_the_feed(plenary: isecg_events.Programme, profile: str) -> None:
    feed = to_ical(plenary, profile=profile)  # type: ignore[arg-type]
    stream = IcsCalendarStream.from_ics(feed.decode())
    (calendar,) = stream.calendars
    assert calendar.events[0].dtstart == plenary.events[0].start
    parsed = vobject.readOne(feed.decode(), validate=True)
    assert parsed.vevent.dtstart.value == plenary.events[0].start


@pytest.fixture
def recurring(write_programme: Callable[..., Path]) -> isecg_events.Programme:
    return isecg_events.load(write_programme(RECURRING))


def test_recurring_item_is_one_vevent_and_expands_right(recurring: isecg_events.Programme) -> None:
    feed = to_ical(recurring)
    raw_checks(feed)
    calendar = icalendar.Calendar.from_ical(feed)
    coffee = [e for e in calendar.walk("VEVENT") if str(e["SUMMARY"]) == "Coffee break"]
    assert len(coffee) == 1
    assert coffee[0]["RRULE"].to_ical() == b"FREQ=DAILY;UNTIL=20260330T083000Z"
    found = recurring_ical_events.of(calendar).between(date(2026, 3, 27), date(2026, 4, 2))
    starts = sorted(e.start for e in found if str(e["SUMMARY"]) == "Coffee break")
    assert [s.isoformat() for s in starts] == [
        "2026-03-28T10:30:00+01:00",
        "2026-03-29T10:30:00+02:00",
        "2026-03-30T10:30:00+02:00",
    ]
    vtimezone = calendar.walk("VTIMEZONE")[0]
    assert [c.name for c in vtimezone.subcomponents] == ["STANDARD", "DAYLIGHT"]


def test_cancelled_event_stays_with_status(recurring: isecg_events.Programme) -> None:
    calendar = icalendar.Calendar.from_ical(to_ical(recurring))
    panel = next(e for e in calendar.walk("VEVENT") if str(e["SUMMARY"]) == "Panel")
    assert panel["STATUS"] == "CANCELLED"
    assert panel["URL"] == "https://example.org/panel"
    assert panel.categories == ["session", "Policy"]


def test_rich_profile_links_timed_segments(recurring: isecg_events.Programme) -> None:
    calendar = icalendar.Calendar.from_ical(to_ical(recurring, profile="rich"))
    events = calendar.walk("VEVENT")
    panel = next(e for e in events if str(e["SUMMARY"]) == "Panel")
    children = [e for e in events if str(e["SUMMARY"]).startswith("Panel — ")]
    assert [str(c["SUMMARY"]) for c in children] == [
        "Panel — Opening remarks",
        "Panel — Discussion",
    ]
    first_links = {(r.params["RELTYPE"], str(r)) for r in children[0]["RELATED-TO"]}
    assert first_links == {("PARENT", str(panel["UID"])), ("NEXT", str(children[1]["UID"]))}
    assert children[1]["RELATED-TO"].params["RELTYPE"] == "PARENT"


def test_per_event_calendar(recurring: isecg_events.Programme) -> None:
    single = event_to_ical(recurring, "panel")
    raw_checks(single)
    calendar = icalendar.Calendar.from_ical(single)
    assert [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")] == ["Panel"]
    with pytest.raises(KeyError):
        event_to_ical(recurring, "nope")


def test_dst_zones_have_definitions_on_both_sides(write_programme: Callable[..., Path]) -> None:
    text = (
        MINIMAL.replace('"Europe/Paris"', '"America/New_York"')
        .replace("start = 2026-03-28\nend = 2026-03-30", "start = 2026-03-07\nend = 2026-03-09")
        .replace("date = 2026-03-28", "date = 2026-03-09")
    )
    programme = isecg_events.load(write_programme(text))
    calendar = icalendar.Calendar.from_ical(to_ical(programme))
    tz = calendar.walk("VTIMEZONE")[0].to_tz()
    assert (
        datetime(2026, 3, 8, 6, 59, tzinfo=UTC).astimezone(tz).utcoffset().total_seconds()
        == -5 * 3600
    )
    assert (
        datetime(2026, 3, 8, 7, 0, tzinfo=UTC).astimezone(tz).utcoffset().total_seconds()
        == -4 * 3600
    )


def test_profile_and_refresh_are_checked(plenary: isecg_events.Programme) -> None:
    from datetime import timedelta

    with pytest.raises(ValueError, match="unknown profile"):
        to_ical(plenary, profile="fancy")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="positive"):
        to_ical(plenary, refresh=timedelta(0))
    assert b"X-PUBLISHED-TTL:P1D" in to_ical(plenary, refresh=timedelta(days=1))


hostile = model_text(max_size=60)
hostile_lines = model_text(lines=True, max_size=60)


def _documented(text: str) -> str:
    """The only changes: CR/CRLF become LF, other control characters go, ends are stripped."""
    from isecg_events.exporters._text import clean

    return clean(text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=hostile, abstract=hostile_lines, room=hostile)
def test_any_text_reads_back_and_cannot_inject(
    plenary: isecg_events.Programme, title: str, abstract: str, room: str
) -> None:
    import attrs

    event = attrs.evolve(
        plenary.events[0],
        title=title,
        abstract=abstract,
        room=room,
        label=None,
        segments=(),
        participants=(),
    )
    programme = attrs.evolve(plenary, events=(event,))
    feed = to_ical(programme)
    raw_checks(feed)
    calendar = icalendar.Calendar.from_ical(feed)
    (vevent,) = calendar.walk("VEVENT")
    assert [c.name for c in calendar.subcomponents] == ["VTIMEZONE", "VEVENT"]
    assert vevent.subcomponents == []
    assert str(vevent.get("SUMMARY", "")) == _documented(title)
    assert str(vevent.get("DESCRIPTION", "")) == _documented(abstract)
    venue = "Beijing International Convention Center"
    expected_location = ", ".join(p for p in (_documented(room).strip(), venue) if p)
    assert str(vevent["LOCATION"]) == expected_location
    names = {name for name, _ in vevent.property_items(recursive=False)}
    assert names <= {
        "BEGIN",
        "END",
        "SUMMARY",
        "DTSTART",
        "DTEND",
        "DTSTAMP",
        "UID",
        "SEQUENCE",
        "CATEGORIES",
        "DESCRIPTION",
        "LAST-MODIFIED",
        "LOCATION",
        "STATUS",
    }


def _served_items(body: bytes) -> list[str]:
    """What vdirsyncer's http storage (khal's webcal subscription) makes of a feed: its items.

    The feed is served on a free loopback port, read by vdirsyncer itself.
    """
    import asyncio
    import http.server
    import threading

    aiohttp = pytest.importorskip("aiohttp")
    http_storage = pytest.importorskip("vdirsyncer.storage.http")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    async def items() -> list[str]:
        async with aiohttp.TCPConnector() as connector:
            storage = http_storage.HttpStorage(
                url=f"http://127.0.0.1:{server.server_port}/feed.ics", connector=connector
            )
            found = []
            async for href, _ in storage.list():
                item, _ = await storage.get(href)
                found.append(item.raw)
            return found

    # In a thread of its own: a test before may leave an event loop running in this one.
    found: list[list[str]] = []
    reader = threading.Thread(
        target=lambda: found.append(asyncio.run(asyncio.wait_for(items(), 30)))
    )
    try:
        reader.start()
        reader.join(40)
    finally:
        server.shutdown()
        server.server_close()
    assert found, "vdirsyncer did not answer within 40 s"
    return found[0]


@pytest.mark.parametrize("profile", ["compat", "rich"])
def test_vdirsyncer_sees_every_event_of_a_feed(profile: str) -> None:
    """A calendar-level UID made vdirsyncer (and khal on a webcal feed) see one event."""
    programme = isecg_events.loads(RECURRING)
    feed = to_ical(programme, profile=profile)  # type: ignore[arg-type]
    calendar = icalendar.Calendar.from_ical(feed)
    assert "UID" not in calendar  # RFC 7986 allows one; clients misread it
    items = _served_items(feed)
    uids = {str(e["UID"]) for e in calendar.walk("VEVENT")}
    assert (
        len(items)
        == len(uids)
        == len(programme.events)
        + (
            0
            if profile == "compat"
            else sum(1 for e in programme.events for s in e.segments if s.start)
        )
    )


def test_the_rich_vcard_carries_bio_photo_and_links_read_by_vobject() -> None:
    import vobject

    from tests.programmes import ROOT

    source = ROOT / "tests" / "data" / "imports" / "sessionize-scottishsummit2026-excerpt.json"
    programme = isecg_events.load(source, timezone="Europe/London")
    calendar = icalendar.Calendar.from_ical(to_ical(programme, profile="rich"))
    people = {p.display_name: p for p in programme.participants}
    seen = 0
    for participant in calendar.walk("PARTICIPANT"):
        card = vobject.readOne(str(participant["STRUCTURED-DATA"]))
        person = people[card.fn.value]
        assert (card.note.value if "note" in card.contents else None) == (
            person.bio.strip() if person.bio else None
        )
        assert [u.value for u in card.contents.get("url", [])] == [x.url for x in person.links]
        assert (card.photo.value if "photo" in card.contents else None) == person.picture
        seen += bool(person.bio and person.links)
    assert seen


def test_the_compat_profile_carries_each_participant_as_the_rich_vcards_lean_part() -> None:
    """One X-ISECG-PARTICIPANT per participation, read by vobject as a vCard 4.

    UID (the participant's guid), FN, TITLE and ORG, as in the rich
    profile's card; no address, bio, photo or links; the rich profile's
    PARTICIPANT-TYPE where a role is given, none where it is not.
    """
    import attrs
    import vobject

    from isecg_events import Participation, identity
    from tests.programmes import ROOT

    source = ROOT / "tests" / "data" / "imports" / "sessionize-scottishsummit2026-excerpt.json"
    programme = isecg_events.load(source, timezone="Europe/London")
    first = programme.events[0]
    assert first.participants
    roles = tuple(Participation(p.participant, "panelist") for p in first.participants)
    programme = attrs.evolve(
        programme, events=(attrs.evolve(first, participants=roles), *programme.events[1:])
    )
    feed = vobject.readOne(to_ical(programme).decode())
    rich = icalendar.Calendar.from_ical(to_ical(programme, profile="rich"))
    rich_cards = [str(p["STRUCTURED-DATA"]) for p in rich.walk("PARTICIPANT")]
    vevents = {str(v.uid.value): v for v in feed.vevent_list}
    lean = []
    for event in programme.events:
        vevent = vevents[str(identity.event_guid(programme.conference.id, event.id, event.guid))]
        given = vevent.contents.get("x-isecg-participant", [])
        assert len(given) == len(event.participations)
        for line, participation in zip(given, event.participations, strict=True):
            person = participation.participant
            card = vobject.readOne(line.value)
            guid = identity.person_guid(programme.conference.id, person.id, person.guid)
            assert card.uid.value == f"urn:uuid:{guid}"
            assert card.fn.value == (person.display_name or person.label)
            assert card.title.value == person.position
            assert not {"note", "photo", "url", "adr"} & set(card.contents)
            assert line.params["FMTTYPE"] == ["text/vcard"]
            role = ["SPEAKER"] if participation.role else None
            assert line.params.get("PARTICIPANT-TYPE") == role
            lean.append(line.value)
    # the rich card is the same text, with the address, bio, photo and links
    assert len(lean) == len(rich_cards) and any(p.bio for p in programme.participants)
    rich_only = ("ADR:", "NOTE:", "PHOTO:", "URL:")
    kept = [
        "\n".join(x for x in card.split("\n") if not x.startswith(rich_only)) for card in rich_cards
    ]
    assert sorted(lean) == sorted(kept)


@pytest.mark.parametrize("name", ["plenary", "recurring"])
def test_compat_feeds_are_their_golden_files(plenary: isecg_events.Programme, name: str) -> None:
    """An unchanged programme's compat feed stays byte-identical (the version's PRODID aside)."""
    programme = plenary if name == "plenary" else isecg_events.loads(RECURRING)
    prodid = b"PRODID:-//isecg-events//isecg-events//EN"
    feed = re.sub(rb"PRODID:[^\r]*", prodid, to_ical(programme))
    assert feed == (GOLDEN / f"{name}-compat.ics").read_bytes()
