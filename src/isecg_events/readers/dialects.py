"""What the tools that write schedules write, told apart: markup, day change, time zones.

frab, pretalx and pentabarf-style exports differ in ways the fields do not
say: pretalx writes Markdown, pentabarf HTML; days that end at 04:00 of the
next morning; times with or without a UTC offset. The schedule readers
(:mod:`.frab_json`, and :mod:`.frab_xml` through it) ask this module.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from html.parser import HTMLParser
from typing import Any

from isecg_events import rules, timezones
from isecg_events.rules import Markup

__all__ = [
    "CLOCK",
    "HTML_ELEMENTS",
    "date_of",
    "day_change",
    "has_local_times",
    "instant",
    "is_html",
    "markup_of",
    "offsets",
    "times",
]

#: Elements whose presence says a text is HTML (pentabarf-style exports).
HTML_ELEMENTS = frozenset(
    {
        "a", "b", "blockquote", "br", "code", "div", "em", "h1", "h2", "h3", "h4", "i",
        "li", "ol", "p", "pre", "span", "strong", "ul",
    }
)  # fmt: skip
_PRETALX_TALK = re.compile(r"/talk/[A-Z0-9]+/?$")


class _HtmlFinder(HTMLParser):
    """Stops at the first start tag of :data:`HTML_ELEMENTS`."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found = self.found or tag in HTML_ELEMENTS


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def is_html(text: str) -> bool:
    """Whether ``text`` holds a start tag of :data:`HTML_ELEMENTS`."""
    if "<" not in text:
        return False
    finder = _HtmlFinder()
    finder.feed(text)
    finder.close()
    return finder.found


def markup_of(document: Mapping[str, Any], schedule: Mapping[str, Any], days: list[Any]) -> Markup:
    """What the schedule's abstracts and descriptions are written in, by the tool that wrote it.

    pretalx (its generator, its persons' ``code``, its ``/talk/CODE/`` URLs):
    Markdown. Otherwise HTML when any text holds HTML elements
    (pentabarf-style exports), else plain text (frab, ours). Our own
    schedule.json is judged the same way, so what was imported from pretalx
    or pentabarf reads back as it was (the schema has no field for it).
    """
    generator = document.get("generator")
    name = generator.get("name") if isinstance(generator, dict) else None
    entries = [
        entry
        for day in days
        if isinstance(day, dict) and isinstance(day.get("rooms"), dict)
        for room in day["rooms"].values()
        if isinstance(room, list)
        for entry in room
        if isinstance(entry, dict)
    ]
    pretalx = name == "pretalx" or any(
        (isinstance(e.get("url"), str) and _PRETALX_TALK.search(e["url"]))
        or any(isinstance(p, dict) and "code" in p for p in _list(e.get("persons")))
        for e in entries
    )
    if pretalx:
        return "markdown"
    texts = (e.get(key) for e in entries for key in ("abstract", "description"))
    if any(isinstance(text, str) and is_html(text) for text in texts):
        return "html"
    return "plain"


CLOCK = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])(?::00)?$")


def date_of(value: Any) -> date | None:
    """A ``YYYY-MM-DD`` day date, or None."""
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def day_change(table: Mapping[str, Any], days: list[Any]) -> time:
    """When the schedule's days change: ``day_change``, else the first day's end.

    pentabarf writes ``<day_change>09:00:00</day_change>``; frab ends a day
    at ``04:00`` of the next morning, pretalx at ``03:59`` (read as 04:00).
    A day that ends on its own date changes at midnight.
    """
    given = table.get("day_change")
    if isinstance(given, str) and (clock := CLOCK.match(given.strip())):
        return time(int(clock.group(1)), int(clock.group(2)))
    for day in days:
        if not isinstance(day, dict):
            continue
        day_date, end = date_of(day.get("date")), day.get("day_end")
        moment = instant(end) if isinstance(end, str) else None
        if day_date is None or moment is None:
            continue
        if moment.date() != day_date + timedelta(days=1):
            return time(0)
        if moment.minute == 59:  # pretalx's last minute of the day
            moment += timedelta(minutes=1)
        return moment.time().replace(second=0, microsecond=0, tzinfo=None)
    return time(0)


def times(days: list[Any]) -> list[datetime]:
    """Every readable ``date`` and ``end`` of the entries, with the offset it was given in."""
    found = []
    for day in days:
        rooms = day.get("rooms") if isinstance(day, dict) else None
        for entries in rooms.values() if isinstance(rooms, dict) else ():
            for entry in entries if isinstance(entries, list) else ():
                for key in ("date", "end"):
                    value = entry.get(key) if isinstance(entry, dict) else None
                    moment = instant(value) if isinstance(value, str) else None
                    if moment is not None and rules.date_problem(moment) is None:
                        found.append(moment)
    return found


def has_local_times(days: list[Any]) -> bool:
    """Whether any entry gives only a time of day (no ``date`` with an offset)."""
    return any(
        isinstance(entry, dict) and "date" not in entry and "start" in entry
        for day in days
        if isinstance(day, dict) and isinstance(day.get("rooms"), dict)
        for entries in day["rooms"].values()
        if isinstance(entries, list)
        for entry in entries
    )


def offsets(times: list[datetime]) -> str:
    """The distinct offsets of ``times`` as ``+01:00, +02:00``."""
    return ", ".join(sorted({timezones.signed_hhmm(timezones.offset(t)) for t in times}))


def instant(value: str) -> datetime | None:
    """An ISO 8601 date-time with a UTC offset (``Z`` too), or None."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.utcoffset() is not None else None
