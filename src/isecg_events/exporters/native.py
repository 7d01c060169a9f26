"""A programme in our own data format, as the document :mod:`isecg_events.readers.native` reads.

``to_document(programme)`` gives the plain document (JSON-ready: strings,
numbers, lists and objects) of a whole programme, so it can be written as a
``.json`` programme file and loaded back to an equal
:class:`~isecg_events.programme.Programme`. Times are written as offset
date-times with each event's IANA zone, so an instant in a DST fold keeps
its reading. Release histories keep programmes this way.
"""

from __future__ import annotations

import json
from datetime import datetime, time
from typing import Any

from isecg_events.model import Conference, Event, Participant, Participation, Segment
from isecg_events.programme import Programme

__all__ = ["to_document", "to_json"]


def to_document(programme: Programme) -> dict[str, Any]:
    """The programme as a document of our data format (see ``docs/data-format.md``)."""
    document: dict[str, Any] = {
        "conference": _conference(programme.conference),
        "organizations": {
            o.id: _present(name=o.name, acronym=o.acronym, country=o.country)
            for o in programme.organizations
        },
        "participants": {p.id: _participant(p) for p in programme.participants},
        "events": [_event(event) for event in programme.events],
    }
    conference = programme.conference
    if conference.tracks:
        document["tracks"] = [
            _present(name=t.name, color=t.color, slug=t.slug) for t in conference.tracks
        ]
    if conference.rooms:
        document["rooms"] = [
            _present(name=r.name, slug=r.slug, guid=str(r.guid) if r.guid else None)
            for r in conference.rooms
        ]
    return document


def to_json(programme: Programme) -> bytes:
    """:func:`to_document` as indented, key-ordered UTF-8 JSON (diff-friendly)."""
    text = json.dumps(to_document(programme), ensure_ascii=False, indent=2)
    return (text + "\n").encode("utf-8")


def _present(**values: Any) -> dict[str, Any]:
    """The fields that have a value (the format leaves the others out)."""
    return {key: value for key, value in values.items() if value is not None}


def _instant(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _conference(conference: Conference) -> dict[str, Any]:
    return _present(
        id=conference.id,
        title=conference.title,
        acronym=conference.acronym,
        timezone=conference.timezone,
        start=conference.start.isoformat(),
        end=conference.end.isoformat(),
        venue=conference.venue,
        city=conference.city,
        country=conference.country,
        url=conference.url,
        language=conference.language,
        description=conference.description,
        published=conference.published.isoformat().replace("+00:00", "Z"),
        day_change=f"{conference.day_change:%H:%M}" if conference.day_change != time(0) else None,
    )


def _participant(participant: Participant) -> dict[str, Any]:
    return _present(
        name=participant.name,
        given_name=participant.given_name,
        family_name=participant.family_name,
        position=participant.position,
        organization=participant.organization.id if participant.organization else None,
        country=participant.country,
        guid=str(participant.guid) if participant.guid else None,
        number=participant.number,
        bio=participant.bio,
        picture=participant.picture,
        links=[_present(url=link.url, title=link.title) for link in participant.links] or None,
    )


def _participations(participations: tuple[Participation, ...]) -> list[Any]:
    return [
        {"id": p.participant.id, "role": p.role} if p.role else p.participant.id
        for p in participations
    ]


def _segment(segment: Segment) -> dict[str, Any]:
    return _present(
        title=segment.title,
        description=segment.description,
        start=_instant(segment.start),
        end=_instant(segment.end),
        participants=_participations(segment.participants) or None,
    )


def _event(event: Event) -> dict[str, Any]:
    return _present(
        id=event.id,
        label=event.label,
        title=event.title,
        subtitle=event.subtitle,
        type=event.type,
        start=_instant(event.start),
        end=_instant(event.end),
        timezone=event.timezone,
        room=event.room,
        venue=event.venue,
        abstract=event.abstract,
        description=event.description,
        language=event.language,
        track=event.track,
        url=event.url,
        status=event.status,
        sequence=event.sequence or None,
        rrule=event.rrule,
        participants=_participations(event.participants) or None,
        segments=[_segment(segment) for segment in event.segments] or None,
        guid=str(event.guid) if event.guid else None,
        number=event.number,
        slug=event.slug,
        markup=None if event.markup == "plain" else event.markup,
        links=[_present(url=link.url, title=link.title) for link in event.links] or None,
    )
