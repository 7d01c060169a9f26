"""Write a programme as Sessionize's "All data" JSON, for the apps built on Sessionize's API.

Many conference apps (Android, iOS, web) read ``/api/v2/<id>/view/All``:
``sessions``, ``speakers``, ``questions``, ``categories`` and ``rooms``.
This writes the same shape from any programme, so those apps can show it,
and :mod:`isecg_events.readers.sessionize` reads it back.

- Each occurrence is a session: its id the occurrence's stable number (as
  in schedule.json), its times local to the conference's zone without an
  offset (as Sessionize writes them), its room by id.
- Tracks and types are the items of two categories, "Track" and "Session
  format". Breaks and meals without speakers are service sessions;
  plenaries and keynotes plenum sessions.
- Participants are speakers: names, tagline (position and organization),
  bio, photo and links. A participant known only by position is shown by
  it, with no first or last name: no name is made up.
- Cancelled events are left out: Sessionize lists accepted sessions only.

Output is deterministic: ids derive from guids, keys keep Sessionize's
order, and the same programme gives the same bytes.
"""

from __future__ import annotations

from typing import Any, Final

import orjson

from isecg_events import identity
from isecg_events.exporters._prepared import Prepared
from isecg_events.exporters._text import clean
from isecg_events.model import Event, Participant
from isecg_events.programme import Programme

__all__ = ["render_prepared", "to_document"]

_SERVICE: Final = frozenset({"break", "meal"})
_PLENUM: Final = frozenset({"plenary", "keynote"})
_LINK_TYPES: Final = {
    "twitter": "Twitter", "x (twitter)": "Twitter", "linkedin": "LinkedIn", "blog": "Blog",
    "company website": "Company_Website", "facebook": "Facebook", "instagram": "Instagram",
    "sessionize": "Sessionize",
}  # fmt: skip


def _number(*parts: str) -> int:
    """A stable positive id for a room, a category or an item."""
    return identity.number_from(identity.derive_guid(*parts))


def _speaker_id(programme: Programme, participant: Participant) -> str:
    return str(identity.person_guid(programme.conference.id, participant.id, participant.guid))


def _local(moment: Any, programme: Programme) -> str:
    value = moment.astimezone(programme.conference.zone).replace(tzinfo=None)
    return str(value.isoformat(timespec="seconds"))


def _text(prepared: Prepared, event: Event) -> str | None:
    """The session's description: the abstract, then a description that says more, as text.

    Converted by the render, once for every format (speakers and links have
    places of their own in Sessionize's shape).
    """
    texts = [event.abstract] if event.abstract else []
    if event.description and event.description != event.abstract:
        texts.append(event.description)
    return "\n\n".join(prepared.plain(clean(text), event.markup) for text in texts) or None


def _speaker(programme: Programme, participant: Participant, sessions: list[int]) -> dict[str, Any]:
    organization = participant.organization.short_name if participant.organization else None
    tagline = ", ".join(part for part in (participant.position, organization) if part) or None
    named = participant.display_name
    first, last = participant.split_name or (named or "", "")
    links = [
        {
            "title": link.title or link.url,
            "url": link.url,
            "linkType": _LINK_TYPES.get((link.title or "").casefold(), "Other"),
        }
        for link in participant.links
    ]
    return {
        "id": _speaker_id(programme, participant),
        "firstName": first,
        "lastName": last,
        "bio": participant.bio,
        "tagLine": tagline,
        "profilePicture": participant.picture,
        "isTopSpeaker": False,
        "links": links,
        "sessions": sessions,
        "fullName": named or participant.label,
        "categoryItems": [],
        "questionAnswers": [],
    }


def to_document(programme: Programme) -> dict[str, Any]:
    """The programme as Sessionize's "All data" document (a plain dict, ready for JSON)."""
    return _document(Prepared(programme))


def _document(prepared: Prepared) -> dict[str, Any]:
    programme = prepared.programme
    conference = programme.conference
    key = conference.id
    declared = [room.name for room in conference.rooms]
    rooms = declared + [name for name in programme.rooms if name not in declared]
    room_ids = {name: _number(key, "room", name) for name in rooms}
    tracks = sorted({e.track for e in programme.events if e.track})
    types = sorted({e.type for e in programme.events})
    track_ids = {name: _number(key, "track", name) for name in tracks}
    type_ids = {name: _number(key, "format", name) for name in types}
    sessions: list[dict[str, Any]] = []
    speaker_sessions: dict[str, list[int]] = {}
    for occurrence in programme.occurrences:
        event = occurrence.event
        if event.status == "cancelled":
            continue
        speakers = [p.participant for p in event.participations]
        for participant in speakers:
            speaker_sessions.setdefault(participant.id, []).append(occurrence.number)
        links = {link.title: link.url for link in event.links}
        items = [type_ids[event.type]] + ([track_ids[event.track]] if event.track else [])
        sessions.append(
            {
                "id": str(occurrence.number),
                "title": prepared.text(event).title,
                "description": _text(prepared, event),
                "startsAt": _local(occurrence.start, programme),
                "endsAt": _local(occurrence.end, programme),
                "isServiceSession": event.type in _SERVICE and not speakers,
                "isPlenumSession": event.type in _PLENUM,
                "speakers": [_speaker_id(programme, p) for p in speakers],
                "categoryItems": items,
                "questionAnswers": [],
                "roomId": room_ids.get(event.room) if event.room else None,
                "liveUrl": links.get("Live stream"),
                "recordingUrl": links.get("Recording"),
                "status": "Accepted",
                "isInformed": True,
                "isConfirmed": event.status == "confirmed",
            }
        )
    people = {p.id: p for p in programme.participants}
    listed = [
        _speaker(programme, people[person], numbers)
        for person, numbers in sorted(
            speaker_sessions.items(), key=lambda item: people[item[0]].sort_key
        )
    ]
    categories = [
        _category(key, "Track", tracks, track_ids, 0),
        _category(key, "Session format", types, type_ids, 1),
    ]
    return {
        "sessions": sessions,
        "speakers": listed,
        "questions": [],
        "categories": [c for c in categories if c["items"]],
        "rooms": [
            {"id": room_ids[name], "name": name, "sort": index} for index, name in enumerate(rooms)
        ],
    }


def _category(
    key: str, title: str, names: list[str], ids: dict[str, int], sort: int
) -> dict[str, Any]:
    return {
        "id": _number(key, "category", title),
        "title": title,
        "items": [
            {"id": ids[name], "name": name, "sort": index} for index, name in enumerate(names)
        ],
        "sort": sort,
        "type": "session",
    }


def render_prepared(prepared: Prepared) -> bytes:
    """The "All data" JSON, indented by two spaces as Sessionize serves it, UTF-8."""
    return orjson.dumps(_document(prepared), option=orjson.OPT_INDENT_2) + b"\n"
