"""Plain-text pieces shared by the exporters."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import NamedTuple

from babel.dates import get_timezone_name

from isecg_events import timezones
from isecg_events.exporters._markup import to_plain
from isecg_events.model import Event, Segment
from isecg_events.programme import Programme
from isecg_events.rules import FORBIDDEN_CHARACTERS, Markup, url_problem

__all__ = [
    "EventText",
    "Recurring",
    "checked_base_url",
    "clean",
    "clean_name",
    "describe",
    "location",
    "zone_description",
]


def checked_base_url(text: str) -> str:
    """Where an export is published (the ``base_url`` option), ending with ``/``.

    Raises:
        ValueError: not an absolute http(s) URL on one line.
    """
    if (problem := url_problem(text)) is not None:
        raise ValueError(problem)
    return text if text.endswith("/") else text + "/"


class EventText(NamedTuple):
    """An event's text as every format shows it, control characters removed.

    A tuple of strings, which the garbage collector stops tracking: a large
    export holds one per event. The full description, which only some
    formats show, is apart (:meth:`Prepared.description`).
    """

    title: str
    location: str | None
    abstract: str | None


def clean(text: str) -> str:
    """Return ``text`` with line ends as LF and other control characters removed.

    Tab and line feed are kept; every other C0/C1 control character
    (including ESC, so no terminal escape sequence survives), lone
    surrogates and U+FFFE/U+FFFF are dropped.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return FORBIDDEN_CHARACTERS.sub("", text) if FORBIDDEN_CHARACTERS.search(text) else text


def clean_name(text: str) -> str:
    """:func:`clean` for short texts (rooms, venues, types, tracks)."""
    return clean(text)


class Recurring(dict[str, str]):
    """``function`` of each text, computed once: for texts that recur within one render.

    The render owns it (a local, or :meth:`Prepared.derive`), so it lives as
    long as the render and no longer.
    """

    def __init__(self, function: Callable[[str], str]) -> None:
        super().__init__()
        self.function = function

    def __missing__(self, text: str) -> str:
        found = self[text] = self.function(text)
        return found


def location(programme: Programme, event: Event) -> str | None:
    """Return ``Hall 2, Beijing International Convention Center``-style text."""
    return _place(event.room, event.venue or programme.conference.venue)


def _place(room: str | None, venue: str | None) -> str | None:
    parts = [clean(part).strip() for part in (room, venue) if part]
    text = ", ".join(part for part in parts if part)
    return text or None


def describe(event: Event, plain: Callable[[str, Markup], str] = to_plain) -> str:
    """Return the event's full description in plain text, the same way for every event.

    The abstract; the event's own ``description`` (an imported event's, say)
    when it says more than the abstract (both as plain text, whatever their
    markup: see :func:`._markup.to_plain`, or ``plain``, which a render
    gives to convert each text once); the parts in order, with the zone
    their times are in; the participants by display label and role; the links.
    """
    blocks = [plain(clean(event.abstract), event.markup)] if event.abstract else []
    if event.description and event.description != event.abstract:
        blocks.append(plain(clean(event.description), event.markup))
    if event.segments:
        parts = [_part(number, segment) for number, segment in enumerate(event.segments, start=1)]
        blocks.append("Programme:\n" + "\n".join(parts) + _zone_note(event.segments))
    if event.participations:
        labels = [participation.label for participation in event.participations]
        blocks.append("Participants:\n- " + "\n- ".join(labels))
    if event.links:
        lines = [_link_line(link.title, link.url) for link in event.links]
        blocks.append("Links:\n- " + "\n- ".join(lines))
    return clean("\n\n".join(blocks))


def _link_line(title: str | None, url: str) -> str:
    """``Slides: https://…``, or the URL alone."""
    return f"{title}: {url}" if title and title != url else url


def _zone_note(segments: tuple[Segment, ...]) -> str:
    """``Times are China Standard Time, UTC+08:00.``, when parts have times.

    A subscriber in another zone must not read them in their own.
    """
    timed = [segment.start for segment in segments if segment.start and segment.end]
    if not timed:
        return ""
    names = dict.fromkeys(zone_description(moment) for moment in timed)
    return "\nTimes are " + " and ".join(names) + "."


def _part(number: int, segment: Segment) -> str:
    """``2. Title (09:40–10:05) — description``."""
    line = f"{number}. {segment.title}"
    if segment.start and segment.end:
        line += f" ({segment.start:%H:%M}–{segment.end:%H:%M})"
    if segment.description:
        line += f" — {segment.description}"
    return line


def zone_description(moment: datetime) -> str:
    """Describe the zone of ``moment`` in words and offset.

    For example ``China Standard Time, UTC+08:00``; the name comes from the
    Unicode CLDR (through Babel) and is the one in force at ``moment``.
    """
    try:
        words = get_timezone_name(moment, "long", locale="en_001")
    except (LookupError, ValueError):  # pragma: no cover - CLDR knows IANA zones
        words = moment.tzname() or ""
    label = timezones.offset_label(moment)
    return f"{words}, {label}" if words and words != label else label
