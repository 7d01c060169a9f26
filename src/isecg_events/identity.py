"""Every identity the library derives, defined once.

Feeds, apps and (later) release histories and CalDAV collections key on
these values, so each has exactly one definition here: event and occurrence
guids, numeric ids and slugs, room and person guids, segment and
PARTICIPANT UIDs. All are UUIDv5 in :data:`NAMESPACE` under the conference
id, so they are stable across runs and machines. Pure functions of strings
and numbers: this module imports nothing of the package.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Final

__all__ = [
    "MAX_NUMBER",
    "NAMESPACE",
    "derive_guid",
    "derived_slug",
    "event_guid",
    "feed_slug",
    "imported_person_guid",
    "number_from",
    "occurrence_guid",
    "participant_uid",
    "person_guid",
    "room_guid",
    "segment_uid",
    "slugify",
    "source_guid",
    "unique_numbers",
    "unique_slugs",
]

#: The namespace of every UUIDv5 this library derives.
NAMESPACE: Final = uuid.UUID("5f1b6a62-4a0c-5d3e-9a43-1c2e0f6d7b21")

#: The largest numeric id: schedule.json and schedule.xml readers store 32-bit ints.
MAX_NUMBER: Final = 2**31 - 1


def derive_guid(*parts: str) -> uuid.UUID:
    """Return the UUIDv5 of ``parts`` joined with ``/`` in :data:`NAMESPACE`."""
    return uuid.uuid5(NAMESPACE, "/".join(parts))


def source_guid(value: str) -> uuid.UUID:
    """A guid another system gave, as a UUID: itself when it is one, else derived from it.

    frab of the mid-2010s wrote 22-character base64url guids
    (``HOqeNIb6G7M4hYFKFRkCmQ``) beside UUIDs. The same text always gives
    the same UUID, in any conference, so re-imports keep their identities.
    """
    try:
        return uuid.UUID(value)
    except ValueError:
        return uuid.uuid5(NAMESPACE, f"source-guid/{value}")


def event_guid(conference_id: str, event_id: str, given: uuid.UUID | None = None) -> uuid.UUID:
    """An event's guid: the one the data gives, else derived from its id."""
    return given or derive_guid(conference_id, event_id)


def occurrence_guid(series: uuid.UUID, local_start: datetime | None) -> uuid.UUID:
    """The guid of one occurrence: the event's own, or (recurring) one per local start.

    Args:
        series: the event's guid (:func:`event_guid`).
        local_start: the occurrence's local start for a recurring event, else None.
    """
    if local_start is None:
        return series
    return uuid.uuid5(series, local_start.replace(tzinfo=None).isoformat(timespec="minutes"))


def room_guid(conference_id: str, name: str) -> uuid.UUID:
    """A stable guid for a room name."""
    return derive_guid(conference_id, "room", name)


def person_guid(
    conference_id: str, participant_id: str, given: uuid.UUID | None = None
) -> uuid.UUID:
    """A participant's guid, the same in every event: the given one, else derived."""
    return given or derive_guid(conference_id, "participant", participant_id)


def imported_person_guid(conference_id: str, frab_id: int | None, name: str) -> uuid.UUID:
    """The guid of an imported person who has none: from frab's integer id, else the name."""
    if frab_id is not None:
        return derive_guid(conference_id, "person-id", str(frab_id))
    return derive_guid(conference_id, "person-name", name)


def segment_uid(conference_id: str, event_id: str, index: int) -> uuid.UUID:
    """The UID of a timed segment's child VEVENT (rich profile)."""
    return derive_guid(conference_id, event_id, "segment", str(index))


def participant_uid(event: uuid.UUID, participant_id: str) -> uuid.UUID:
    """The UID of a PARTICIPANT component: this person in this event."""
    return uuid.uuid5(event, f"participant/{participant_id}")


def number_from(guid: uuid.UUID) -> int:
    """The numeric id derived from a guid (1 to :data:`MAX_NUMBER`)."""
    return (guid.int >> 96) % MAX_NUMBER + 1  # the first four bytes, big-endian


def unique_numbers(pairs: Sequence[tuple[uuid.UUID, int | None]]) -> dict[uuid.UUID, int]:
    """Numeric ids for (guid, explicit number) pairs: explicit ones first, then derived.

    Clashes are resolved in guid order, probing upwards, so adding or
    removing another event cannot renumber an event unless their derived
    numbers collide.
    """
    numbers: dict[uuid.UUID, int] = {}
    taken: set[int] = set()
    for guid, number in pairs:
        if number is not None and number not in taken:
            numbers[guid] = number
            taken.add(number)
    for guid, _ in sorted(pairs, key=lambda pair: pair[0].int):  # the order of their bytes
        if guid in numbers:
            continue
        candidate = number_from(guid)
        while candidate in taken:
            candidate = candidate % MAX_NUMBER + 1
        numbers[guid] = candidate
        taken.add(candidate)
    return numbers


_SLUG_UNSAFE = re.compile(r"[^a-z0-9_]+")


def slugify(text: str) -> str:
    """Lower-case ``text`` to ``[a-z0-9_-]``, with no hyphen at either end."""
    return _SLUG_UNSAFE.sub("-", text.lower()).strip("-_") or "event"


_NOT_ASCII_WORD = re.compile(r"[^a-z0-9]+")


def feed_slug(name: str) -> str:
    """A feed's file name for a track, room or person: lowercase ASCII, ``-`` between words.

    Accents are stripped (``Amphithéâtre Gaston Berger`` ->
    ``amphitheatre-gaston-berger``); a name with no Latin letters or digits
    at all (``大厅``) gets ``x-`` and eight hex digits derived from it.
    """
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = _NOT_ASCII_WORD.sub("-", ascii_text.lower()).strip("-")
    return slug or f"x-{uuid.uuid5(NAMESPACE, 'feed/' + name).hex[:8]}"


def derived_slug(conference_id: str, event_id: str) -> str:
    """Return ``<conference>-<event>``, fit for schedule.xml's slug pattern.

    That pattern wants four or more characters after the hyphen, so short
    event ids are led by ``event-``.
    """
    return _joined_slug(slugify(conference_id), event_id)


def _joined_slug(prefix: str, event_id: str) -> str:
    tail = slugify(event_id)
    if len(tail) < 4:
        tail = f"event-{tail}"
    return f"{prefix}-{tail}"


def unique_slugs(
    conference_id: str,
    drafts: Sequence[tuple[str, str | None, datetime | None, uuid.UUID]],
    numbers: dict[uuid.UUID, int],
) -> dict[uuid.UUID, str]:
    """Slugs for occurrences in time order, each unique.

    Args:
        conference_id: the conference id.
        drafts: (event id, given slug, local start if recurring, guid) per occurrence.
        numbers: the numeric ids, which break a clash.
    """
    slugs: dict[uuid.UUID, str] = {}
    taken: set[str] = set()
    prefix = slugify(conference_id)
    for event_id, given, recurring_start, guid in drafts:
        slug = given or _joined_slug(prefix, event_id)
        if recurring_start is not None:
            slug = f"{slug}-{recurring_start.replace(tzinfo=None):%Y%m%d-%H%M}"
        if slug in taken:
            slug = f"{slug}-{numbers[guid]}"
        slugs[guid] = slug
        taken.add(slug)
    return slugs
