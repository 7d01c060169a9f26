"""One render's shared state: what several formats and feeds derive, derived once.

Not public API: every render builds one (:func:`._registry.prepared`) and
drops it when the render ends, so nothing outlives a render.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from isecg_events import identity
from isecg_events.exporters._markup import Block, blocks, blocks_of_html, plain_of, to_html
from isecg_events.exporters._text import EventText, clean, describe, location
from isecg_events.model import Event
from isecg_events.programme import Occurrence, Programme
from isecg_events.rules import Markup

if TYPE_CHECKING:
    from isecg_events.diff import Change

__all__ = ["EventText", "Prepared", "ReleaseHistory"]

_T = TypeVar("_T")


class _Release(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def note(self) -> str | None: ...


class ReleaseHistory(Protocol):
    """What the exporters use of a :class:`isecg_events.releases.History`."""

    def apply(self, programme: Programme) -> Programme:
        """The programme as subscribers must see it after every release."""
        ...

    def changes(self) -> Sequence[tuple[_Release, tuple[Change, ...]]]:
        """Each release with its changes, oldest first."""
        ...


class Prepared:
    """A programme with the text its formats share, and the render's own cache.

    Each shared piece is derived the first time a format asks for it, and
    only once per render: an event's cleaned title and location, its
    abstract's blocks (the one markup conversion of each text), its plain
    description. Format-specific results that several formats or feeds share
    (the frab entries, each VEVENT) go through :meth:`derive`, so this class
    knows no format.

    Attributes:
        programme: the programme, after the release history when there is one.
        releases: the release history the render follows, if any.
        feeds: whether the subscriber feeds are written beside the render's files.
    """

    def __init__(
        self, programme: Programme, *, releases: ReleaseHistory | None = None, feeds: bool = False
    ) -> None:
        self.programme = programme
        self.releases = releases
        self.feeds = feeds
        self._texts: dict[int, EventText] = {}
        self._descriptions: dict[int, str | None] = {}
        self._blocks: dict[tuple[str, Markup], tuple[Block, ...]] = {}
        self._html: dict[tuple[str, Markup], str] = {}
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
        """The event's full description in plain text (:func:`._text.describe`)."""
        key = id(event)
        if key in self._descriptions:
            return self._descriptions[key]
        found = self._descriptions[key] = describe(event, self.plain) or None
        return found

    def abstract_blocks(self, event: Event) -> tuple[Block, ...]:
        """The event's abstract as blocks (paragraphs, list items) in its markup."""
        abstract = self.text(event).abstract
        return self.blocks(abstract, event.markup) if abstract else ()

    def blocks(self, text: str, markup: Markup) -> tuple[Block, ...]:
        """:func:`._markup.blocks` of a cleaned text, converted once per render."""
        key = (text, markup)
        found = self._blocks.get(key)
        if found is None:
            plain = markup == "plain"
            found = blocks(text, markup) if plain else blocks_of_html(self.html(text, markup))
            self._blocks[key] = found
        return found

    def html(self, text: str, markup: Markup) -> str:
        """:func:`._markup.to_html` of a cleaned text (the page's, and the blocks' source)."""
        key = (text, markup)
        found = self._html.get(key)
        if found is None:
            found = self._html[key] = to_html(text, markup)
        return found

    def plain(self, text: str, markup: Markup) -> str:
        """:func:`._markup.to_plain` of a cleaned text, from its blocks (converted once)."""
        return text if markup == "plain" else plain_of(self.blocks(text, markup))

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
        the cache is emptied rather than left as a cycle.
        """
        self._derived.clear()
