from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import pytz

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


def test_elapsed_is_clock_time_across_a_dst_change() -> None:
    paris = timezones.get_zone("Europe/Paris")
    start = datetime(2026, 3, 29, 1, 30, tzinfo=paris)
    end = datetime(2026, 3, 29, 3, 30, tzinfo=paris)
    assert end - start == timedelta(hours=2)  # Python's wall-clock subtraction
    assert timezones.elapsed(start, end) == timedelta(hours=1)
    assert timezones.add_elapsed(start, timedelta(hours=1)) == end
