"""Read a Sessionize "All data" JSON export (``/api/v2/<id>/view/All``) into the model.

The export lists ``sessions``, ``speakers``, ``rooms``, ``categories`` and
``questions``, each by id. A session becomes an event: its room by
``roomId`` (rooms keep Sessionize's order), its track and type from the
categories whose titles say so ("Track", "Session format"), its speakers
with their names, taglines (as ``position``), bios, photos and links.
Service sessions (breaks, lunch, registration) are kept as breaks and
meals. Times carry no zone: it comes from ``--timezone``. Sessions not yet
scheduled (no ``startsAt``) are left out with a warning; custom questions'
answers are left out.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import datetime
from pathlib import PurePath
from typing import Any

from isecg_events import identity, timezones
from isecg_events.errors import ProgrammeError
from isecg_events.model import Conference, Event, Link, Participant, Participation, Room
from isecg_events.programme import Programme
from isecg_events.readers import dialects
from isecg_events.readers.imported import (
    Importer,
    Where,
    conference_id,
    event_id,
    localize,
    need_zone,
    published,
    whole_number,
)

__all__ = ["read"]

_TRACK = re.compile(r"\btracks?\b|\bstreams?\b|\btopics?\b", re.IGNORECASE)
_TYPE = re.compile(r"\bformats?\b|\btypes?\b", re.IGNORECASE)
_MEAL = re.compile(r"lunch|breakfast|dinner|supper|brunch|meal", re.IGNORECASE)
_BREAK = re.compile(r"break|coffee|pause|recess", re.IGNORECASE)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


class _Reader(Importer):
    def __init__(self, source: str, zone: timezones.Zone, conference: str) -> None:
        super().__init__(source)
        self.zone = zone
        self.conference = conference
        self.speakers: dict[str, Participant] = {}
        self.rooms: dict[str, str] = {}
        self.items: dict[str, tuple[str, str]] = {}  # item id -> (role, name)

    def declarations(self, document: Mapping[str, Any]) -> tuple[Room, ...]:
        """Rooms in Sessionize's order, and the category items that are tracks or types."""
        rooms = [r for r in _list(document.get("rooms")) if isinstance(r, dict)]
        rooms.sort(key=lambda r: r["sort"] if isinstance(r.get("sort"), int) else 0)
        declared: dict[str, Room] = {}
        for index, room in enumerate(rooms):
            name = self.text(room.get("name"), Where(f"rooms[{index}].name"))
            if name is not None:
                self.rooms[str(room.get("id"))] = name
                declared.setdefault(name, Room(name))
        for index, category in enumerate(_list(document.get("categories"))):
            if not isinstance(category, dict):
                continue
            title = self.text(category.get("title"), Where(f"categories[{index}].title")) or ""
            if category.get("type", "session") not in (None, "session", "Session"):
                continue
            role = "track" if _TRACK.search(title) else "type" if _TYPE.search(title) else ""
            for item_index, item in enumerate(_list(category.get("items"))):
                if not isinstance(item, dict):
                    continue
                where = Where(f"categories[{index}].items[{item_index}].name")
                name = self.text(item.get("name"), where)
                if role and name is not None:
                    self.items[str(item.get("id"))] = (role, name)
        return tuple(declared.values())

    def speaker_table(self, document: Mapping[str, Any]) -> None:
        for index, speaker in enumerate(_list(document.get("speakers"))):
            if not isinstance(speaker, dict):
                continue
            self.speaker(speaker, Where(f"speakers[{index}]"))

    def speaker(self, table: Mapping[str, Any], where: Where) -> Participant | None:
        key = str(table.get("id", ""))
        if key in self.speakers:
            return self.speakers[key]
        given = self.text(table.get("firstName"), where.at("firstName"))
        family = self.text(table.get("lastName"), where.at("lastName"))
        name = self.text(table.get("fullName") or table.get("name"), where.at("fullName"))
        name = name or " ".join(part for part in (given, family) if part) or None
        tagline = self.text(table.get("tagLine"), where.at("tagLine"))
        if name is None:
            self.problem(where.at("fullName"), "is required (or firstName and lastName)")
            return None
        if not given and not family and tagline and name.startswith(tagline):
            # Shown by position, with no first or last name (as our writer does it):
            # a participant whose name is not known stays nameless.
            name = None
        links = []
        for index, link in enumerate(_list(table.get("links"))):
            if isinstance(link, dict):
                link_where = where.at(f"links[{index}]")
                url = self.url(link.get("url"), link_where.at("url"))
                if url is not None:
                    title = self.text(link.get("title"), link_where.at("title"))
                    links.append(Link(url=url, title=title))
        guid = identity.source_guid(key) if key else None
        if name is None:
            guid = guid or identity.derive_guid(self.conference, "tagline", tagline or "")
            nameless = Participant(id=str(guid), position=tagline, guid=guid, links=tuple(links))
            self.speakers[key] = self.person(str(guid), nameless)
            return self.speakers[key]
        participant = self.participant(
            self.conference,
            name,
            guid=guid,
            position=tagline,
            bio=self.text(table.get("bio"), where.at("bio"), long=True),
            picture=self.url(table.get("profilePicture"), where.at("profilePicture")),
            links=links,
            given_name=given,
            family_name=family,
        )
        self.speakers[key] = participant
        return participant

    def session(self, table: Mapping[str, Any], where: Where, used: set[str]) -> Event | None:
        before = len(self.problems)
        title = self.text(table.get("title"), where.at("title"))
        if title is None:
            self.problem(where.at("title"), "is required")
        start = self.moment(table.get("startsAt"), where.at("startsAt"))
        end = self.moment(table.get("endsAt"), where.at("endsAt"))
        if start is not None and end is None and table.get("endsAt") is None:
            self.problem(where.at("endsAt"), "is required")
        description = self.text(table.get("description"), where.at("description"), long=True)
        people = self.session_speakers(table, where)
        track = kind = None
        for item in _list(table.get("categoryItems")):
            role, name = self.items.get(str(item), ("", ""))
            if role == "track" and track is None:
                track = name
            elif role == "type" and kind is None:
                kind = name
        for category in _list(table.get("categories")):  # the older export embeds them
            if isinstance(category, dict):
                names = [i.get("name") for i in _list(category.get("categoryItems"))]
                first = next((n for n in names if isinstance(n, str) and n.strip()), None)
                name = str(category.get("name") or "")
                if first and _TRACK.search(name) and track is None:
                    track = first.strip()
                elif first and _TYPE.search(name) and kind is None:
                    kind = first.strip()
        room = self.rooms.get(str(table.get("roomId")))
        if room is None and table.get("roomId") is not None:
            self.problem(where.at("roomId"), f"{table['roomId']!r} is not in rooms")
        if room is None:
            room = self.text(table.get("room"), where.at("room"))
        links = [
            Link(url=url, title=label)
            for key, label in (("liveUrl", "Live stream"), ("recordingUrl", "Recording"))
            if (url := self.url(table.get(key), where.at(key))) is not None
        ]
        if len(self.problems) > before or title is None or start is None or end is None:
            return None
        given_id = self.text(table.get("id"), where.at("id"))
        number = whole_number(given_id)
        ident = event_id(
            (f"session-{given_id}" if number else given_id, identity.slugify(title)), used
        )
        return Event(
            id=ident,
            title=title,
            start=start,
            end=end,
            type=kind or _service_type(table, title),
            room=room,
            abstract=description,
            track=track,
            participants=tuple(Participation(p) for p in people),
            number=number if number and number < 2**31 else None,
            guid=identity.event_guid(self.conference, ident, _guid(given_id)),
            markup="html" if description and dialects.is_html(description) else "plain",
            links=tuple(links),
        )

    def session_speakers(self, table: Mapping[str, Any], where: Where) -> list[Participant]:
        found: list[Participant] = []
        for index, given in enumerate(_list(table.get("speakers"))):
            speaker_where = where.at(f"speakers[{index}]")
            if isinstance(given, dict):  # older exports: {"id": ..., "name": ...}
                participant = self.speakers.get(str(given.get("id"))) or self.speaker(
                    {"id": given.get("id"), "fullName": given.get("name")}, speaker_where
                )
            else:
                participant = self.speakers.get(str(given))
                if participant is None:
                    self.problem(speaker_where, f"names speaker {given!r}, who is not in speakers")
            if participant is not None and participant not in found:
                found.append(participant)
        return found

    def moment(self, value: Any, where: Where) -> datetime | None:
        if value is None:
            return None
        text = self.text(value, where)
        try:
            moment = datetime.fromisoformat((text or "").replace("Z", "+00:00"))
        except ValueError:
            self.problem(where, f"{value!r} is not a date-time such as 2024-03-16T09:00:00")
            return None
        if moment.tzinfo is not None:
            return moment.astimezone(self.zone)
        return localize(self, moment, self.zone, where)


def _guid(value: str | None) -> uuid.UUID | None:
    """A session's own guid when its id is one (service sessions' ids are UUIDs)."""
    if value is None:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _service_type(table: Mapping[str, Any], title: str) -> str:
    if table.get("isServiceSession") is True:
        if _MEAL.search(title):
            return "meal"
        return "break" if _BREAK.search(title) else "other"
    return "plenary" if table.get("isPlenumSession") is True else "talk"


def read(document: Mapping[str, Any], source: str, *, timezone: str | None = None) -> Programme:
    """Build a programme from a parsed Sessionize "All data" export.

    Args:
        document: the parsed JSON.
        source: the file name problems are reported under; its stem gives
            the conference's title and id (the export names no event).
        timezone: the IANA zone the export's local times are in (required).

    Raises:
        ProgrammeError: no zone was given, or the export has problems.
    """
    sessions = _list(document.get("sessions"))
    if timezone is None:
        raise need_zone(source, "sessions", "Sessionize's times")
    stem = PurePath(source).stem if not source.startswith("<") else "sessionize"
    conference_key = conference_id(stem, f"sessionize_{stem}")
    reader = _Reader(source, timezones.get_zone(timezone), conference_key)
    declared = reader.declarations(document)
    reader.speaker_table(document)
    events: list[tuple[Where, Event]] = []
    used: set[str] = set()
    unscheduled = 0
    for index, session in enumerate(sessions):
        where = Where(f"sessions[{index}]")
        if not isinstance(session, dict):
            reader.problem(where, "must be an object")
            continue
        if session.get("startsAt") is None:
            unscheduled += 1
            continue
        event = reader.session(session, where, used)
        if event is not None:
            events.append((where, event))
    if unscheduled:
        reader.warn(
            Where("sessions"),
            f"{unscheduled} session{'s' if unscheduled != 1 else ''} with no time "
            "(not yet scheduled) left out",
        )
    reader.fail_if_problems()
    if not events:
        raise ProgrammeError.single(source, "sessions", "holds no scheduled session")
    days = sorted(event.start.date() for _, event in events)
    conference = Conference(
        id=conference_key,
        title=stem,
        timezone=timezone,
        start=days[0],
        end=max(event.end.date() for _, event in events),
        published=published(days[0]),
        rooms=declared,
    )
    return reader.build(conference, events)
