from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import pytz
from icalendar import Calendar

from isecg_events import timezones


def test_unknown_zone_suggests_closest_name() -> None:
    with pytest.raises(timezones.UnknownTimeZone) as caught:
        timezones.get_zone("Asia/Shanghia")
    assert caught.value.suggestion == "Asia/Shanghai"
    assert "did you mean 'Asia/Shanghai'" in str(caught.value)
    assert timezones.suggest_zone("shanghai") == "Asia/Shanghai"


def test_pytz_localized_datetime_keeps_its_instant() -> None:
    localized = pytz.timezone("Asia/Shanghai").localize(datetime(2017, 6, 7, 9, 30))
    converted = timezones.aware(localized)
    assert converted.utcoffset() == timedelta(hours=8)
    assert type(converted.tzinfo).__name__ == "ZoneInfo"
    assert converted == localized


def test_pytz_zone_attached_naively_is_corrected_to_its_instant() -> None:
    # datetime(..., tzinfo=pytz zone) gives Local Mean Time (+08:06); the instant
    # it denotes is kept, and expressed in the zoneinfo zone.
    lmt = datetime(2017, 6, 7, 9, 30, tzinfo=pytz.timezone("Asia/Shanghai"))
    assert lmt.utcoffset() == timedelta(hours=8, minutes=6)
    converted = timezones.aware(lmt)
    assert converted.utcoffset() == timedelta(hours=8)
    assert converted == lmt


def test_naive_datetime_needs_a_zone() -> None:
    with pytest.raises(timezones.TimeZoneError):
        timezones.aware(datetime(2017, 6, 7, 9, 30))
    assert timezones.aware(datetime(2017, 6, 7, 9, 30), "Asia/Shanghai").hour == 9


def test_dst_gap_and_fold_are_refused() -> None:
    paris = timezones.get_zone("Europe/Paris")
    with pytest.raises(timezones.NonexistentTime, match="does not exist"):
        timezones.localize(datetime(2026, 3, 29, 2, 30), paris)
    with pytest.raises(timezones.AmbiguousTime, match="ambiguous"):
        timezones.localize(datetime(2026, 10, 25, 2, 30), paris)


def test_zone_description() -> None:
    moment = datetime(2017, 6, 7, 9, 30, tzinfo=timezones.get_zone("Asia/Shanghai"))
    assert timezones.zone_description(moment) == "China Standard Time, UTC+08:00"


@pytest.mark.parametrize(
    ("zone", "first", "last"),
    [
        ("Asia/Shanghai", date(2017, 6, 6), date(2017, 6, 8)),
        ("Europe/Paris", date(2026, 3, 20), date(2026, 11, 5)),
        ("America/New_York", date(2026, 3, 1), date(2026, 11, 30)),
    ],
)
def test_vtimezone_reads_back_with_correct_offsets(zone: str, first: date, last: date) -> None:
    component = timezones.vtimezone(zone, first, last)
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
    text = timezones.vtimezone("America/New_York", date(2026, 3, 1), date(2026, 11, 30)).to_ical()
    assert b"DTSTART:20260308T020000" in text  # 02:00 EST -> 03:00 EDT
    assert b"DTSTART:20261101T020000" in text  # 02:00 EDT -> 01:00 EST


@pytest.mark.parametrize("zone", ["Australia/Lord_Howe", "Europe/Paris", "America/New_York"])
def test_each_onset_minus_its_old_offset_is_a_real_transition(zone: str) -> None:
    # Checked on the data itself: dateutil's VTIMEZONE reader misplaces the
    # 30-minute fold of Lord Howe, so a read-back cannot judge that zone.
    component = timezones.vtimezone(zone, date(2026, 1, 1), date(2026, 12, 31))
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


def test_bare_offsets_need_a_zone() -> None:
    from datetime import timezone

    fixed = datetime(2017, 6, 7, 9, 30, tzinfo=timezone(timedelta(hours=8)))
    with pytest.raises(timezones.TimeZoneError, match="no IANA time zone"):
        timezones.aware(fixed)
    moved = timezones.aware(fixed, "Asia/Shanghai")
    assert moved == fixed and moved.tzinfo == timezones.get_zone("Asia/Shanghai")


def test_local_iso_formats_each_instant_in_the_zone() -> None:
    paris = timezones.get_zone("Europe/Paris")
    local_iso = timezones.LocalIso(paris)
    shanghai = datetime(2017, 6, 7, 9, 30, tzinfo=timezones.get_zone("Asia/Shanghai"))
    assert local_iso(shanghai) == "2017-06-07T03:30:00+02:00"
    # the repeated hour of the autumn change: equal wall times, two instants
    first = datetime(2026, 10, 25, 2, 30, tzinfo=paris)
    second = first.replace(fold=1)
    assert first == second  # Python compares same-zone datetimes by wall time
    assert local_iso(first) == "2026-10-25T02:30:00+02:00"
    assert local_iso(second) == "2026-10-25T02:30:00+01:00"
    assert local_iso(first) == "2026-10-25T02:30:00+02:00"
