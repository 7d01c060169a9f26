"""Build a :class:`~isecg_events.model.Programme` from a programme file.

The data format is TOML (or JSON of the same shape) and is documented in
``docs/data-format.md``. The loader reports every problem it finds, each with
the file and the field path, instead of stopping at the first.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import tomllib
import uuid
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources
from pathlib import Path
from typing import Any, Final, TypeVar

from icalendar.prop import vDuration

from isecg_events import rules, timezones
from isecg_events.errors import Problem, ProgrammeError
from isecg_events.model import (
    CONFERENCE_ID_PATTERN,
    EVENT_TYPES,
    ID_PATTERN,
    SLUG_PATTERN,
    STATUSES,
    Conference,
    Event,
    Organization,
    Participant,
    Participation,
    Programme,
    Segment,
    split_printed_name,
)
from isecg_events.rules import LIMITS

__all__ = [
    "BUNDLED",
    "LIMITS",
    "build_programme",
    "bundled_path",
    "load",
    "loads",
    "read_document",
]

#: The file name of the bundled GLEX 2017 programme.
BUNDLED: Final = "glex2017.toml"


_T = TypeVar("_T")


def bundled_path() -> Path:
    """Return the path of the bundled GLEX 2017 data file.

    In an installed wheel the file lies inside the package; in a source
    checkout it is ``data/`` at the repository root.
    """
    packaged = resources.files("isecg_events").joinpath("data", BUNDLED)
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "data" / BUNDLED


def load(path: str | os.PathLike[str] | None = None) -> Programme:
    """Load a programme from a file; with no path, the bundled GLEX 2017 data.

    TOML and JSON files in this library's format are read, and so are frab
    and c3voc ``schedule.json`` and ``schedule.xml`` files.

    Raises:
        ProgrammeError: the file cannot be read or has problems; every
            problem is listed with its file and field path.
    """
    file = Path(path) if path is not None else bundled_path()
    source = str(path) if path is not None else f"data/{BUNDLED}"
    raw = _read_bytes(file, source)
    return _parse(raw, source, _syntax_of(file))


def loads(text: str | bytes, *, syntax: str = "toml", source: str = "<string>") -> Programme:
    """Load a programme from text in ``syntax`` ("toml", "json" or "xml").

    Raises:
        ProgrammeError: the text has problems.
    """
    raw = text.encode("utf-8") if isinstance(text, str) else text
    return _parse(raw, source, syntax)


def read_document(raw: bytes, source: str, syntax: str) -> dict[str, Any]:
    """Decode and parse TOML or JSON bytes into a plain document.

    Raises:
        ProgrammeError: the bytes are empty, not UTF-8, start with a BOM, or
            do not parse; the message gives the line and column.
    """
    text = _decode(raw, source)
    if syntax == "json":
        return _parse_json(text, source)
    return _parse_toml(text, source)


def _parse(raw: bytes, source: str, syntax: str) -> Programme:
    if syntax == "xml":
        from isecg_events.importers import frab_xml

        return frab_xml.read(raw, source)
    document = read_document(raw, source, syntax)
    if syntax == "json" and "schedule" in document:
        from isecg_events.importers import frab_json

        return frab_json.read(document, source)
    return build_programme(document, source)


def _syntax_of(file: Path) -> str:
    suffix = file.suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix == ".xml":
        return "xml"
    return "toml"


def _read_bytes(file: Path, source: str) -> bytes:
    try:
        if file.is_dir():
            raise ProgrammeError.single(source, "", "is a directory, not a programme file")
        size = file.stat().st_size
        if size > LIMITS["file_bytes"]:
            raise ProgrammeError.single(
                source, "", f"is {size:,} bytes; the limit is {LIMITS['file_bytes']:,}"
            )
        return file.read_bytes()
    except FileNotFoundError:
        raise ProgrammeError.single(source, "", "no such file") from None
    except PermissionError:
        raise ProgrammeError.single(source, "", "permission denied") from None
    except OSError as error:
        raise ProgrammeError.single(source, "", f"cannot be read ({error.strerror})") from None


def _decode(raw: bytes, source: str) -> str:
    if not raw.strip():
        raise ProgrammeError.single(source, "", "is empty")
    if raw.startswith(b"\xef\xbb\xbf"):
        raise ProgrammeError.single(
            source,
            "",
            "starts with a byte-order mark (BOM); save it as UTF-8 without BOM",
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        raise ProgrammeError.single(
            source,
            "",
            f"is not UTF-8 (byte 0x{raw[error.start]:02x} at offset {error.start})",
            line=line,
            column=column,
        ) from None


_TOML_WHERE = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


def _parse_toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        where = _TOML_WHERE.search(message)
        line = column = None
        if where:
            line, column = int(where.group(1)), int(where.group(2))
            message = message[: where.start()]
        raise ProgrammeError.single(
            source, "", f"TOML syntax error: {message}", line=line, column=column
        ) from None


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def _parse_json(text: str, source: str) -> dict[str, Any]:
    try:
        document = json.loads(text, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as error:
        raise ProgrammeError.single(
            source,
            "",
            f"JSON syntax error: {error.msg}",
            line=error.lineno,
            column=error.colno,
        ) from None
    except _DuplicateKey as error:
        raise ProgrammeError.single(source, "", f"JSON object has the key {error} twice") from None
    except RecursionError:
        raise ProgrammeError.single(source, "", "JSON is nested too deeply") from None
    if not isinstance(document, dict):
        raise ProgrammeError.single(source, "", "the top level must be an object")
    return document


# --------------------------------------------------------------------------
# From a parsed document to the model


_CLOCK = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])(?::([0-5][0-9]))?$")
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

_FIELDS: Final = {
    "top": {"conference", "organizations", "participants", "events", "$schema"},
    "conference": {
        "id", "title", "acronym", "timezone", "start", "end", "venue", "city",
        "country", "url", "language", "description", "published",
    },
    "organization": {"name", "acronym", "country"},
    "participant": {
        "name", "given_name", "family_name", "position", "organization", "country", "guid",
    },
    "event": {
        "id", "label", "title", "subtitle", "type", "day", "date", "start", "end",
        "duration", "timezone", "room", "venue", "abstract", "description", "language",
        "track", "url", "status", "sequence", "rrule", "participants", "segments",
        "guid", "number", "slug",
    },
    "segment": {"title", "description", "start", "end", "participants"},
    "participation": {"id", "role"},
}  # fmt: skip


# Stands for a day or date that was given but could not be resolved, so
# times on it are not reported a second time.
_UNRESOLVED_DAY: Final = date.min


class _Missing:
    pass


_MISSING = _Missing()


class _Builder:
    """Walks a parsed document, building model objects and collecting problems."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []
        self.bad_organizations: set[str] = set()
        self.bad_participants: set[str] = set()

    def problem(self, path: str, message: str) -> None:
        self.problems.append(Problem(self.source, path, message))

    # -- primitive readers -------------------------------------------------

    def table(self, value: Any, path: str, kind: str) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.problem(path, f"must be a table, not {_type_name(value)}")
            return None
        for key in value:
            if key not in _FIELDS[kind]:
                self.problem(_join(path, key), _unknown_field(key, _FIELDS[kind]))
        return value

    def get(
        self,
        table: Mapping[str, Any],
        key: str,
        path: str,
        convert: Callable[[Any, str], _T | None],
        *,
        required: bool = False,
    ) -> _T | None:
        value = table.get(key, _MISSING)
        field_path = _join(path, key)
        if value is _MISSING:
            if required:
                self.problem(field_path, "is required")
            return None
        return convert(value, field_path)

    def text(self, value: Any, path: str, limit: int = LIMITS["short_text"]) -> str | None:
        if not isinstance(value, str):
            self.problem(path, f"must be a string, not {_type_name(value)}")
            return None
        value = value.replace("\r\n", "\n")
        message = rules.text_problem(value, limit=limit, single_line=limit == LIMITS["short_text"])
        if message is not None:
            self.problem(path, message)
            return None
        stripped: str = value.strip()
        return stripped

    def long_text(self, value: Any, path: str) -> str | None:
        return self.text(value, path, LIMITS["long_text"])

    def identifier(self, value: Any, path: str) -> str | None:
        text = self.text(value, path)
        if text is not None and not ID_PATTERN.match(text):
            self.problem(
                path,
                f"{text!r} is not an id: use lower-case letters, digits, '-' and '_', "
                "starting and ending with a letter or digit",
            )
            return None
        return text

    def url(self, value: Any, path: str) -> str | None:
        text = self.text(value, path)
        if text is not None and (message := rules.url_problem(text)) is not None:
            self.problem(path, message)
            return None
        return text

    def language(self, value: Any, path: str) -> str | None:
        text = self.text(value, path)
        if text is not None and (message := rules.language_problem(text)) is not None:
            self.problem(path, message)
            return None
        return text

    def a_date(self, value: Any, path: str) -> date | None:
        if isinstance(value, datetime):
            self.problem(path, "must be a date without a time, such as 2017-06-07")
            return None
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        self.problem(path, f"{value!r} is not a date such as 2017-06-07")
        return None

    def timestamp(self, value: Any, path: str) -> datetime | None:
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
        return moment.astimezone(UTC)

    def integer(self, value: Any, path: str, minimum: int = 0) -> int | None:
        if not isinstance(value, int) or isinstance(value, bool):
            self.problem(path, f"must be an integer, not {_type_name(value)}")
            return None
        message = rules.integer_problem(value, minimum)
        if message is not None:
            self.problem(path, message)
            return None
        return value

    def guid(self, value: Any, path: str) -> uuid.UUID | None:
        text = self.text(value, path)
        if text is None:
            return None
        try:
            return uuid.UUID(text)
        except ValueError:
            self.problem(path, f"{text!r} is not a UUID")
            return None

    def zone_name(self, value: Any, path: str) -> str | None:
        text = self.text(value, path)
        if text is None:
            return None
        try:
            timezones.get_zone(text)
        except timezones.UnknownTimeZone as error:
            self.problem(path, str(error))
            return None
        return text

    def choice(self, options: tuple[str, ...]) -> Callable[[Any, str], str | None]:
        def read(value: Any, path: str) -> str | None:
            text = self.text(value, path)
            if text is not None and text not in options:
                hint = _close(text, options)
                self.problem(path, f"{text!r} is not one of {', '.join(options)}{hint}")
                return None
            return text

        return read

    # -- sections ----------------------------------------------------------

    def conference(self, document: Mapping[str, Any]) -> Conference | None:
        if "conference" not in document:
            self.problem("conference", "is required")
            return None
        table = self.table(document["conference"], "conference", "conference")
        if table is None:
            return None
        path = "conference"
        conference_id = self.get(table, "id", path, self.text, required=True)
        if conference_id is not None and not CONFERENCE_ID_PATTERN.match(conference_id):
            self.problem(
                "conference.id",
                f"{conference_id!r} must be 4 or more lower-case letters, digits or '_' "
                "(the schedule.json acronym rule), such as 'glex2017'",
            )
            conference_id = None
        values = {
            "id": conference_id,
            "title": self.get(table, "title", path, self.text, required=True),
            "timezone": self.get(table, "timezone", path, self.zone_name, required=True),
            "start": self.get(table, "start", path, self.a_date, required=True),
            "end": self.get(table, "end", path, self.a_date, required=True),
            "published": self.get(table, "published", path, self.timestamp, required=True),
        }
        optional = {
            "acronym": self.get(table, "acronym", path, self.text),
            "venue": self.get(table, "venue", path, self.text),
            "city": self.get(table, "city", path, self.text),
            "country": self.get(table, "country", path, self.text),
            "url": self.get(table, "url", path, self.url),
            "language": self.get(table, "language", path, self.language),
            "description": self.get(table, "description", path, self.long_text),
        }
        start, end = values["start"], values["end"]
        if isinstance(start, date) and isinstance(end, date) and end < start:
            self.problem("conference.end", f"{end} is before start {start}")
            return None
        if any(value is None for value in values.values()):
            return None
        return Conference(**values, **optional)  # type: ignore[arg-type]

    def organizations(self, document: Mapping[str, Any]) -> dict[str, Organization]:
        section = document.get("organizations", {})
        if not isinstance(section, dict):
            self.problem("organizations", f"must be a table, not {_type_name(section)}")
            return {}
        result: dict[str, Organization] = {}
        for key, value in section.items():
            path = _join("organizations", key)
            if self.identifier(key, path) is None:
                continue
            table = self.table(value, path, "organization")
            if table is None:
                continue
            name = self.get(table, "name", path, self.text, required=True)
            acronym = self.get(table, "acronym", path, self.text)
            country = self.get(table, "country", path, self.text)
            if name is not None:
                result[key] = Organization(key, name, acronym, country)
        return result

    def participants(
        self, document: Mapping[str, Any], organizations: Mapping[str, Organization]
    ) -> dict[str, Participant]:
        section = document.get("participants", {})
        if not isinstance(section, dict):
            self.problem("participants", f"must be a table, not {_type_name(section)}")
            return {}
        result: dict[str, Participant] = {}
        for key, value in section.items():
            path = _join("participants", key)
            if self.identifier(key, path) is None:
                continue
            table = self.table(value, path, "participant")
            if table is None:
                self.bad_participants.add(key)
                continue
            participant = self.participant(key, table, path, organizations)
            if participant is None:
                self.bad_participants.add(key)
            else:
                result[key] = participant
        return result

    def participant(
        self,
        key: str,
        table: Mapping[str, Any],
        path: str,
        organizations: Mapping[str, Organization],
    ) -> Participant | None:
        before = len(self.problems)
        name = self.get(table, "name", path, self.text)
        given = self.get(table, "given_name", path, self.text)
        family = self.get(table, "family_name", path, self.text)
        position = self.get(table, "position", path, self.text)
        organization = None
        org_id = self.get(table, "organization", path, self.text)
        if org_id is not None:
            organization = organizations.get(org_id)
            if organization is None and org_id not in self.bad_organizations:
                hint = _close(org_id, tuple(organizations))
                self.problem(f"{path}.organization", f"unknown organization {org_id!r}{hint}")
        if name is None and given is None and family is None and position is None:
            self.problem(path, "needs a name or a position (it is shown by one of them)")
        if (given is None) != (family is None):
            self.problem(path, "give both given_name and family_name, or neither")
        if len(self.problems) > before:
            return None
        if name is not None and given is None:
            split = split_printed_name(name)
            if split:
                given, family = split
        if name is None and given is not None and family is not None:
            name = f"{given} {family}"
        return Participant(
            id=key,
            name=name,
            position=position,
            organization=organization,
            country=self.get(table, "country", path, self.text),
            given_name=given,
            family_name=family,
            guid=self.get(table, "guid", path, self.guid),
        )

    def events(
        self,
        document: Mapping[str, Any],
        conference: Conference | None,
        participants: Mapping[str, Participant],
    ) -> list[tuple[str, Event]]:
        section = document.get("events", [])
        if not isinstance(section, list):
            self.problem("events", f"must be an array of tables, not {_type_name(section)}")
            return []
        if len(section) > LIMITS["events"]:
            self.problem(
                "events",
                f"has {len(section):,} events; the limit is {LIMITS['events']:,}",
            )
            return []
        events: list[tuple[str, Event]] = []
        seen: dict[str, str] = {}
        for index, value in enumerate(section):
            path = f"events[{index}]"
            table = self.table(value, path, "event")
            if table is None:
                continue
            event = self.event(table, path, conference, participants)
            if event is None:
                continue
            if event.id in seen:
                self.problem(
                    f"{path}.id",
                    f"duplicate event id {event.id!r} (also {seen[event.id]})",
                )
                continue
            seen[event.id] = path
            events.append((path, event))
        return events

    def event(
        self,
        table: Mapping[str, Any],
        path: str,
        conference: Conference | None,
        participants: Mapping[str, Participant],
    ) -> Event | None:
        before = len(self.problems)
        event_id = self.get(table, "id", path, self.identifier, required=True)
        title = self.get(table, "title", path, self.text, required=True)
        zone_name = self.get(table, "timezone", path, self.zone_name)
        if zone_name is None and "timezone" not in table and conference is not None:
            zone_name = conference.timezone
        day = self.event_day(table, path, conference)
        if day is None and not isinstance(table.get("start"), datetime | None):
            self.problem(f"{path}.date", "is required when start is a time of day (or give day)")
            day = _UNRESOLVED_DAY
        start = end = None
        if zone_name is not None:
            zone = timezones.get_zone(zone_name)
            start = self.moment(table, "start", path, day, zone, required=True)
            end = self.moment(table, "end", path, day, zone)
            duration = self.get(table, "duration", path, self.duration)
            if "end" in table and "duration" in table:
                self.problem(f"{path}.duration", "give end or duration, not both")
            elif "end" not in table and "duration" not in table:
                self.problem(f"{path}.end", "is required (or give a duration)")
            elif start is not None and duration is not None:
                end = (start.astimezone(UTC) + duration).astimezone(zone)
            if start is not None and end is not None and end <= start:
                field = "end" if "end" in table else "duration"
                self.problem(
                    f"{path}.{field}",
                    f"{_clock(end)} is not after start {_clock(start)}"
                    if field == "end"
                    else "must be longer than zero",
                )
        segments = self.segments(table, path, day, zone_name, participants)
        people = self.participations(table, path, participants)
        optional = {
            "label": self.get(table, "label", path, self.text),
            "subtitle": self.get(table, "subtitle", path, self.text),
            "type": self.get(table, "type", path, self.choice(EVENT_TYPES)) or "session",
            "room": self.get(table, "room", path, self.text),
            "venue": self.get(table, "venue", path, self.text),
            "abstract": self.get(table, "abstract", path, self.long_text),
            "description": self.get(table, "description", path, self.long_text),
            "language": self.get(table, "language", path, self.language)
            or (conference.language if conference else None),
            "track": self.get(table, "track", path, self.text),
            "url": self.get(table, "url", path, self.url),
            "status": self.get(table, "status", path, self.choice(STATUSES)) or "confirmed",
            "sequence": self.get(table, "sequence", path, self.integer) or 0,
            "rrule": self.get(table, "rrule", path, self.text),
            "guid": self.get(table, "guid", path, self.guid),
            "number": self.get(table, "number", path, lambda v, p: self.integer(v, p, 1)),
            "slug": self.get(table, "slug", path, self.slug),
        }
        if len(self.problems) > before or event_id is None or title is None:
            return None
        if start is None or end is None:
            return None
        event = Event(
            id=event_id,
            title=title,
            start=start,
            end=end,
            segments=tuple(segments),
            participants=tuple(people),
            **optional,  # type: ignore[arg-type]
        )
        if not self.check_occurrences(event, path, conference):
            return None
        self.check_segments(event, path)
        return event

    def slug(self, value: Any, path: str) -> str | None:
        text = self.text(value, path)
        if text is not None and not SLUG_PATTERN.match(text):
            self.problem(path, f"{text!r} is not a slug (lower-case letters, digits, '-', '_')")
            return None
        return text

    def duration(self, value: Any, path: str) -> timedelta | None:
        text = self.text(value, path)
        if text is None:
            return None
        clock = _CLOCK.match(text) or re.match(r"^(\d+):([0-5][0-9])$", text)
        if clock:
            return timedelta(hours=int(clock.group(1)), minutes=int(clock.group(2)))
        try:
            duration = vDuration.from_ical(text.upper())  # type: ignore[no-untyped-call]
        except ValueError:
            self.problem(path, f"{text!r} is not a duration such as 'PT1H30M' or '1:30'")
            return None
        if not isinstance(duration, timedelta) or duration <= timedelta(0):
            self.problem(path, f"{text!r} must be a positive duration")
            return None
        return duration

    def event_day(
        self, table: Mapping[str, Any], path: str, conference: Conference | None
    ) -> date | None:
        """The event's day; _UNRESOLVED_DAY when one was given but is wrong."""
        if "day" in table and "date" in table:
            self.problem(f"{path}.day", "give day or date, not both")
            return _UNRESOLVED_DAY
        if "date" in table:
            return self.get(table, "date", path, self.a_date) or _UNRESOLVED_DAY
        if "day" not in table:
            return None
        label = self.get(table, "day", path, self.text)
        if label is None or conference is None:
            return _UNRESOLVED_DAY
        return self.resolve_day(label, f"{path}.day", conference) or _UNRESOLVED_DAY

    def resolve_day(self, label: str, path: str, conference: Conference) -> date | None:
        match = _DAY_LABEL.match(label)
        weekday = match.group(1).lower() if match else ""
        names = [name for name in _WEEKDAYS if name.startswith(weekday) and len(weekday) >= 3]
        if not match or len(names) != 1:
            self.problem(path, f"{label!r} is not a day label such as 'Wednesday 7'")
            return None
        day_of_month = int(match.group(2))
        matches = [day for day in conference.days if day.day == day_of_month]
        if not matches:
            self.problem(
                path,
                f"{label!r}: no day {day_of_month} between {conference.start} and {conference.end}",
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

    def moment(
        self,
        table: Mapping[str, Any],
        key: str,
        path: str,
        day: date | None,
        zone: timezones.Zone,
        *,
        required: bool = False,
    ) -> datetime | None:
        field = _join(path, key)
        if key not in table:
            if required:
                self.problem(field, "is required")
            return None
        local = self.local_time(table[key], field, day)
        if local is None:
            return None
        if isinstance(local, datetime) and local.tzinfo is not None:
            # An offset date-time: the same instant, in the event's zone.
            return timezones.aware(local, zone.key).astimezone(zone)
        try:
            return timezones.localize(local, zone)
        except timezones.TimeZoneError as error:
            self.problem(field, str(error))
            return None

    def local_time(self, value: Any, path: str, day: date | None) -> datetime | None:
        if isinstance(value, datetime):
            if day is not None:
                self.problem(path, "is a full date-time; leave out day/date or give only a time")
                return None
            return value
        clock: time | None = None
        if isinstance(value, time):
            clock = value.replace(tzinfo=None)
        elif isinstance(value, str):
            match = _CLOCK.match(value.strip())
            if match:
                clock = time(int(match.group(1)), int(match.group(2)), int(match.group(3) or 0))
            else:
                try:
                    return self.local_time(datetime.fromisoformat(value), path, day)
                except ValueError:
                    pass
        if clock is None:
            self.problem(path, f"{value!r} is not a time such as '09:30'")
            return None
        if day is None:
            self.problem(path, "a time of day needs a day or date on the event")
            return None
        if day is _UNRESOLVED_DAY:
            return None  # the day's own problem is reported already
        return datetime.combine(day, clock)

    def segments(
        self,
        table: Mapping[str, Any],
        path: str,
        day: date | None,
        zone_name: str | None,
        participants: Mapping[str, Participant],
    ) -> list[Segment]:
        raw = table.get("segments", [])
        if not isinstance(raw, list):
            self.problem(f"{path}.segments", f"must be an array of tables, not {_type_name(raw)}")
            return []
        if len(raw) > LIMITS["segments_per_event"]:
            self.problem(
                f"{path}.segments",
                f"has {len(raw):,} segments; the limit is {LIMITS['segments_per_event']:,}",
            )
            return []
        segments = []
        for index, value in enumerate(raw):
            seg_path = f"{path}.segments[{index}]"
            seg = self.table(value, seg_path, "segment")
            if seg is None:
                continue
            title = self.get(seg, "title", seg_path, self.text, required=True)
            start = end = None
            if zone_name is not None:
                zone = timezones.get_zone(zone_name)
                start = self.moment(seg, "start", seg_path, day, zone)
                end = self.moment(seg, "end", seg_path, day, zone)
                if start is not None and end is not None and end <= start:
                    self.problem(
                        f"{seg_path}.end",
                        f"{_clock(end)} is not after start {_clock(start)}",
                    )
            segment = Segment(
                title=title or "",
                description=self.get(seg, "description", seg_path, self.long_text),
                start=start,
                end=end,
                participants=tuple(self.participations(seg, seg_path, participants)),
            )
            segments.append(segment)
        return segments

    def participations(
        self,
        table: Mapping[str, Any],
        path: str,
        participants: Mapping[str, Participant],
    ) -> Iterator[Participation]:
        raw = table.get("participants", [])
        field = f"{path}.participants"
        if not isinstance(raw, list):
            self.problem(field, f"must be an array, not {_type_name(raw)}")
            return
        if len(raw) > LIMITS["participants_per_event"]:
            self.problem(
                field,
                f"has {len(raw):,} entries; the limit is {LIMITS['participants_per_event']:,}",
            )
            return
        seen: set[str] = set()
        for index, entry in enumerate(raw):
            entry_path = f"{field}[{index}]"
            role = None
            if isinstance(entry, dict):
                self.table(entry, entry_path, "participation")
                key = self.get(entry, "id", entry_path, self.text, required=True)
                role = self.get(entry, "role", entry_path, self.text)
            else:
                key = self.text(entry, entry_path)
            if key is None:
                continue
            if key in seen:
                self.problem(entry_path, f"lists {key!r} twice")
                continue
            seen.add(key)
            participant = participants.get(key)
            if participant is None:
                if key not in self.bad_participants:
                    hint = _close(key, tuple(participants))
                    self.problem(entry_path, f"unknown participant {key!r}{hint}")
                continue
            yield Participation(participant, role)

    # -- rules across fields ----------------------------------------------

    def check_occurrences(self, event: Event, path: str, conference: Conference | None) -> bool:
        """Report occurrences that cannot be expanded or fall outside the conference."""
        try:
            starts = event.occurrence_starts()
        except (ValueError, timezones.TimeZoneError) as error:
            self.problem(f"{path}.rrule", str(error))
            return False
        if conference is None:
            return True
        zone = conference.zone
        for start in starts:
            end = start.astimezone(UTC) + event.duration
            first_day = start.astimezone(zone).date()
            last_instant = timezones.day_bounds(conference.end, zone)[1]
            if first_day < conference.start or end > last_instant:
                field = "rrule" if event.rrule and start != event.start else "start"
                self.problem(
                    f"{path}.{field}",
                    f"{start.astimezone(zone):%Y-%m-%d %H:%M} is outside the conference "
                    f"({conference.start} to {conference.end})",
                )
                return True
        return True

    def check_segments(self, event: Event, path: str) -> None:
        previous_end: datetime | None = None
        for index, segment in enumerate(event.segments):
            seg_path = f"{path}.segments[{index}]"
            if (segment.start or segment.end) and event.rrule:
                self.problem(seg_path, "a segment of a recurring event cannot have its own times")
                return
            for key, moment in (("start", segment.start), ("end", segment.end)):
                if moment is not None and not event.start <= moment <= event.end:
                    self.problem(
                        f"{seg_path}.{key}",
                        f"{_clock(moment)} is outside its event "
                        f"({_clock(event.start)}–{_clock(event.end)})",
                    )
                    return
            if (
                segment.start is not None
                and previous_end is not None
                and segment.start < previous_end
            ):
                self.problem(
                    f"{seg_path}.start",
                    f"{_clock(segment.start)} is before the previous segment ends "
                    f"({_clock(previous_end)})",
                )
                return
            previous_end = segment.end or segment.start or previous_end

    def check_rooms(self, events: list[tuple[str, Event]]) -> None:
        by_room: dict[str, list[tuple[datetime, datetime, str, Event]]] = {}
        for path, event in events:
            if event.room is None or event.status == "cancelled":
                continue
            for start in event.occurrence_starts():
                begin = start.astimezone(UTC)
                by_room.setdefault(event.room, []).append(
                    (begin, begin + event.duration, path, event)
                )
        for room, slots in by_room.items():
            slots.sort(key=lambda slot: (slot[0], slot[1]))
            latest: tuple[datetime, datetime, str, Event] | None = None
            for slot in slots:
                if latest is not None and slot[0] < latest[1] and slot[3] is not latest[3]:
                    zone = slot[3].start.tzinfo
                    self.problem(
                        f"{slot[2]}.start",
                        f"overlaps {latest[2]} ({latest[3].id!r}) in room {room!r} "
                        f"from {slot[0].astimezone(zone):%Y-%m-%d %H:%M} "
                        f"to {min(slot[1], latest[1]).astimezone(zone):%H:%M}",
                    )
                if latest is None or slot[1] > latest[1]:
                    latest = slot


def build_programme(document: Mapping[str, Any], source: str) -> Programme:
    """Build a programme from a parsed TOML or JSON document.

    Raises:
        ProgrammeError: with every problem found, each naming the file and
            the field path.
    """
    builder = _Builder(source)
    builder.bad_organizations = _invalid_keys(document.get("organizations"), "organization")
    builder.bad_participants = _invalid_keys(document.get("participants"), "participant")
    for key in document:
        if key not in _FIELDS["top"]:
            builder.problem(key, _unknown_field(key, _FIELDS["top"]))
    conference = builder.conference(document)
    organizations = builder.organizations(document)
    participants = builder.participants(document, organizations)
    events = builder.events(document, conference, participants)
    builder.check_rooms(events)
    if builder.problems or conference is None:
        raise ProgrammeError(builder.problems)
    return Programme(
        conference=conference,
        organizations=tuple(organizations.values()),
        participants=tuple(participants.values()),
        events=tuple(event for _, event in events),
    )


def _invalid_keys(section: Any, kind: str) -> set[str]:
    """Keys whose own entry is broken: references to them are not re-reported."""
    if not isinstance(section, dict):
        return set()
    return {
        key
        for key, value in section.items()
        if not isinstance(value, dict) or not ID_PATTERN.match(key)
    }


def _join(path: str, key: str) -> str:
    if not path:
        return key
    if re.match(r"^[A-Za-z_][A-Za-z0-9_-]*$", key):
        return f"{path}.{key}"
    return f"{path}[{json.dumps(key, ensure_ascii=False)}]"


def _clock(moment: datetime) -> str:
    return f"{moment:%H:%M}"


def _type_name(value: Any) -> str:
    names = {
        str: "a string", int: "an integer", float: "a number", bool: "a boolean",
        list: "an array", dict: "a table", date: "a date", datetime: "a date-time",
        time: "a time",
    }  # fmt: skip
    return names.get(type(value), type(value).__name__)


def _close(word: str, options: tuple[str, ...] | list[str]) -> str:
    matches = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f"; did you mean {matches[0]!r}?" if matches else ""


def _unknown_field(key: str, allowed: set[str]) -> str:
    return f"unknown field {key!r}{_close(key, sorted(allowed))}"
