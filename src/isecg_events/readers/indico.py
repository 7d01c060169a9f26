"""Read an Indico JSON export (its HTTP API, as Indico's documentation describes it) into the model.

Two exports are read:

- the event export with its contributions, ``/export/event/<id>.json?detail=contributions``
  (also ``detail=subcontributions``, and ``detail=sessions``, whose
  contributions are grouped under ``sessions``): the event gives the
  conference (title, zone, dates, venue); each scheduled contribution is an
  event, its subcontributions its segments;
- the timetable export, ``/export/timetable/<id>.json``: days of entries,
  contributions, breaks and session blocks with their own entries.

Times are tagged with a zone (often ``UTC``) and shown in the event's own
``timezone``. Speakers come from ``speakers`` (``presenters`` in a
timetable), else the primary authors, with their affiliations as
organizations. Descriptions holding HTML are kept as HTML.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from html.parser import HTMLParser
from pathlib import PurePath
from typing import Any

from isecg_events import identity, rules, timezones
from isecg_events.errors import ProgrammeError
from isecg_events.model import Conference, Event, Participant, Participation, Segment
from isecg_events.programme import Programme
from isecg_events.readers import dialects
from isecg_events.readers.imported import (
    Importer,
    Where,
    conference_id,
    event_id,
    need_zone,
    published,
    whole_number,
)

__all__ = ["read"]


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


class _Text(HTMLParser):
    """The text of an HTML fragment, paragraphs kept apart."""

    _BLOCKS = frozenset({"p", "div", "br", "li", "h1", "h2", "h3", "h4", "tr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _plain(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    return re.sub(r"\n{3,}", "\n\n", "".join(parser.parts).replace("\xa0", " ")).strip()


class _Reader(Importer):
    def __init__(self, source: str, conference: str, zone: timezones.Zone) -> None:
        super().__init__(source)
        self.conference = conference
        self.zone = zone
        self.used: set[str] = set()
        self.unscheduled = 0

    def moment(self, value: Any, where: Where) -> datetime | None:
        """Indico's ``{"date", "time", "tz"}`` as an instant in the conference's zone."""
        if not isinstance(value, dict):
            self.problem(where, "must be an object with date, time and tz")
            return None
        try:
            local = datetime.fromisoformat(f"{value.get('date')}T{value.get('time')}")
            zone = timezones.get_zone(str(value.get("tz") or self.zone.key))
        except (ValueError, timezones.UnknownTimeZone) as error:
            self.problem(where, f"{value!r} is not a date and time with a zone ({error})")
            return None
        try:
            return timezones.localize(local, zone).astimezone(self.zone)
        except timezones.TimeZoneError as error:
            self.problem(where, str(error))
            return None

    def contributor(self, person: Any, where: Where) -> Participant | None:
        if not isinstance(person, dict):
            return None
        given = self.text(person.get("first_name"), where.at("first_name"))
        family = self.text(person.get("last_name"), where.at("last_name"))
        full = self.text(person.get("fullName") or person.get("name"), where.at("fullName"))
        name: str | None
        if given and family:
            name = f"{given} {family}"
        elif full and full.count(",") == 1:  # Indico's "Family, Given"
            family_part, given_part = (part.strip() for part in full.split(","))
            name = f"{given_part} {family_part}".strip()
        else:
            name = full or given or family
        if not name:
            return None
        number = person.get("person_id")
        number = number if isinstance(number, int) and 0 < number < 2**31 else None
        affiliation = self.text(person.get("affiliation"), where.at("affiliation"))
        return self.participant(
            self.conference,
            name,
            number=number,
            organization=self.organization(affiliation),
            given_name=given,
            family_name=family,
        )

    def speakers_of(self, table: Mapping[str, Any], where: Where) -> tuple[Participation, ...]:
        """``speakers`` (``presenters``), else the primary authors, else the conveners."""
        for key in ("speakers", "presenters", "primaryauthors", "sessionConveners", "conveners"):
            found: list[Participant] = []
            for index, given in enumerate(_list(table.get(key))):
                person = self.contributor(given, where.at(f"{key}[{index}]"))
                if person is not None and person not in found:
                    found.append(person)
            if found:
                return tuple(Participation(p) for p in found)
        return ()

    def entry(
        self,
        table: Mapping[str, Any],
        where: Where,
        *,
        kind: str | None = None,
        track: str | None = None,
    ) -> Event | None:
        """A contribution, a break or a session block as an event."""
        if not isinstance(table, dict):
            self.problem(where, "must be an object")
            return None
        if table.get("startDate") is None:
            self.unscheduled += 1
            return None
        before = len(self.problems)
        title = self.text(table.get("title"), where.at("title"))
        if title is None:
            self.problem(where.at("title"), "is required")
        start = self.moment(table.get("startDate"), where.at("startDate"))
        end = self.moment(table["endDate"], where.at("endDate")) if table.get("endDate") else None
        duration = table.get("duration")
        minutes = duration if isinstance(duration, int) and not isinstance(duration, bool) else 0
        length = timedelta(minutes=min(max(minutes, 1), 10**7))  # bounded before it is added
        if (problem := rules.duration_problem(length)) is not None:
            self.problem(where.at("duration"), problem)
            return None
        if end is None and start is not None and minutes > 0:
            end = timezones.add_elapsed(start, length)
        if start is not None and (end is None or end <= start):
            # Indico lists zero-length entries; the model needs an end after the start.
            end = timezones.add_elapsed(start, length)
        description = self.text(table.get("description"), where.at("description"), long=True)
        people = self.speakers_of(table, where)
        segments = tuple(
            segment
            for index, sub in enumerate(_list(table.get("subContributions")))
            if (segment := self.segment(sub, where.at(f"subContributions[{index}]"))) is not None
        )
        if len(self.problems) > before or title is None or start is None or end is None:
            return None
        given_id = str(
            table.get("friendly_id") or table.get("contributionId") or table.get("id") or ""
        )
        number = whole_number(given_id)
        entry_kind = str(table.get("entryType") or table.get("_type") or "")
        prefix = "break" if entry_kind == "Break" else "contribution"
        ident = event_id(
            (f"{prefix}-{given_id}" if given_id else None, identity.slugify(title)), self.used
        )
        return Event(
            id=ident,
            title=title,
            start=start,
            end=end,
            type=kind
            or self.text(table.get("type"), where.at("type"))
            or ("break" if entry_kind == "Break" else "session"),
            room=self.text(table.get("room") or table.get("roomFullname"), where.at("room")),
            description=description,
            track=self.text(table.get("track"), where.at("track"))
            or self.text(table.get("session"), where.at("session"))
            or track,
            url=self.url(table.get("url"), where.at("url")),
            participants=people,
            segments=segments,
            number=number if prefix == "contribution" else None,
            guid=identity.event_guid(self.conference, ident),
            markup="html" if description and dialects.is_html(description) else "plain",
        )

    def segment(self, table: Any, where: Where) -> Segment | None:
        if not isinstance(table, dict):
            return None
        title = self.text(table.get("title"), where.at("title"))
        if title is None:
            return None
        return Segment(
            title=title,
            description=self.text(table.get("description"), where.at("description"), long=True),
            participants=self.speakers_of(table, where),
        )


def _conference_zone(document: Mapping[str, Any], timezone: str | None, source: str) -> str:
    """``--timezone``, else the event's ``timezone``, else the first entry's ``tz``."""
    if timezone is not None:
        return timezone
    results = document.get("results")
    if isinstance(results, list) and results and isinstance(results[0], dict):
        zone = results[0].get("timezone")
        if isinstance(zone, str) and zone in timezones.names():
            return zone
    for day in _timetable_days(document):
        for entry in day.values():
            tz = entry.get("startDate", {}).get("tz") if isinstance(entry, dict) else None
            if isinstance(tz, str) and tz in timezones.names():
                return tz
    raise need_zone(source, "results", "the export's times")


def _timetable_days(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    results = document.get("results")
    if not isinstance(results, dict):
        return []
    return [
        day
        for event in results.values()
        if isinstance(event, dict)
        for day in event.values()
        if isinstance(day, dict)
    ]


def read(document: Mapping[str, Any], source: str, *, timezone: str | None = None) -> Programme:
    """Build a programme from a parsed Indico event export or timetable export.

    Args:
        document: the parsed JSON (``{"count": ..., "results": ...}``).
        source: the file name problems are reported under.
        timezone: an IANA zone to show the times in, instead of the event's.

    Raises:
        ProgrammeError: the export holds no event, or has problems.
    """
    results = document.get("results")
    zone_name = _conference_zone(document, timezone, source)
    zone = timezones.get_zone(zone_name)
    stem = PurePath(source).stem if not source.startswith("<") else "indico"
    events: list[tuple[Where, Event]] = []
    meta: dict[str, Any] = {}
    if isinstance(results, list):
        if not results or not isinstance(results[0], dict):
            raise ProgrammeError.single(source, "results", "holds no event")
        meta = results[0]
        key = conference_id(str(meta.get("title") or ""), f"indico_{meta.get('id')}", stem)
        reader = _Reader(source, key, zone)
        if len(results) > 1:
            reader.warn(Where("results"), f"holds {len(results)} events; the first is read")
        for index, contribution in enumerate(_list(meta.get("contributions"))):
            where = Where(f"results[0].contributions[{index}]")
            if (event := reader.entry(contribution, where)) is not None:
                events.append((where, event))
        for index, session in enumerate(_list(meta.get("sessions"))):
            if not isinstance(session, dict):
                continue
            name = reader.text(session.get("title"), Where(f"results[0].sessions[{index}].title"))
            for inner, contribution in enumerate(_list(session.get("contributions"))):
                where = Where(f"results[0].sessions[{index}].contributions[{inner}]")
                if (event := reader.entry(contribution, where, track=name)) is not None:
                    events.append((where, event))
    elif isinstance(results, dict):
        reader = _Reader(source, conference_id(stem, f"indico_{stem}"), zone)
        for event_key, days in results.items():
            for day_key, day in (days or {}).items() if isinstance(days, dict) else ():
                for entry_key, entry in (day or {}).items() if isinstance(day, dict) else ():
                    where = Where(f"results[{event_key!r}][{day_key!r}][{entry_key!r}]")
                    events.extend(_timetable_entry(reader, entry, where))
    else:
        raise ProgrammeError.single(source, "results", "must be a list of events or a timetable")
    if reader.unscheduled:
        reader.warn(
            Where("results"),
            f"{reader.unscheduled} contribution{'s' if reader.unscheduled != 1 else ''} "
            "with no time (not scheduled) left out",
        )
    reader.fail_if_problems()
    if not events:
        raise ProgrammeError.single(source, "results", "holds no scheduled contribution")
    start = (
        reader.moment(meta["startDate"], Where("results[0].startDate"))
        if meta.get("startDate")
        else None
    )
    end = (
        reader.moment(meta["endDate"], Where("results[0].endDate")) if meta.get("endDate") else None
    )
    reader.fail_if_problems()
    first = min(e.start for _, e in events)
    last = max(e.end for _, e in events)
    first_day = min(first, start or first).astimezone(zone).date()
    description = reader.text(meta.get("description"), Where("results[0].description"), long=True)
    conference = Conference(
        id=reader.conference,
        title=reader.text(meta.get("title"), Where("results[0].title")) or stem,
        timezone=zone_name,
        start=first_day,
        end=max(last, end or last).astimezone(zone).date(),
        published=published(first_day),
        venue=reader.text(meta.get("location"), Where("results[0].location")),
        url=reader.url(meta.get("url"), Where("results[0].url")),
        description=_plain(description)
        if description and dialects.is_html(description)
        else description,
    )
    return reader.build(conference, events)


def _timetable_entry(reader: _Reader, entry: Any, where: Where) -> list[tuple[Where, Event]]:
    """A timetable entry's events: a session block's own entries, else the entry itself."""
    if not isinstance(entry, dict):
        reader.problem(where, "must be an object")
        return []
    inner = entry.get("entries")
    if entry.get("entryType") == "Session" and isinstance(inner, dict) and inner:
        name = reader.text(entry.get("title"), where.at("title"))
        found = []
        for key, child in inner.items():
            child_where = Where(f"{where.path}.entries[{key!r}]")
            if (event := reader.entry(child, child_where, track=name)) is not None:
                found.append((child_where, event))
        return found
    event = reader.entry(entry, where)
    return [(where, event)] if event is not None else []
