"""A programme prepared for export: what several formats derive, derived once."""

from __future__ import annotations

import functools
import uuid

from isecg_events.exporters import _frab
from isecg_events.exporters._text import EventText, clean, describe, location
from isecg_events.model import Event, Programme

__all__ = ["EventText", "Prepared"]


class Prepared:
    """A programme with the text and schedule entries its exporters share.

    Build one with ``Prepared(programme)`` and hand it to several exporters'
    ``render_prepared``: each shared piece is derived the first time a format
    asks for it, and only once. Holds no state beyond those results.
    """

    def __init__(self, programme: Programme) -> None:
        self.programme = programme
        self._texts: dict[int, EventText] = {}
        self._guids: dict[uuid.UUID, str] = {}

    def text(self, event: Event) -> EventText:
        """The event's title, location, full description and abstract."""
        found = self._texts.get(id(event))
        if found is None:
            found = EventText(
                title=clean(event.display_title),
                location=location(self.programme, event),
                description=describe(event) or None,
                abstract=clean(event.abstract) if event.abstract else None,
            )
            # Keyed by identity: the programme holds every event for as
            # long as this object lives, so an id is never reused here.
            self._texts[id(event)] = found
        return found

    def guid_text(self, guid: uuid.UUID) -> str:
        """``str(guid)``, formatted once (the formats share most guids)."""
        found = self._guids.get(guid)
        if found is None:
            found = self._guids[guid] = str(guid)
        return found

    @functools.cached_property
    def frab_timeslot(self) -> str:
        """The timeslot of schedule.json and schedule.xml."""
        return _frab.timeslot(self.programme)

    @functools.cached_property
    def frab_days(self) -> tuple[_frab.Day, ...]:
        """The days of schedule.json and schedule.xml, with their entries."""
        return _frab.days(self)
