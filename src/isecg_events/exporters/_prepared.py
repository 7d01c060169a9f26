"""A programme prepared for one render: what several formats derive, derived once."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from isecg_events import identity
from isecg_events.exporters._markup import Block, blocks
from isecg_events.exporters._text import EventText, clean, describe, location
from isecg_events.model import Event
from isecg_events.programme import Occurrence, Programme

__all__ = ["EventText", "Prepared"]

_T = TypeVar("_T")


class Prepared:
    """A programme with the text its exporters share, and the render's own cache.

    :func:`~isecg_events.exporters.render_all` builds one per render and
    hands it to every format: each shared piece is derived the first time a
    format asks for it, and only once. Format-specific results that two
    formats share (the frab schedule entries of schedule.json and
    schedule.xml) go through :meth:`derive`, so this class knows no format.
    Everything it holds lives as long as the render and no longer.
    """

    def __init__(self, programme: Programme) -> None:
        self.programme = programme
        self._texts: dict[int, EventText] = {}
        self._descriptions: dict[int, str | None] = {}
        self._abstracts: dict[int, tuple[Block, ...]] = {}
        self._guids: dict[uuid.UUID, str] = {}
        self._derived: dict[Callable[[Prepared], Any], Any] = {}
        self._occurrences: dict[int, list[Occurrence]] | None = None

    def text(self, event: Event) -> EventText:
        """The event's title, location and abstract."""
        found = self._texts.get(id(event))
        if found is None:
            found = EventText(
                title=clean(event.display_title),
                location=location(self.programme, event),
                abstract=clean(event.abstract) if event.abstract else None,
            )
            # Keyed by identity: the programme holds every event for as
            # long as this object lives, so an id is never reused here.
            self._texts[id(event)] = found
        return found

    def description(self, event: Event) -> str | None:
        """The event's full description in plain text (:func:`._text.describe`).

        Apart from :meth:`text`: the agendas and the page do not show it, and
        composing it is a tenth of their render.
        """
        key = id(event)
        if key in self._descriptions:
            return self._descriptions[key]
        found = self._descriptions[key] = describe(event) or None
        return found

    def abstract_blocks(self, event: Event) -> tuple[Block, ...]:
        """The event's abstract as blocks (paragraphs, list items) in its markup."""
        found = self._abstracts.get(id(event))
        if found is None:
            abstract = self.text(event).abstract
            found = blocks(abstract, event.markup) if abstract else ()
            self._abstracts[id(event)] = found
        return found

    def guid_text(self, guid: uuid.UUID) -> str:
        """``str(guid)``, formatted once (the formats share most guids)."""
        found = self._guids.get(guid)
        if found is None:
            found = self._guids[guid] = str(guid)
        return found

    def event_guid(self, event: Event) -> uuid.UUID:
        """The event's guid (:func:`identity.event_guid`), as its occurrence holds it.

        The programme derived it when it scheduled the event; only a
        recurring event's occurrences hold guids of their own.
        """
        if not event.rrule:
            for occurrence in self.occurrences_of(event):
                return occurrence.guid
        return identity.event_guid(self.programme.conference.id, event.id, event.guid)

    def occurrences_of(self, event: Event) -> list[Occurrence]:
        """The event's occurrences in time order, grouped once for the whole render."""
        if self._occurrences is None:
            grouped: dict[int, list[Occurrence]] = {}
            for occurrence in self.programme.occurrences:
                grouped.setdefault(id(occurrence.event), []).append(occurrence)
            self._occurrences = grouped
        return self._occurrences.get(id(event), [])

    def derive(self, function: Callable[[Prepared], _T]) -> _T:
        """``function(self)``, computed once for this render.

        For what two formats share but others do not, such as the frab
        schedule entries: the format's module owns the function, this
        render owns the result.
        """
        if function in self._derived:
            found: _T = self._derived[function]
            return found
        result = self._derived[function] = function(self)
        return result

    def close(self) -> None:
        """Drop what the render derived; the render's end calls it.

        A derived helper may hold this object (the iCalendar writer does), so
        the cache is emptied rather than left as a cycle for the collector.
        """
        self._derived.clear()
