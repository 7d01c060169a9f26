"""Every piece of time-zone handling in the library.

Times are computed with :mod:`zoneinfo` (as icalendar 7 does). pytz zones and
pytz-localized datetimes are accepted at the API boundary and converted here;
python-dateutil detects local times that fall into a DST gap or fold.
Pure zoneinfo and dateutil: the iCalendar VTIMEZONE builder lives with the
iCalendar exporter, and CLDR zone names with the text that shows them.
"""

from __future__ import annotations

import difflib
import functools
import zoneinfo
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import NamedTuple

from dateutil import tz as dateutil_tz

__all__ = [
    "AmbiguousTime",
    "InferredZone",
    "LocalIso",
    "NonexistentTime",
    "TimeZoneError",
    "UnknownTimeZone",
    "Zone",
    "add_elapsed",
    "aware",
    "check_exists",
    "conference_day",
    "day_bounds",
    "elapsed",
    "fits",
    "get_zone",
    "infer_zone",
    "localize",
    "names",
    "offset",
    "offset_label",
    "signed_hhmm",
    "suggest_zone",
    "transitions",
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


#: Names some machines' zone folders hold that are not zones of the IANA
#: database: their meaning depends on the machine (or, Factory, on nothing).
_MACHINE_ZONES = frozenset({"localtime", "posixrules", "Factory"})


@functools.cache
def _zone_names() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones() - _MACHINE_ZONES))


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
    if not name or name != name.strip() or name not in names():
        raise UnknownTimeZone(name)
    return zoneinfo.ZoneInfo(name)


@functools.cache
def names() -> frozenset[str]:
    """Every IANA zone name this machine's tzdata knows (less machine-dependent ones)."""
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
    check_exists(candidate)
    if dateutil_tz.datetime_ambiguous(candidate):
        raise AmbiguousTime(
            f"{local:%Y-%m-%d %H:%M} is ambiguous in {zone.key} "
            "(it happens twice when the clocks go back)"
        )
    return candidate


def elapsed(start: datetime, end: datetime) -> timedelta:
    """The time from ``start`` to ``end`` as a clock measures it, across DST changes.

    Not ``end - start``: for two times of one zone Python subtracts their
    wall-clock readings (01:30 to 03:30 on a spring-forward night is one hour).
    """
    return end.astimezone(UTC) - start.astimezone(UTC)


def add_elapsed(start: datetime, length: timedelta) -> datetime:
    """``start`` plus ``length`` of elapsed time, in ``start``'s zone (see :func:`elapsed`)."""
    return (start.astimezone(UTC) + length).astimezone(start.tzinfo)


def check_exists(moment: datetime) -> None:
    """Refuse an aware time whose wall-clock reading its zone skips (a DST gap).

    Raises:
        NonexistentTime: the clocks jump over ``moment`` in its zone.
    """
    if not dateutil_tz.datetime_exists(moment):
        name = getattr(moment.tzinfo, "key", None) or moment.tzname()
        raise NonexistentTime(
            f"{moment:%Y-%m-%d %H:%M} does not exist in {name} "
            "(the clocks skip it for daylight saving time)"
        )


def day_bounds(
    day: date, zone: zoneinfo.ZoneInfo, change: time = time(0)
) -> tuple[datetime, datetime]:
    """Return the aware start of ``day`` and of the next day in ``zone``.

    A conference day may change at another hour than midnight (``change``:
    04:00 puts a talk at 01:30 on the evening before, as its schedule does).
    """
    start = _first_instant_of(day, zone, change)
    end = _first_instant_of(day + timedelta(days=1), zone, change)
    return start, end


def conference_day(moment: datetime, zone: zoneinfo.ZoneInfo, change: time = time(0)) -> date:
    """The day ``moment`` belongs to in ``zone`` when days change at ``change``."""
    local = moment.astimezone(zone)
    if local.time() < change:
        return local.date() - timedelta(days=1)
    return local.date()


def _first_instant_of(day: date, zone: zoneinfo.ZoneInfo, at: time = time(0)) -> datetime:
    moment = datetime.combine(day, at, tzinfo=zone)
    if dateutil_tz.datetime_exists(moment):
        return moment
    # A DST change that skips the hour (midnight, in some zones) starts the day after it.
    return dateutil_tz.resolve_imaginary(moment)


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
    return "UTC" + signed_hhmm(offset)


def signed_hhmm(offset: timedelta) -> str:
    """Format a UTC offset as ``+08:00`` or ``-05:00``."""
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


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
                    offset_from=offset(before),
                    offset_to=offset(local),
                    name=local.tzname() or signed_hhmm(offset(local)),
                    is_dst=bool(local.dst()),
                )
            )
        cursor, before = step_end, after
    return found


def offset(moment: datetime) -> timedelta:
    """The UTC offset of an aware datetime."""
    found = moment.utcoffset()
    assert found is not None
    return found


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


#: The areas of tzdata's canonical location zones (``Europe/Berlin``); the
#: others are aliases (``CET``, ``US/Eastern``) or fixed offsets (``Etc/``).
_LOCATION_AREAS = (
    "Africa/", "America/", "Antarctica/", "Asia/", "Atlantic/", "Australia/",
    "Europe/", "Indian/", "Pacific/",
)  # fmt: skip


class InferredZone(NamedTuple):
    """A zone inferred from the UTC offsets a source gives (see :func:`infer_zone`).

    Attributes:
        name: the zone used.
        candidates: every location zone that fits as well (empty for a fixed offset).
    """

    name: str
    candidates: tuple[str, ...]


def fits(zone: zoneinfo.ZoneInfo, moments: Iterable[datetime]) -> bool:
    """Whether every aware moment's UTC offset is the one ``zone`` has at that instant."""
    return all(moment.astimezone(zone).utcoffset() == moment.utcoffset() for moment in moments)


def infer_zone(moments: Iterable[datetime]) -> InferredZone | None:
    """The zone in which each aware moment reads as the source printed it.

    One offset throughout is a fixed-offset zone (``UTC``, ``Etc/GMT-1`` for
    ``+01:00``): the source says nothing of a location or of DST, so none is
    made up. Offsets that change (a DST change) or a non-hour offset need a
    location zone: the first by name of those that fit every moment, the others
    listed as ``candidates``. None when no zone fits.
    """
    distinct = {(m.astimezone(UTC), offset(m)) for m in moments}
    offsets = {found for _, found in distinct}
    if not offsets:
        return None
    if len(offsets) == 1:
        (only,) = offsets
        hours, rest = divmod(int(only.total_seconds()), 3600)
        if only == timedelta(0):
            return InferredZone("UTC", ())
        if rest == 0 and -12 <= hours <= 14:
            return InferredZone(f"Etc/GMT{-hours:+d}", ())  # POSIX sign: GMT-1 is UTC+1
    # Each offset's earliest and latest instants, checked first, rule out most zones cheaply.
    ordered = sorted(distinct)
    edges = [
        pair
        for wanted in offsets
        for pair in (
            next(p for p in ordered if p[1] == wanted),
            next(p for p in reversed(ordered) if p[1] == wanted),
        )
    ]
    candidates = [
        name
        for name in sorted(n for n in names() if n.startswith(_LOCATION_AREAS))
        if all(m.astimezone(get_zone(name)).utcoffset() == o for m, o in [*edges, *ordered])
    ]
    if not candidates:
        return None
    return InferredZone(candidates[0], tuple(candidates))
