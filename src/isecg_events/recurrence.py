"""Recurrence: RFC 5545 RRULE text, parsed and expanded in local time.

The one place that reads an RRULE: the model expands events with it and the
iCalendar writer re-encodes it.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from dateutil import rrule as dateutil_rrule
from dateutil import tz as dateutil_tz

from isecg_events import rules, timezones

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
    parts = dict(_pair(part) for part in value.split(";") if part)
    if "COUNT" in parts and "UNTIL" in parts:
        raise ValueError("give COUNT or UNTIL, not both (RFC 5545)")
    if not parts.keys() & {"COUNT", "UNTIL"}:
        raise ValueError("an rrule must end: give COUNT or UNTIL")
    for key in ("COUNT", "INTERVAL"):
        number = parts.get(key, "1")
        if not (number.isascii() and number.isdigit() and int(number) >= 1):
            raise ValueError(f"{key}={number} must be a whole number of 1 or more")
    value = _until_as_utc(value, start)
    try:
        rule = dateutil_rrule.rrulestr(value, dtstart=start, forceset=False, cache=True)
    except (ValueError, TypeError, KeyError, IndexError) as error:
        raise ValueError(f"not a valid RFC 5545 rrule ({error})") from None
    if not isinstance(rule, dateutil_rrule.rrule):  # pragma: no cover
        raise ValueError("only a single RRULE is supported")
    count = sum(1 for _ in itertools.islice(rule, _MAX_OCCURRENCES + 1))
    if count > _MAX_OCCURRENCES:
        raise ValueError(f"more than {_MAX_OCCURRENCES:,} occurrences")
    if count == 0:
        raise ValueError("the rule gives no occurrence (an UNTIL before the start, say)")
    return rule


def _pair(part: str) -> tuple[str, str]:
    key, _, value = part.partition("=")
    return key.strip().upper(), value.strip()


def _until_in_utc(raw: str, start: datetime) -> str:
    """One UNTIL value as UTC text, within the supported years."""
    text = raw.upper()
    utc = text.endswith("Z")
    try:
        if "T" in text:
            local = datetime.strptime(text.removesuffix("Z"), "%Y%m%dT%H%M%S")
        else:
            local = datetime.strptime(text, "%Y%m%d").replace(hour=23, minute=59, second=59)
    except ValueError:
        raise ValueError(f"UNTIL={raw} is not a date or date-time") from None
    if local.year not in rules.YEARS:
        raise ValueError(f"UNTIL={raw} is outside the supported years")
    if utc:
        return raw
    moment = dateutil_tz.resolve_imaginary(local.replace(tzinfo=start.tzinfo))
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _until_as_utc(value: str, start: datetime) -> str:
    """Read a local or date-only UNTIL in the start's zone, as RFC 5545 allows."""
    parts = []
    for part in value.split(";"):
        key, _, raw = part.partition("=")
        if key.upper() == "UNTIL":
            raw = _until_in_utc(raw, start)
        parts.append(f"{key}={raw}" if _ else key)
    return ";".join(parts)
