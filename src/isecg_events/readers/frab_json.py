"""Read a frab/c3voc ``schedule.json`` (ours, pretalx's or frab's) into the model.

Each schedule entry becomes one event that keeps its guid, numeric id, slug
and full description, so exporting what was imported keeps every field the
model holds. Persons become participants, shared across events by guid (or
by frab's integer id, or by name). Each value is read by the field readers
of :mod:`._frab_fields`.
"""

from __future__ import annotations

import re
import uuid
import warnings
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import attrs

from isecg_events import identity, rules, timezones
from isecg_events.errors import Problem, ProgrammeError, ProgrammeWarning
from isecg_events.model import (
    Conference,
    Event,
    Participant,
    Participation,
    Room,
    Track,
)
from isecg_events.programme import Programme
from isecg_events.readers import dialects
from isecg_events.readers._frab_fields import EntryFields, plain
from isecg_events.rules import COLOR_PATTERN, CONFERENCE_ID_PATTERN, LIMITS, SLUG_PATTERN, Markup

__all__ = ["read"]

_DURATION = re.compile(r"^(\d{1,9}):([0-5]\d)(?::([0-5]\d))?$")


class _Reader(EntryFields):
    def __init__(self, source: str, timezone: str | None = None) -> None:
        super().__init__(source)
        self.timezone = timezone
        self.markup: Markup = "plain"
        self.people: dict[str, Participant] = {}

    def conference(self, schedule: Mapping[str, Any]) -> tuple[Conference | None, list[Any]]:
        path = "schedule.conference"
        table = schedule.get("conference")
        if not isinstance(table, dict):
            self.problem(path, "is required and must be an object")
            return None, []
        title = self.text(table, "title", path)
        # pentabarf writes no acronym: the id is then made from the title.
        acronym = self.text(table, "acronym", path) or title or ""
        conference_id = re.sub(r"_+", "_", re.sub(r"[^a-z0-9_]", "_", acronym.lower())).strip("_")
        if not CONFERENCE_ID_PATTERN.match(conference_id):
            self.problem(f"{path}.acronym", f"{acronym!r} cannot be used as a conference id")
        if title is None:
            self.problem(f"{path}.title", "is required")
        start = self.day(table, "start", path)
        end = self.day(table, "end", path)
        days = table.get("days", [])
        if not isinstance(days, list):
            self.problem(f"{path}.days", "must be an array")
            days = []
        zone_name = self.zone(table, path, days)
        if self.problems or title is None or start is None or end is None:
            return None, []
        conference = Conference(
            id=conference_id,
            title=title,
            timezone=zone_name,
            start=start,
            end=end,
            published=_published(schedule.get("version"), start),
            url=self.url(table, "url", path),
            description=self.text(table, "description", path, long=True),
            day_change=dialects.day_change(table, days),
            tracks=self.tracks(table.get("tracks")),
            rooms=self.rooms(table.get("rooms"), conference_id),
        )
        return conference, days

    def tracks(self, raw: Any) -> tuple[Track, ...]:
        """The declared tracks with a colour or a slug (valid ones; events name the rest)."""
        found: dict[str, Track] = {}
        for item in raw if isinstance(raw, list) else ():
            name = plain(item.get("name")) if isinstance(item, dict) else None
            if name is None or name in found:
                continue
            color = plain(item.get("color"))
            slug = plain(item.get("slug"))
            track = Track(
                name,
                color if color and COLOR_PATTERN.match(color) else None,
                slug if slug and SLUG_PATTERN.match(slug) else None,
            )
            if track.color or track.slug:
                found[name] = track
        return tuple(found.values())

    def rooms(self, raw: Any, conference_id: str) -> tuple[Room, ...]:
        """The declared rooms with a slug or a guid of their own (the derived one is no news)."""
        found: dict[str, Room] = {}
        guids: set[uuid.UUID] = set()
        for item in raw if isinstance(raw, list) else ():
            name = plain(item.get("name")) if isinstance(item, dict) else None
            if name is None or name in found:
                continue
            slug, given = plain(item.get("slug")), plain(item.get("guid"))
            guid = identity.source_guid(given) if given else None
            if guid in guids or guid == identity.room_guid(conference_id, name):
                guid = None
            if guid is not None:
                guids.add(guid)
            room = Room(name, slug if slug and SLUG_PATTERN.match(slug) else None, guid)
            if room.slug or room.guid:
                found[name] = room
        return tuple(found.values())

    def zone(self, table: Mapping[str, Any], path: str, days: list[Any]) -> str:
        """The conference's zone: ``--timezone``, else ``time_zone_name``, else inferred.

        Older frab and pretalx write no ``time_zone_name``, or ``UTC`` while
        every time carries ``+01:00``. Each time has its offset, so the zone
        is then the one in which every time reads as the source printed it
        (:func:`timezones.infer_zone`), with a warning. Times all written in
        UTC (``Z``) say nothing of the zone, and leave a given one standing.
        """
        where = f"{path}.time_zone_name"
        times = dialects.times(days)
        if self.timezone is not None:
            if not timezones.fits(timezones.get_zone(self.timezone), times):
                self.warn(
                    where,
                    f"--timezone {self.timezone} does not fit the offsets the times carry "
                    f"({dialects.offsets(times)}): local times are shown in {self.timezone}",
                )
            return self.timezone
        given = self.text(table, "time_zone_name", path)
        if given is not None:
            try:
                zone = timezones.get_zone(given)
            except timezones.UnknownTimeZone as error:
                self.problem(where, str(error))
                return given
            in_utc = all(timezones.offset(t) == timedelta(0) for t in times)
            if in_utc or timezones.fits(zone, times):
                return given
        inferred = timezones.infer_zone(times)
        if inferred is None:
            if given:
                found = dialects.offsets(times)
                self.warn(where, f"is {given!r}, which does not fit the times' offsets ({found})")
                return given
            if times:
                self.warn(
                    where,
                    f"is absent and the times' offsets ({dialects.offsets(times)}) fit no zone; "
                    "UTC is used (give --timezone NAME)",
                )
            elif dialects.has_local_times(days):  # pentabarf: HH:MM on a day, no offset anywhere
                self.warn(
                    where,
                    "is absent and the times carry no UTC offset; they are read in UTC "
                    "(give --timezone NAME)",
                )
            return "UTC"
        others = ""
        if len(inferred.candidates) > 1:
            listed = ", ".join(inferred.candidates[1:4])
            more = len(inferred.candidates) - 4
            others = f" (so do {listed}{f' and {more} more' if more > 0 else ''})"
        offsets = dialects.offsets(times)
        if given:
            reading = f"is {given!r}, which does not fit the times' offsets ({offsets}); they fit"
        else:
            reading = f"is absent; the times' offsets ({offsets}) fit"
        used = "used as the zone (give --timezone NAME to name it)"
        self.warn(where, f"{reading} {inferred.name}{others}, {used}")
        return inferred.name

    def events(self, conference: Conference, days: list[Any]) -> list[tuple[str, Event]]:
        """Every entry that could be read, with its path in the source."""
        events: list[tuple[str, Event]] = []
        count = sum(
            len(entries)
            for day in days
            if isinstance(day, dict) and isinstance(day.get("rooms"), dict)
            for entries in day["rooms"].values()
            if isinstance(entries, list)
        )
        if count > LIMITS["events"]:
            self.problem(
                "schedule.conference.days",
                f"has {count:,} events; the limit is {LIMITS['events']:,}",
            )
            return events
        used_ids: set[str] = set()
        for day_index, day in enumerate(days):
            day_path = f"schedule.conference.days[{day_index}]"
            rooms = day.get("rooms", {}) if isinstance(day, dict) else None
            day_date = dialects.date_of(day.get("date")) if isinstance(day, dict) else None
            if not isinstance(rooms, dict):
                self.problem(f"{day_path}.rooms", "must be an object")
                continue
            for room, entries in rooms.items():
                room_path = f"{day_path}.rooms[{room!r}]"
                if not isinstance(entries, list):
                    self.problem(room_path, "must be an array")
                    continue
                # An empty key holds the events that have no room.
                message = rules.text_problem(room, limit=LIMITS["short_text"], single_line=True)
                if room.strip() and message is not None:
                    self.problem(room_path, f"the room name {message}")
                    continue
                for index, entry in enumerate(entries):
                    path = f"{day_path}.rooms[{room!r}][{index}]"
                    if not isinstance(entry, dict):
                        self.problem(path, "must be an object")
                        continue
                    event = self.event(entry, path, conference, room, used_ids, day_date)
                    if event is not None:
                        used_ids.add(event.id)
                        events.append((path, event))
        return events

    def event(
        self,
        entry: Mapping[str, Any],
        path: str,
        conference: Conference,
        room: str,
        used_ids: set[str],
        day_date: date | None = None,
    ) -> Event | None:
        before = len(self.problems)
        title = self.text(entry, "title", path)
        if title is None:
            self.problem(f"{path}.title", "is required")
        start = self.start(entry, path, conference, day_date)
        end = self.end(entry, path, start, conference)
        guid = self.guid(entry, path)
        number = self.number(entry, "id", path)
        slug = self.text(entry, "slug", path)
        event_type = self.text(entry, "type", path) or "other"
        subtitle = self.text(entry, "subtitle", path)
        room_name = self.text(entry, "room", path) or room.strip() or None
        abstract = self.text(entry, "abstract", path, long=True)
        description = self.text(entry, "description", path, long=True)
        language = self.language(entry, "language", path)
        track = self.text(entry, "track", path)
        url = self.url(entry, "url", path)
        participants = tuple(self.persons(entry, path, conference))
        links = self.links(entry, path)
        if len(self.problems) > before or title is None or start is None or end is None:
            return None
        if slug is not None and not SLUG_PATTERN.match(slug):
            slug = identity.slugify(slug)
        event_id = _event_id(slug, number, guid, used_ids)
        # An entry with no guid (pentabarf) keeps the one every export derives.
        guid = identity.event_guid(conference.id, event_id, guid)
        return Event(
            id=event_id,
            title=title,
            start=start,
            end=end,
            type=event_type,
            subtitle=subtitle,
            room=room_name,
            abstract=abstract,
            description=description,
            language=language,
            track=track,
            url=url,
            participants=participants,
            guid=guid,
            number=number,
            slug=slug,
            markup=self.markup,
            links=links,
        )

    def start(
        self,
        entry: Mapping[str, Any],
        path: str,
        conference: Conference,
        day_date: date | None = None,
    ) -> datetime | None:
        """The entry's start: its ``date`` (with offset), else its day's date and ``start``.

        pentabarf-style exports give only ``<start>HH:MM</start>`` on a
        ``<day date>``: the time is read in the conference's zone, on the next
        calendar date when it is before the day change (01:30 of a day that
        changes at 04:00).
        """
        value = self.text(entry, "date", path)
        if value is None:
            clock = dialects.CLOCK.match(self.text(entry, "start", path) or "")
            if day_date is None or clock is None:
                self.problem(f"{path}.date", "is required")
                return None
            at = time(int(clock.group(1)), int(clock.group(2)))
            day = day_date + timedelta(days=1) if at < conference.day_change else day_date
            try:
                return timezones.localize(datetime.combine(day, at), conference.zone)
            except timezones.TimeZoneError as error:
                self.problem(f"{path}.start", str(error))
                return None
        moment = dialects.instant(value)
        if moment is None:
            self.problem(f"{path}.date", f"{value!r} is not a date-time with a UTC offset")
            return None
        if (message := rules.date_problem(moment)) is not None:
            self.problem(f"{path}.date", message)
            return None
        return moment.astimezone(conference.zone)

    def end(
        self, entry: Mapping[str, Any], path: str, start: datetime | None, conference: Conference
    ) -> datetime | None:
        if start is None:
            return None
        value = self.text(entry, "end", path)
        if value is not None:
            moment = dialects.instant(value)
            if moment is not None and moment > start and rules.date_problem(moment) is None:
                if (message := rules.duration_problem(moment - start)) is not None:
                    self.problem(f"{path}.end", message)
                    return None
                return moment.astimezone(conference.zone)
        duration = self.text(entry, "duration", path)
        match = _DURATION.match(duration or "")
        if not match:
            self.problem(f"{path}.duration", f"{duration!r} is not a duration such as '0:30'")
            return None
        length = timedelta(hours=int(match.group(1)), minutes=int(match.group(2)))
        length += timedelta(seconds=int(match.group(3) or 0))
        if length <= timedelta(0):
            # Apps list zero-length entries; the model needs an end after the start.
            length = timedelta(minutes=1)
        if (message := rules.duration_problem(length)) is not None:
            self.problem(f"{path}.duration", message)
            return None
        return timezones.add_elapsed(start, length)

    def persons(
        self, entry: Mapping[str, Any], path: str, conference: Conference
    ) -> list[Participation]:
        persons = entry.get("persons", [])
        if not isinstance(persons, list):
            self.problem(f"{path}.persons", "must be an array")
            return []
        result: list[Participation] = []
        seen: set[str] = set()
        for index, person in enumerate(persons):
            person_path = f"{path}.persons[{index}]"
            if not isinstance(person, dict):
                self.problem(person_path, "must be an object")
                continue
            participant = self.participant(person, person_path, conference)
            if participant is not None and participant.id not in seen:
                seen.add(participant.id)
                result.append(Participation(participant))
        return result

    def participant(
        self, person: Mapping[str, Any], path: str, conference: Conference
    ) -> Participant | None:
        before = len(self.problems)
        name = self.text(person, "name", path) or self.text(person, "public_name", path)
        if len(self.problems) > before:
            return None
        if name is None:
            self.problem(f"{path}.name", "is required (or public_name)")
            return None
        raw_guid = self.text(person, "guid", path)
        frab_id = self.number(person, "id", path)
        if raw_guid:
            guid = identity.source_guid(raw_guid)
        else:
            guid = identity.imported_person_guid(conference.id, frab_id, name)
        key = str(guid)
        if key not in self.people:
            # pretalx gives a speaker's biography and avatar (an http(s) URL, else left out)
            self.people[key] = Participant(
                id=key,
                name=name,
                guid=guid,
                number=frab_id,
                bio=self.text(person, "biography", path, long=True),
                picture=self.url(person, "avatar", path),
            )
        return self.people[key]


def _event_id(slug: str | None, number: int | None, guid: uuid.UUID | None, used: set[str]) -> str:
    for candidate in (slug, f"event-{number}" if number else None, str(guid) if guid else None):
        if candidate and rules.id_problem(candidate) is None and candidate not in used:
            return candidate
    counter = len(used) + 1
    while f"event-{counter}" in used:
        counter += 1
    return f"event-{counter}"


def _published(version: Any, start: date) -> datetime:
    """The schedule's version as a timestamp if it is one, else its first day."""
    if isinstance(version, str):
        moment = dialects.instant(version)
        if moment is not None and rules.date_problem(moment) is None:
            return moment.astimezone(UTC)
    return datetime.combine(start, time(0), tzinfo=UTC)


def read(document: Mapping[str, Any], source: str, *, timezone: str | None = None) -> Programme:
    """Build a programme from a parsed schedule.json document.

    Args:
        document: the parsed document.
        source: the file name problems are reported under.
        timezone: an IANA zone to use instead of ``time_zone_name`` (or of
            the one inferred from the times' offsets when that is absent).

    Raises:
        ProgrammeError: every problem found, each with its JSON path.
    """
    reader = _Reader(source, timezone)
    schedule = document.get("schedule")
    if not isinstance(schedule, dict):
        raise ProgrammeError.single(source, "schedule", "must be an object")
    conference, days = reader.conference(schedule)
    reader.markup = dialects.markup_of(document, schedule, days)
    if conference is None:
        raise ProgrammeError(reader.problems)
    events = reader.events(conference, days)
    if reader.problems:
        raise ProgrammeError(reader.problems)
    paths = {f"events[{index}]": path for index, (path, _) in enumerate(events)}
    try:
        programme = Programme(
            conference=conference,
            participants=tuple(reader.people.values()),
            events=tuple(event for _, event in events),
        )
    except ProgrammeError as error:
        raise ProgrammeError([_in_source(p, paths, source) for p in error.problems]) from None
    for problem in programme.warnings:
        warnings.warn(ProgrammeWarning(_in_source(problem, paths, source)), stacklevel=2)
    return programme


def _in_source(problem: Problem, paths: dict[str, str], source: str) -> Problem:
    """A checker's problem with the schedule's path (``events[3]`` -> ``...days[0]...``)."""
    message = _EVENT_REFERENCE.sub(lambda m: paths.get(m.group(0), m.group(0)), problem.message)
    head, dot, rest = problem.path.partition(".")
    if head in paths:
        path = f"{paths[head]}{dot}{rest}"
    elif head == "conference":
        path = f"schedule.{problem.path}"
    else:  # participants.<guid>: imported persons have no place of their own
        path = problem.path
    return attrs.evolve(problem, file=source, path=path, message=message)


_EVENT_REFERENCE = re.compile(r"\bevents\[\d+\]")
