"""The iCalendar reader (readers/ical.py) on real feeds, broken ones included, and on ours.

``ical-pyconindia2021-excerpt.ics`` (UTC times, DURATION, long lines not
folded) and ``ical-moca2024-excerpt.ics`` (one UID for fifteen events,
speakers as ORGANIZER) are real feeds (tests/data/imports/README.md).
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import attrs
import icalendar
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import isecg_events
from isecg_events import ProgrammeError, ProgrammeWarning, identity
from isecg_events.cli import main
from tests.programmes import programmes, reference

IMPORTS = Path(__file__).resolve().parent / "data" / "imports"
PYCON = IMPORTS / "ical-pyconindia2021-excerpt.ics"
MOCA = IMPORTS / "ical-moca2024-excerpt.ics"


def quiet(path: Path | str, **options: str) -> isecg_events.Programme:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProgrammeWarning)
        return isecg_events.load(path, **options)


def test_each_vevent_is_an_event_with_its_times_and_url() -> None:
    calendar = icalendar.Calendar.from_ical(PYCON.read_text("utf-8"))
    source = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    programme = quiet(PYCON, timezone="Asia/Kolkata")
    assert len(programme.events) == len(source) == 14
    for event in programme.events:
        given = source[next(uid for uid in source if uid.startswith(event.id))]
        assert event.title == str(given["SUMMARY"])
        assert event.start == given.decoded("DTSTART")
        assert event.end - event.start == given.decoded("DURATION")
        assert event.url == (str(given["URL"]) if "URL" in given else None)
        assert event.description == str(given["DESCRIPTION"]).strip()
        assert event.timezone == "Asia/Kolkata"
    long = [line for line in PYCON.read_text("utf-8").splitlines() if line.startswith("SUMMARY")]
    assert max(map(len, long)) > 75  # a line the feed did not fold is read whole
    assert max(len(e.title) for e in programme.events) == max(len(x) for x in long) - 8


def test_utc_times_without_a_zone_warn_and_name_the_option() -> None:
    with pytest.warns(ProgrammeWarning, match="every time is in UTC; give --timezone NAME"):
        programme = isecg_events.load(PYCON)
    assert programme.conference.timezone == "UTC"


def test_a_uid_given_twice_gets_a_distinct_stable_id_and_a_warning() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ProgrammeWarning)
        programme = isecg_events.load(MOCA)
    repeated = [w for w in caught if "is the UID of an earlier event too" in str(w.message)]
    assert len(repeated) == 14  # fifteen events share UID 46939
    first = next(str(w.message) for w in repeated)
    assert first.startswith(f"{MOCA}:17: VEVENT[1].UID: '46939'")
    ids = [e.id for e in programme.events]
    assert len(set(ids)) == 16 and "46939" in ids and "46939-15" in ids
    assert len({e.guid for e in programme.events}) == 16
    assert [e.id for e in quiet(MOCA).events] == ids  # the same ids every time


def test_organizers_are_speakers_and_locations_rooms_in_the_feeds_zone() -> None:
    programme = quiet(MOCA)
    assert programme.conference.timezone == "Europe/Rome"  # the feed's "VTIMEZONE: Europe/Rome"
    by_title = {e.title: e for e in programme.events}
    forensics = by_title["Digital Forensics ed investigazioni digitali"]
    assert [p.participant.name for p in forensics.participants] == ["Luca Mercatanti"]
    assert forensics.room == "MOV"
    assert forensics.start.isoformat() == "2024-09-15T13:00:00+02:00"  # 11:00Z
    gulp = next(e for e in programme.events if e.title.startswith("gULP"))
    assert [p.participant.name for p in gulp.participants] == ["Valerio Lupi", "Gabriele Zuddas"]
    # the same CN in several events is one participant
    olografix = {p.participant.id for e in programme.events for p in e.participants
                 if p.participant.name == "Metro Olografix"}  # fmt: skip
    assert len(olografix) == 1


def test_an_invalid_line_is_skipped_with_a_warning_naming_it(tmp_path: Path) -> None:
    lines = MOCA.read_text("utf-8").split("\n")
    lines.insert(10, "this line is no content line")
    path = tmp_path / "feed.ics"
    path.write_text("\n".join(lines), "utf-8")
    with pytest.warns(ProgrammeWarning) as caught:
        programme = isecg_events.load(path)
    messages = [str(w.message) for w in caught]
    assert (
        f"{path}:11: is not an iCalendar content line, skipped: 'this line is no content line'"
        in messages
    )
    assert len(programme.events) == 16


def feed(body: str, head: str = "") -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" + head
        + "BEGIN:VEVENT\r\nUID:a@example.org\r\nDTSTAMP:20240101T000000Z\r\nSUMMARY:Talk\r\n"
        + body + "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )  # fmt: skip


WINDOWS_ZONE = (
    "BEGIN:VTIMEZONE\r\nTZID:W. Europe Standard Time\r\nBEGIN:STANDARD\r\n"
    "DTSTART:16010101T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\n"
    "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\nEND:STANDARD\r\nBEGIN:DAYLIGHT\r\n"
    "DTSTART:16010101T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n"
    "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n"
)


def test_a_feeds_own_vtimezone_is_honoured() -> None:
    text = feed(
        "DTSTART;TZID=W. Europe Standard Time:20240915T090000\r\n"
        "DTEND;TZID=W. Europe Standard Time:20240915T100000\r\n",
        WINDOWS_ZONE,
    )
    (event,) = isecg_events.loads(text, timezone="Europe/Rome").events
    assert event.start.isoformat() == "2024-09-15T09:00:00+02:00"
    assert event.timezone == "Europe/Rome"


def test_floating_times_need_a_zone() -> None:
    text = feed("DTSTART:20240915T090000\r\nDTEND:20240915T100000\r\n")
    with pytest.raises(ProgrammeError, match="give one with --timezone NAME"):
        isecg_events.loads(text)
    (event,) = isecg_events.loads(text, timezone="Europe/Rome").events
    assert event.start.isoformat() == "2024-09-15T09:00:00+02:00"


def test_recurrence_status_categories_and_attendees() -> None:
    text = feed(
        "DTSTART;TZID=Europe/Rome:20240915T090000\r\nDURATION:PT45M\r\n"
        "RRULE:FREQ=DAILY;COUNT=3\r\nSTATUS:CANCELLED\r\nCATEGORIES:Security,Talks\r\n"
        'ATTENDEE;CN="Doe, Jane";ROLE=REQ-PARTICIPANT:mailto:jane@example.org\r\n'
        "ATTENDEE;CUTYPE=ROOM;CN=Hall:mailto:hall@example.org\r\n"
        "ATTENDEE:mailto:nameless@example.org\r\n"
    )
    programme = isecg_events.loads(text)
    (event,) = programme.events
    assert event.rrule == "FREQ=DAILY;COUNT=3"
    assert len(programme.occurrences) == 3
    assert event.status == "cancelled"
    assert event.track == "Security"
    assert [p.participant.name for p in event.participants] == ["Doe, Jane"]


def test_a_rule_that_never_ends_keeps_the_first_occurrence_with_a_warning() -> None:
    text = feed(
        "DTSTART;TZID=Europe/Rome:20240915T090000\r\nDURATION:PT45M\r\nRRULE:FREQ=WEEKLY\r\n"
    )
    with pytest.warns(ProgrammeWarning, match="only the first occurrence is kept"):
        (event,) = isecg_events.loads(text).events
    assert event.rrule is None


def _people(event: isecg_events.Event) -> list[tuple[str | None, str | None, str | None]]:
    """Each participant of an event as (name, position, organisation), in order."""
    return [
        (
            p.participant.display_name,
            p.participant.position,
            p.participant.organization.name if p.participant.organization else None,
        )
        for p in event.participations
    ]


def assert_reads_back(original: isecg_events.Programme) -> isecg_events.Programme:
    """``original``'s compat feed read back: the same events, each its own calendar entry."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProgrammeWarning)  # the originals' own warnings
        again = isecg_events.loads(isecg_events.to_ical(original))
    assert again.conference.title == original.conference.display_title
    assert again.conference.venue == original.conference.venue
    series = [o.event for o in original.occurrences if o.index == 0]
    by_guid = {e.guid: e for e in again.events}
    assert len(by_guid) == len(again.events) == len(series)
    for before in series:
        # the UID written is read back as the event's guid: the same calendar entry
        after = by_guid[identity.event_guid(original.conference.id, before.id, before.guid)]
        assert after.title == before.display_title
        assert (after.start, after.end, after.room, after.track, after.status, after.type) == (
            before.start, before.end, before.room, before.track, before.status, before.type,
        )  # fmt: skip
        assert after.rrule == before.rrule
        assert _people(after) == _people(before)
        for was, now in zip(before.participations, after.participations, strict=True):
            guid = identity.person_guid(original.conference.id, was.participant.id,
                                        was.participant.guid)  # fmt: skip
            assert now.participant.guid == guid  # one person in every event
    return again


@pytest.mark.parametrize("source", ["plenary", "pretalx-democon.json", "frab-camp2019.json"])
def test_our_compat_feed_reads_back_to_the_same_events(source: str) -> None:
    if source == "plenary":
        original = isecg_events.load()
    else:
        original = quiet(reference(f"examples/{source}"))
    again = assert_reads_back(original)
    assert any(e.participations for e in again.events)
    if source == "plenary":
        nameless = [p for p in again.participants if p.name is None]
        assert len(nameless) == 6 and all(p.position and p.organization for p in nameless)
        # one participant for each in the original, known by the same guid
        assert len(again.participants) == len(original.participants)


# Words that survive the reader's whitespace rule (runs of blanks read as one
# space) and hold every escaping hazard of TEXT and vCard values but ", ",
# which a feed's LOCATION uses between room and venue.
_WORDS = (
    st.lists(st.text(st.sampled_from("aZé中🚀0;,\\:^\"'"), min_size=1, max_size=6), min_size=1,
             max_size=3)
    .map(" ".join)
    .filter(lambda text: ", " not in text and not text.endswith(","))
)  # fmt: skip


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programme=programmes(_WORDS))
def test_a_generated_programme_reads_back_from_our_compat_feed(
    programme: isecg_events.Programme,
) -> None:
    assert_reads_back(programme)


def test_a_name_that_reads_like_a_label_stays_a_name() -> None:
    # "Chair, Anna" as the Chair: a label's shape, but the card has N (named)
    people = [
        isecg_events.Participant("p1", name="Chair, Anna", position="Chair"),
        isecg_events.Participant("p2", name="Director", position="Director"),
        isecg_events.Participant("p3", position="Chair"),
    ]
    original = isecg_events.load()
    event = original.events[0]
    programme = attrs.evolve(
        original,
        participants=tuple(people),
        events=(attrs.evolve(event, participants=tuple(
            isecg_events.Participation(p) for p in people)),),
    )  # fmt: skip
    (again,) = assert_reads_back(programme).events
    assert [p.participant.name for p in again.participations] == ["Chair, Anna", "Director", None]


def test_an_older_compat_feed_without_participants_still_reads() -> None:
    feed = isecg_events.to_ical(isecg_events.load()).decode().replace("\r\n ", "")
    assert feed.count("X-ISECG-PARTICIPANT;") == 9
    older = "".join(
        line for line in feed.splitlines(keepends=True)
        if not line.startswith("X-ISECG-PARTICIPANT")
    )  # fmt: skip
    (event,) = isecg_events.loads(older).events
    assert event.participants == () and event.title.startswith("PLENARY 3")
    assert "Lionel Baize, Space Exploration Manager" in (event.description or "")


def test_any_feeds_participant_vcards_are_read_once_beside_attendees() -> None:
    card = (
        "BEGIN:VCARD\\nVERSION:4.0\\nUID:urn:uuid:{}\\nFN:{}\\nTITLE:Head\\n"
        "ORG:European Space Agency\\nEND:VCARD"
    )
    jane = card.format("5d1f7c52-3c2e-4b6a-9a43-7bd3e4c3f1a0", "Jane Doe")
    head = card.format("0e394501-256e-593d-a743-cb629ef47112", "Head\\\\\\, ESA")
    text = feed(
        "DTSTART;TZID=Europe/Rome:20240915T090000\r\nDURATION:PT45M\r\n"
        "ATTENDEE;CN=Jane Doe:mailto:jane@example.org\r\n"
        "ATTENDEE;CN=Max Mustermann:mailto:max@example.org\r\n"
        f"X-ISECG-PARTICIPANT;FMTTYPE=text/vcard:{head}\r\n"
        f"X-ISECG-PARTICIPANT;FMTTYPE=text/vcard;PARTICIPANT-TYPE=SPEAKER:{jane}\r\n"
        f"X-ISECG-PARTICIPANT;FMTTYPE=text/vcard:{jane}\r\n"
    )  # a feed not of ours (its PRODID): the vCards are read all the same
    (event,) = isecg_events.loads(text).events
    people = [p.participant for p in event.participants]
    assert [(p.name, p.position) for p in people] == [
        ("Jane Doe", "Head"),  # the vCard took the attendee's place: one Jane
        ("Max Mustermann", None),
        (None, "Head"),  # nameless: its FN is its label, led by its position
    ]
    assert str(people[0].guid) == "5d1f7c52-3c2e-4b6a-9a43-7bd3e4c3f1a0"
    assert people[2].organization is not None
    assert people[2].organization.name == "European Space Agency"


def test_two_people_of_one_name_beside_an_attendee_of_that_name_are_both_kept() -> None:
    card = "BEGIN:VCARD\\nVERSION:4.0\\nUID:urn:uuid:{}\\nFN:John Smith\\nTITLE:{}\\nEND:VCARD"
    engineer = card.format("11111111-1111-4111-8111-111111111111", "Engineer")
    lawyer = card.format("22222222-2222-4222-8222-222222222222", "Lawyer")
    text = feed(
        "DTSTART;TZID=Europe/Rome:20240915T090000\r\nDURATION:PT45M\r\n"
        "ATTENDEE;CN=John Smith:mailto:john@example.org\r\n"
        f"X-ISECG-PARTICIPANT;FMTTYPE=text/vcard:{engineer}\r\n"
        f"X-ISECG-PARTICIPANT;FMTTYPE=text/vcard:{lawyer}\r\n"
    )
    (event,) = isecg_events.loads(text).events
    people = [(p.participant.name, p.participant.position) for p in event.participants]
    assert people == [("John Smith", "Engineer"), ("John Smith", "Lawyer")]


def test_our_rich_feed_reads_back_participants_by_name_and_position() -> None:
    original = isecg_events.load()
    again = isecg_events.loads(isecg_events.to_ical(original, profile="rich"))
    for before, after in zip(original.events, again.events, strict=True):
        assert [
            (p.participant.display_name, p.participant.position) for p in before.participations
        ] == [(p.participant.name, p.participant.position) for p in after.participations]
    nameless = [p for p in again.participants if p.name is None]
    assert nameless and all(p.position for p in nameless)  # no name is made up


def test_validate_and_export_take_a_feed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(MOCA)]) == 0
    captured = capsys.readouterr()
    assert "OK" in captured.out
    assert re.search(r"warning: .*VEVENT\[1\]\.UID", captured.err)
    assert main(["validate", str(PYCON), "--timezone", "Asia/Kolkata"]) == 0


def test_a_feed_that_is_not_icalendar_is_one_clear_problem(tmp_path: Path) -> None:
    path = tmp_path / "x.ics"
    path.write_text("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VCALENDAR\r\n", "utf-8")
    with pytest.raises(ProgrammeError) as caught:
        isecg_events.load(path, timezone="UTC")
    (problem,) = caught.value.problems
    assert problem.file == str(path)
