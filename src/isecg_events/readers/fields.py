"""Field readers: one value of a parsed document into a model value, or a problem.

The readers of our data format share these; each checks a value's type and
syntax (a date, a time, a duration, a zone, an id) and reports a problem
with the field's path instead of raising, so that every problem of a file
is found in one pass.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

from icalendar.prop import vDuration

from isecg_events import rules, timezones
from isecg_events.errors import Problem, did_you_mean, join_path
from isecg_events.rules import (
    COLOR_PATTERN,
    EVENT_TYPES,
    LIMITS,
    MARKUPS,
    ROLES,
    SLUG_PATTERN,
    STATUSES,
)

__all__ = ["CLOCK", "FieldReader", "type_name", "unknown_field"]

_T = TypeVar("_T")
_D = TypeVar("_D", date, datetime)

_DAY_LABEL = re.compile(r"^\s*([A-Za-z]+)\s+(\d{1,2})\s*$")
_WEEKDAYS = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)

#: A time of day: ``9:30``, ``09:30`` or ``09:30:15``.
CLOCK = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])(?::([0-5][0-9]))?$")


class _Missing:
    pass


_MISSING = _Missing()


class FieldReader:
    """Reads fields of one source, collecting problems with their paths.

    Args:
        source: the file name problems are reported with.
        fields: the allowed keys of each kind of table (``"event"``: ...).
    """

    def __init__(self, source: str, fields: Mapping[str, set[str]]) -> None:
        self.source = source
        self.fields = fields
        self.problems: list[Problem] = []

    def problem(self, path: str, message: str) -> None:
        """Record a problem at ``path``."""
        self.problems.append(Problem(self.source, path, message))

    def table(self, value: Any, path: str, kind: str) -> dict[str, Any] | None:
        """A table of ``kind``, each unknown key reported; None if not a table."""
        if not isinstance(value, dict):
            self.problem(path, f"must be a table, not {type_name(value)}")
            return None
        for key in value:
            if key not in self.fields[kind]:
                self.problem(join_path(path, key), unknown_field(key, self.fields[kind]))
        return value

    def tables(
        self, container: Mapping[str, Any], key: str, path: str, kind: str
    ) -> list[tuple[str, dict[str, Any]]]:
        """The array of tables under ``key`` (each with its path), its problems reported."""
        raw = container.get(key, [])
        where = f"{path}.{key}" if path else key
        if not isinstance(raw, list):
            self.problem(where, f"must be an array of tables, not {type_name(raw)}")
            return []
        found = []
        for index, value in enumerate(raw):
            table = self.table(value, f"{where}[{index}]", kind)
            if table is not None:
                found.append((f"{where}[{index}]", table))
        return found

    def time_of_day(self, value: Any, path: str) -> time | None:
        """A local time of day, ``"04:00"`` or TOML ``04:00:00``, whole minutes."""
        clock = value.replace(tzinfo=None) if isinstance(value, time) else None
        if isinstance(value, str) and (match := CLOCK.match(value.strip())):
            clock = time(int(match.group(1)), int(match.group(2)), int(match.group(3) or 0))
        if clock is None or clock.second:
            self.problem(path, f"{value!r} is not a time of day such as '04:00'")
            return None
        return clock

    def color(self, value: Any, path: str) -> str | None:
        """A colour, ``#336699``."""
        text = self.text(value, path)
        if text is not None and not COLOR_PATTERN.match(text):
            self.problem(path, f"{text!r} is not a colour such as '#336699'")
            return None
        return text

    def get(
        self,
        table: Mapping[str, Any],
        key: str,
        path: str,
        convert: Callable[[Any, str], _T | None],
        *,
        required: bool = False,
    ) -> _T | None:
        """Read ``table[key]`` with ``convert``; None (and a problem if required) when absent."""
        value = table.get(key, _MISSING)
        if value is _MISSING:
            if required:
                self.problem(join_path(path, key), "is required")
            return None
        return convert(value, join_path(path, key))

    def text(self, value: Any, path: str, limit: int = LIMITS["short_text"]) -> str | None:
        """A text held to the text rules (:func:`rules.text_problem`), stripped."""
        if not isinstance(value, str):
            self.problem(path, f"must be a string, not {type_name(value)}")
            return None
        value = value.replace("\r\n", "\n")
        message = rules.text_problem(value, limit=limit, single_line=limit == LIMITS["short_text"])
        if message is not None:
            self.problem(path, message)
            return None
        stripped: str = value.strip()
        return stripped

    def long_text(self, value: Any, path: str) -> str | None:
        """A text of many lines (an abstract, a description)."""
        return self.text(value, path, LIMITS["long_text"])

    def identifier(self, value: Any, path: str) -> str | None:
        """An id: lower-case letters, digits, ``-`` and ``_``."""
        text = self.text(value, path)
        if text is not None and (message := rules.id_problem(text)) is not None:
            self.problem(path, message)
            return None
        return text

    def url(self, value: Any, path: str) -> str | None:
        """An absolute http(s) URL."""
        text = self.text(value, path)
        if text is not None and (message := rules.url_problem(text)) is not None:
            self.problem(path, message)
            return None
        return text

    def language(self, value: Any, path: str) -> str | None:
        """A BCP 47 language tag."""
        text = self.text(value, path)
        if text is not None and (message := rules.language_problem(text)) is not None:
            self.problem(path, message)
            return None
        return text

    def a_date(self, value: Any, path: str) -> date | None:
        """A date without a time (TOML date or ISO text)."""
        if isinstance(value, datetime):
            self.problem(path, "must be a date without a time, such as 2017-06-07")
            return None
        day = value if isinstance(value, date) else _iso_date(value)
        if day is None:
            self.problem(path, f"{value!r} is not a date such as 2017-06-07")
            return None
        return self.in_range(day, path)

    def in_range(self, value: _D, path: str) -> _D | None:
        """A date or date-time within the supported years, else None and a problem."""
        message = rules.date_problem(value)
        if message is not None:
            self.problem(path, message)
            return None
        return value

    def timestamp(self, value: Any, path: str) -> datetime | None:
        """A date-time with a UTC offset, as UTC."""
        moment = value
        if isinstance(value, str):
            try:
                moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                moment = None
        if not isinstance(moment, datetime):
            self.problem(path, f"{value!r} is not a date-time such as 2026-11-25T00:00:00Z")
            return None
        if moment.utcoffset() is None:
            self.problem(path, f"{moment.isoformat()} needs a UTC offset (add Z or +08:00)")
            return None
        if self.in_range(moment, path) is None:
            return None
        return moment.astimezone(UTC)

    def integer(self, value: Any, path: str, minimum: int = 0) -> int | None:
        """An integer from ``minimum`` to 2**31-1."""
        if not isinstance(value, int) or isinstance(value, bool):
            self.problem(path, f"must be an integer, not {type_name(value)}")
            return None
        message = rules.integer_problem(value, minimum)
        if message is not None:
            self.problem(path, message)
            return None
        return value

    def guid(self, value: Any, path: str) -> uuid.UUID | None:
        """A UUID."""
        text = self.text(value, path)
        if text is None:
            return None
        try:
            return uuid.UUID(text)
        except ValueError:
            self.problem(path, f"{text!r} is not a UUID")
            return None

    def zone_name(self, value: Any, path: str) -> str | None:
        """An IANA time-zone name (a typo gets a suggestion)."""
        text = self.text(value, path)
        if text is None:
            return None
        try:
            timezones.get_zone(text)
        except timezones.UnknownTimeZone as error:
            self.problem(path, str(error))
            return None
        return text

    def one_of(self, value: Any, path: str, options: tuple[str, ...]) -> str | None:
        """One of ``options`` (a typo gets a suggestion)."""
        text = self.text(value, path)
        if text is not None and text not in options:
            hint = did_you_mean(text, options)
            self.problem(path, f"{text!r} is not one of {', '.join(options)}{hint}")
            return None
        return text

    def positive_integer(self, value: Any, path: str) -> int | None:
        """An integer from 1."""
        return self.integer(value, path, 1)

    def event_type(self, value: Any, path: str) -> str | None:
        """One of the event types."""
        return self.one_of(value, path, EVENT_TYPES)

    def status(self, value: Any, path: str) -> str | None:
        """One of the statuses."""
        return self.one_of(value, path, STATUSES)

    def markup(self, value: Any, path: str) -> str | None:
        """One of the markups."""
        return self.one_of(value, path, MARKUPS)

    def role(self, value: Any, path: str) -> str | None:
        """One of the participation roles."""
        return self.one_of(value, path, ROLES)

    def day_label(self, label: str, path: str, first: date, last: date) -> date | None:
        """The one day from ``first`` to ``last`` a label such as ``Wednesday 7`` names."""
        days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        match = _DAY_LABEL.match(label)
        weekday = match.group(1).lower() if match else ""
        names = [name for name in _WEEKDAYS if name.startswith(weekday) and len(weekday) >= 3]
        if not match or len(names) != 1:
            self.problem(path, f"{label!r} is not a day label such as 'Wednesday 7'")
            return None
        day_of_month = int(match.group(2))
        matches = [day for day in days if day.day == day_of_month]
        if not matches:
            self.problem(
                path,
                f"{label!r}: no day {day_of_month} between {first} and {last}",
            )
            return None
        if len(matches) > 1:
            self.problem(
                path,
                f"{label!r} matches {len(matches)} conference days "
                f"({', '.join(map(str, matches))}); use date instead",
            )
            return None
        day = matches[0]
        if _WEEKDAYS[day.weekday()] != names[0]:
            self.problem(path, f"{label!r}: {day} is a {_WEEKDAYS[day.weekday()].title()}")
            return None
        return day

    def slug(self, value: Any, path: str) -> str | None:
        """A schedule.json slug."""
        text = self.text(value, path)
        if text is not None and not SLUG_PATTERN.match(text):
            self.problem(path, f"{text!r} is not a slug (lower-case letters, digits, '-', '_')")
            return None
        return text

    def duration(self, value: Any, path: str) -> timedelta | None:
        """A positive duration: ``1:30`` or ISO 8601 ``PT1H30M``."""
        text = self.text(value, path)
        if text is None:
            return None
        clock = CLOCK.match(text) or re.match(r"^(\d{1,9}):([0-5][0-9])$", text)
        try:
            if clock:
                duration = timedelta(hours=int(clock.group(1)), minutes=int(clock.group(2)))
            else:
                duration = vDuration.from_ical(text.upper())  # type: ignore[no-untyped-call]
        except (ValueError, OverflowError):
            self.problem(path, f"{text!r} is not a duration such as 'PT1H30M' or '1:30'")
            return None
        if not isinstance(duration, timedelta) or duration <= timedelta(0):
            self.problem(path, f"{text!r} must be a positive duration")
            return None
        if (message := rules.duration_problem(duration)) is not None:
            self.problem(path, message)
            return None
        return duration


def _iso_date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def type_name(value: Any) -> str:
    """How a problem names the type of a parsed value: ``a string``, ``a table``."""
    names = {
        str: "a string", int: "an integer", float: "a number", bool: "a boolean",
        list: "an array", dict: "a table", date: "a date", datetime: "a date-time",
        time: "a time",
    }  # fmt: skip
    return names.get(type(value), type(value).__name__)


def unknown_field(key: str, allowed: set[str]) -> str:
    """The message for a key a table does not take."""
    return f"unknown field {key!r}{did_you_mean(key, sorted(allowed))}"
