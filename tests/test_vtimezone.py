from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from icalendar import Calendar

import isecg_events
from isecg_events import timezones
from isecg_events.exporters._vtimezone import vtimezone
from isecg_events.exporters.ical import PRODID, timezone_calendar


@pytest.mark.parametrize(
    ("zone", "first", "last"),
    [
        ("Asia/Shanghai", date(2017, 6, 6), date(2017, 6, 8)),
        ("Europe/Paris", date(2026, 3, 20), date(2026, 11, 5)),
        ("America/New_York", date(2026, 3, 1), date(2026, 11, 30)),
    ],
)
def test_vtimezone_reads_back_with_correct_offsets(zone: str, first: date, last: date) -> None:
    component = vtimezone(zone, first, last)
    text = component.to_ical()
    assert b"COMMENT" not in text and b"RDATE" not in text
    parsed = Calendar.from_ical(b"BEGIN:VCALENDAR\r\n" + text + b"END:VCALENDAR\r\n")
    tz = parsed.walk("VTIMEZONE")[0].to_tz(lookup_tzid=False)
    real = timezones.get_zone(zone)
    moment = datetime.combine(first, datetime.min.time(), tzinfo=UTC)
    end = datetime.combine(last, datetime.min.time(), tzinfo=UTC)
    while moment <= end:  # every 30 minutes, both sides of each transition
        assert moment.astimezone(tz).utcoffset() == moment.astimezone(real).utcoffset(), moment
        moment += timedelta(minutes=30)


def test_vtimezone_onsets_are_in_the_old_offset() -> None:
    text = vtimezone("America/New_York", date(2026, 3, 1), date(2026, 11, 30)).to_ical()
    assert b"DTSTART:20260308T020000" in text  # 02:00 EST -> 03:00 EDT
    assert b"DTSTART:20261101T020000" in text  # 02:00 EDT -> 01:00 EST


@pytest.mark.parametrize("zone", ["Australia/Lord_Howe", "Europe/Paris", "America/New_York"])
def test_each_onset_minus_its_old_offset_is_a_real_transition(zone: str) -> None:
    # Checked on the data itself: dateutil's VTIMEZONE reader misplaces the
    # 30-minute fold of Lord Howe, so a read-back cannot judge that zone.
    component = vtimezone(zone, date(2026, 1, 1), date(2026, 12, 31))
    real = timezones.get_zone(zone)
    observances = component.subcomponents[1:]
    assert len(observances) == 2
    for observance in observances:
        onset = observance["DTSTART"].dt
        before = observance["TZOFFSETFROM"].td
        after = observance["TZOFFSETTO"].td
        instant = (onset - before).replace(tzinfo=UTC)
        assert (instant - timedelta(seconds=1)).astimezone(real).utcoffset() == before
        assert instant.astimezone(real).utcoffset() == after


def test_the_calendar_timezone_is_the_feeds_own_vtimezone() -> None:
    plenary = isecg_events.load()
    alone = timezone_calendar(plenary)
    assert alone == timezone_calendar(plenary)  # no random UID or stamp
    feed = isecg_events.get_exporter("ics").render(plenary)
    zone = feed[feed.index(b"BEGIN:VTIMEZONE") : feed.index(b"END:VTIMEZONE\r\n") + 15]
    head = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:" + PRODID.encode() + b"\r\n"
    assert alone == head + zone + b"END:VCALENDAR\r\n"


def test_a_conference_in_utc_has_no_vtimezone() -> None:
    plenary = isecg_events.load(timezone="UTC")
    assert plenary.conference.timezone == "UTC"
    assert b"VTIMEZONE" not in timezone_calendar(plenary)
