"""The rules a whole programme must follow, checked over the model.

One checker for every way a programme is made: :class:`~isecg_events.model.Programme`
runs it on construction (so a programme built in Python gets the same
checks as a file), and the readers run it on what they could read when a
file also has problems of its own, so that every problem is reported at
once. Problems carry model paths (``events[1].end``, ``participants.ada``)
that match our data format's field paths; a reader adds its file and line.

The rules: the conference's dates; unique ids and guids; each field's value
(text, language tags, URLs, integers, ids, choices; see :mod:`.rules`);
participants and organizations that exist; end after start; times that
exist (no DST gap); recurrence rules that expand, within the conference;
segment times inside their event and in order; no two events in one room
at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, time, timedelta
from typing import NamedTuple, TypeVar

from isecg_events import rules, timezones
from isecg_events.errors import Problem, did_you_mean, join_path
from isecg_events.model import (
    Conference,
    Event,
    Organization,
    Participant,
    Participation,
    Room,
    Segment,
    Track,
)
from isecg_events.rules import (
    CONFERENCE_ID_PATTERN,
    ROLES,
    SLUG_PATTERN,
    STATUSES,
)

__all__ = ["Report", "check"]

_Keyed = TypeVar("_Keyed", Organization, Participant)

_SHORT, _LONG = rules.LIMITS["short_text"], rules.LIMITS["long_text"]
_EVENT_SHORT_TEXT = ("title", "type", "label", "subtitle", "room", "venue", "track", "rrule")


class Report(NamedTuple):
    """What the checker found: the problems, each event's occurrence starts, and warnings.

    Warnings are what a programme may hold but rarely means to, such as a
    participant booked in two places at once; ``strict`` loading refuses them.

    The starts (keyed by ``id(event)``) are handed to the schedule, so
    recurrence rules are expanded once per programme.
    """

    problems: list[Problem]
    starts: dict[int, list[datetime]]
    warnings: list[Problem]


def check(
    conference: Conference,
    organizations: Sequence[Organization],
    participants: Sequence[Participant],
    events: Sequence[Event],
    event_paths: Sequence[str] | None = None,
) -> Report:
    """Check a programme's parts; every problem is reported.

    Args:
        conference: the conference.
        organizations: the organizations.
        participants: the participants.
        events: the events, in the order their paths number them.
        event_paths: each event's path (default ``events[i]``); a reader that
            left out broken events passes the paths of the file.

    Returns:
        The problems (file left empty) and the occurrence starts of each
        event whose rule expands.
    """
    checker = _Checker()
    paths = (
        list(event_paths)
        if event_paths is not None
        else [f"events[{i}]" for i in range(len(events))]
    )
    checker.conference(conference)
    checker.organizations(organizations)
    checker.participants(participants, organizations)
    checker.events(conference, participants, events, paths)
    if not checker.problems:
        checker.clashes(events, paths)
    return Report(checker.problems, checker.starts, checker.warnings)


class _Checker:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.starts: dict[int, list[datetime]] = {}
        self.dated = True  # the conference's dates and zone can be compared with
        self._bounds: tuple[datetime, datetime] | None = None
        # Times that repeat across events are checked for existence once.
        self._existing: set[tuple[datetime, int, object]] = set()

    def problem(self, path: str, message: str) -> None:
        self.problems.append(Problem("", path, message))

    def text(self, path: str, value: str | None, *, long: bool = False) -> None:
        if value is None:
            return
        limit = _LONG if long else _SHORT
        message = rules.text_problem(value, limit=limit, single_line=not long)
        if message is not None:
            self.problem(path, message)

    def identifier(self, path: str, value: str) -> None:
        self.text(path, value)
        self.value(path, rules.id_problem(value))

    def value(self, path: str, message: str | None) -> None:
        if message is not None:
            self.problem(path, message)

    def conference(self, conference: Conference) -> None:
        path = "conference"
        self.text(f"{path}.id", conference.id)
        if len(conference.id) > rules.MAX_ID_LENGTH:
            limit = rules.MAX_ID_LENGTH
            self.problem(
                f"{path}.id", f"is {len(conference.id):,} characters long; an id may have {limit}"
            )
        elif not CONFERENCE_ID_PATTERN.match(conference.id):
            self.problem(
                f"{path}.id",
                f"{conference.id!r} must be 4 or more lower-case letters, digits or '_' "
                "(the schedule.json acronym rule), such as 'glex2017'",
            )
        for field in ("title", "acronym", "venue", "city", "country"):
            self.text(f"{path}.{field}", getattr(conference, field))
        self.text(f"{path}.description", conference.description, long=True)
        if conference.url is not None:
            self.value(f"{path}.url", rules.url_problem(conference.url))
        if conference.language is not None:
            self.value(f"{path}.language", rules.language_problem(conference.language))
        try:
            timezones.get_zone(conference.timezone)
        except timezones.UnknownTimeZone as error:
            self.problem(f"{path}.timezone", str(error))
        change = conference.day_change
        if not isinstance(change, time) or change.tzinfo is not None or change.second:
            self.problem(f"{path}.day_change", "must be a local time of day such as 04:00")
        # Declared at the top of our format, beside the conference.
        self.declared("tracks", conference.tracks)
        self.declared("rooms", conference.rooms)
        dated = True
        for field in ("start", "end", "published"):
            message = rules.date_problem(getattr(conference, field))
            if message is not None:
                self.problem(f"{path}.{field}", message)
                dated = False
        if conference.end < conference.start:
            self.problem(f"{path}.end", f"{conference.end} is before start {conference.start}")
            dated = False
        self.dated = dated and conference.timezone in timezones.names()

    def declared(self, path: str, items: Sequence[Track | Room]) -> None:
        """Declared tracks or rooms: unique names, text rules, colours, slugs and guids."""
        names: dict[str, str] = {}
        guids: dict[object, str] = {}
        for index, item in enumerate(items):
            where = f"{path}[{index}]"
            self.text(f"{where}.name", item.name)
            if item.name in names:
                self.problem(
                    f"{where}.name", f"{item.name!r} is declared already at {names[item.name]}"
                )
            names.setdefault(item.name, where)
            if item.slug is not None and not rules.SLUG_PATTERN.match(item.slug):
                self.problem(f"{where}.slug", f"{item.slug!r} is not a slug such as 'main-hall'")
            color = getattr(item, "color", None)
            if color is not None and not rules.COLOR_PATTERN.match(color):
                self.problem(f"{where}.color", f"{color!r} is not a colour such as '#336699'")
            guid = getattr(item, "guid", None)
            if guid is not None:
                if guid in guids:
                    self.problem(f"{where}.guid", f"{guid} is the guid of {guids[guid]} already")
                guids.setdefault(guid, where)

    def keyed(self, section: str, items: Sequence[_Keyed]) -> Iterator[tuple[str, _Keyed]]:
        """Each item with its path (``participants.ada``), its id checked and unique."""
        seen: set[str] = set()
        for item in items:
            path = join_path(section, item.id)
            self.identifier(path, item.id)
            if item.id in seen:
                self.problem(path, f"duplicate {section[:-1]} id {item.id!r}")
            seen.add(item.id)
            yield path, item

    def organizations(self, organizations: Sequence[Organization]) -> None:
        for path, organization in self.keyed("organizations", organizations):
            for field in ("name", "acronym", "country"):
                self.text(f"{path}.{field}", getattr(organization, field))

    def participants(
        self, participants: Sequence[Participant], organizations: Sequence[Organization]
    ) -> None:
        known = {organization.id: organization for organization in organizations}
        for path, participant in self.keyed("participants", participants):
            for field in ("name", "position", "country", "given_name", "family_name"):
                self.text(f"{path}.{field}", getattr(participant, field))
            organization = participant.organization
            if organization is not None:
                self.reference(f"{path}.organization", "organization", organization, known)
            named = participant.name or participant.given_name or participant.family_name
            if not named and not participant.position:
                self.problem(path, "needs a name or a position (it is shown by one of them)")
            if (participant.given_name is None) != (participant.family_name is None):
                self.problem(path, "give both given_name and family_name, or neither")
            if participant.number is not None:
                self.value(f"{path}.number", rules.integer_problem(participant.number, 1))
            self.text(f"{path}.bio", participant.bio, long=True)
            if participant.picture is not None:
                self.value(f"{path}.picture", rules.url_problem(participant.picture))
            for index, link in enumerate(participant.links):
                self.value(f"{path}.links[{index}].url", rules.url_problem(link.url))
                self.text(f"{path}.links[{index}].title", link.title)

    def events(
        self,
        conference: Conference,
        participants: Sequence[Participant],
        events: Sequence[Event],
        paths: Sequence[str],
    ) -> None:
        known = {participant.id: participant for participant in participants}
        ids: dict[str, str] = {}
        guids: dict[object, str] = {}
        for event, path in zip(events, paths, strict=True):
            if event.id in ids:
                self.problem(
                    f"{path}.id", f"duplicate event id {event.id!r} (also {ids[event.id]})"
                )
            else:
                ids[event.id] = path
            if event.guid is not None:
                if event.guid in guids:
                    self.problem(
                        f"{path}.guid", f"duplicate guid {event.guid} (also {guids[event.guid]})"
                    )
                else:
                    guids[event.guid] = path
            self.event_values(event, path)
            if event.participants:
                self.references(event.participants, f"{path}.participants", known)
            for index, segment in enumerate(event.segments):
                if segment.participants:
                    self.references(
                        segment.participants, f"{path}.segments[{index}].participants", known
                    )
            if self.times(event, path):
                self.occurrences(event, path, conference)
                self.segments(event, path)
        self.rooms(events, paths)

    def event_values(self, event: Event, path: str) -> None:
        self.identifier(f"{path}.id", event.id)
        short = {name: getattr(event, name) for name in _EVENT_SHORT_TEXT}
        if not rules.plain_texts(short.values(), limit=_SHORT, single_line=True):
            for name, value in short.items():
                self.text(f"{path}.{name}", value)
        long = (event.abstract, event.description)
        if not rules.plain_texts(long, limit=_LONG, single_line=False):
            self.text(f"{path}.abstract", event.abstract, long=True)
            self.text(f"{path}.description", event.description, long=True)
        if event.language is not None:
            self.value(f"{path}.language", rules.language_problem(event.language))
        if event.url is not None:
            self.value(f"{path}.url", rules.url_problem(event.url))
        for index, link in enumerate(event.links):
            self.value(f"{path}.links[{index}].url", rules.url_problem(link.url))
            self.text(f"{path}.links[{index}].title", link.title)
        if event.status not in STATUSES:
            self.problem(
                f"{path}.status",
                f"{event.status!r} is not one of {', '.join(STATUSES)}"
                + did_you_mean(event.status, list(STATUSES)),
            )
        if event.markup not in rules.MARKUPS:
            self.problem(
                f"{path}.markup",
                f"{event.markup!r} is not one of {', '.join(rules.MARKUPS)}"
                + did_you_mean(event.markup, list(rules.MARKUPS)),
            )
        self.value(f"{path}.sequence", rules.integer_problem(event.sequence))
        if event.number is not None:
            self.value(f"{path}.number", rules.integer_problem(event.number, 1))
        if event.slug is not None and not SLUG_PATTERN.match(event.slug):
            self.problem(
                f"{path}.slug",
                f"{event.slug!r} is not a slug (lower-case letters, digits, '-', '_')",
            )
        segments = event.segments
        titles = [segment.title for segment in segments]
        descriptions = [segment.description for segment in segments]
        if not (
            rules.plain_texts(titles, limit=_SHORT, single_line=True)
            and rules.plain_texts(descriptions, limit=_LONG, single_line=False)
        ):
            for index, segment in enumerate(segments):
                seg_path = f"{path}.segments[{index}]"
                self.text(f"{seg_path}.title", segment.title)
                self.text(f"{seg_path}.description", segment.description, long=True)

    def references(
        self, participations: Iterable[Participation], path: str, known: Mapping[str, Participant]
    ) -> None:
        listed: set[str] = set()
        for index, participation in enumerate(participations):
            person = participation.participant
            if person.id in listed:
                self.problem(f"{path}[{index}]", f"lists {person.id!r} twice")
            listed.add(person.id)
            if known.get(person.id) is not person:  # not the programme's own
                self.reference(f"{path}[{index}]", "participant", person, known)
            role = participation.role
            if role is not None and role not in ROLES:
                self.problem(
                    f"{path}[{index}].role",
                    f"{role!r} is not one of {', '.join(ROLES)}{did_you_mean(role, list(ROLES))}",
                )

    def reference(
        self, path: str, kind: str, given: Participant | Organization, known: Mapping[str, object]
    ) -> None:
        """A participant or organization must be the programme's own of that id."""
        found = known.get(given.id)
        if found is given:  # the common case, without comparing field by field
            return
        if found is None:
            self.problem(path, f"unknown {kind} {given.id!r}{did_you_mean(given.id, list(known))}")
        elif found != given:
            self.problem(
                path,
                f"{kind} {given.id!r} differs from the programme's {kind} of that id "
                "(give the programme the same object)",
            )

    def exists(self, path: str, field: str, moment: datetime) -> bool:
        """Whether ``moment`` exists in its zone (else a problem at ``path.field``)."""
        key = (moment, moment.fold, moment.tzinfo)
        if key in self._existing:
            return True
        try:
            timezones.check_exists(moment)
        except timezones.NonexistentTime as error:
            self.problem(f"{path}.{field}", str(error))
            return False
        self._existing.add(key)
        return True

    def times(self, event: Event, path: str) -> bool:
        """End after start, both times real; whether the event's times can be used."""
        for field, moment in (("start", event.start), ("end", event.end)):
            message = rules.date_problem(moment)
            if message is not None:
                self.problem(f"{path}.{field}", message)
                return False
        message = rules.duration_problem(event.duration)
        if message is not None:
            self.problem(f"{path}.end", message)
            return False
        fine = self.exists(path, "start", event.start) & self.exists(path, "end", event.end)
        if fine and event.duration <= timedelta(0):  # the end is not after the start
            self.problem(
                f"{path}.end", f"{_clock(event.end)} is not after start {_clock(event.start)}"
            )
            return False
        return fine

    def occurrences(self, event: Event, path: str, conference: Conference) -> None:
        """Occurrences that cannot be expanded or fall outside the conference."""
        try:
            starts = event.occurrence_starts()
        except (ValueError, timezones.TimeZoneError) as error:
            self.problem(f"{path}.rrule", str(error))
            return
        self.starts[id(event)] = starts
        if not self.dated:
            return  # no dates or zone to be outside of; the conference's problem is reported
        zone = conference.zone
        first_instant, last_instant = self.bounds(conference)
        duration = event.duration
        for start in starts:
            if start < first_instant or start.astimezone(UTC) + duration > last_instant:
                field = "rrule" if event.rrule and start != event.start else "start"
                self.problem(
                    f"{path}.{field}",
                    f"{start.astimezone(zone):%Y-%m-%d %H:%M} is outside the conference "
                    f"({conference.start} to {conference.end})",
                )
                return

    def bounds(self, conference: Conference) -> tuple[datetime, datetime]:
        """The conference's first and last instants, computed once per check."""
        if self._bounds is None:
            zone = conference.zone
            change = conference.day_change
            self._bounds = (
                timezones.day_bounds(conference.start, zone, change)[0],
                timezones.day_bounds(conference.end, zone, change)[1],
            )
        return self._bounds

    def segments(self, event: Event, path: str) -> None:
        previous_end: datetime | None = None
        for index, segment in enumerate(event.segments):
            if segment.start is None and segment.end is None:
                continue  # a part without times has none to check
            seg_path = f"{path}.segments[{index}]"
            if event.rrule:
                self.problem(seg_path, "a segment of a recurring event cannot have its own times")
                return
            if not self.segment_times(segment, seg_path):
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

    def segment_times(self, segment: Segment, path: str) -> bool:
        for key, moment in (("start", segment.start), ("end", segment.end)):
            if moment is not None and not self.exists(path, key, moment):
                return False
        if segment.start is not None and segment.end is not None and segment.end <= segment.start:
            self.problem(
                f"{path}.end", f"{_clock(segment.end)} is not after start {_clock(segment.start)}"
            )
            return False
        return True

    def rooms(self, events: Sequence[Event], paths: Sequence[str]) -> None:
        by_room: dict[str, list[tuple[datetime, datetime, str, Event]]] = {}
        for event, path in zip(events, paths, strict=True):
            starts = self.starts.get(id(event))
            if event.room is None or event.status == "cancelled" or starts is None:
                continue
            duration = event.duration
            slots = by_room.setdefault(event.room, [])
            for start in starts:
                begin = start.astimezone(UTC)
                slots.append((begin, begin + duration, path, event))
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

    def clashes(self, events: Sequence[Event], paths: Sequence[str]) -> None:
        """Warn of a participant in two events at once.

        A clash is two overlapping occurrences of events that are not
        cancelled; back to back is no clash, nor are one event's parts.
        """
        by_person: dict[str, list[tuple[datetime, datetime, str, Event]]] = {}
        for event, path in zip(events, paths, strict=True):
            starts = self.starts.get(id(event))
            if event.status == "cancelled" or not starts:
                continue
            people = {p.participant.id for p in event.participations}
            for person in people:
                slots = by_person.setdefault(person, [])
                for start in starts:
                    begin = start.astimezone(UTC)
                    slots.append((begin, begin + event.duration, path, event))
        names = {p.participant.id: p.participant.label for e in events for p in e.participations}
        for person, slots in sorted(by_person.items()):
            slots.sort(key=lambda slot: (slot[0], slot[1], slot[2]))
            latest: tuple[datetime, datetime, str, Event] | None = None
            for slot in slots:
                if latest is not None and slot[0] < latest[1] and slot[3] is not latest[3]:
                    zone = slot[3].start.tzinfo
                    self.warnings.append(
                        Problem(
                            "",
                            f"{slot[2]}.participants",
                            f"{names[person]} ({person!r}) is booked in {latest[2]} "
                            f"({latest[3].id!r}) and here ({slot[3].id!r}) at once, "
                            f"{slot[0].astimezone(zone):%Y-%m-%d %H:%M} to "
                            f"{min(slot[1], latest[1]).astimezone(zone):%H:%M}",
                        )
                    )
                if latest is None or slot[1] > latest[1]:
                    latest = slot


def _clock(moment: datetime) -> str:
    return f"{moment:%H:%M}"
