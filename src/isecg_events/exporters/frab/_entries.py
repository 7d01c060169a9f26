"""The frab/c3voc schedule content shared by schedule.json and schedule.xml.

Both formats carry the same facts; this module computes them once per
occurrence so the two exporters only differ in syntax.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import TypedDict

import attrs

from isecg_events import identity, timezones
from isecg_events._version import __version__
from isecg_events.exporters._prepared import Prepared
from isecg_events.exporters._text import clean, clean_name
from isecg_events.model import Event, Link, Participant, Track
from isecg_events.programme import Occurrence, Programme

__all__ = [
    "Day",
    "FrabEvent",
    "Person",
    "Reference",
    "days",
    "duration_text",
    "listed",
    "person_numbers",
    "rooms",
    "timeslot",
    "tracks",
    "web_url",
    "xml_slug",
]


GENERATOR = "isecg-events"
GENERATOR_URL = "https://pypi.org/project/isecg-events/"
VERSION = __version__

_XML_SLUG = re.compile(r"^[a-z0-9_]{4,}-[a-z0-9\-_]{4,}$")


class _PersonProfile(TypedDict, total=False):
    """What a source gave of a person beyond the name (the schema's pretalx fields)."""

    biography: str
    avatar: str
    links: list[Reference]


class Person(_PersonProfile):
    """A person as schedule.json lists it by default (see :data:`PERSON_STYLES`).

    ``public_name`` repeats ``name`` for readers of frab's older field
    (pyfahrplan); the numeric id is looked up by guid (:func:`person_numbers`),
    as the schema allows ``id`` only without ``name``. ``biography``,
    ``avatar`` and ``links`` only where the source gave them.
    """

    guid: str
    name: str
    public_name: str


class Reference(TypedDict, total=False):
    """A link as schedule.json lists it (the schema's ``Reference``; ``url`` always)."""

    url: str
    title: str


def _reference(link: Link) -> Reference:
    if link.title:
        return {"url": link.url, "title": clean(link.title)}
    return {"url": link.url}


class FrabEvent(TypedDict):
    """One schedule entry (one occurrence), already in schedule.json's shape.

    ``url`` is the event's page, or ``urn:uuid:<guid>`` when it has none
    (schedule.json requires a URI; schedule.xml writes only http(s) URLs).
    """

    guid: str
    id: int
    date: str
    start: str
    end: str
    duration: str
    room: str
    slug: str
    url: str
    title: str
    subtitle: str | None
    track: str | None
    type: str
    language: str | None
    abstract: str | None
    description: str | None
    persons: tuple[Person, ...]
    links: tuple[Reference, ...]


def xml_slug(entry: FrabEvent) -> str | None:
    """The slug if it fits schedule.xml's stricter pattern, else None."""
    slug = entry["slug"]
    return slug if _XML_SLUG.match(slug) else None


def web_url(entry: FrabEvent) -> str | None:
    """The entry's http(s) URL, or None when it only has its ``urn:uuid``."""
    url = entry["url"]
    return url if url.startswith(("http://", "https://")) else None


@attrs.frozen
class Day:
    """A conference day with its events grouped by room, in room order."""

    index: int
    date: date
    start: datetime
    end: datetime
    rooms: tuple[tuple[str, tuple[FrabEvent, ...]], ...]


def duration_text(delta: timedelta) -> str:
    """Format a duration as ``HH:MM`` (hours may exceed 23, never ``D:HH:MM``)."""
    minutes = math.ceil(delta.total_seconds() / 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def elapsed(occurrence: Occurrence) -> timedelta:
    """An occurrence's length (see :func:`timezones.elapsed`)."""
    return timezones.elapsed(occurrence.start, occurrence.end)


def room_name(programme: Programme, occurrence: Occurrence) -> str:
    """The room an entry is listed under: the room, else the venue."""
    event = occurrence.event
    return clean_name(event.room or event.venue or programme.conference.venue or "")


def _person_guid(programme: Programme, participant: Participant) -> uuid.UUID:
    return identity.person_guid(programme.conference.id, participant.id, participant.guid)


def person_numbers(prepared: Prepared) -> dict[str, int]:
    """Every person's numeric id by guid text, derived once per render.

    Numbered over the whole programme (cancelled events included), kept
    from the source where it gives one and otherwise derived from the guid,
    so a person keeps their id across events and across exports.
    """
    return prepared.derive(_person_numbers)


def _person_numbers(prepared: Prepared) -> dict[str, int]:
    programme = prepared.programme
    pairs = [(_person_guid(programme, p), p.number) for p in programme.participants]
    return {prepared.guid_text(guid): n for guid, n in identity.unique_numbers(pairs).items()}


def room_guid(programme: Programme, name: str) -> str:
    """A room's guid: the one its declaration gives, else derived from its name."""
    for room in programme.conference.rooms:
        if room.name == name and room.guid is not None:
            return str(room.guid)
    return str(identity.room_guid(programme.conference.id, name))


class _Entries:
    """Builds schedule entries, computing what occurrences share only once."""

    def __init__(self, prepared: Prepared) -> None:
        self.programme = prepared.programme
        self.text = prepared.text
        self.description = prepared.description
        self.guid_text = prepared.guid_text
        self.iso = timezones.LocalIso(self.programme.conference.zone)
        self._persons: dict[str, Person] = {}
        self._durations: dict[timedelta, str] = {}

    def person(self, participant: Participant) -> Person:
        found = self._persons.get(participant.id)
        if found is None:
            name = clean(participant.display_name or participant.label)
            found = {
                "guid": self.guid_text(_person_guid(self.programme, participant)),
                "name": name,
                "public_name": name,
            }
            if participant.bio:
                found["biography"] = clean(participant.bio)
            if participant.picture:
                found["avatar"] = participant.picture
            if participant.links:
                found["links"] = [_reference(link) for link in participant.links]
            self._persons[participant.id] = found
        return found

    def duration(self, delta: timedelta) -> str:
        found = self._durations.get(delta)
        if found is None:
            found = self._durations[delta] = duration_text(delta)
        return found

    def entry(self, occurrence: Occurrence) -> FrabEvent:
        """Compute the schedule entry of one occurrence."""
        event = occurrence.event
        text = self.text(event)
        start = self.iso(occurrence.start)
        guid = self.guid_text(occurrence.guid)
        return {
            "guid": guid,
            "id": occurrence.number,
            "date": start,
            "start": start[11:16],  # HH:MM of YYYY-MM-DDTHH:MM:SS±HH:MM
            "end": self.iso(occurrence.end),
            "duration": self.duration(elapsed(occurrence)),
            "room": room_name(self.programme, occurrence),
            "slug": occurrence.slug,
            "url": event.url or f"urn:uuid:{guid}",
            "title": text.title,
            "subtitle": clean(event.subtitle) if event.subtitle else None,
            "track": clean_name(event.track) if event.track else None,
            "type": clean_name(event.type),
            "language": event.language,
            "abstract": text.abstract,
            "description": _description(event, self.description(event)),
            # Tuples, not lists: an entry of strings and tuples of string-only
            # dicts is one the garbage collector stops tracking, and a large
            # export holds one per occurrence.
            "persons": tuple([self.person(p.participant) for p in event.participations]),
            "links": tuple([_reference(link) for link in event.links]),
        }


def _description(event: Event, composed: str | None) -> str | None:
    """The entry's description: the event's own, as it came (a round trip keeps it).

    An event without one gets the composed text (see ``describe()``) when it
    has parts, which the format has no place for; otherwise the composed text
    would only repeat the entry's abstract, persons and links.
    """
    if event.description:
        return clean(event.description)
    return composed if event.segments else None


def days(prepared: Prepared) -> tuple[Day, ...]:
    """Every conference day with its entries, derived once per render (see :func:`_days`)."""
    return prepared.derive(_days)


def timeslot(prepared: Prepared) -> str:
    """The timeslot of both formats, derived once per render (see :func:`_timeslot`)."""
    return prepared.derive(_timeslot)


def listed(prepared: Prepared) -> tuple[Occurrence, ...]:
    """The occurrences both frab formats list: every one but those of cancelled events.

    Apps read an entry as happening (schedule.json and schedule.xml carry no
    status), and those that track versions show an entry that leaves the
    schedule as cancelled; pretalx leaves cancelled talks out the same way.
    """
    return prepared.derive(_listed)


def _listed(prepared: Prepared) -> tuple[Occurrence, ...]:
    return tuple(o for o in prepared.programme.occurrences if o.event.status != "cancelled")


def _days(prepared: Prepared) -> tuple[Day, ...]:
    """Every conference day, with entries grouped by room and by local day.

    Each day lists its rooms in the order of :func:`rooms`: declared rooms
    first, in their order, then the others in order of first use.

    Entries outside the conference's dates (possible in imported schedules)
    get days of their own, so nothing is dropped.

    Args:
        prepared: the programme, with the text its formats share.
    """
    programme = prepared.programme
    zone = programme.conference.zone
    occurrences = listed(prepared)
    by_day: dict[date, list[Occurrence]] = {}
    change = programme.conference.day_change
    for occurrence in occurrences:
        day = timezones.conference_day(occurrence.start, zone, change)
        by_day.setdefault(day, []).append(occurrence)
    all_days = sorted(set(programme.conference.days) | set(by_day))
    # Declared rooms first, in their order; then the others in order of first use.
    room_order = {name: index for index, (name, _, _) in enumerate(rooms(prepared))}
    entries = _Entries(prepared)
    result = []
    for index, day in enumerate(all_days, start=1):
        grouped: dict[str, list[FrabEvent]] = {}
        for occurrence in by_day.get(day, []):
            grouped.setdefault(room_name(programme, occurrence), []).append(
                entries.entry(occurrence)
            )
        ordered = sorted(grouped.items(), key=lambda item: room_order[item[0]])
        start, end = timezones.day_bounds(day, zone, change)
        result.append(Day(index, day, start, end, tuple((name, tuple(es)) for name, es in ordered)))
    return tuple(result)


def rooms(prepared: Prepared) -> Iterator[tuple[str, str, str | None]]:
    """Yield (name, guid, slug) of every room a listed entry uses.

    Declared rooms come first, in their order; then the others in order of first use.
    """
    programme = prepared.programme
    used: dict[str, None] = {}
    for occurrence in listed(prepared):
        used.setdefault(room_name(programme, occurrence), None)
    declared = {room.name: room for room in programme.conference.rooms if room.name in used}
    for name in [*declared, *(name for name in used if name not in declared)]:
        room = declared.get(name)
        yield name, room_guid(programme, name), room.slug if room else None


def tracks(prepared: Prepared) -> tuple[Track, ...]:
    """The tracks the listed entries use: declared ones first (with colours), in order."""
    used: dict[str, None] = {}
    for occurrence in listed(prepared):
        if occurrence.event.track:
            used.setdefault(occurrence.event.track, None)
    declared = [track for track in prepared.programme.conference.tracks if track.name in used]
    names = {track.name for track in declared}
    return (*declared, *(Track(name) for name in used if name not in names))


def _timeslot(prepared: Prepared) -> str:
    """The largest grid (5 to 60 minutes) that every start and duration fits."""
    programme = prepared.programme
    step = 60
    zone = programme.conference.zone
    for occurrence in listed(prepared):
        start = occurrence.start.astimezone(zone)
        minutes = int(elapsed(occurrence).total_seconds() // 60)
        step = math.gcd(step, start.hour * 60 + start.minute, minutes)
    return duration_text(timedelta(minutes=max(step, 5)))


def schedule_version(programme: Programme) -> str:
    """The schedule's version: the release's name, else when this data was published."""
    conference = programme.conference
    return conference.version or conference.published.isoformat().replace("+00:00", "Z")
