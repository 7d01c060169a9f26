from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from isecg_events.model import (
    Event,
    Participant,
    Participation,
    Segment,
    split_printed_name,
)
from isecg_events.programme import Programme
from tests.programmes import CNSA, conference, event


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        ("Naoki SATO", ("Naoki", "SATO")),
        ("Lionel BAIZE", ("Lionel", "BAIZE")),
        ("Jean-Jacques DORDAIN", ("Jean-Jacques", "DORDAIN")),
        ("Anna VAN DER BERG", ("Anna", "VAN DER BERG")),
        ("Ada Lovelace", None),
        ("SATO", None),
        ("NASA ESA", None),
    ],
)
def test_split_printed_name(printed: str, expected: tuple[str, str] | None) -> None:
    assert split_printed_name(printed) == expected


def test_named_participant_label_and_sorting() -> None:
    person = Participant(
        "sato", "Naoki SATO", "Manager", CNSA, given_name="Naoki", family_name="SATO"
    )
    assert person.display_name == "Naoki Sato"
    assert person.label == "Naoki Sato, Manager, CNSA"
    assert person.sort_key[0] == "sato"


def test_nameless_participant_is_shown_by_position_and_organization() -> None:
    person = Participant(
        "cnsa-director", position="Director for International Cooperation", organization=CNSA
    )
    assert person.display_name is None
    assert person.label == "Director for International Cooperation, CNSA"
    assert person.effective_country == "China"


def test_participant_country_overrides_organization() -> None:
    person = Participant("x", position="Delegate", organization=CNSA, country="Italy")
    assert person.effective_country == "Italy"


def test_participation_label_carries_role() -> None:
    person = Participant("x", position="Head", organization=CNSA)
    assert Participation(person, "moderator").label == "Head, CNSA (moderator)"


def test_participations_list_event_then_segment_only_participants_once() -> None:
    chair = Participant("chair", name="Ada Chair")
    panelist = Participant("panelist", position="Director", organization=CNSA)
    guest = Participant("guest", name="Guest Speaker")
    item = event(
        "panel",
        9,
        participants=(Participation(chair, "chair"), Participation(panelist)),
        segments=(
            Segment("Opening", participants=(Participation(chair, "speaker"),)),
            Segment("Talk", participants=(Participation(guest), Participation(panelist))),
            Segment("Close", participants=(Participation(guest, "again"),)),
        ),
    )
    assert [(p.participant.id, p.role) for p in item.participations] == [
        ("chair", "chair"),
        ("panelist", None),
        ("guest", None),
    ]
    assert item.participations is item.participations  # computed once
    plain = event("plain", 10, participants=(Participation(chair),))
    assert plain.participations == (Participation(chair),)
    assert event("empty", 11, segments=(Segment("Only"),)).participations == ()


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="has no time zone"):
        Event("x", "X", datetime(2017, 6, 7, 9), datetime(2017, 6, 7, 10))
    with pytest.raises(ValueError, match="has no time zone"):
        conference(published=datetime(2026, 11, 25))


def test_pytz_datetimes_are_accepted_and_computed_with_zoneinfo() -> None:
    import pytz

    from isecg_events import to_ical

    zone = pytz.timezone("Europe/Paris")
    coffee = Event(
        "coffee",
        "Coffee",
        zone.localize(datetime(2026, 3, 28, 10, 30)),
        zone.localize(datetime(2026, 3, 28, 11)),
        rrule="FREQ=DAILY;COUNT=2",
    )
    assert isinstance(coffee.start.tzinfo, ZoneInfo)
    assert coffee.timezone == "Europe/Paris"
    conf = conference(timezone="Europe/Paris", start=date(2026, 3, 28), end=date(2026, 3, 29))
    programme = Programme(conf, events=(coffee,))
    assert [o.start.isoformat() for o in programme.occurrences] == [
        "2026-03-28T10:30:00+01:00",
        "2026-03-29T10:30:00+02:00",
    ]
    feed = to_ical(programme).decode()
    assert "DTSTART;TZID=Europe/Paris:20260328T103000" in feed
    assert "+0009" not in feed  # no Local Mean Time anywhere


def test_programme_orders_events_and_assigns_stable_identities() -> None:
    late, early = event("late", 11), event("early", 9)
    programme = Programme(conference(), events=(late, early))
    assert [e.id for e in programme.events] == ["early", "late"]
    first = {o.event.id: (o.guid, o.number, o.slug) for o in programme.occurrences}
    grown = Programme(conference(), events=(late, early, event("middle", 10)))
    second = {o.event.id: (o.guid, o.number, o.slug) for o in grown.occurrences}
    assert first["early"] == second["early"] and first["late"] == second["late"]
    assert first["early"][2] == "glex2017-early"
    assert all(0 < number < 2**31 for _, number, _ in second.values())


def test_recurring_event_expands_in_wall_clock_time_across_dst() -> None:
    paris = ZoneInfo("Europe/Paris")
    coffee = Event(
        "coffee",
        "Coffee",
        datetime(2026, 3, 28, 10, 30, tzinfo=paris),
        datetime(2026, 3, 28, 11, tzinfo=paris),
        rrule="FREQ=DAILY;COUNT=3",
    )
    conf = conference(timezone="Europe/Paris", start=date(2026, 3, 28), end=date(2026, 3, 30))
    programme = Programme(conf, events=(coffee,))
    starts = [o.start for o in programme.occurrences]
    assert [s.strftime("%d %H:%M %z") for s in starts] == [
        "28 10:30 +0100",
        "29 10:30 +0200",
        "30 10:30 +0200",
    ]
    assert len({o.guid for o in programme.occurrences}) == 3
    assert len({o.number for o in programme.occurrences}) == 3


def test_rrule_without_end_is_refused() -> None:
    with pytest.raises(ValueError, match="COUNT or UNTIL"):
        event("x", 9, rrule="FREQ=DAILY").occurrence_starts()


def test_clashing_numbers_are_resolved_deterministically() -> None:
    programme = Programme(conference(), events=(event("a", 9, number=7), event("b", 11, number=7)))
    numbers = sorted(o.number for o in programme.occurrences)
    assert numbers[0] == 7 and numbers[1] != 7


def test_a_printed_name_shows_the_same_from_a_file_and_from_python() -> None:
    import isecg_events
    from tests.programmes import MINIMAL

    built = Participant(id="anna", name="Anna MÜLLER")
    read = isecg_events.loads(
        MINIMAL.replace('name = "Ada LOVELACE"', 'name = "Anna MÜLLER"')
    ).participants[0]
    assert built.display_name == read.display_name == "Anna Müller"
    assert built.sort_key[:2] == read.sort_key[:2] == ("müller", "anna")
    assert Participant(id="x", name="Director, UAESA").display_name == "Director, UAESA"
    given = Participant(id="y", name="Mary DE LA CRUZ", given_name="Mary", family_name="De la Cruz")
    assert given.display_name == "Mary De la Cruz"
