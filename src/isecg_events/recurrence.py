"""Recurrence: RFC 5545 RRULE text, parsed and expanded in local time.

The one place that reads an RRULE: the model expands events with it and the
iCalendar writer re-encodes it.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from dateutil import rrule as dateutil_rrule
from dateutil import tz as dateutil_tz

from isecg_events import timezones

__all__ = ["expand", "parse_rrule", "rrule_body"]


def rrule_body(text: str) -> str:
    """The rule without surrounding space or an ``RRULE:`` prefix: ``FREQ=DAILY;COUNT=3``."""
    value = text.strip()
    if value.upper().startswith("RRULE:"):
        value = value[len("RRULE:") :]
    return value


def expand(text: str, start: datetime) -> list[datetime]:
    """The start of every occurrence of the rule from ``start``, in its zone.

    Occurrences recur in local wall-clock time (a break at 10:30 stays at
    10:30 across a DST change).

    Raises:
        ValueError: as :func:`parse_rrule`.
        timezones.NonexistentTime, timezones.AmbiguousTime: an occurrence
            falls into a DST gap or fold.
    """
    zone = start.tzinfo
    assert isinstance(zone, timezones.Zone)
    return [
        timezones.localize(moment.replace(tzinfo=None), zone) for moment in parse_rrule(text, start)
    ]


_MAX_OCCURRENCES = 10_000


def parse_rrule(text: str, start: datetime) -> dateutil_rrule.rrule:
    """Parse an RFC 5545 RRULE value against an aware start.

    Raises:
        ValueError: the text is not an RRULE, or it has neither COUNT nor
            UNTIL, or it yields more than 10,000 occurrences.
    """
    value = rrule_body(text)
    parts = {p.split("=", 1)[0].upper() for p in value.split(";") if p}
    if not parts & {"COUNT", "UNTIL"}:
        raise ValueError("an rrule must end: give COUNT or UNTIL")
    value = _until_as_utc(value, start)
    try:
        rule = dateutil_rrule.rrulestr(value, dtstart=start, forceset=False, cache=True)
    except (ValueError, TypeError, KeyError, IndexError) as error:
        raise ValueError(f"not a valid RFC 5545 rrule ({error})") from None
    if not isinstance(rule, dateutil_rrule.rrule):  # pragma: no cover
        raise ValueError("only a single RRULE is supported")
    if sum(1 for _ in itertools.islice(rule, _MAX_OCCURRENCES + 1)) > _MAX_OCCURRENCES:
        raise ValueError(f"more than {_MAX_OCCURRENCES:,} occurrences")
    return rule


def _until_as_utc(value: str, start: datetime) -> str:
    """Read a local or date-only UNTIL in the start's zone, as RFC 5545 allows."""
    parts = []
    for part in value.split(";"):
        key, _, raw = part.partition("=")
        if key.upper() == "UNTIL" and not raw.upper().endswith("Z"):
            try:
                if "T" in raw.upper():
                    local = datetime.strptime(raw.upper(), "%Y%m%dT%H%M%S")
                else:
                    local = datetime.strptime(raw, "%Y%m%d").replace(hour=23, minute=59, second=59)
            except ValueError:
                raise ValueError(f"UNTIL={raw} is not a date or date-time") from None
            moment = dateutil_tz.resolve_imaginary(local.replace(tzinfo=start.tzinfo))
            raw = moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        parts.append(f"{key}={raw}" if _ else key)
    return ";".join(parts)
