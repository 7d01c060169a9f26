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


def _at(*texts: str) -> list[datetime]:
    return [datetime.fromisoformat(text) for text in texts]


def test_one_offset_infers_a_fixed_offset_zone_not_a_place() -> None:
    assert timezones.infer_zone(_at("2020-12-14T09:00+01:00")) == ("Etc/GMT-1", ())
    assert timezones.infer_zone(_at("2020-07-01T09:00-05:00")).name == "Etc/GMT+5"
    assert timezones.infer_zone(_at("2020-07-01T09:00+00:00")).name == "UTC"
    assert timezones.infer_zone([]) is None


def test_offsets_across_a_dst_change_infer_a_location_zone() -> None:
    moments = _at("2019-03-30T10:00+01:00", "2019-03-31T10:00+02:00", "2019-03-31T01:30+01:00")
    inferred = timezones.infer_zone(moments)
    assert inferred is not None
    assert {"Europe/Berlin", "Europe/Paris"} <= set(inferred.candidates)
    assert not any(name.startswith(("America/", "Asia/")) for name in inferred.candidates)
    assert inferred.name == inferred.candidates[0]
    for name in inferred.candidates:
        assert timezones.fits(timezones.get_zone(name), moments)


def test_odd_offsets() -> None:
    inferred = timezones.infer_zone(_at("2020-01-10T10:00+05:30"))
    assert inferred is not None and "Asia/Kolkata" in inferred.candidates
    assert timezones.infer_zone(_at("2020-01-10T10:00+01:17")) is None  # no zone has it


@pytest.mark.parametrize("name", ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe"])
def test_inferred_zone_reads_every_time_as_printed(name: str) -> None:
    zone = timezones.get_zone(name)
    printed = [
        datetime(2021, 1, 1, 12, tzinfo=zone) + timedelta(days=day, hours=hour)
        for day in range(0, 365, 7)
        for hour in (0, 13)
    ]
    inferred = timezones.infer_zone(printed)
    assert inferred is not None
    assert name in inferred.candidates
    chosen = timezones.get_zone(inferred.name)
    for moment in printed:
        local = moment.astimezone(chosen)
        assert local.replace(tzinfo=None) == moment.replace(tzinfo=None)
