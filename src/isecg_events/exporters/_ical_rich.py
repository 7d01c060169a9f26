"""The rich iCalendar profile's parts: RFC 9073 PARTICIPANTs and RFC 9253 segment children."""

from __future__ import annotations

import uuid
from datetime import datetime

from icalendar import Component
from icalendar import Event as VEvent

from isecg_events import identity
from isecg_events.exporters._prepared import Prepared
from isecg_events.exporters._text import clean
from isecg_events.model import Event, Participant, Participation, Segment

__all__ = ["Cards", "ParticipantComponent", "participant", "participant_type", "segment_events"]

_PARTICIPANT_TYPES = {
    "speaker": "SPEAKER",
    "panelist": "SPEAKER",
    "keynote": "SPEAKER",
    "presenter": "SPEAKER",
    "performer": "PERFORMER",
    "sponsor": "SPONSOR",
    "contact": "CONTACT",
}


class ParticipantComponent(Component):
    """The RFC 9073 PARTICIPANT component, which icalendar has no class for."""

    name = "PARTICIPANT"


def participant_type(role: str | None) -> str:
    """The RFC 9073 PARTICIPANT-TYPE of a role: ``SPEAKER`` for a panelist, else ``ACTIVE``."""
    return _PARTICIPANT_TYPES.get((role or "").casefold(), "ACTIVE")


def participant(event_uid: uuid.UUID, participation: Participation, card: str) -> Component:
    """The PARTICIPANT component; its UID is unique to this person in this event.

    ``card``: the participant's full vCard (:meth:`Cards.card`).
    """
    person = participation.participant
    component = ParticipantComponent()
    component.add("UID", str(identity.participant_uid(event_uid, person.id)))
    component.add("PARTICIPANT-TYPE", participant_type(participation.role))
    # No SUMMARY: calcurse took the last participant's as the event's title,
    # and the vCard below already names the person (or their position).
    component.add(
        "STRUCTURED-DATA",
        card,
        parameters={
            "VALUE": "TEXT",
            "FMTTYPE": "text/vcard",
            "SCHEMA": "urn:ietf:rfc:6350",
        },
    )
    return component


class Cards:
    """Each participant's vCard text, made once per render (through ``Prepared.derive``).

    The rich profile's PARTICIPANTs carry the full card; the compat profile's
    ``X-ISECG-PARTICIPANT`` properties the lean one. A participant in many
    events, or in many feeds, is written from one text.
    """

    def __init__(self, prepared: Prepared) -> None:
        self.conference = prepared.programme.conference.id
        self._cards: dict[tuple[str, bool], str] = {}

    def card(self, person: Participant, *, full: bool) -> str:
        """The participant's vCard (:func:`vcard`); ``full`` adds address, bio, photo and links."""
        key = (person.id, full)
        found = self._cards.get(key)
        if found is None:
            guid = identity.person_guid(self.conference, person.id, person.guid)
            found = self._cards[key] = vcard(person, guid, full=full)
        return found


def vcard(person: Participant, guid: uuid.UUID, *, full: bool) -> str:
    """A minimal vCard 4 of the participant's structured facts (no invented name).

    UID (the participant's guid, the same in every event), FN, N, TITLE and
    ORG; with ``full`` also the country (ADR), and bio, photo and links
    where a source gave them. A nameless participant's FN (which vCard
    requires) is its label, led by its position, and it has no N: readers
    tell it so. A named one has N: its family and given names where they
    are known, else empty parts (a name is not split here by guesswork).
    """
    lines = [
        "BEGIN:VCARD",
        "VERSION:4.0",
        f"UID:urn:uuid:{guid}",
        f"FN:{_vcard_text(person.display_name or person.label)}",
    ]
    if person.display_name:
        given, family = person.split_name or ("", "")
        lines.append(f"N:{_vcard_text(family)};{_vcard_text(given)};;;")
    if person.position:
        lines.append(f"TITLE:{_vcard_text(person.position)}")
    if person.organization:
        lines.append(f"ORG:{_vcard_text(person.organization.name)}")
    if full:
        if person.effective_country:
            lines.append(f"ADR:;;;;;;{_vcard_text(person.effective_country)}")
        if person.bio:
            lines.append(f"NOTE:{_vcard_text(person.bio)}")
        # http(s) URLs on one line (the model's rules): URI values, not escaped as text
        if person.picture:
            lines.append(f"PHOTO:{person.picture}")
        lines.extend(f"URL:{link.url}" for link in person.links)
    lines.append("END:VCARD")
    return clean("\n".join(lines))


def _vcard_text(text: str) -> str:
    return (
        clean(text)
        .replace("\\", "\\\\")
        .replace(",", "\\,")
        .replace(";", "\\;")
        .replace("\n", "\\n")
    )


def segment_events(
    prepared: Prepared, event: Event, parent: VEvent, stamp: datetime
) -> list[VEvent]:
    """The child VEVENTs of an event's timed segments (RFC 9253), linked to ``parent``."""
    programme = prepared.programme
    timed = [s for s in event.segments if s.start is not None and s.end is not None]
    uids = [
        identity.segment_uid(programme.conference.id, event.id, index)
        for index, _ in enumerate(timed)
    ]
    children = []
    for index, segment in enumerate(timed):
        children.append(_segment_event(prepared, event, segment, uids[index], stamp))
        children[-1].add("RELATED-TO", str(parent["UID"]), parameters={"RELTYPE": "PARENT"})
        if index + 1 < len(uids):
            children[-1].add("RELATED-TO", str(uids[index + 1]), parameters={"RELTYPE": "NEXT"})
        parent.add("RELATED-TO", str(uids[index]), parameters={"RELTYPE": "CHILD"})
    return children


def _segment_event(
    prepared: Prepared, event: Event, segment: Segment, uid: uuid.UUID, published: datetime
) -> VEvent:
    body = [segment.description or ""]
    body += [f"- {p.label}" for p in segment.participants]
    child = VEvent.new(
        uid=str(uid),
        stamp=published,
        last_modified=published,
        sequence=event.sequence,
        start=segment.start,
        end=segment.end,
        summary=clean(f"{event.display_title} — {segment.title}"),
        location=prepared.text(event).location,
        description=clean("\n".join(line for line in body if line)) or None,
    )
    child.add("STATUS", event.status.upper())
    return child
