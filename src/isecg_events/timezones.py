"""Every piece of time-zone handling in the library.

Times are computed with :mod:`zoneinfo` (as icalendar 7 does). pytz zones and
pytz-localized datetimes are accepted at the API boundary and converted here;
python-dateutil detects local times that fall into a DST gap or fold.
"""

from __future__ import annotations

import difflib
import functools
import zoneinfo
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import NamedTuple

from babel.dates import get_timezone_name
from dateutil import tz as dateutil_tz
from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

__all__ = [
    "AmbiguousTime",
    "LocalIso",
    "NonexistentTime",
    "TimeZoneError",
    "UnknownTimeZone",
    "Zone",
    "aware",
    "day_bounds",
    "get_zone",
    "localize",
    "offset_label",
    "suggest_zone",
    "transitions",
    "vtimezone",
    "zone_description",
    "zone_name",
]


#: The zone type the library computes with.
Zone = zoneinfo.ZoneInfo


class TimeZoneError(ValueError):
    """A time-zone name or a local time that cannot be used."""


class UnknownTimeZone(TimeZoneError):
    """The name is not an IANA time-zone name."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.suggestion = suggest_zone(name)
        hint = f"; did you mean {self.suggestion!r}?" if self.suggestion else ""
        super().__init__(f"unknown time zone {name!r}{hint}")


class NonexistentTime(TimeZoneError):
    """A local time skipped by a DST change (the clocks jump over it)."""


class AmbiguousTime(TimeZoneError):
    """A local time that happens twice because the clocks go back."""


@functools.cache
def _zone_names() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


@functools.cache
def _zone_names_by_casefold() -> dict[str, str]:
    return {name.casefold(): name for name in _zone_names()}


def suggest_zone(name: str) -> str | None:
    """Return the closest valid IANA name for a mistyped one, or None."""
    folded = name.strip().casefold().replace(" ", "_")
    exact = _zone_names_by_casefold().get(folded)
    if exact:
        return exact
    by_casefold = _zone_names_by_casefold()
    matches = difflib.get_close_matches(folded, list(by_casefold), n=1, cutoff=0.6)
    if matches:
        return by_casefold[matches[0]]
    # "Shanghai" -> "Asia/Shanghai": match on the last component too.
    for candidate in _zone_names():
        if candidate.rsplit("/", 1)[-1].casefold() == folded:
            return candidate
    return None


@functools.cache
def get_zone(name: str) -> zoneinfo.ZoneInfo:
    """Return the zone for an IANA name.

    Raises:
        UnknownTimeZone: the name is not a known IANA zone; the error carries
            the closest valid name as ``suggestion``.
    """
    if not name or name != name.strip() or name not in _zone_names_set():
        raise UnknownTimeZone(name)
    return zoneinfo.ZoneInfo(name)


@functools.cache
def _zone_names_set() -> frozenset[str]:
    return frozenset(_zone_names())


def zone_name(value: tzinfo) -> str:
    """Return the IANA name of a zoneinfo, pytz or dateutil zone.

    Raises:
        TimeZoneError: the zone has no IANA name (a fixed offset, say).
    """
    key = getattr(value, "key", None) or getattr(value, "zone", None)
    if isinstance(key, str):
        get_zone(key)
        return key
    if value is UTC:
        return "UTC"
    raise TimeZoneError(f"time zone {value!r} has no IANA name")


def aware(value: datetime, default_zone: str | None = None) -> datetime:
    """Return ``value`` as an aware datetime whose tzinfo is a ZoneInfo.

    pytz-localized datetimes keep their instant and move to the zoneinfo zone
    of the same name. A naive value is localized in ``default_zone`` (with
    gap and fold checks); a value with only a fixed UTC offset keeps its
    instant and moves to ``default_zone``. Without a default zone both are
    errors: times in the library always carry an IANA zone.

    Raises:
        TimeZoneError: naive, or with a bare offset, and no default zone.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        if default_zone is None:
            raise TimeZoneError(f"{value.isoformat()} has no time zone")
        return localize(value, get_zone(default_zone))
    tz = value.tzinfo
    if isinstance(tz, zoneinfo.ZoneInfo):
        return value
    if tz is UTC or getattr(tz, "zone", None) == "UTC":
        return value.astimezone(get_zone("UTC"))
    try:
        return value.astimezone(get_zone(zone_name(tz)))
    except TimeZoneError:
        if default_zone is None:
            raise TimeZoneError(
                f"{value.isoformat()} has a UTC offset but no IANA time zone; "
                "give a zone such as Asia/Shanghai"
            ) from None
        return value.astimezone(get_zone(default_zone))


def localize(local: datetime, zone: zoneinfo.ZoneInfo) -> datetime:
    """Attach ``zone`` to a naive local time, refusing DST gaps and folds.

    Raises:
        NonexistentTime: the clocks skip ``local`` in ``zone``.
        AmbiguousTime: ``local`` happens twice in ``zone``.
    """
    candidate = local.replace(tzinfo=zone, fold=0)
    if not dateutil_tz.datetime_exists(candidate):
        raise NonexistentTime(
            f"{local:%Y-%m-%d %H:%M} does not exist in {zone.key} "
            "(the clocks skip it for daylight saving time)"
        )
    if dateutil_tz.datetime_ambiguous(candidate):
        raise AmbiguousTime(
            f"{local:%Y-%m-%d %H:%M} is ambiguous in {zone.key} "
            "(it happens twice when the clocks go back)"
        )
    return candidate


def day_bounds(day: date, zone: zoneinfo.ZoneInfo) -> tuple[datetime, datetime]:
    """Return the aware start of ``day`` and of the next day in ``zone``."""
    start = _first_instant_of(day, zone)
    end = _first_instant_of(day + timedelta(days=1), zone)
    return start, end


def _first_instant_of(day: date, zone: zoneinfo.ZoneInfo) -> datetime:
    midnight = datetime.combine(day, time(0), tzinfo=zone)
    if dateutil_tz.datetime_exists(midnight):
        return midnight
    # A zone whose DST change skips midnight starts that day at 01:00.
    return dateutil_tz.resolve_imaginary(midnight)


class LocalIso:
    """ISO 8601 text of instants as read in one zone, formatted once per instant.

    Large programmes repeat their start and end times across rooms, and
    ``isoformat()`` of an aware datetime is comparatively slow.
    """

    def __init__(self, zone: zoneinfo.ZoneInfo) -> None:
        self.zone = zone
        self._texts: dict[tuple[datetime, int], str] = {}

    def __call__(self, moment: datetime) -> str:
        """Return ``moment.astimezone(zone).isoformat()``."""
        local = moment.astimezone(self.zone)
        # Aware datetimes sharing a tzinfo compare by wall time alone, so the
        # two readings of a repeated hour need the fold in the key.
        key = (local, local.fold)
        text = self._texts.get(key)
        if text is None:
            text = self._texts[key] = local.isoformat()
        return text


def offset_label(moment: datetime) -> str:
    """Return the UTC offset of an aware datetime as ``UTC+08:00``."""
    offset = moment.utcoffset()
    if offset is None:
        raise TimeZoneError(f"{moment.isoformat()} has no time zone")
    return "UTC" + _signed_hhmm(offset)


def _signed_hhmm(offset: timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


def zone_description(moment: datetime) -> str:
    """Describe the zone of ``moment`` in words and offset.

    For example ``China Standard Time, UTC+08:00``; the name comes from the
    Unicode CLDR (through Babel) and is the one in force at ``moment``.
    """
    try:
        words = get_timezone_name(moment, "long", locale="en_001")
    except (LookupError, ValueError):  # pragma: no cover - CLDR knows IANA zones
        words = moment.tzname() or ""
    label = offset_label(moment)
    return f"{words}, {label}" if words and words != label else label


class Transition(NamedTuple):
    """One change of a zone's UTC offset."""

    utc: datetime
    offset_from: timedelta
    offset_to: timedelta
    name: str
    is_dst: bool

    @property
    def local_onset(self) -> datetime:
        """The naive onset in the old offset, as RFC 5545 3.6.5 requires."""
        return (self.utc + self.offset_from).replace(tzinfo=None)


_SCAN_STEP = timedelta(hours=1)


def transitions(zone: zoneinfo.ZoneInfo, start: datetime, end: datetime) -> list[Transition]:
    """Return the offset changes of ``zone`` between two aware instants.

    Offsets are sampled hourly and each change is narrowed to the second by
    bisection; zones have never changed offset twice within one hour.
    """
    found: list[Transition] = []
    cursor = start.astimezone(UTC)
    stop = end.astimezone(UTC)
    before = cursor.astimezone(zone)
    while cursor < stop:
        step_end = min(cursor + _SCAN_STEP, stop)
        after = step_end.astimezone(zone)
        if after.utcoffset() != before.utcoffset():
            instant = _bisect_change(zone, cursor, step_end)
            local = instant.astimezone(zone)
            found.append(
                Transition(
                    utc=instant,
                    offset_from=_offset(before),
                    offset_to=_offset(local),
                    name=local.tzname() or _signed_hhmm(_offset(local)),
                    is_dst=bool(local.dst()),
                )
            )
        cursor, before = step_end, after
    return found


def _offset(moment: datetime) -> timedelta:
    offset = moment.utcoffset()
    assert offset is not None
    return offset


def _bisect_change(zone: zoneinfo.ZoneInfo, low: datetime, high: datetime) -> datetime:
    offset_low = low.astimezone(zone).utcoffset()
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        middle = middle.replace(microsecond=0)
        if middle.astimezone(zone).utcoffset() == offset_low:
            low = middle
        else:
            high = middle
    return high


class _Observance(NamedTuple):
    onset: datetime
    offset_from: timedelta
    offset_to: timedelta
    name: str
    is_dst: bool


@functools.lru_cache(maxsize=64)
def _observances(name: str, first: date, last: date) -> tuple[_Observance, ...]:
    zone = get_zone(name)
    window_start = datetime.combine(first, time(0), tzinfo=UTC) - timedelta(days=1)
    window_end = datetime.combine(last, time(0), tzinfo=UTC) + timedelta(days=2)
    opening = window_start.astimezone(zone)
    observances = [
        _Observance(
            onset=opening.replace(tzinfo=None),
            offset_from=_offset(opening),
            offset_to=_offset(opening),
            name=opening.tzname() or _signed_hhmm(_offset(opening)),
            is_dst=bool(opening.dst()),
        )
    ]
    observances.extend(
        _Observance(t.local_onset, t.offset_from, t.offset_to, t.name, t.is_dst)
        for t in transitions(zone, window_start, window_end)
    )
    return tuple(observances)


def vtimezone(name: str, first: date, last: date) -> Timezone:
    """Build the VTIMEZONE for zone ``name`` covering ``first`` to ``last``.

    Each offset change in the window is its own observance with its onset in
    the old offset (RFC 5545 3.6.5), so there are no RDATE lists for Outlook
    to misread and no COMMENT lines. icalendar encodes every value.

    Raises:
        UnknownTimeZone: ``name`` is not an IANA zone.
    """
    component = Timezone()
    component.add("TZID", name)
    for observance in _observances(name, first, last):
        part = TimezoneDaylight() if observance.is_dst else TimezoneStandard()
        part.add("DTSTART", observance.onset)
        part.add("TZNAME", observance.name)
        part.add("TZOFFSETFROM", observance.offset_from)
        part.add("TZOFFSETTO", observance.offset_to)
        component.add_component(part)
    return component
