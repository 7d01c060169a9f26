"""Plain-text and Markdown agendas that read like a printed programme.

See ``docs/formats/agenda.md``. Widths are counted in terminal columns (East
Asian wide characters count two); nothing from the data can reach a terminal
as a control character or escape sequence.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Literal

from wcwidth import wcswidth, wcwidth

from isecg_events import timezones
from isecg_events.exporters._markup import Block, escape_markdown
from isecg_events.exporters._markup import without_bidi_controls as _without_bidi_controls
from isecg_events.exporters._prepared import Prepared
from isecg_events.exporters._registry import Option
from isecg_events.exporters._text import Recurring, clean, zone_description
from isecg_events.model import Event, Segment
from isecg_events.programme import Occurrence, Programme

__all__ = [
    "OPTIONS",
    "Detail",
    "dates_and_place",
    "day_heading",
    "render_markdown",
    "render_text",
    "time_range",
    "times_note",
]

Detail = Literal["full", "brief"]

_TIME_COLUMN = 13  # "09:30–10:30" and two spaces
_MIN_WIDTH = 40
_MAX_WIDTH = 1_000
_INDENT = " " * _TIME_COLUMN
_PARTICIPANTS_HEADING = _INDENT + "Participants:"
_LINKS_HEADING = _INDENT + "Links:"
_PERSON_FIRST = _INDENT + "  "
_PERSON_REST = _INDENT + "    "
_BLANK_LINE = re.compile(r"\n\s*\n")


def _safe(text: str) -> str:
    return _without_bidi_controls(clean(text))


def render_text(
    prepared: Prepared,
    *,
    width: int = 78,
    tz: str | None = None,
    detail: Detail = "full",
) -> bytes:
    """The plain-text agenda as UTF-8, encoded a block at a time.

    Args:
        prepared: the programme, with the text its formats share.
        width: the widest line in terminal columns (40 to 1,000); only a
            single unbreakable token, such as a URL, may exceed it.
        tz: show every time in this IANA zone, regrouping events by its days.
        detail: ``"full"`` or ``"brief"`` (no abstracts).

    Block by block is faster than encoding the whole text: a single emoji
    makes Python store every character of a string in four bytes.

    Raises:
        ValueError: a width out of range or an unknown detail level.
        isecg_events.timezones.UnknownTimeZone: ``tz`` is not an IANA zone.
    """
    blocks = _text_blocks(prepared, width, tz, detail)
    return b"\n".join([block.encode("utf-8") for block in blocks]) + b"\n"


#: The options of the ``text`` and ``markdown`` formats.
OPTIONS = (
    Option(
        name="width",
        default=78,
        parse=int,
        help=f"line width in columns, {_MIN_WIDTH} to {_MAX_WIDTH:,} (default: 78)",
    ),
    Option(
        name="tz",
        default=None,
        help="show times in this IANA time zone (default: the conference's)",
    ),
    Option(
        name="detail",
        default="full",
        choices=("full", "brief"),
        help="full, or brief: without abstracts",
        shorthands=(("--brief", "brief", "leave out abstracts (--detail brief)"),),
    ),
)


def _text_blocks(prepared: Prepared, width: int, tz: str | None, detail: Detail) -> Iterator[str]:
    """The agenda as blocks of lines: the header, each day's heading, each event, the footer.

    Joined by LF they make the agenda, less its final LF. No line ends in a
    space (see :func:`_fill`).
    """
    programme = prepared.programme
    zone = _check(programme, width, tz, detail)
    blocks = _Blocks(prepared, zone, width, detail)
    yield "\n".join(_header(programme, width))
    for day, occurrences in sorted(programme.occurrences_by_day(zone).items()):
        heading = day_heading(day)
        yield f"\n{heading}\n{'-' * wcswidth(heading)}"
        for occurrence in occurrences:
            yield "\n".join(["", *blocks.event(occurrence)])
    yield "\n".join(["", *_wrap(times_note(programme, zone), width)])


def _check(programme: Programme, width: int, tz: str | None, detail: str) -> timezones.Zone:
    if not _MIN_WIDTH <= width <= _MAX_WIDTH:
        raise ValueError(f"width must be {_MIN_WIDTH} to {_MAX_WIDTH:,}, not {width:,}")
    if detail not in ("full", "brief"):
        raise ValueError(f"detail must be 'full' or 'brief', not {detail!r}")
    return timezones.get_zone(tz) if tz else programme.conference.zone


def _header(programme: Programme, width: int) -> Iterator[str]:
    conference = programme.conference
    yield from _wrap(_safe(conference.display_title), width)
    yield from _wrap(_safe(dates_and_place(programme)), width)
    yield "=" * width


def dates_and_place(programme: Programme) -> str:
    """``6–8 June 2017 · Beijing International Convention Center, Beijing, China``."""
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


def day_heading(day: date) -> str:
    """``Wednesday 7 June 2017``."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def time_range(occurrence: Occurrence, zone: timezones.Zone) -> str:
    """``09:30–10:30`` in ``zone``, with ``(+1)`` when it ends on a later day."""
    start = occurrence.start.astimezone(zone)
    end = occurrence.end.astimezone(zone)
    suffix = "" if end.date() == start.date() else f" (+{(end.date() - start.date()).days})"
    return f"{start.hour:02d}:{start.minute:02d}–{end.hour:02d}:{end.minute:02d}{suffix}"


class _Blocks:
    """Writes the text block of each occurrence, as chunks of lines.

    A chunk is one or more lines joined by LF. Lines that recur across events (a time range,
    a room, a segment title, a participant) are wrapped once per agenda.
    """

    def __init__(
        self, prepared: Prepared, zone: timezones.Zone, width: int, detail: Detail
    ) -> None:
        self.prepared = prepared
        self.zone = zone
        self.width = width
        self.full = detail == "full"
        self._repeated: dict[tuple[str, str, str], str] = {}
        self._segments: dict[tuple[object, ...], str] = {}
        self._times: dict[tuple[datetime, int, datetime, int], str] = {}

    def wrap_repeated(self, text: str, first: str, rest: str) -> str:
        """Wrap ``text`` made safe, once for each distinct text and prefixes."""
        key = (text, first, rest)
        found = self._repeated.get(key)
        if found is None:
            found = _fill(_safe(text).split(), self.width, first, rest)
            self._repeated[key] = found
        return found

    def time_prefix(self, occurrence: Occurrence) -> str:
        """``09:30–10:30`` padded to the time column, or with no padding when too wide.

        Keyed with each time's fold: Python compares two times of one zone
        by their wall-clock reading alone.
        """
        start, end = occurrence.start, occurrence.end
        key = (start, start.fold, end, end.fold)
        found = self._times.get(key)
        if found is None:
            times = time_range(occurrence, self.zone).ljust(_TIME_COLUMN - 2) + "  "
            found = self._times[key] = times if _width(times) <= _TIME_COLUMN else times.rstrip()
        return found

    def event(self, occurrence: Occurrence) -> list[str]:
        event = occurrence.event
        text = self.prepared.text(event)
        width = self.width
        title = _without_bidi_controls(text.title)
        if event.status == "cancelled":
            title = f"CANCELLED: {title}"
        times = self.time_prefix(occurrence)
        if times[-1] == " ":
            chunks = [_fill(title.split(), width, times, _INDENT)]
        else:  # too wide for the column: the title starts on the next line
            chunks = [times, _fill(title.split(), width, _INDENT, _INDENT)]
        if text.location:
            chunks.append(self.wrap_repeated(text.location, _INDENT, _INDENT))
        if self.full and text.abstract:
            if event.markup == "plain":
                for words in _paragraphs(text.abstract):
                    chunks.append("")
                    chunks.append(_fill(words, width, _INDENT, _INDENT))
            else:
                chunks += self.blocks(self.prepared.abstract_blocks(event))
        if event.segments:
            chunks.append("")
            chunks += self.segments(event)
        people = event.participations
        if people:
            chunks.append("")
            chunks.append(_PARTICIPANTS_HEADING)
            wrap = self.wrap_repeated
            chunks += [wrap(p.label, _PERSON_FIRST, _PERSON_REST) for p in people]
        if self.full and event.links:
            chunks += ["", _LINKS_HEADING]
            for link in event.links:
                line = f"{link.title}: {link.url}" if link.title else link.url
                chunks.append(self.wrap_repeated(line, _PERSON_FIRST, _PERSON_REST))
        return chunks

    def blocks(self, blocks: tuple[Block, ...]) -> list[str]:
        """Paragraphs and list items of a Markdown or HTML abstract, in plain text."""
        chunks: list[str] = []
        previous = None
        for block in blocks:
            words = _without_bidi_controls(block.plain).split()
            if block.kind == "item":
                first = f"{_INDENT}{block.marker} "
                if previous != "item" or block.first:
                    chunks.append("")
                rest = _INDENT + " " * (len(block.marker) + 1)
                chunks.append(_fill(words, self.width, first, rest))
            else:
                chunks.append("")
                chunks.append(_fill(words, self.width, _INDENT, _INDENT))
            previous = block.kind
        return chunks

    def segments(self, event: Event) -> list[str]:
        """The numbered parts of an event, one chunk each (parts recur across events)."""
        chunks = []
        for number, segment in enumerate(event.segments, start=1):
            start, end = segment.start, segment.end
            # With the folds: the two readings of a repeated hour compare equal.
            key = (
                number,
                segment.title,
                segment.description,
                start,
                start.fold if start else 0,
                end,
                end.fold if end else 0,
            )
            found = self._segments.get(key)
            if found is None:
                found = self._segments[key] = self.segment(number, segment)
            chunks.append(found)
        return chunks

    def segment(self, number: int, segment: Segment) -> str:
        zone = self.zone
        marker = f"{number}. "
        item = segment.title
        if segment.start and segment.end:
            item += (
                f" ({segment.start.astimezone(zone):%H:%M}–{segment.end.astimezone(zone):%H:%M})"
            )
        if segment.description and self.full:
            item += f" — {segment.description}"
        hang = _INDENT + " " * len(marker)
        return self.wrap_repeated(item, _INDENT + marker, hang)


def _paragraphs(text: str) -> list[list[str]]:
    """The words of each paragraph (paragraphs are separated by blank lines).

    ``text`` has been cleaned (see :func:`~isecg_events.exporters._text.clean`).
    """
    text = _without_bidi_controls(text)
    if "\n" not in text:
        return [words] if (words := text.split()) else []
    return [words for part in _BLANK_LINE.split(text) if (words := part.split())]


def times_note(programme: Programme, zone: timezones.Zone) -> str:
    """``Times are China Standard Time, UTC+08:00.``: every offset the programme's times use."""
    descriptions: dict[str, None] = {}
    # Distinct starts, in order; with the fold, as Python compares the two
    # readings of a repeated hour as equal.
    starts = dict.fromkeys((o.start, o.start.fold) for o in programme.occurrences)
    moments = [start for start, _ in starts] or [
        datetime.combine(programme.conference.start, datetime.min.time(), tzinfo=zone)
    ]
    offsets: dict[tuple[object, object], datetime] = {}
    for moment in moments:
        local = moment.astimezone(zone)
        offsets.setdefault((local.utcoffset(), local.dst()), local)
    for local in offsets.values():
        descriptions.setdefault(zone_description(local), None)
    return "Times are " + " and ".join(descriptions) + "."


# -- wrapping by display width ------------------------------------------------


def _word_tokens(word: str) -> tuple[tuple[str, int], ...]:
    """Split one word into (token, columns), breaking around wide characters."""
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
    """Columns of a line prefix."""
    if text.isascii():
        return len(text)
    measured = wcswidth(text)
    return measured if measured >= 0 else len(text)


def _wrap(text: str, width: int, first: str = "", rest: str = "") -> list[str]:
    """Fill ``text`` to ``width`` columns with a first-line and a hanging prefix.

    Lines break at spaces and on either side of a wide character; a line
    never starts empty, so a token wider than the line stands alone on it.
    No line ends in whitespace: a prefix alone (no words) is right-stripped.
    """
    return _fill(text.split(), width, first, rest).split("\n")


def _fill(words: list[str], width: int, first: str, rest: str) -> str:
    """:func:`_wrap` for text already split into words, as one chunk of lines joined by LF."""
    if not words:
        return first.rstrip()
    return "\n".join(_wrap_tokens(words, width, first, rest))


def _wrap_tokens(words: list[str], width: int, first: str, rest: str) -> list[str]:
    """The lines of :func:`_wrap`, filled one token at a time.

    A word is one token, or, holding wide characters, one per wide
    character and one per run between them (:func:`_word_tokens`).
    """
    lines: list[str] = []
    line, used, empty = first, _width(first), True
    rest_width = _width(rest)
    for word in words:
        gap = 0 if empty else 1  # a space between words, none inside one
        for token, size in ((word, len(word)),) if word.isascii() else _word_tokens(word):
            if not empty and used + gap + size > width:
                lines.append(line)
                line, used, gap = rest, rest_width, 0
            line = f"{line} {token}" if gap else line + token
            used += gap + size
            gap, empty = 0, False
    lines.append(line)
    return lines


# -- Markdown -------------------------------------------------------------------


def _md(text: str) -> str:
    """Escape ``text`` so CommonMark shows it literally, on one line."""
    return escape_markdown(clean(text))


def render_markdown(
    prepared: Prepared,
    *,
    width: int = 78,
    tz: str | None = None,
    detail: Detail = "full",
) -> bytes:
    """The agenda as CommonMark, with the same content as :func:`render_text`, in UTF-8.

    Paragraphs are not hard-wrapped (Markdown reflows them); ``width`` is
    checked as in :func:`render_text` and kept for the same options.

    Raises:
        ValueError, isecg_events.timezones.UnknownTimeZone: as :func:`render_text`.
    """
    programme = prepared.programme
    zone = _check(programme, width, tz, detail)
    conference = programme.conference
    out = [f"# {_md(conference.display_title)}", "", _md(dates_and_place(programme))]
    recurring = Recurring(_md)  # times, rooms, parts and people, escaped once per agenda
    for day, occurrences in sorted(programme.occurrences_by_day(zone).items()):
        out += ["", f"## {_md(day_heading(day))}"]
        for occurrence in occurrences:
            out += ["", *_md_event(prepared, occurrence, zone, detail, recurring.__getitem__)]
    out += ["", "---", "", _md(times_note(programme, zone))]
    return ("\n".join(out) + "\n").encode("utf-8")


def _md_event(
    prepared: Prepared,
    occurrence: Occurrence,
    zone: timezones.Zone,
    detail: Detail,
    md: Callable[[str], str],
) -> list[str]:
    """An occurrence's lines; ``md`` is :func:`_md`, or one that remembers what recurs."""
    event = occurrence.event
    text = prepared.text(event)  # cleaned already: escaped without cleaning again
    title = escape_markdown(text.title)
    if event.status == "cancelled":
        title = f"CANCELLED: {title}"
    lines = [f"### {md(time_range(occurrence, zone))} · {title}"]
    if text.location:
        lines += ["", f"*{md(text.location)}*"]
    if detail == "full" and text.abstract:
        if event.markup == "plain":
            for words in _paragraphs(text.abstract):
                lines += ["", escape_markdown(" ".join(words))]
        else:
            lines += _md_blocks(prepared.abstract_blocks(event))
    if event.segments:
        lines.append("")
        for number, segment in enumerate(event.segments, start=1):
            item = f"{number}. **{md(segment.title)}**"
            if segment.start and segment.end:
                item += (
                    f" ({segment.start.astimezone(zone):%H:%M}–"
                    f"{segment.end.astimezone(zone):%H:%M})"
                )
            if segment.description and detail == "full":
                item += f" — {md(segment.description)}"
            lines.append(item)
    people = event.participations
    if people:
        lines += ["", "**Participants**", ""]
        lines += [f"- {md(participation.label)}" for participation in people]
    if detail == "full" and event.links:
        lines += ["", "**Links**", ""]
        lines += [f"- [{md(link.label)}](<{_url(link.url)}>)" for link in event.links]
    return lines


def _url(url: str) -> str:
    """A URL (http(s), no spaces or quotes: the readers' rule) inside ``<…>``."""
    return url.replace("<", "%3C").replace(">", "%3E")


def _md_blocks(blocks: tuple[Block, ...]) -> list[str]:
    """A Markdown or HTML abstract as CommonMark: paragraphs, and list items with their markers."""
    lines: list[str] = []
    previous = None
    for block in blocks:
        if block.kind == "item":
            if previous != "item" or block.first:
                lines.append("")
            lines.append(f"{block.marker} {block.markdown}")
        else:
            lines += ["", block.markdown]
        previous = block.kind
    return lines
