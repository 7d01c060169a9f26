"""Plain-text and Markdown agendas that read like a printed programme.

See ``docs/formats/agenda.md``. Widths are counted in terminal columns (East
Asian wide characters count two); nothing from the data can reach a terminal
as a control character or escape sequence.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Literal

from wcwidth import wcswidth, wcwidth

from isecg_events import timezones
from isecg_events.exporters._text import clean, location
from isecg_events.model import Occurrence, Programme, iter_participations

__all__ = ["Detail", "to_agenda", "to_markdown"]

Detail = Literal["full", "brief"]

_TIME_COLUMN = 13  # "09:30–10:30" and two spaces
_MIN_WIDTH = 40
# Bidirectional overrides and isolates can reorder what a terminal shows.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f]")


def _safe(text: str) -> str:
    return _BIDI_CONTROLS.sub("", clean(text))


def to_agenda(
    programme: Programme,
    *,
    width: int = 78,
    tz: str | None = None,
    detail: Detail = "full",
) -> str:
    """Render the programme as a plain-text agenda.

    Args:
        programme: the programme.
        width: the widest line in terminal columns (at least 40); only a
            single unbreakable token, such as a URL, may exceed it.
        tz: show every time in this IANA zone, regrouping events by its days.
        detail: ``"full"`` or ``"brief"`` (no abstracts).

    Raises:
        ValueError: width below 40 or an unknown detail level.
        isecg_events.timezones.UnknownTimeZone: ``tz`` is not an IANA zone.
    """
    zone = _check(programme, width, tz, detail)
    lines = list(_header(programme, width))
    for day, occurrences in sorted(programme.occurrences_by_day(zone).items()):
        heading = _day_heading(day)
        lines += ["", heading, "-" * wcswidth(heading)]
        for occurrence in occurrences:
            lines.append("")
            lines += _event_block(programme, occurrence, zone, width, detail)
    lines += ["", *_wrap(_footer(programme, zone), width)]
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _check(programme: Programme, width: int, tz: str | None, detail: str) -> timezones.Zone:
    if width < _MIN_WIDTH:
        raise ValueError(f"width must be at least {_MIN_WIDTH}, not {width}")
    if detail not in ("full", "brief"):
        raise ValueError(f"detail must be 'full' or 'brief', not {detail!r}")
    return timezones.get_zone(tz) if tz else programme.conference.zone


def _header(programme: Programme, width: int) -> Iterator[str]:
    conference = programme.conference
    yield from _wrap(_safe(conference.display_title), width)
    yield from _wrap(_safe(_dates_and_place(programme)), width)
    yield "=" * width


def _dates_and_place(programme: Programme) -> str:
    conference = programme.conference
    place = conference.place
    return (
        f"{_date_range(conference.start, conference.end)} · {place}"
        if place
        else _date_range(conference.start, conference.end)
    )


def _date_range(first: date, last: date) -> str:
    if first == last:
        return f"{first.day} {first:%B %Y}"
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{last.day} {last:%B %Y}"
    if first.year == last.year:
        return f"{first.day} {first:%B} – {last.day} {last:%B %Y}"
    return f"{first.day} {first:%B %Y} – {last.day} {last:%B %Y}"


def _day_heading(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def _time_range(occurrence: Occurrence, zone: timezones.Zone) -> str:
    start = occurrence.start.astimezone(zone)
    end = occurrence.end.astimezone(zone)
    suffix = "" if end.date() == start.date() else f" (+{(end.date() - start.date()).days})"
    return f"{start:%H:%M}–{end:%H:%M}{suffix}"


def _event_block(
    programme: Programme,
    occurrence: Occurrence,
    zone: timezones.Zone,
    width: int,
    detail: Detail,
) -> list[str]:
    event = occurrence.event
    indent = " " * _TIME_COLUMN
    title = _safe(event.display_title)
    if event.status == "cancelled":
        title = f"CANCELLED: {title}"
    times = _time_range(occurrence, zone).ljust(_TIME_COLUMN - 2) + "  "
    if wcswidth(times) > _TIME_COLUMN:
        lines = [times.rstrip()]
        lines += _wrap(title, width, indent, indent)
    else:
        lines = _wrap(title, width, times, indent)
    place = location(programme, event)
    if place:
        lines += _wrap(_safe(place), width, indent, indent)
    if detail == "full" and event.abstract:
        for paragraph in _paragraphs(event.abstract):
            lines += ["", *_wrap(paragraph, width, indent, indent)]
    if event.segments:
        lines.append("")
        for number, segment in enumerate(event.segments, start=1):
            marker = f"{number}. "
            text = _safe(segment.title)
            if segment.start and segment.end:
                text += (
                    f" ({segment.start.astimezone(zone):%H:%M}–"
                    f"{segment.end.astimezone(zone):%H:%M})"
                )
            if segment.description and detail == "full":
                text += f" — {_safe(segment.description)}"
            hang = indent + " " * len(marker)
            lines += _wrap(text, width, indent + marker, hang)
    people = list(iter_participations(event))
    if people:
        lines += ["", *_wrap("Participants:", width, indent, indent)]
        for participation in people:
            lines += _wrap(_safe(participation.label), width, indent + "  ", indent + "    ")
    return lines


def _paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", _safe(text)) if p.strip()]


def _footer(programme: Programme, zone: timezones.Zone) -> str:
    descriptions: dict[str, None] = {}
    moments = [o.start for o in programme.occurrences] or [
        datetime.combine(programme.conference.start, datetime.min.time(), tzinfo=zone)
    ]
    offsets: dict[tuple[object, object], datetime] = {}
    for moment in moments:
        local = moment.astimezone(zone)
        offsets.setdefault((local.utcoffset(), local.dst()), local)
    for local in offsets.values():
        descriptions.setdefault(timezones.zone_description(local), None)
    return "Times are " + " and ".join(descriptions) + "."


# -- wrapping by display width ------------------------------------------------


def _tokens(text: str) -> Iterator[tuple[str, int, bool]]:
    """Yield (token, columns, space_before); breaks at spaces and around wide characters."""
    for index, word in enumerate(text.split()):
        space = index > 0
        for token, columns in _word_tokens(word):
            yield token, columns, space
            space = False


@functools.lru_cache(maxsize=65536)
def _word_tokens(word: str) -> tuple[tuple[str, int], ...]:
    """Split one word into (token, columns), breaking around wide characters.

    Cached: the words of a programme repeat, and this is the agenda's inner loop.
    """
    if word.isascii():
        return ((word, len(word)),)
    columns = wcswidth(word)
    if columns == len(word):  # no wide (or zero-width) characters: one token
        return ((word, columns),)
    tokens: list[tuple[str, int]] = []
    current, current_width = "", 0
    for character in word:
        width = wcwidth(character)
        if width == 2:
            if current:
                tokens.append((current, current_width))
                current, current_width = "", 0
            tokens.append((character, 2))
        else:
            current += character
            current_width += max(width, 0)
    if current:
        tokens.append((current, current_width))
    return tuple(tokens)


def _width(text: str) -> int:
    if text.isascii():
        return len(text)
    measured = wcswidth(text)
    return measured if measured >= 0 else len(text)


def _wrap(text: str, width: int, first: str = "", rest: str = "") -> list[str]:
    """Fill ``text`` to ``width`` columns with a first-line and a hanging prefix."""
    if text.isascii() or wcswidth(text) == len(text):  # one column per character
        return _wrap_ascii(text.split(), width, first, rest)
    lines: list[str] = []
    line, used, fresh = first, _width(first), True
    for token, size, space in _tokens(text):
        gap = 1 if space and not fresh else 0
        if not fresh and used + gap + size > width:
            lines.append(line)
            line, used, fresh, gap = rest, _width(rest), True, 0
        line += " " * gap + token
        used += gap + size
        fresh = False
    lines.append(line)
    return lines


def _wrap_ascii(words: list[str], width: int, first: str, rest: str) -> list[str]:
    """:func:`_wrap` for text where every character is one column wide."""
    lines: list[str] = []
    parts, used = [first], _width(first)
    rest_width = _width(rest)
    fresh = True
    for word in words:
        if not fresh and used + 1 + len(word) > width:
            lines.append("".join(parts))
            parts, used, fresh = [rest], rest_width, True
        if fresh:
            parts.append(word)
            used += len(word)
            fresh = False
        else:
            parts.append(" " + word)
            used += 1 + len(word)
    lines.append("".join(parts))
    return lines


# -- Markdown -------------------------------------------------------------------

_ALWAYS = re.compile(r"([\\`*_\[\]<>!|~{}#&])")
_LINE_START = re.compile(r"^(\s*)([-+=>]|\d+[.)])")


def _md(text: str) -> str:
    """Escape ``text`` so CommonMark shows it literally, on one line."""
    escaped = _ALWAYS.sub(r"\\\1", " ".join(_safe(text).split()))
    return _LINE_START.sub(_escape_block_marker, escaped)


def _escape_block_marker(match: re.Match[str]) -> str:
    """Escape a list, quote, heading-underline or numbered-list marker."""
    indent, marker = match.group(1), match.group(2)
    if marker[0].isdigit():
        return f"{indent}{marker[:-1]}\\{marker[-1]}"
    return f"{indent}\\{marker}"


def to_markdown(
    programme: Programme,
    *,
    width: int = 78,
    tz: str | None = None,
    detail: Detail = "full",
) -> str:
    """Render the programme as a CommonMark agenda with the same content.

    Paragraphs are not hard-wrapped (Markdown reflows them); ``width`` is
    checked as in :func:`to_agenda` and kept for the same signature.

    Raises:
        ValueError, isecg_events.timezones.UnknownTimeZone: as :func:`to_agenda`.
    """
    zone = _check(programme, width, tz, detail)
    conference = programme.conference
    out = [f"# {_md(conference.display_title)}", "", _md(_dates_and_place(programme))]
    for day, occurrences in sorted(programme.occurrences_by_day(zone).items()):
        out += ["", f"## {_md(_day_heading(day))}"]
        for occurrence in occurrences:
            out += ["", *_md_event(programme, occurrence, zone, detail)]
    out += ["", "---", "", _md(_footer(programme, zone))]
    return "\n".join(out) + "\n"


def _md_event(
    programme: Programme,
    occurrence: Occurrence,
    zone: timezones.Zone,
    detail: Detail,
) -> list[str]:
    event = occurrence.event
    title = _md(event.display_title)
    if event.status == "cancelled":
        title = f"CANCELLED: {title}"
    lines = [f"### {_md(_time_range(occurrence, zone))} · {title}"]
    place = location(programme, event)
    if place:
        lines += ["", f"*{_md(place)}*"]
    if detail == "full" and event.abstract:
        for paragraph in _paragraphs(event.abstract):
            lines += ["", _md(paragraph)]
    if event.segments:
        lines.append("")
        for number, segment in enumerate(event.segments, start=1):
            text = f"{number}. **{_md(segment.title)}**"
            if segment.start and segment.end:
                text += (
                    f" ({segment.start.astimezone(zone):%H:%M}–"
                    f"{segment.end.astimezone(zone):%H:%M})"
                )
            if segment.description and detail == "full":
                text += f" — {_md(segment.description)}"
            lines.append(text)
    people = list(iter_participations(event))
    if people:
        lines += ["", "**Participants**", ""]
        lines += [f"- {_md(participation.label)}" for participation in people]
    return lines
