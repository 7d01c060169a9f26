"""RFC 5545 VTIMEZONE components, built from zoneinfo's transitions."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

from isecg_events import timezones

__all__ = ["vtimezone"]


class _Observance(NamedTuple):
    onset: datetime
    offset_from: timedelta
    offset_to: timedelta
    name: str
    is_dst: bool


def _observances(name: str, first: date, last: date) -> tuple[_Observance, ...]:
    zone = timezones.get_zone(name)
    window_start = datetime.combine(first, time(0), tzinfo=UTC) - timedelta(days=1)
    window_end = datetime.combine(last, time(0), tzinfo=UTC) + timedelta(days=2)
    opening = window_start.astimezone(zone)
    observances = [
        _Observance(
            onset=opening.replace(tzinfo=None),
            offset_from=timezones.offset(opening),
            offset_to=timezones.offset(opening),
            name=opening.tzname() or timezones.signed_hhmm(timezones.offset(opening)),
            is_dst=bool(opening.dst()),
        )
    ]
    observances.extend(
        _Observance(t.local_onset, t.offset_from, t.offset_to, t.name, t.is_dst)
        for t in timezones.transitions(zone, window_start, window_end)
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
