"""Read an iCalendar file (.ics) into the model: each VEVENT an event.

DTSTART with DTEND or DURATION gives the times, in the zone each names
(a VTIMEZONE a feed defines for itself, Outlook's ``W. Europe Standard
Time``, say, is honoured); LOCATION is the room, CATEGORIES the track,
DESCRIPTION, URL and STATUS (``CANCELLED`` too) are kept, and the names
(``CN``) of ORGANIZER and ATTENDEE, RFC 9073 PARTICIPANTs' vCards and the
vCards of our compat feeds' X-ISECG-PARTICIPANT, are participants. A
recurring event keeps its RRULE when the rule ends.

Real feeds are often broken, and a feed is read as far as it can be: a line
that is no content line is skipped with a warning naming it, a UID given
twice gets a distinct stable id and a warning, a line longer than 75
octets is read as it is. Our own feeds (their PRODID says so) read back
with their type and track apart and the conference's venue off the rooms.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from pathlib import PurePath
from typing import Any, Final

import icalendar

from isecg_events import identity, recurrence, rules, timezones
from isecg_events.errors import ProgrammeError
from isecg_events.model import Conference, Event, Link, Participant, Participation
from isecg_events.programme import Programme
from isecg_events.readers.document import decode
from isecg_events.readers.imported import (
    Importer,
    Where,
    conference_id,
    event_id,
    localize,
    need_zone,
    published,
)

__all__ = ["read"]

# A content line: a name, parameters (values may be quoted), a colon.
_CONTENT_LINE: Final = re.compile(
    r'^[A-Za-z0-9-]+(?:;[A-Za-z0-9-]+=(?:"[^"]*"|[^";:,]*)(?:,(?:"[^"]*"|[^";:,]*))*)*:'
)
_OURS: Final = "-//isecg-events//"
_X_PARTICIPANT: Final = "X-ISECG-PARTICIPANT"  # our compat feeds' participants (vCards)
_STATUSES: Final = {"CANCELLED": "cancelled", "TENTATIVE": "tentative"}


def _lines(text: str) -> Iterable[tuple[int, str]]:
    """Each unfolded content line with the number of the physical line it starts on."""
    current: list[str] = []
    start = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if line[:1] in (" ", "\t") and current:
            current.append(line[1:])
            continue
        if current:
            yield start, "".join(current)
        current, start = [line], number
    if current:
        yield start, "".join(current)


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value


def _all(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


class _Reader(Importer):
    def __init__(self, source: str) -> None:
        super().__init__(source)
        self.conference = ""
        self.zone: timezones.Zone | None = None
        self.ours = False

    def clean(self, text: str) -> tuple[str, list[int]]:
        """The feed without the lines that are no content lines (each warned of).

        Returns the text and the physical line of each VEVENT's BEGIN.
        """
        kept: list[str] = []
        starts: list[int] = []
        for number, line in _lines(text):
            if not line.strip():
                continue
            if not _CONTENT_LINE.match(line):
                shown = line if len(line) <= 60 else line[:57] + "..."
                self.warn(
                    Where("", number), f"is not an iCalendar content line, skipped: {shown!r}"
                )
                continue
            if line.upper() == "BEGIN:VEVENT":
                starts.append(number)
            kept.append(line)
        return "\r\n".join(kept) + "\r\n", starts

    def moment(self, value: Any, where: Where, tzid: str | None = None) -> datetime | date | None:
        """A DTSTART or DTEND as an aware datetime in a zone we know, or a date.

        ``tzid``: the property's TZID, named when it is no zone we know.
        """
        if isinstance(value, datetime):
            if value.tzinfo is None or value.utcoffset() is None:
                if self.zone is None:
                    if tzid:
                        raise _unknown_zone(self.source, where.path, tzid)
                    raise need_zone(self.source, where.path, "the feed's floating times")
                return localize(self, value, self.zone, where)
            if self.zone is not None and _in_utc(value):
                # UTC (``Z``) says only the instant: shown in the conference's zone
                return value.astimezone(self.zone)
            try:
                return timezones.aware(value)
            except timezones.TimeZoneError:
                if self.zone is None:  # a Windows or made-up TZID (Outlook, Exchange)
                    raise _unknown_zone(self.source, where.path, tzid) from None
                return value.astimezone(self.zone)
        if isinstance(value, date):
            return value
        self.problem(where, f"{value!r} is not a date or date-time")
        return None

    def times(
        self, vevent: icalendar.Event, where: Where
    ) -> tuple[datetime | None, datetime | None]:
        try:
            raw = _first(vevent.decoded("DTSTART"))
        except (KeyError, ValueError):
            self.problem(where.at("DTSTART"), "is required (a date or date-time)")
            return None, None
        given = self.moment(raw, where.at("DTSTART"), _tzid(vevent, "DTSTART"))
        start = self.at_midnight(given, where.at("DTSTART"))
        if start is None:
            return None, None
        end: datetime | None = None
        if "DTEND" in vevent:
            try:
                raw = _first(vevent.decoded("DTEND"))
            except ValueError:
                self.problem(where.at("DTEND"), "is not a date or date-time")
                return None, None
            moment = self.moment(raw, where.at("DTEND"), _tzid(vevent, "DTEND"))
            end = self.at_midnight(moment, where.at("DTEND"))
        elif "DURATION" in vevent:
            length = _first(vevent.decoded("DURATION"))
            if isinstance(length, timedelta) and length > timedelta(0):
                if (problem := rules.duration_problem(length)) is not None:
                    self.problem(where.at("DURATION"), problem)
                    return None, None
                end = timezones.add_elapsed(start, length)
        elif not isinstance(given, datetime):  # an all-day event with no end: one day
            end = timezones.add_elapsed(start, timedelta(days=1))
        if end is None or end <= start:
            # RFC 5545: an event with no end (or an end at its start) takes no time.
            self.warn(where, "has no end after its start; it is read as lasting one minute")
            end = timezones.add_elapsed(start, timedelta(minutes=1))
        return start, end

    def at_midnight(self, value: datetime | date | None, where: Where) -> datetime | None:
        """A date-time as it is; a date (an all-day event's) at 00:00 in the zone."""
        if value is None or isinstance(value, datetime):
            return value
        if self.zone is None:
            raise need_zone(self.source, where.path, "the feed's all-day dates")
        return localize(self, datetime.combine(value, time(0)), self.zone, where)

    def event(
        self, vevent: icalendar.Event, where: Where, used: set[str], uids: Counter[str]
    ) -> Event | None:
        before = len(self.problems)
        title = self.text(_first(vevent.get("SUMMARY")), where.at("SUMMARY"))
        if title is None:
            self.warn(where, "has no SUMMARY (title); left out")
            return None
        start, end = self.times(vevent, where)
        categories = [
            str(name).strip()
            for value in _all(vevent.get("CATEGORIES"))
            for name in getattr(value, "cats", [value])
            if str(name).strip()
        ]
        kind = "session"
        if self.ours and len(categories) >= 1:
            kind = categories.pop(0)
        track = self.text(categories[0], where.at("CATEGORIES")) if categories else None
        room = self.text(_first(vevent.get("LOCATION")), where.at("LOCATION"))
        description = self.text(
            _first(vevent.get("DESCRIPTION")), where.at("DESCRIPTION"), long=True
        )
        status = _STATUSES.get(str(_first(vevent.get("STATUS")) or "").strip().upper(), "confirmed")
        people = self.people_of(vevent, where)
        rrule = self.rrule(vevent, where, start)
        if len(self.problems) > before or start is None or end is None:
            return None
        uid = str(_first(vevent.get("UID")) or "").strip()
        uids[uid] += 1
        if uid and uids[uid] > 1:
            self.warn(
                where.at("UID"),
                f"{uid!r} is the UID of an earlier event too; this one is kept apart",
            )
        guid = _guid(uid, uids[uid]) if uid else None
        suffix = f"-{uids[uid]}" if uids[uid] > 1 else ""
        ident = event_id((_id_of(uid) + suffix if uid else None, identity.slugify(title)), used)
        url = self.url(_first(vevent.get("URL")), where.at("URL"))
        return Event(
            id=ident,
            title=title,
            start=start,
            end=end,
            type=kind,
            room=room,
            description=description,
            track=track,
            url=url,
            status=status,  # type: ignore[arg-type]
            participants=tuple(Participation(p) for p in people),
            rrule=rrule,
            guid=identity.event_guid(self.conference, ident, guid),
        )

    def rrule(self, vevent: icalendar.Event, where: Where, start: datetime | None) -> str | None:
        value = _first(vevent.get("RRULE"))
        if value is None or start is None:
            return None
        text: str = value.to_ical().decode("utf-8", "replace")
        try:
            recurrence.parse_rrule(text, start)
        except ValueError as error:
            self.warn(where.at("RRULE"), f"{error}; only the first occurrence is kept")
            return None
        if "EXDATE" in vevent or "RDATE" in vevent:
            self.warn(where, "EXDATE and RDATE are not read; the rule's occurrences are kept")
        return text

    def people_of(self, vevent: icalendar.Event, where: Where) -> list[Participant]:
        found: list[Participant] = []
        for key in ("ORGANIZER", "ATTENDEE"):
            for index, value in enumerate(_all(vevent.get(key))):
                params = getattr(value, "params", {})
                if str(params.get("CUTYPE", "")).upper() in ("ROOM", "RESOURCE"):
                    continue
                # An unquoted CN with a comma is two values (RFC 5545): two people.
                for given in _all(params.get("CN")):
                    name = self.text(given, where.at(f"{key}[{index}].CN"))
                    if name is not None:  # an address alone names no one: left out
                        person = self.participant(self.conference, name)
                        if person not in found:
                            found.append(person)
        cards = [
            (where.at(f"PARTICIPANT[{index}]"), _first(c.get("STRUCTURED-DATA")), c.get("UID"))
            for index, c in enumerate(vevent.walk("PARTICIPANT"))
        ]
        cards += [
            (where.at(f"{_X_PARTICIPANT}[{index}]"), _text_value(value), None)
            for index, value in enumerate(_all(vevent.get(_X_PARTICIPANT)))
        ]
        # Those named by ORGANIZER and ATTENDEE, until a vCard gives the same name
        # (it says more, and takes their place; one vCard for one of them).
        by_name = list(range(len(found)))
        for place, data, uid in cards:
            card = self.vcard(data, uid, place) if data is not None else None
            if card is None or card in found:
                continue
            same = [i for i in by_name if card.name and found[i].name == card.name]
            if same:
                found[same[0]] = card
                by_name.remove(same[0])
            else:
                found.append(card)
        return found

    def vcard(self, data: Any, component_uid: Any, where: Where) -> Participant | None:
        """A vCard (an RFC 9073 PARTICIPANT's, or our compat feeds' X-ISECG-PARTICIPANT).

        FN, TITLE, ORG, NOTE, PHOTO, URL; the participant is told apart by
        the vCard's UID, else the PARTICIPANT's.
        """
        card = _vcard_fields(str(data))
        full = self.text(card.get("FN"), where.at("FN"))
        title = self.text(card.get("TITLE"), where.at("TITLE"))
        org = self.text(card.get("ORG"), where.at("ORG"))
        # A named person's card has N. Without one, our writer's nameless
        # participant shows by its label, led by its position: FN is TITLE,
        # or TITLE and the organisation after a comma.
        label = full and title and (full == title or full.startswith(f"{title}, "))
        name = None if label and "N" not in card else full
        if name is None and title is None:
            return None
        uid = _card_uid(card.get("UID")) or str(_first(component_uid) or "").strip()
        guid = _guid(uid, 1) if uid else None
        key = str(guid) if guid else f"{name}|{title}|{org}"
        links = [Link(url=url) for url in (self.url(card.get("URL"), where.at("URL")),) if url]
        return self.person(
            key,
            Participant(
                id=str(guid or identity.derive_guid(self.conference, "vcard", key)),
                name=name,
                position=title,
                organization=self.organization(org),
                guid=guid,
                bio=self.text(card.get("NOTE"), where.at("NOTE"), long=True),
                picture=self.url(card.get("PHOTO"), where.at("PHOTO")),
                links=links,
            ),
        )


def _in_utc(value: datetime) -> bool:
    """Whether a datetime is given in UTC (``Z``), not in a zone of its own."""
    try:
        return timezones.zone_name(value.tzinfo) == "UTC"  # type: ignore[arg-type]
    except timezones.TimeZoneError:
        return False


def _text_value(value: Any) -> str:
    r"""A property's TEXT value unescaped (RFC 5545 3.3.11: ``\,`` -> ``,``).

    icalendar keeps the value of a property it does not know, such as
    ``X-ISECG-PARTICIPANT``, verbatim (``vUnknown``); a known TEXT value
    comes unescaped.
    """
    if not isinstance(value, icalendar.vUnknown):
        return str(value)
    return _TEXT_ESCAPE.sub(lambda m: "\n" if m.group(1) in "nN" else m.group(1), str(value))


_TEXT_ESCAPE: Final = re.compile(r"\\([\\;,nN])")


def _card_uid(value: str | None) -> str | None:
    """A vCard's UID, without the ``urn:uuid:`` that makes a UUID a URI."""
    if not value or not value.strip():
        return None
    value = value.strip()
    return value[len("urn:uuid:") :] if value.lower().startswith("urn:uuid:") else value


_ORG_NAME: Final = re.compile(r"(?:\\.|[^\\;])*")  # escapes and all but ";"


def _vcard_fields(text: str) -> dict[str, str]:
    r"""The first value of each vCard property, unescaped (``\,`` -> ``,``)."""
    fields: dict[str, str] = {}
    for line in re.sub(r"\r?\n[ \t]", "", text).splitlines():
        name, colon, value = line.partition(":")
        if not colon:
            continue
        key = name.split(";", 1)[0].upper()
        if key == "ORG":  # the organisation's name, before its units (an unescaped ";")
            value = found.group(0) if (found := _ORG_NAME.match(value)) else value
        value = re.sub(r"\\([,;\\nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)
        fields.setdefault(key, value)
    return fields


def _id_of(uid: str) -> str:
    """An event id from a UID: the UID itself when it is one, else its slug."""
    return identity.slugify(uid.split("@", 1)[0] if "@" in uid else uid)


def _guid(uid: str, occurrence: int) -> uuid.UUID:
    """The event's guid: the UID when it is a UUID; a UID given again gets its own."""
    base = identity.source_guid(uid)
    return base if occurrence == 1 else identity.derive_guid(str(base), "again", str(occurrence))


def _zone_of(calendar: icalendar.Calendar, given: str | None) -> tuple[str | None, bool]:
    """The conference's zone: ``--timezone``, X-WR-TIMEZONE, else the one most events name.

    Returns it and whether it was only guessed from UTC times.
    """
    if given is not None:
        return given, False
    # X-WR-TIMEZONE, or what broken feeds write instead (``VTIMEZONE: Europe/Rome``)
    for key in ("X-WR-TIMEZONE", "X-LIC-LOCATION", "TZID", "VTIMEZONE"):
        stated = str(_first(calendar.get(key)) or "").strip()
        if stated in timezones.names():
            return stated, False
    counts: Counter[str] = Counter()
    utc = 0
    for vevent in calendar.walk("VEVENT"):
        try:
            value = _first(vevent.decoded("DTSTART"))
        except (KeyError, ValueError):
            continue
        if isinstance(value, datetime) and value.tzinfo is not None:
            try:
                name = timezones.zone_name(value.tzinfo)
            except timezones.TimeZoneError:
                continue
            if name == "UTC":
                utc += 1
            else:
                counts[name] += 1
    if counts:
        return counts.most_common(1)[0][0], False
    return ("UTC", True) if utc else (None, False)


def read(raw: bytes, source: str, *, timezone: str | None = None) -> Programme:
    """Build a programme from an iCalendar file's bytes.

    Args:
        raw: the bytes (UTF-8, with or without a BOM).
        source: the file name problems are reported under.
        timezone: the conference's IANA zone, which floating times are
            read in (else the feed's X-WR-TIMEZONE, else the zone most
            events name).

    Raises:
        ProgrammeError: the feed holds no calendar, or no event can be read.
    """
    reader = _Reader(source)
    text, starts = reader.clean(decode(raw, source))
    try:
        calendars = icalendar.Calendar.from_ical(text, multiple=True)
    except Exception as error:  # icalendar raises several kinds on a broken feed
        raise ProgrammeError.single(source, "", f"iCalendar cannot be read: {error}") from None
    if not calendars:
        raise ProgrammeError.single(source, "", "holds no VCALENDAR")
    calendar = calendars[0]
    reader.ours = str(_first(calendar.get("PRODID")) or "").startswith(_OURS)
    zone_name, guessed = _zone_of(calendar, timezone)
    if zone_name is not None:
        reader.zone = timezones.get_zone(zone_name)
    named = _first(calendar.get("X-WR-CALNAME")) or _first(calendar.get("NAME"))
    name = _text_value(named).strip() if named else ""
    stem = PurePath(source).stem if not source.startswith("<") else "calendar"
    reader.conference = conference_id(name, stem)
    vevents = calendar.walk("VEVENT")
    events: list[tuple[Where, Event]] = []
    used: set[str] = set()
    uids: Counter[str] = Counter()
    for index, vevent in enumerate(vevents):
        where = Where(f"VEVENT[{index}]", starts[index] if index < len(starts) else None)
        if "RECURRENCE-ID" in vevent:
            reader.warn(
                where, "changes one occurrence of a recurring event (RECURRENCE-ID); left out"
            )
            continue
        event = reader.event(vevent, where, used, uids)  # type: ignore[arg-type]
        if event is not None:
            events.append((where, event))
    reader.fail_if_problems()
    if not events:
        raise ProgrammeError.single(source, "", "holds no event that can be read")
    if zone_name is None:
        raise need_zone(source, "", "the feed's times")
    if guessed:
        reader.warn(Where("DTSTART"), "every time is in UTC; give --timezone NAME to show them")
    venue = _venue(calendar, events) if reader.ours else None
    if venue:
        events = [(w, _without_venue(e, venue)) for w, e in events]
    days = sorted(event.start.astimezone(reader.zone).date() for _, event in events)
    conference = Conference(
        id=reader.conference,
        title=name or stem,
        timezone=zone_name,
        start=days[0],
        end=max(_last_end(event).astimezone(reader.zone).date() for _, event in events),
        published=published(days[0]),
        venue=venue,
    )
    return reader.build(conference, events)


def _last_end(event: Event) -> datetime:
    """When the event's last occurrence ends."""
    if not event.rrule:
        return event.end
    try:
        last = event.occurrence_starts()[-1]
    except (ValueError, timezones.TimeZoneError):
        return event.end
    return timezones.add_elapsed(last, event.duration)


def _venue(calendar: icalendar.Calendar, events: list[tuple[Where, Event]]) -> str | None:
    """The venue our writer adds to every LOCATION (``Hall 2, Venue``), when the feed says it."""
    described = _text_value(_first(calendar.get("X-WR-CALDESC")) or "")
    rooms = [event.room for _, event in events if event.room]
    if not rooms:
        return None
    parts = rooms[0].split(", ")
    # the longest venue first; the whole LOCATION last (no event has a room of its own)
    for size in [*range(1, len(parts)), 0]:
        venue = ", ".join(parts[size:])
        # our description: "Title, 7 June 2017, Venue, City, Country. ..."
        said = re.search(rf"\d{{4}}, {re.escape(venue)}[,.]", described) is not None
        if said and all(r == venue or r.endswith(f", {venue}") for r in rooms):
            return venue
    return None


def _without_venue(event: Event, venue: str) -> Event:
    import attrs

    room = event.room[: -len(venue) - 2] if event.room and event.room != venue else None
    return attrs.evolve(event, room=room or None)


def _tzid(vevent: icalendar.Event, name: str) -> str | None:
    """The TZID parameter of a VEVENT's time property, as the feed wrote it."""
    value = _first(vevent.get(name))
    tzid = getattr(value, "params", {}).get("TZID")
    return str(tzid) if tzid else None


def _unknown_zone(source: str, where: str, tzid: str | None) -> ProgrammeError:
    """A TZID that names no IANA zone (Outlook and Exchange write Windows names)."""
    return ProgrammeError.single(
        source, where, f"TZID {tzid!r} is no IANA zone: give the zone with --timezone NAME"
    )
