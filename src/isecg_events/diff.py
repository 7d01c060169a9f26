"""What changed between two programmes: typed change records, and their text.

Events are matched by their guid when the data gives one (imported events),
else by their id. Each change names its kind, the event, and the old and new
values, so a feed can say "moved from 09:30 to 10:00" and a calendar can raise
the SEQUENCE of an event that moved (RFC 5546's significant changes: start,
end, duration, recurrence, status, plus the room, which subscribers care
about).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final, Literal

import attrs

from isecg_events.model import Event
from isecg_events.programme import Programme

__all__ = [
    "KINDS",
    "SIGNIFICANT",
    "Change",
    "ChangeKind",
    "diff",
    "event_key",
]

ChangeKind = Literal[
    "added", "removed", "cancelled", "reinstated", "moved", "room", "renamed", "participants",
    "details", "conference",
]  # fmt: skip

#: Every kind of change, in the order a changelog lists an event's changes;
#: ``conference`` is a change to the conference itself (title, dates, zone,
#: declared tracks and rooms, ...), which every feed shows too.
KINDS: Final[tuple[ChangeKind, ...]] = (
    "added", "removed", "cancelled", "reinstated", "moved", "room", "renamed", "participants",
    "details", "conference",
)  # fmt: skip

#: The kinds that raise an event's SEQUENCE (RFC 5546 section 2.1.4, plus the room).
SIGNIFICANT: Final[frozenset[ChangeKind]] = frozenset(
    {"removed", "cancelled", "reinstated", "moved", "room"}
)

#: Conference fields that are stamps of a version, not its content.
_STAMPS: Final = frozenset({"published", "version"})

#: The fields "details" covers: everything but times, place, status, title and people.
_DETAILS: Final = (
    "subtitle", "type", "abstract", "description", "language", "track", "url", "sequence",
    "segments", "markup", "links", "number", "slug",
)  # fmt: skip


@attrs.frozen
class Change:
    """One change to one event.

    Attributes:
        kind: what changed (see :data:`KINDS`).
        key: the event's matching key (:func:`event_key`).
        title: the event's display title (the new one, or the last known).
        old: the old value as text (``None`` for ``added``).
        new: the new value as text (``None`` for ``removed``).
        event: the event as it is now, or as it last was when removed (None
            for a change to the conference).
    """

    kind: ChangeKind
    key: str
    title: str
    old: str | None
    new: str | None
    event: Event | None = attrs.field(default=None, eq=False, repr=False)

    @property
    def significant(self) -> bool:
        """Whether subscribers' calendars must treat it as a new version (SEQUENCE).

        A change of STATUS is significant (RFC 5546) between tentative and
        confirmed too, which ``details`` lists.
        """
        if self.kind == "details":
            return "status" in (self.new or "").split(", ")
        return self.kind in SIGNIFICANT

    def describe(self) -> str:
        """One line: ``moved: Opening (2026-03-28 09:00–10:00 → 2026-03-28 10:00–11:00)``."""
        if self.kind in ("added", "removed", "cancelled", "reinstated"):
            return f"{self.kind}: {self.title}"
        if self.kind in ("conference", "details"):
            return f"{self.kind}: {self.title} (changed: {self.new})"
        return f"{self.kind}: {self.title} ({self.old} → {self.new})"


def event_key(event: Event) -> str:
    """How an event is matched across versions: its guid when given, else its id."""
    return str(event.guid) if event.guid is not None else event.id


def diff(old: Programme, new: Programme) -> tuple[Change, ...]:
    """Every change from ``old`` to ``new``: the conference's, then the events' (removals last)."""
    before = {event_key(event): event for event in old.events}
    after = {event_key(event): event for event in new.events}
    changes: list[Change] = []
    was, now = old.conference, new.conference
    fields = [
        f.name
        for f in attrs.fields(type(now))
        if f.name not in _STAMPS and getattr(was, f.name) != getattr(now, f.name)
    ]
    if fields:
        listed = ", ".join(fields)
        changes.append(Change("conference", "conference", now.display_title, listed, listed))
    for key, event in after.items():
        previous = before.get(key)
        if previous is None:
            changes.append(Change("added", key, event.display_title, None, _when(event), event))
        else:
            changes += _event_changes(key, previous, event)
    for key, event in before.items():
        if key not in after:
            changes.append(Change("removed", key, event.display_title, _when(event), None, event))
    return tuple(changes)


def _event_changes(key: str, old: Event, new: Event) -> Iterable[Change]:
    title = new.display_title
    if old.status != new.status and "cancelled" in (old.status, new.status):
        kind: ChangeKind = "cancelled" if new.status == "cancelled" else "reinstated"
        yield Change(kind, key, title, old.status, new.status, new)
    if (old.start, old.end, old.rrule, old.timezone) != (
        new.start,
        new.end,
        new.rrule,
        new.timezone,
    ):
        yield Change("moved", key, title, _when(old), _when(new), new)
    if (old.room, old.venue) != (new.room, new.venue):
        yield Change("room", key, title, _place(old), _place(new), new)
    if old.display_title != new.display_title:
        yield Change("renamed", key, title, old.display_title, new.display_title, new)
    if old.participants != new.participants:
        yield Change("participants", key, title, _people(old), _people(new), new)
    fields = [f for f in _DETAILS if getattr(old, f) != getattr(new, f)]
    if old.status != new.status and "cancelled" not in (old.status, new.status):
        fields.insert(0, "status")  # tentative and confirmed: a detail
    if fields:
        yield Change("details", key, title, ", ".join(fields), ", ".join(fields), new)


def _times(event: Event) -> tuple[object, ...]:
    """What "moved" compares: the instants, the rule and the zone they are read in."""
    return (event.start, event.end, event.rrule, event.timezone)


def _when(event: Event) -> str:
    start, end = event.start, event.end
    text = (
        f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"
        if start.date() == end.date()
        else (f"{start:%Y-%m-%d %H:%M}–{end:%Y-%m-%d %H:%M}")
    )
    if event.rrule:
        text += f" ({event.rrule})"
    return f"{text} {event.timezone}"


def _place(event: Event) -> str:
    return ", ".join(part for part in (event.room, event.venue) if part) or "no room"


def _people(event: Event) -> str:
    return "; ".join(p.label for p in event.participations) or "nobody"
