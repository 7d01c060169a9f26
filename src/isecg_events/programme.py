"""A whole programme: its parts checked together, its events scheduled.

:class:`Programme` is the one object every reader builds and every
exporter reads. On construction it runs :func:`isecg_events.checks.check`
(so a programme built in Python meets the rules of a file), sorts its
events and expands them into :class:`Occurrence` objects with stable
identities (:mod:`isecg_events.identity`). :class:`ProgrammeBuilder` helps
a script that adds events one at a time.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime, time

import attrs

from isecg_events import checks, identity, timezones
from isecg_events.errors import Problem, ProgrammeError, did_you_mean
from isecg_events.model import Conference, Event, Organization, Participant

__all__ = ["Occurrence", "Programme", "ProgrammeBuilder"]


@attrs.frozen
class Occurrence:
    """One scheduled instance of an event, with its stable identities."""

    event: Event
    index: int
    start: datetime
    end: datetime
    guid: uuid.UUID
    number: int
    slug: str


def _time_order(event: Event) -> tuple[datetime, datetime, str, str]:
    return (
        event.start.astimezone(UTC),
        event.end.astimezone(UTC),
        event.room or "",
        event.id,
    )


def _in_time_order(events: Iterable[Event]) -> tuple[Event, ...]:
    return tuple(sorted(events, key=_time_order))


def _organizations(values: Iterable[Organization]) -> tuple[Organization, ...]:
    return tuple(values)


def _participants(values: Iterable[Participant]) -> tuple[Participant, ...]:
    return tuple(values)


def _matches(event: Event, wanted: dict[str, set[str]]) -> bool:
    return (
        event.track in wanted["track"]
        or event.room in wanted["room"]
        or event.type in wanted["type"]
        or event.id in wanted["event"]
        or any(p.participant.id in wanted["participant"] for p in event.participations)
    )


def _events(values: Iterable[Event]) -> tuple[Event, ...]:
    return tuple(values)


@attrs.frozen
class Programme:
    """A conference with its organizations, participants and events, checked whole.

    Construction runs every rule of :mod:`isecg_events.checks` (the same
    rules a programme file is held to) and raises
    :class:`~isecg_events.errors.ProgrammeError` listing every problem, each
    with its path (``events[1].end: 09:00 is not after start 10:00``, where
    ``events[1]`` is the second event as given). A valid programme keeps its
    events in time order, and ``occurrences`` expands recurring events
    and assigns identities once.

    Attributes:
        conference: the conference.
        organizations: the organizations participants belong to.
        participants: every participant the events name.
        events: the events, in time order once built.
        occurrences: every scheduled occurrence, in time order, with its identities.
        warnings: what the programme holds but rarely means to (a participant
            booked in two places at once), with paths as for problems;
            :func:`isecg_events.load` reports them, and refuses them when strict.

    Raises:
        ProgrammeError: the parts break one or more rules.
    """

    conference: Conference
    organizations: tuple[Organization, ...] = attrs.field(default=(), converter=_organizations)
    participants: tuple[Participant, ...] = attrs.field(default=(), converter=_participants)
    events: tuple[Event, ...] = attrs.field(default=(), converter=_events)
    occurrences: tuple[Occurrence, ...] = attrs.field(init=False, repr=False)
    warnings: tuple[Problem, ...] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        report = checks.check(self.conference, self.organizations, self.participants, self.events)
        if report.problems:
            raise ProgrammeError(report.problems)
        events = _in_time_order(self.events)
        object.__setattr__(self, "events", events)
        object.__setattr__(self, "occurrences", _schedule(self.conference, events, report.starts))
        object.__setattr__(self, "warnings", tuple(report.warnings))

    @property
    def rooms(self) -> tuple[str, ...]:
        """Room names in order of first use."""
        seen: dict[str, None] = {}
        for occurrence in self.occurrences:
            if occurrence.event.room is not None:
                seen.setdefault(occurrence.event.room, None)
        return tuple(seen)

    @property
    def tracks(self) -> tuple[str, ...]:
        """Track names in order of first use."""
        seen: dict[str, None] = {}
        for occurrence in self.occurrences:
            if occurrence.event.track:
                seen.setdefault(occurrence.event.track, None)
        return tuple(seen)

    def select(
        self,
        *,
        tracks: Iterable[str] = (),
        rooms: Iterable[str] = (),
        participants: Iterable[str] = (),
        types: Iterable[str] = (),
        events: Iterable[str] = (),
    ) -> Programme:
        """The sub-programme of the events that match any criterion given (their union).

        Same conference, zones and ids: every format renders it as it renders
        the whole. A participant matches the events they take part in,
        segments included.

        Args:
            tracks: track names.
            rooms: room names.
            participants: participant ids.
            types: event types.
            events: event ids.

        Raises:
            ValueError: no criterion, a name or id the programme does not have
                (with a suggestion), or no event matches.
        """
        wanted = {
            "track": set(tracks), "room": set(rooms), "participant": set(participants),
            "type": set(types), "event": set(events),
        }  # fmt: skip
        if not any(wanted.values()):
            raise ValueError("select needs a track, room, participant, type or event")
        known = {
            "track": set(self.tracks),
            "room": {e.room for e in self.events if e.room},
            "participant": {p.id for p in self.participants},
            "type": {e.type for e in self.events},
            "event": {e.id for e in self.events},
        }
        for kind, names in wanted.items():
            for name in sorted(names - known[kind]):
                raise ValueError(f"no {kind} {name!r}{did_you_mean(name, known[kind])}")
        chosen = tuple(event for event in self.events if _matches(event, wanted))
        if not chosen:
            raise ValueError("no event matches the selection")
        return Programme(self.conference, self.organizations, self.participants, chosen)

    def occurrences_by_day(
        self, zone: timezones.Zone | None = None
    ) -> dict[date, list[Occurrence]]:
        """Group occurrences by day in ``zone`` (default: the conference's).

        In the conference's own zone a day runs from its ``day_change``
        (midnight unless the data says otherwise); in another, from midnight.
        """
        zone = zone or self.conference.zone
        change = self.conference.day_change if zone == self.conference.zone else time(0)
        days: dict[date, list[Occurrence]] = {}
        for occurrence in self.occurrences:
            day = timezones.conference_day(occurrence.start, zone, change)
            days.setdefault(day, []).append(occurrence)
        return days


def _schedule(
    conference: Conference, events: tuple[Event, ...], starts: dict[int, list[datetime]]
) -> tuple[Occurrence, ...]:
    """Every occurrence in time order, with its identities.

    ``starts`` holds each event's occurrence starts, as the checker expanded them.
    """
    drafts: list[tuple[Event, int, datetime, datetime, uuid.UUID, int | None]] = []
    for event in events:
        duration = event.duration
        series = identity.event_guid(conference.id, event.id, event.guid)
        for index, start in enumerate(starts[id(event)]):
            end = timezones.add_elapsed(start, duration)
            guid = identity.occurrence_guid(series, start if event.rrule else None)
            number = None if event.number is None else event.number + index
            drafts.append((event, index, start, end, guid, number))
    # Ties in time are broken by guid, which survives a round trip through a
    # schedule.json or schedule.xml (ids and rooms may be spelled otherwise).
    drafts.sort(key=lambda d: (d[2].astimezone(UTC), d[3].astimezone(UTC), d[4].int))
    numbers = identity.unique_numbers([(d[4], d[5]) for d in drafts])
    slugs = identity.unique_slugs(
        conference.id,
        [(d[0].id, d[0].slug, d[2] if d[0].rrule else None, d[4]) for d in drafts],
        numbers,
    )
    return tuple(
        Occurrence(event, index, start, end, guid, numbers[guid], slugs[guid])
        for event, index, start, end, guid, _ in drafts
    )


@attrs.define
class ProgrammeBuilder:
    """Collects a programme's parts one at a time, then builds one checked :class:`Programme`.

    >>> from datetime import date, datetime
    >>> from zoneinfo import ZoneInfo
    >>> from isecg_events import Conference, Event
    >>> paris = ZoneInfo("Europe/Paris")
    >>> builder = ProgrammeBuilder(Conference(id="demo2026", title="Demo",
    ...     timezone="Europe/Paris", start=date(2026, 5, 4), end=date(2026, 5, 4),
    ...     published=datetime(2026, 1, 1, tzinfo=paris)))
    >>> builder.add(Event(id="opening", title="Opening", room="A",
    ...     start=datetime(2026, 5, 4, 9, 0, tzinfo=paris),
    ...     end=datetime(2026, 5, 4, 10, 0, tzinfo=paris)))
    >>> len(builder.build().occurrences)
    1
    """

    conference: Conference
    organizations: list[Organization] = attrs.Factory(list)
    participants: list[Participant] = attrs.Factory(list)
    events: list[Event] = attrs.Factory(list)

    def add(self, *items: Organization | Participant | Event) -> None:
        """Add organizations, participants and events, in any mix.

        Raises:
            TypeError: an item that is none of the three.
        """
        for item in items:
            if isinstance(item, Event):
                self.events.append(item)
            elif isinstance(item, Participant):
                self.participants.append(item)
            elif isinstance(item, Organization):
                self.organizations.append(item)
            else:
                raise TypeError(f"cannot add {type(item).__name__} to a programme")

    def build(self) -> Programme:
        """The checked programme.

        Raises:
            ProgrammeError: every problem, with paths into the lists as added.
        """
        return Programme(
            conference=self.conference,
            organizations=tuple(self.organizations),
            participants=tuple(self.participants),
            events=tuple(self.events),
        )
