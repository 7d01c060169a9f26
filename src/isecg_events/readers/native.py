"""Our own data format (TOML, or JSON of the same shape) into a programme.

The format is documented in ``docs/data-format.md``. Each table becomes a
model object (organizations, participants and links through
:mod:`._native_people`); the field readers (:mod:`.fields`) report what a
value gets wrong, and the programme's checker (:mod:`isecg_events.checks`)
what the objects get wrong together. Every problem is reported, each with
the file and the field path.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from typing import Any, Final

import attrs

from isecg_events import checks, timezones
from isecg_events.errors import Problem, ProgrammeError, ProgrammeWarning
from isecg_events.model import (
    Conference,
    Event,
    Participant,
    Room,
    Segment,
    Track,
)
from isecg_events.programme import Programme
from isecg_events.readers._native_people import PeopleReader, invalid_keys
from isecg_events.readers.fields import CLOCK, type_name, unknown_field
from isecg_events.rules import (
    CONFERENCE_ID_PATTERN,
    LIMITS,
)

__all__ = ["FIELDS", "read"]

#: The keys each kind of table takes.
FIELDS: Final = {
    "top": {
        "conference", "organizations", "participants", "events", "tracks", "rooms", "$schema",
        "release",
    },
    "track": {"name", "color", "slug"},
    "room": {"name", "slug", "guid"},
    "conference": {
        "id", "title", "acronym", "timezone", "start", "end", "venue", "city",
        "country", "url", "language", "description", "published", "day_change",
    },
    "organization": {"name", "acronym", "country"},
    "participant": {
        "name", "given_name", "family_name", "position", "organization", "country", "guid",
        "number", "bio", "picture", "links",
    },
    "event": {
        "id", "label", "title", "subtitle", "type", "day", "date", "start", "end",
        "duration", "timezone", "room", "venue", "abstract", "description", "language",
        "track", "url", "status", "sequence", "rrule", "participants", "segments",
        "guid", "number", "slug", "markup", "links",
    },
    "link": {"url", "title"},
    "segment": {"title", "description", "start", "end", "participants"},
    "participation": {"id", "role"},
}  # fmt: skip


# Stands for a day or date that was given but could not be resolved, so
# times on it are not reported a second time.
_UNRESOLVED_DAY: Final = date.min

#: An event's optional fields, in the order their problems are reported,
#: each with the name of its field reader.
_OPTIONAL_EVENT_FIELDS: Final = (
    ("label", "text"), ("subtitle", "text"), ("type", "event_type"), ("room", "text"),
    ("venue", "text"), ("abstract", "long_text"), ("description", "long_text"),
    ("language", "language"), ("track", "text"), ("url", "url"), ("status", "status"),
    ("sequence", "integer"), ("rrule", "text"), ("guid", "guid"),
    ("number", "positive_integer"), ("slug", "slug"), ("markup", "markup"),
)  # fmt: skip


class _Builder(PeopleReader):
    """Walks a parsed document, building model objects and collecting problems."""

    def __init__(self, source: str) -> None:
        super().__init__(source, FIELDS)
        self._placed: dict[tuple[str, date | None, str], datetime] = {}

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
            "day_change": self.get(table, "day_change", path, self.time_of_day),
        }
        optional = {key: value for key, value in optional.items() if value is not None}
        start, end = values["start"], values["end"]
        if isinstance(start, date) and isinstance(end, date) and end < start:
            self.problem("conference.end", f"{end} is before start {start}")
            return None
        if values["timezone"] is None and all(
            value is not None for key, value in values.items() if key != "timezone"
        ):
            # The zone's problem is reported; UTC stands in so that the events
            # are still read and checked, and every other problem is reported
            # with it (the file is refused either way).
            values["timezone"] = "UTC"
        if any(value is None for value in values.values()):
            return None
        return Conference(**values, **optional)  # type: ignore[arg-type]

    def events(
        self,
        document: Mapping[str, Any],
        conference: Conference | None,
        participants: Mapping[str, Participant],
    ) -> list[tuple[str, Event]]:
        section = document.get("events", [])
        if not isinstance(section, list):
            self.problem("events", f"must be an array of tables, not {type_name(section)}")
            return []
        if len(section) > LIMITS["events"]:
            self.problem(
                "events",
                f"has {len(section):,} events; the limit is {LIMITS['events']:,}",
            )
            return []
        events: list[tuple[str, Event]] = []
        for index, value in enumerate(section):
            path = f"events[{index}]"
            table = self.table(value, path, "event")
            if table is None:
                continue
            event = self.event(table, path, conference, participants)
            if event is None:
                continue
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
        if day is None and not _is_date_time(table.get("start")):
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
                end = timezones.add_elapsed(start, duration)
        segments = self.segments(table, path, day, zone_name, participants)
        people = tuple(self.participations(table, path, participants))
        optional = self.optional_event_fields(table, path)
        optional["type"] = optional.get("type") or "session"
        optional["status"] = optional.get("status") or "confirmed"
        optional["sequence"] = optional.get("sequence") or 0
        optional["markup"] = optional.get("markup") or "plain"
        optional["language"] = optional.get("language") or (
            conference.language if conference else None
        )
        optional["links"] = tuple(self.links(table, path))
        if start is None or end is None:
            return None
        # An event with problems of its own is still built, with stand-ins for
        # an unreadable id or title, so that the checker can report its other
        # problems (times, rooms, recurrence) in the same run; the file is
        # refused either way.
        if len(self.problems) > before:
            event_id = event_id or f"unreadable-{path.replace('[', '-').strip(']')}"
            title = title or "untitled"
        return Event(
            id=event_id or "",
            title=title or "",
            start=start,
            end=end,
            segments=tuple(segments),
            participants=tuple(people),
            **optional,
        )

    def optional_event_fields(self, table: Mapping[str, Any], path: str) -> dict[str, Any]:
        """The optional fields an event table gives, read; absent ones are left out.

        Only the keys present are visited: a large programme's events give a
        few of the many optional fields.
        """
        values = {}
        for key, reader in _OPTIONAL_EVENT_FIELDS:
            if key in table:
                values[key] = getattr(self, reader)(table[key], f"{path}.{key}")
        return values

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
        day = self.day_label(label, f"{path}.day", conference.start, conference.end)
        return day or _UNRESOLVED_DAY

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
        field = f"{path}.{key}"
        if key not in table:
            if required:
                self.problem(field, "is required")
            return None
        value = table[key]
        if not isinstance(value, str):
            return self.place(value, field, day, zone)
        # A time of day recurs on a day across rooms: each is read once.
        known = (value, day, zone.key)
        placed = self._placed.get(known)
        if placed is None:
            placed = self.place(value, field, day, zone)
            if placed is not None:
                self._placed[known] = placed
        return placed

    def place(
        self, value: Any, field: str, day: date | None, zone: timezones.Zone
    ) -> datetime | None:
        """A start or end, read and placed in ``zone``; None (and a problem) if it cannot be."""
        local = self.local_time(value, field, day)
        if local is None or self.in_range(local, field) is None:
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
            match = CLOCK.match(value.strip())
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
            self.problem(f"{path}.segments", f"must be an array of tables, not {type_name(raw)}")
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
            segment = Segment(
                title=title or "",
                description=self.get(seg, "description", seg_path, self.long_text),
                start=start,
                end=end,
                participants=tuple(self.participations(seg, seg_path, participants)),
            )
            segments.append(segment)
        return segments

    def declarations(self, document: Mapping[str, Any]) -> dict[str, Any]:
        """The ``[[tracks]]`` and ``[[rooms]]`` a programme declares (names, colours, slugs)."""
        tracks, rooms = [], []
        for where, table in self.tables(document, "tracks", "", "track"):
            name = self.get(table, "name", where, self.text, required=True)
            color = self.get(table, "color", where, self.color)
            slug = self.get(table, "slug", where, self.slug)
            if name is not None:
                tracks.append(Track(name, color, slug))
        for where, table in self.tables(document, "rooms", "", "room"):
            name = self.get(table, "name", where, self.text, required=True)
            slug = self.get(table, "slug", where, self.slug)
            guid = self.get(table, "guid", where, self.guid)
            if name is not None:
                rooms.append(Room(name, slug, guid))
        return {"tracks": tuple(tracks), "rooms": tuple(rooms)}


def read(document: Mapping[str, Any], source: str) -> Programme:
    """Build a programme from a parsed TOML or JSON document in our format.

    Raises:
        ProgrammeError: with every problem found, each naming the file and
            the field path.
    """
    builder = _Builder(source)
    builder.bad_organizations = invalid_keys(document.get("organizations"), "organization")
    builder.bad_participants = invalid_keys(document.get("participants"), "participant")
    for key in document:
        if key not in FIELDS["top"]:
            builder.problem(key, unknown_field(key, FIELDS["top"]))
    conference = builder.conference(document)
    if conference is not None:
        conference = attrs.evolve(conference, **builder.declarations(document))
    organizations = builder.organizations(document)
    participants = builder.participants(document, organizations)
    events = builder.events(document, conference, participants)
    problems = builder.problems
    if conference is None:
        raise ProgrammeError(problems)
    parts = (conference, tuple(organizations.values()), tuple(participants.values()))
    if problems:
        # The objects that could be read are checked together too, so the
        # file's every problem is reported at once.
        report = checks.check(*parts, [e for _, e in events], [p for p, _ in events])
        found = _on_its_day(report.problems, document, conference, events)
        raise ProgrammeError([*problems, *_located(found, source)])
    try:
        programme = Programme(*parts, tuple(event for _, event in events))
    except ProgrammeError as error:
        found = _on_its_day(error.problems, document, conference, events)
        raise ProgrammeError(_located(found, source)) from None
    for problem in _located(programme.warnings, source):
        warnings.warn(ProgrammeWarning(problem), stacklevel=2)
    return programme


def _on_its_day(
    problems: Sequence[Problem],
    document: Mapping[str, Any],
    conference: Conference,
    events: Sequence[tuple[str, Event]],
) -> list[Problem]:
    """The checker's problems, a start on a day outside the conference pointed at its day.

    The checker knows the start; the file gave its day apart (``date`` or
    ``day``), and that is the value to correct.
    """
    section = document.get("events")
    by_path = dict(events)
    found = []
    for problem in problems:
        path, _, field = problem.path.rpartition(".")
        event = by_path.get(path)
        if field == "start" and event is not None and "outside the conference" in problem.message:
            table = section[int(path[len("events[") : -1])] if isinstance(section, list) else {}
            given = next((key for key in ("date", "day") if key in table), None)
            day = event.start.date()
            if given and not conference.start <= day <= conference.end:
                problem = attrs.evolve(problem, path=f"{path}.{given}")
        found.append(problem)
    return found


def _located(problems: tuple[Problem, ...] | list[Problem], source: str) -> list[Problem]:
    """The checker's problems, named with the file they were found in."""
    return [attrs.evolve(problem, file=source) for problem in problems]


def _is_date_time(value: Any) -> bool:
    """Whether a start is missing or a full date-time (a TOML value, or ISO text in JSON)."""
    if value is None or isinstance(value, datetime):
        return True
    if isinstance(value, str) and not CLOCK.match(value.strip()):
        try:
            datetime.fromisoformat(value)
        except ValueError:
            return False
        return True
    return False
