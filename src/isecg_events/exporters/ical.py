"""iCalendar (RFC 5545) feeds, built with icalendar 7.

Two profiles: ``compat`` writes only what Google, Outlook, Apple and
Thunderbird are known to handle (its participants as vCards in an
``X-ISECG-PARTICIPANT`` property, which clients ignore and our reader
reads); ``rich`` adds RFC 9073 PARTICIPANT components and RFC 9253 linked
child events for timed segments.
See ``docs/formats/icalendar.md``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Literal, NamedTuple

from icalendar import Calendar, vDuration, vRecur, vText
from icalendar import Event as VEvent

from isecg_events import recurrence, timezones
from isecg_events._version import __version__
from isecg_events.exporters import _ics_writer
from isecg_events.exporters._ical_rich import Cards, participant, participant_type, segment_events
from isecg_events.exporters._prepared import Prepared
from isecg_events.exporters._registry import Option
from isecg_events.exporters._text import clean, clean_name
from isecg_events.exporters._vtimezone import vtimezone
from isecg_events.model import Event, Participation
from isecg_events.programme import Occurrence, Programme

__all__ = [
    "OPTIONS",
    "PRODID",
    "Profile",
    "parse_refresh",
    "render_event_prepared",
    "render_feed",
    "render_prepared",
    "timezone_calendar",
]

PRODID = f"-//isecg-events//isecg-events {__version__}//EN"

Profile = Literal["compat", "rich"]
PROFILES: tuple[Profile, ...] = ("compat", "rich")

#: How often subscribers are asked to refresh the feed by default.
DEFAULT_REFRESH = timedelta(hours=12)

#: The compat profile's participant: a vCard every client ignores (RFC 5545
#: 3.8.8.2), which our reader reads back. ATTENDEE would make them meeting
#: guests; a PARTICIPANT component is what the compat profile avoids.
X_PARTICIPANT = "X-ISECG-PARTICIPANT"


def render_prepared(
    prepared: Prepared, *, profile: Profile = "compat", refresh: timedelta = DEFAULT_REFRESH
) -> bytes:
    """The whole programme's feed."""
    events = [occurrence.event for occurrence in _series(prepared.programme.occurrences)]
    return render_feed(prepared, events, None, profile=profile, refresh=refresh)


def render_feed(
    prepared: Prepared,
    events: list[Event],
    name: str | None,
    *,
    profile: Profile = "compat",
    refresh: timedelta = DEFAULT_REFRESH,
) -> bytes:
    """A feed of ``events`` (in series order) of the render's programme.

    ``name`` names a feed of part of the programme (NAME, X-WR-CALNAME);
    None is the whole programme's feed. In the compat profile the VEVENTs are the render's,
    each written once for every feed and file it is in.
    """
    programme = prepared.programme
    title = name or programme.conference.display_title
    if profile == "compat" and _lean_writer_applies(events):
        _check(profile, refresh)
        head = prepared.derive(_Heads).head(events, title, refresh)
        writer = prepared.derive(_LeanWriter)
        return b"".join([head, *writer.vevents(events), b"END:VCALENDAR\r\n"])
    calendar = _calendar(programme, title, refresh, profile)
    _add_events(calendar, prepared, events, profile)
    return _finish(calendar, prepared, events)


def render_event_prepared(
    prepared: Prepared,
    event: Event,
    *,
    profile: Profile = "compat",
    refresh: timedelta = DEFAULT_REFRESH,
) -> dict[str, bytes]:
    """One event's own calendars ("add to my calendar", ``--split``), one VEVENT UID in each.

    Returns ``{event.id: calendar}``; in the rich profile also one calendar
    per timed segment, ``<event-id>.part-<n>``, as a CalDAV server stores one
    UID per resource (RELATED-TO still links parent and children).
    ``refresh`` is accepted with the format's other options and unused: a
    single event's calendar is imported, not subscribed to.
    """
    if profile == "compat" and _lean_writer_applies([event]):
        head = prepared.derive(_Heads).head([event], prepared.text(event).title, None)
        vevents = prepared.derive(_LeanWriter).vevents([event])
        return {event.id: b"".join([head, *vevents, b"END:VCALENDAR\r\n"])}
    return _icalendar_event_calendars(prepared, event, profile)


def _icalendar_event_calendars(
    prepared: Prepared, event: Event, profile: Profile
) -> dict[str, bytes]:
    """:func:`render_event_prepared` through icalendar's ``to_ical()``: the rich profile."""
    programme = prepared.programme
    calendar = _calendar(programme, clean(event.display_title), None, profile)
    children = _add_events(calendar, prepared, [event], profile, children_apart=True)
    files = {event.id: _finish(calendar, prepared, [event])}
    for number, child in enumerate(children, start=1):
        key = f"{event.id}.part-{number}"  # a dot: no event id can take this name
        own = _calendar(programme, str(child["SUMMARY"]), None, profile)
        own.add_component(child)
        files[key] = _finish(own, prepared, [event])
    return files


def timezone_calendar(programme: Programme) -> bytes:
    """A VCALENDAR holding only the conference zone's VTIMEZONE, as the feed has it.

    What a CalDAV server is given as a new calendar's ``calendar-timezone``;
    a conference in UTC gets an empty VCALENDAR.
    """
    calendar = Calendar()  # Calendar.new() would add a random UID
    calendar.add("VERSION", "2.0")
    calendar.add("PRODID", PRODID)
    zone = programme.conference.timezone
    if zone != "UTC":
        span = _span(Prepared(programme), list(programme.events))
        calendar.add_component(vtimezone(zone, *span))
    feed: bytes = calendar.to_ical()
    return feed


def parse_refresh(text: str) -> timedelta:
    """Read a refresh interval given as an ISO 8601 duration such as ``PT6H``.

    Raises:
        ValueError: not a positive duration.
    """
    try:
        value = vDuration.from_ical(text.strip().upper())  # type: ignore[no-untyped-call]
    except ValueError:
        raise ValueError(f"{text!r} is not a duration such as PT6H") from None
    if not isinstance(value, timedelta) or value <= timedelta(0):
        raise ValueError(f"{text!r} is not a positive duration")
    return value


#: The options of the ``ics`` format.
OPTIONS = (
    Option(
        name="profile",
        default="compat",
        choices=PROFILES,
        help="iCalendar profile: compat (every client) or rich (RFC 9073/9253 additions)",
    ),
    Option(
        name="refresh",
        default=DEFAULT_REFRESH,
        parse=parse_refresh,
        help="how often subscribers refresh, as an ISO 8601 duration (default: PT12H)",
    ),
)


def _series(occurrences: Iterable[Occurrence]) -> list[Occurrence]:
    """The first occurrence of each event: a recurring one is a single VEVENT."""
    return [occurrence for occurrence in occurrences if occurrence.index == 0]


def _calendar(
    programme: Programme,
    name: str,
    refresh: timedelta | None,
    profile: Profile,
) -> Calendar:
    """The VCALENDAR frame.

    It carries no UID (RFC 7986 allows one): vdirsyncer's http storage, and
    so khal subscribed to a feed, copies calendar properties into each event
    and tells events apart by their first UID, so a feed read as one event.
    """
    _check(profile, refresh)
    conference = programme.conference
    url = _ics_writer.safe_uri(conference.url) if conference.url else None
    calendar = Calendar.new(prodid=PRODID, uid="-", url=url, last_modified=conference.published)
    del calendar["UID"]  # given, or new() would make up a random one
    # icalendar 7.3 writes X-WR-CALNAME/X-WR-CALDESC unescaped (a newline in
    # them fails), so both spellings are added here as TEXT values.
    description = clean(_calendar_description(programme))
    for key, value in (
        ("NAME", clean(name)),
        ("X-WR-CALNAME", clean(name)),
        ("DESCRIPTION", description),
        ("X-WR-CALDESC", description),
        ("X-WR-TIMEZONE", conference.timezone),
    ):
        calendar.add(key, vText(value))
    if refresh is not None:
        calendar.add("REFRESH-INTERVAL", refresh, parameters={"VALUE": "DURATION"})
        calendar.add("X-PUBLISHED-TTL", vDuration(refresh))
    if url:
        calendar.add("SOURCE", url, parameters={"VALUE": "URI"})
    return calendar


def _check(profile: str, refresh: timedelta | None) -> None:
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; use one of {', '.join(PROFILES)}")
    if refresh is not None and refresh <= timedelta(0):
        raise ValueError("the refresh interval must be positive")


def _calendar_description(programme: Programme) -> str:
    conference = programme.conference
    place = conference.place
    dates = f"{conference.start:%-d %B %Y} to {conference.end:%-d %B %Y}"
    if conference.start == conference.end:
        dates = f"{conference.start:%-d %B %Y}"
    text = f"{conference.display_title}, {dates}"
    if place:
        text += f", {place}"
    return f"{text}. {conference.description}" if conference.description else f"{text}."


def _add_events(
    calendar: Calendar,
    prepared: Prepared,
    events: list[Event],
    profile: Profile,
    *,
    children_apart: bool = False,
) -> list[VEvent]:
    """Add each event's VEVENT (rich: with PARTICIPANTs and segment children).

    Returns the children instead of adding them when ``children_apart``.
    """
    apart: list[VEvent] = []
    cards = prepared.derive(Cards)
    for event in events:
        vevent = _vevent(prepared, event)
        for participation in event.participations:
            person = participation.participant
            if profile == "rich":
                card = cards.card(person, full=True)
                uid = prepared.event_guid(event)
                vevent.add_component(participant(uid, participation, card))
            else:
                card = cards.card(person, full=False)
                params = _participant_parameters(participation)
                vevent.add(X_PARTICIPANT, vText(card), parameters=params)
        calendar.add_component(vevent)
        if profile == "rich":
            children = segment_events(prepared, event, vevent, _stamp(prepared, event))
            if children_apart:
                apart.extend(children)
            else:
                for child in children:
                    calendar.add_component(child)
    return apart


def _participant_parameters(participation: Participation) -> dict[str, str]:
    """An ``X-ISECG-PARTICIPANT``'s parameters: its vCard's type, the rich profile's role type."""
    if participation.role is None:
        return {"FMTTYPE": "text/vcard"}
    return {"FMTTYPE": "text/vcard", "PARTICIPANT-TYPE": participant_type(participation.role)}


class _EventFields(NamedTuple):
    """The values of one VEVENT, computed once for either writer."""

    uid: str
    summary: str
    location: str | None
    description: str | None
    url: str | None
    categories: tuple[str, ...]
    status: str
    language: str | None
    rrule: vRecur | None


def _fields(prepared: Prepared, event: Event) -> _EventFields:
    text = prepared.text(event)
    return _EventFields(
        prepared.guid_text(prepared.event_guid(event)),
        text.title,
        text.location,
        prepared.description(event),
        _ics_writer.safe_uri(event.url) if event.url else None,
        _categories(event.type, event.track),
        event.status.upper(),
        clean_name(event.language) if event.language else None,
        _rrule_for_ical(event) if event.rrule else None,
    )


def _categories(*names: str | None) -> tuple[str, ...]:
    """The CATEGORIES values: type and track, cleaned."""
    return tuple(clean_name(name) for name in names if name)


def _stamp(prepared: Prepared, event: Event) -> datetime:
    """DTSTAMP and LAST-MODIFIED: when a release last changed the event, else the data's stamp."""
    return event.modified or prepared.programme.conference.published.astimezone(UTC)


def _vevent(prepared: Prepared, event: Event) -> VEvent:
    published = _stamp(prepared, event)
    fields = _fields(prepared, event)
    vevent = VEvent.new(
        uid=fields.uid,
        stamp=published,
        last_modified=published,
        sequence=event.sequence,
        start=event.start,
        end=event.end,
        summary=fields.summary,
        location=fields.location,
        description=fields.description,
        url=fields.url,
        categories=list(fields.categories),
    )
    vevent.add("STATUS", fields.status)
    if fields.language:
        vevent["SUMMARY"].params["LANGUAGE"] = fields.language
    if fields.rrule is not None:
        vevent.add("RRULE", fields.rrule)
    return vevent


class _LeanWriter:
    """Writes the VEVENTs that :func:`_vevent` describes, as bytes.

    Property order is icalendar's: its canonical order, then alphabetical.
    Lines whose value recurs across events (start and end times, location,
    categories, status) are encoded and folded once per feed.
    """

    #: Events escaped together: enough to pay the call once per many events,
    #: few enough that the joined text stays small.
    BATCH = 2048

    def __init__(self, prepared: Prepared) -> None:
        self.prepared = prepared
        self.published = prepared.programme.conference.published.astimezone(UTC)
        self._stamps: dict[datetime, tuple[bytes, bytes]] = {}
        self.dates = _ics_writer.DatetimeEncoder()
        self._repeated: dict[tuple[str, object], bytes] = {}
        self._languages: dict[str, _ics_writer.EncodedParameters] = {}
        self._participants: dict[tuple[str, str | None], bytes] = {}
        # Keyed by identity: the render's programme holds every event.
        self._done: dict[int, bytes] = {}

    def repeated(self, name: str, value: bytes | str | tuple[str, ...]) -> bytes:
        """The content line of a TEXT, CATEGORIES or plain value that repeats across events."""
        key = (name, value)
        found = self._repeated.get(key)
        if found is None:
            if isinstance(value, tuple):
                encoded = _ics_writer.categories(value)
            elif isinstance(value, str):
                encoded = _ics_writer.text(value)
            else:
                encoded = value
            found = self._repeated[key] = _ics_writer.content_line(name, encoded)
        return found

    def stamps(self, event: Event) -> tuple[bytes, bytes]:
        """The DTSTAMP and LAST-MODIFIED lines of an event (see :func:`_stamp`), once per time."""
        moment = event.modified or self.published
        found = self._stamps.get(moment)
        if found is None:
            stamp = moment.strftime("%Y%m%dT%H%M%SZ").encode()
            found = self._stamps[moment] = (b"DTSTAMP:" + stamp, b"LAST-MODIFIED:" + stamp)
        return found

    def language(self, tag: str | None) -> _ics_writer.EncodedParameters | None:
        """The SUMMARY's LANGUAGE parameter, encoded once per distinct tag."""
        if tag is None:
            return None
        found = self._languages.get(tag)
        if found is None:
            found = self._languages[tag] = _ics_writer.parameters({"LANGUAGE": tag})
        return found

    def participant(self, participation: Participation) -> bytes:
        """The ``X-ISECG-PARTICIPANT`` line of a participation, once per person and role."""
        person = participation.participant
        key = (person.id, participation.role)
        found = self._participants.get(key)
        if found is None:
            card = self.prepared.derive(Cards).card(person, full=False)
            params = _ics_writer.parameters(_participant_parameters(participation))
            found = _ics_writer.content_line(X_PARTICIPANT, _ics_writer.text(card), params)
            self._participants[key] = found
        return found

    def vevents(self, events: list[Event]) -> Iterator[bytes]:
        """The VEVENT of each event, CRLF-terminated; each is written once per render.

        Summaries and descriptions are escaped a batch at a time (see
        :func:`_ics_writer.texts`). The whole feed and each event's own
        calendar of one render share the bytes.
        """
        done = self._done
        missing = [event for event in events if id(event) not in done]
        for start in range(0, len(missing), self.BATCH):
            batch = missing[start : start + self.BATCH]
            fields = [_fields(self.prepared, event) for event in batch]
            summaries = _ics_writer.texts([f.summary for f in fields])
            descriptions = _ics_writer.texts([f.description or "" for f in fields])
            for event, vevent in zip(
                batch, map(self.vevent, batch, fields, summaries, descriptions), strict=True
            ):
                done[id(event)] = vevent
        return (done[id(event)] for event in events)

    def vevent(
        self, event: Event, fields: _EventFields, summary: bytes, description: bytes
    ) -> bytes:
        """The VEVENT of one event, given its fields and escaped summary and description."""
        line = _ics_writer.content_line
        stamp_line, modified_line = self.stamps(event)
        lines = [
            b"BEGIN:VEVENT",
            line("SUMMARY", summary, self.language(fields.language)),
            self.dates.line("DTSTART", event.start),
            self.dates.line("DTEND", event.end),
            stamp_line,
            b"UID:" + fields.uid.encode(),  # a UUID: nothing to escape or fold
            b"SEQUENCE:%d" % event.sequence,
        ]
        if fields.rrule is not None:
            lines.append(line("RRULE", _ics_writer.recur(fields.rrule)))
        lines.append(self.repeated("CATEGORIES", fields.categories))
        if fields.description is not None:
            lines.append(line("DESCRIPTION", description))
        lines.append(modified_line)
        if fields.location is not None:
            lines.append(self.repeated("LOCATION", fields.location))
        lines.append(self.repeated("STATUS", fields.status.encode()))
        if fields.url is not None:
            lines.append(line("URL", _ics_writer.uri(fields.url)))
        lines.extend(map(self.participant, event.participations))
        lines.append(b"END:VEVENT\r\n")
        return b"\r\n".join(lines)


def _rrule_for_ical(event: Event) -> vRecur:
    """The event's rule with UNTIL as UTC, as RFC 5545 requires with a TZID."""
    assert event.rrule is not None
    text = recurrence.rrule_body(event.rrule)
    recur: vRecur = vRecur.from_ical(text)
    if "UNTIL" in recur:
        rule = recurrence.parse_rrule(text, event.start)
        last = rule[-1] if rule.count() else event.start
        recur["UNTIL"] = [last.astimezone(UTC)]
    return recur


class _Heads:
    """Calendar headers with their VTIMEZONEs, serialised by icalendar once per kind.

    The calendars of one render (the whole feed, each sub-feed, each event's
    own) differ in their name, their span of dates, their zones and whether
    they ask for a refresh: icalendar serialises the header once per span,
    zones and refresh, with stand-ins for the names, which are then replaced
    by their own encoded lines. Tests hold every calendar
    byte-identical to icalendar's own serialisation.
    """

    _NAME = "x-isecg-events-name"

    def __init__(self, prepared: Prepared) -> None:
        self.prepared = prepared
        self._heads: dict[tuple[object, ...], list[bytes | str]] = {}

    def head(self, events: list[Event], name: str, refresh: timedelta | None) -> bytes:
        """The calendar named ``name`` up to its first VEVENT, for ``events``."""
        encoded = _ics_writer.text(clean(name))
        lines = {
            "NAME": _ics_writer.content_line("NAME", encoded),
            "X-WR-CALNAME": _ics_writer.content_line("X-WR-CALNAME", encoded),
        }
        template = self._template(events, refresh)
        return b"".join([lines[piece] if isinstance(piece, str) else piece for piece in template])

    def _template(self, events: list[Event], refresh: timedelta | None) -> list[bytes | str]:
        """The header as bytes between the names of the lines a calendar fills in.

        Each stand-in is found at the start of a line, where no folded or
        escaped value can put it.
        """
        span = _span(self.prepared, events)
        zones = sorted({e.start.tzinfo.key for e in events} | {e.end.tzinfo.key for e in events})  # type: ignore[union-attr]
        key = (*span, refresh, *zones)
        found = self._heads.get(key)
        if found is None:
            calendar = _calendar(self.prepared.programme, self._NAME, refresh, "compat")
            for tzid in zones:
                if tzid != "UTC":
                    calendar.add_component(vtimezone(tzid, *span))
            text: bytes = calendar.to_ical()
            text = text[: -len(b"END:VCALENDAR\r\n")]
            found = []
            stand_ins = {
                "NAME": f"NAME:{self._NAME}".encode(),
                "X-WR-CALNAME": f"X-WR-CALNAME:{self._NAME}".encode(),
            }
            # In the order they come: the template holds each line once.
            order = sorted(stand_ins, key=lambda n: text.index(b"\r\n" + stand_ins[n] + b"\r\n"))
            for slot in order:
                at = text.index(b"\r\n" + stand_ins[slot] + b"\r\n") + 2
                found += [text[:at], slot]
                text = text[at + len(stand_ins[slot]) :]
            found.append(text)
            self._heads[key] = found
        return found


def _lean_writer_applies(events: list[Event]) -> bool:
    """The lean writer covers events whose times carry IANA (zoneinfo) zones."""
    return all(
        isinstance(e.start.tzinfo, timezones.Zone) and isinstance(e.end.tzinfo, timezones.Zone)
        for e in events
    )


def _finish(calendar: Calendar, prepared: Prepared, events: list[Event]) -> bytes:
    first, last = _span(prepared, events)
    for tzid in sorted(calendar.get_used_tzids() - {"UTC"}):
        calendar.add_component(vtimezone(tzid, first, last))
    # VTIMEZONEs first, as many clients expect them before their users.
    timezone_parts = [c for c in calendar.subcomponents if c.name == "VTIMEZONE"]
    others = [c for c in calendar.subcomponents if c.name != "VTIMEZONE"]
    calendar.subcomponents = timezone_parts + others
    feed: bytes = calendar.to_ical()
    return feed


def _span(prepared: Prepared, events: list[Event]) -> tuple[date, date]:
    """The UTC dates the VTIMEZONEs must cover: the conference and every occurrence."""
    conference = prepared.programme.conference
    occurrences = [o for event in events for o in prepared.occurrences_of(event)]
    if not occurrences:
        return conference.start, conference.end
    # Timestamps, not datetimes, are compared: Python compares two times of
    # one zone by their wall-clock reading, which cannot tell the two halves
    # of a fold apart.
    first = min(occurrences, key=lambda o: o.start.timestamp()).start.astimezone(UTC).date()
    last = max(occurrences, key=lambda o: o.end.timestamp()).end.astimezone(UTC).date()
    return min(conference.start, first), max(conference.end, last)
