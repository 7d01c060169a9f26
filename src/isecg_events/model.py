"""The programme model: frozen attrs classes that do no I/O.

Organizations, participants and their participations, segments, the
conference and its events. A :class:`~isecg_events.programme.Programme`
puts them together and checks them as a whole.
"""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

import attrs

from isecg_events import recurrence, rules, timezones

__all__ = [
    "EVENT_TYPES",
    "MARKUPS",
    "STATUSES",
    "Conference",
    "Event",
    "Link",
    "Markup",
    "Organization",
    "Participant",
    "Participation",
    "Room",
    "Segment",
    "Status",
    "Track",
    "split_printed_name",
]

# The model's vocabulary, defined with the other rules in rules.py.
Status = rules.Status
Markup = rules.Markup
STATUSES = rules.STATUSES
EVENT_TYPES = rules.EVENT_TYPES
MARKUPS = rules.MARKUPS


def _zoned(value: datetime) -> datetime:
    """Accept any aware datetime (pytz ones included) and compute with zoneinfo.

    Raises:
        timezones.TimeZoneError: the datetime is naive.
    """
    return timezones.aware(value)


def _optional_zoned(value: datetime | None) -> datetime | None:
    return None if value is None else timezones.aware(value)


def _utc(value: datetime) -> datetime:
    return timezones.aware(value).astimezone(UTC)


def _optional_utc(value: datetime | None) -> datetime | None:
    return None if value is None else _utc(value)


@attrs.frozen
class Organization:
    """An organization participants belong to (a space agency, say)."""

    id: str
    name: str
    acronym: str | None = None
    country: str | None = None

    @property
    def short_name(self) -> str:
        """The acronym when there is one, else the full name."""
        return self.acronym or self.name

    @property
    def full_label(self) -> str:
        """The full name with the acronym: ``European Space Agency (ESA)``."""
        if self.acronym and self.acronym != self.name:
            return f"{self.name} ({self.acronym})"
        return self.name


_FAMILY_TOKEN = re.compile(r"^[^\W\d_][^\W\d_'’.-]*(?:[-'’][^\W\d_]+)*$")


def split_printed_name(name: str) -> tuple[str, str] | None:
    """Split a name printed "Given FAMILY" into (given, family).

    The family name is the trailing run of words written in capitals, as
    programmes print them ("Naoki SATO"). Returns None when the name does not
    follow that convention, rather than guess.

    >>> split_printed_name("Naoki SATO")
    ('Naoki', 'SATO')
    >>> split_printed_name("Jean-Jacques DORDAIN")
    ('Jean-Jacques', 'DORDAIN')
    >>> split_printed_name("Ada Lovelace") is None
    True
    >>> split_printed_name("Director, UAESA") is None  # a label, not a name
    True
    """
    if "," in name:
        return None
    words = name.split()
    family: list[str] = []
    while len(words) > len(family) + 1:
        word = words[-1 - len(family)]
        if not (_FAMILY_TOKEN.match(word) and word.isupper() and len(word) > 1):
            break
        family.insert(0, word)
    if not family:
        return None
    given = words[: len(words) - len(family)]
    if any(word.isupper() and len(word) > 1 for word in given):
        return None
    return " ".join(given), " ".join(family)


def _normal_case(family: str) -> str:
    if not family.isupper():
        return family
    return re.sub(r"[^\W\d_]+", lambda m: m.group(0).capitalize(), family.lower())


@attrs.frozen
class Link:
    """A link an event carries: slides, a project page, a recording."""

    url: str
    title: str | None = None

    @property
    def label(self) -> str:
        """The title, or the URL when there is none."""
        return self.title or self.url


def _links(values: Iterable[Link]) -> tuple[Link, ...]:
    return tuple(values)


@attrs.frozen
class Participant:
    """A person on the programme, named or known only by position.

    A participant with no known name stays nameless: its ``label``
    reads by position and organization instead. A ``name`` printed
    "Given FAMILY" (``Naoki SATO``), without ``given_name`` and
    ``family_name``, is read as their split (:func:`split_printed_name`) and
    shown in normal case (``Naoki Sato``). ``position`` also holds a
    speaker's tagline (Sessionize's "Senior Engineer at Example"). ``bio``,
    ``picture`` (an http(s) URL of a photo) and ``links`` (a profile's pages)
    are kept as an imported source gives them, never made up.
    """

    id: str
    name: str | None = None
    position: str | None = None
    organization: Organization | None = None
    country: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    guid: uuid.UUID | None = None
    number: int | None = None
    bio: str | None = None
    picture: str | None = None
    links: tuple[Link, ...] = attrs.field(default=(), converter=_links)

    @functools.cached_property
    def split_name(self) -> tuple[str, str] | None:
        """(given, family) as shown ("Naoki", "Sato"), or None when the name has no split.

        As given apart, else from a name printed "Given FAMILY", the family
        name in normal case: one rule for files and Python, so a participant
        shows the same whoever built it.
        """
        if self.given_name and self.family_name:
            return self.given_name, _normal_case(self.family_name)
        split = split_printed_name(self.name) if self.name else None
        return (split[0], _normal_case(split[1])) if split else None

    @functools.cached_property
    def display_name(self) -> str | None:
        """The name in normal case ("Naoki Sato"), or None when unknown."""
        return " ".join(self.split_name) if self.split_name else self.name

    @property
    def effective_country(self) -> str | None:
        """The participant's country, else the organization's."""
        if self.country:
            return self.country
        return self.organization.country if self.organization else None

    @functools.cached_property
    def label(self) -> str:
        """A label that reads well with or without a name.

        ``Lionel Baize, Space Exploration Manager, CNES`` or
        ``Director for International Cooperation, CNSA``.
        """
        parts = [self.display_name, self.position]
        if self.organization:
            parts.append(self.organization.short_name)
        text = ", ".join(part for part in parts if part)
        return text or self.id

    @property
    def sort_key(self) -> tuple[str, str, str]:
        """Sort by family name, then given name; nameless ones by label."""
        given, family = self.split_name or ("", self.display_name or self.label)
        return (family.casefold(), given.casefold(), self.id)


@attrs.frozen
class Participation:
    """A participant's part in one event or segment, with an optional role."""

    participant: Participant
    role: str | None = None

    @property
    def label(self) -> str:
        """The participant's label, followed by the role when there is one."""
        if self.role:
            return f"{self.participant.label} ({self.role})"
        return self.participant.label


@attrs.frozen
class Segment:
    """An ordered part of an event, optionally with its own times."""

    title: str
    description: str | None = None
    start: datetime | None = attrs.field(default=None, converter=_optional_zoned)
    end: datetime | None = attrs.field(default=None, converter=_optional_zoned)
    participants: tuple[Participation, ...] = ()


@attrs.frozen
class Track:
    """A track as a schedule declares it: its name, and a colour and slug if given."""

    name: str
    color: str | None = None
    slug: str | None = None


@attrs.frozen
class Room:
    """A room as a schedule declares it: its name, and a slug and guid if given.

    Events name their room by ``name``; a room no declaration covers gets a
    guid derived from its name (:func:`identity.room_guid`).
    """

    name: str
    slug: str | None = None
    guid: uuid.UUID | None = None


def _tracks(values: Iterable[Track]) -> tuple[Track, ...]:
    return tuple(values)


def _rooms(values: Iterable[Room]) -> tuple[Room, ...]:
    return tuple(values)


@attrs.frozen
class Conference:
    """The conference a programme belongs to.

    ``day_change`` is the local time a conference day begins (midnight by
    default; 04:00 keeps a talk at 01:30 on the evening it belongs to).
    ``tracks`` and ``rooms`` are those a schedule declares, in its order,
    with their colours, slugs and guids; events name theirs by name.
    ``version`` is the name of the release exported (set by a release history).
    """

    id: str
    title: str
    timezone: str
    start: date
    end: date
    published: datetime = attrs.field(converter=_utc)
    acronym: str | None = None
    venue: str | None = None
    city: str | None = None
    country: str | None = None
    url: str | None = None
    language: str | None = None
    description: str | None = None
    day_change: time = time(0)
    tracks: tuple[Track, ...] = attrs.field(default=(), converter=_tracks)
    rooms: tuple[Room, ...] = attrs.field(default=(), converter=_rooms)
    version: str | None = None

    @property
    def zone(self) -> timezones.Zone:
        """The conference's time zone."""
        return timezones.get_zone(self.timezone)

    def day_of(self, moment: datetime) -> date:
        """The conference day ``moment`` belongs to (see ``day_change``)."""
        return timezones.conference_day(moment, self.zone, self.day_change)

    @property
    def days(self) -> tuple[date, ...]:
        """Every day of the conference, first to last."""
        count = (self.end - self.start).days + 1
        return tuple(self.start + timedelta(days=n) for n in range(count))

    @property
    def place(self) -> str:
        """Venue, city and country, as far as they are known."""
        return ", ".join(part for part in (self.venue, self.city, self.country) if part)

    @property
    def display_title(self) -> str:
        """The title followed by the acronym, when they differ."""
        if self.acronym and self.acronym not in self.title:
            return f"{self.title} ({self.acronym})"
        return self.title


@attrs.frozen
class Event:
    """One item of the programme: a plenary, a session, a break, and so on.

    Attributes:
        id: the event's id (``plenary-3``), unique in its programme.
        title: the title, without the label.
        start: an aware datetime in the event's IANA zone (pytz is accepted and converted).
        end: an aware datetime after ``start``.
        type: one of the data format's event types for our files; free text when imported.
        label: a printed label such as ``PLENARY 3``.
        subtitle: a subtitle.
        room: the room; venue: the venue, when it is not the conference's.
        abstract: paragraphs separated by blank lines, in ``markup``.
        description: more text (an imported event's description, say), in ``markup``.
        markup: what ``abstract`` and ``description`` are written in: ``plain``
            (the default), ``markdown`` (pretalx) or ``html`` (pentabarf-style
            exports). Each format renders it its own way.
        language: a BCP 47 tag.
        track: the track.
        url: an http(s) URL.
        status: ``confirmed``, ``tentative`` or ``cancelled``.
        sequence: the iCalendar SEQUENCE of this version.
        segments: the event's ordered parts.
        participants: the event's own participations (see :attr:`participations`).
        rrule: an RFC 5545 rule that ends (COUNT or UNTIL).
        guid: a guid kept from another system.
        number: a numeric id kept from another system.
        slug: a slug kept from another system.
        links: links to slides, pages or recordings (http(s) URLs).
        modified: when a release last changed the event (set by a release
            history, :mod:`isecg_events.releases`): its DTSTAMP and LAST-MODIFIED.
    """

    id: str
    title: str
    start: datetime = attrs.field(converter=_zoned)
    end: datetime = attrs.field(converter=_zoned)
    type: str = "session"
    label: str | None = None
    subtitle: str | None = None
    room: str | None = None
    venue: str | None = None
    abstract: str | None = None
    description: str | None = None
    language: str | None = None
    track: str | None = None
    url: str | None = None
    status: Status = "confirmed"
    sequence: int = 0
    segments: tuple[Segment, ...] = ()
    participants: tuple[Participation, ...] = ()
    rrule: str | None = None
    guid: uuid.UUID | None = None
    number: int | None = None
    slug: str | None = None
    markup: Markup = "plain"
    links: tuple[Link, ...] = attrs.field(default=(), converter=_links)
    modified: datetime | None = attrs.field(default=None, converter=_optional_utc)

    @property
    def timezone(self) -> str:
        """The IANA name of the zone the event's times are given in."""
        return timezones.zone_name(self.start.tzinfo)  # type: ignore[arg-type]

    @functools.cached_property
    def duration(self) -> timedelta:
        """The elapsed time from start to end (see :func:`timezones.elapsed`)."""
        return timezones.elapsed(self.start, self.end)

    @property
    def display_title(self) -> str:
        """The title led by the label: ``PLENARY 3: Fostering…``."""
        return f"{self.label}: {self.title}" if self.label else self.title

    @functools.cached_property
    def participations(self) -> tuple[Participation, ...]:
        """Every participation: the event's own, then those only named in segments.

        Each participant appears once. Computed once per event: every
        exporter lists them.
        """
        if not any(segment.participants for segment in self.segments):
            return self.participants
        seen = {p.participant.id for p in self.participants}
        found = list(self.participants)
        for segment in self.segments:
            for participation in segment.participants:
                if participation.participant.id not in seen:
                    seen.add(participation.participant.id)
                    found.append(participation)
        return tuple(found)

    def occurrence_starts(self) -> list[datetime]:
        """Return the start of every occurrence, expanding the rrule if any.

        Occurrences recur in local wall-clock time (a break at 10:30 stays at
        10:30 across a DST change).

        Raises:
            ValueError: the rrule cannot be parsed or never ends.
            timezones.NonexistentTime, timezones.AmbiguousTime: an
                occurrence falls into a DST gap or fold.
        """
        if not self.rrule:
            return [self.start]
        return recurrence.expand(self.rrule, self.start)
