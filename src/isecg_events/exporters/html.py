"""``schedule.html``: the programme as a day grid, one self-contained page.

Per day a table: rooms across (in one order on every day), time down in steps
of the schedule's timeslot, each event a box whose height is its duration.
Below each grid, the day's sessions with their abstracts and parts. Below
600 px the table reads as a list. The page is rendered by a Jinja2 template
with autoescaping: no text from the data becomes markup, except abstracts,
which pass through the allowlist sanitizer (:func:`._markup.to_html`).
"""

from __future__ import annotations

import functools
import math
import re
from datetime import date, timedelta
from typing import Any

import attrs
import jinja2
from markupsafe import Markup

from isecg_events import timezones
from isecg_events._version import __version__
from isecg_events.exporters._markup import to_html
from isecg_events.exporters._prepared import Prepared
from isecg_events.exporters._registry import Option
from isecg_events.exporters._text import Recurring, clean, clean_name
from isecg_events.exporters.agenda import dates_and_place, day_heading, time_range, times_note
from isecg_events.exporters.frab import _entries
from isecg_events.identity import feed_slug
from isecg_events.programme import Occurrence

__all__ = ["OPTIONS", "render_prepared", "render_reference"]

#: Pixels per minute of the grid (a 60-minute box is 120 px tall).
PX_PER_MINUTE = 2.0


def _base_url(text: str) -> str:
    if not text.startswith(("https://", "http://")):
        raise ValueError(f"{text!r} is not an http(s) URL")
    return text if text.endswith("/") else text + "/"


#: The options of the ``html`` format.
OPTIONS = (
    Option(
        name="base_url",
        default=None,
        parse=_base_url,
        help="where the export is published (https://…/): subscribe links become webcal://",
    ),
)


@attrs.frozen
class _Box:
    anchor: str
    times: str
    title: str
    room: str
    kind: str
    people: str
    people_list: str
    ics: str
    cancelled: bool
    abstract: Markup | None
    parts: tuple[str, ...]


@attrs.frozen
class _Cell:
    span: int
    boxes: list[_Box]


#: Unicode noncharacters, which HTML's parser reports as errors.
_NONCHARACTERS = re.compile(
    "[\ufdd0-\ufdef"
    + "".join(f"{chr(p + 0xFFFE)}{chr(p + 0xFFFF)}" for p in range(0, 0x110000, 0x10000))
    + "]"
)
#: Every noncharacter's UTF-8 holds one of these: EF B7 (U+FDD0 to U+FDEF),
#: or ends in BF BE or BF BF (U+FFFE and U+FFFF of every plane).
_NONCHARACTER_BYTES = (b"\xef\xb7", b"\xbf\xbe", b"\xbf\xbf")


@functools.cache
def _template() -> jinja2.Template:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("isecg_events.exporters", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    return environment.get_template("schedule.html.j2")


def render_prepared(
    prepared: Prepared,
    *,
    base_url: str | None = None,
) -> bytes:
    """The page as UTF-8; it links the feeds when the render writes them (``prepared.feeds``).

    Each day's grid rows and session list are written by :func:`_grid_html`
    and :func:`_details_html` rather than the template's loops: the same
    bytes (a test holds every page to :func:`render_reference`), at a
    fraction of the cost (the loops were half the page's render at 25,000
    events, a yield, an attribute lookup and a ``Markup`` per value).

    Raises:
        ValueError: ``base_url`` is not an http(s) URL.
    """
    return _render(prepared, base_url, prepared.feeds, lean=True)


def render_reference(
    prepared: Prepared, *, base_url: str | None = None, feeds: bool = False
) -> bytes:
    """:func:`render_prepared` with every day written by the template's loops: for tests."""
    return _render(prepared, base_url, feeds, lean=False)


def _render(prepared: Prepared, base_url: str | None, feeds: bool, *, lean: bool) -> bytes:
    base_url = _base_url(base_url) if base_url else None
    programme = prepared.programme
    conference = programme.conference
    zone = conference.zone
    step = _step(prepared)
    rooms = list(dict.fromkeys(_entries.room_name(programme, o) for o in programme.occurrences))
    anchors = _anchors(programme.occurrences)
    # Each day is built as the template reaches it, and dropped after: the
    # page's text is then held once (in the template's output), not twice.
    days = (
        _day(prepared, day, occurrences, rooms, step, anchors, zone, lean=lean)
        for day, occurrences in sorted(programme.occurrences_by_day().items())
    )
    feed_name = f"{conference.id}.ics"
    subscribe = f"webcal://{base_url.split('://', 1)[1]}{feed_name}" if base_url else feed_name
    context: dict[str, Any] = {
        "language": conference.language or "en",
        "title": clean(conference.display_title),
        "dates_and_place": clean(dates_and_place(programme)),
        "subscribe": subscribe,
        "feeds": _feed_links(prepared) if feeds else [],
        "days": days,
        "rooms": [clean(room) for room in rooms],
        "zone_note": times_note(programme, zone),
        "version": __version__,
    }
    page = _template().render(context).encode("utf-8")
    # Noncharacters go from the whole page at once: the template has none,
    # and escaping leaves them as they are, so this equals cleaning each value.
    # The search over the text is slow (a quarter of the render at 25,000
    # events); a page whose bytes hold none of their UTF-8 forms skips it.
    if any(form in page for form in _NONCHARACTER_BYTES):
        page = _NONCHARACTERS.sub("", page.decode("utf-8")).encode("utf-8")
    return page


def _step(prepared: Prepared) -> int:
    """The grid's step in minutes: the schedule's timeslot (5 to 60)."""
    hours, minutes = _entries.timeslot(prepared).split(":")
    return max(5, int(hours) * 60 + int(minutes))


def _anchors(occurrences: tuple[Occurrence, ...]) -> dict[int, str]:
    """``<event-id>``, and ``<event-id>-2``, ``-3``... for later occurrences."""
    return {
        id(o): o.event.id if o.index == 0 else f"{o.event.id}-{o.index + 1}" for o in occurrences
    }


def _day(
    prepared: Prepared,
    day: date,
    occurrences: list[Occurrence],
    rooms: list[str],
    step: int,
    anchors: dict[int, str],
    zone: timezones.Zone,
    *,
    lean: bool,
) -> dict[str, Any]:
    programme = prepared.programme
    first = min(o.start for o in occurrences).astimezone(zone)
    start = first - timedelta(minutes=first.minute % step, seconds=first.second)
    end = max(o.end for o in occurrences)
    count = max(1, math.ceil(timezones.elapsed(start, end).total_seconds() / 60 / step))
    grid: list[list[Any]] = [[None] * len(rooms) for _ in range(count)]
    boxes = []
    for occurrence in occurrences:
        box = _box(prepared, occurrence, anchors[id(occurrence)], zone)
        boxes.append(box)
        column = rooms.index(_entries.room_name(programme, occurrence))
        offset = timezones.elapsed(start, occurrence.start).total_seconds() / 60
        row = min(count - 1, int(offset // step))
        minutes = timezones.elapsed(occurrence.start, occurrence.end).total_seconds() / 60
        span = max(1, min(count - row, math.ceil(minutes / step)))
        taken = grid[row][column]
        if isinstance(taken, _Cell):  # an overlap (a cancelled event): same cell
            taken.boxes.append(box)
            continue
        if taken == "covered":
            owner = next(c for r in range(row, -1, -1) if isinstance(c := grid[r][column], _Cell))
            owner.boxes.append(box)
            continue
        grid[row][column] = _Cell(span, [box])
        for below in range(row + 1, row + span):
            if grid[below][column] is None:
                grid[below][column] = "covered"
    rows = []
    for index, cells in enumerate(grid):
        moment = timezones.add_elapsed(start, timedelta(minutes=index * step)).astimezone(zone)
        label = f"{moment:%H:%M}" if index == 0 or moment.minute % max(step, 30) == 0 else ""
        rows.append({"label": label, "cells": cells})
    return {
        "heading": day_heading(day),
        "rows": rows,
        "boxes": boxes,
        "row_px": round(step * PX_PER_MINUTE, 1),
        "grid": _grid_html(rows) if lean else None,
        "details": _details_html(boxes) if lean else None,
    }


def _escape(text: str) -> str:
    """``text`` escaped as the template's autoescaping (markupsafe) escapes it."""
    if not _SPECIAL.search(text):
        return text
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("'", "&#39;").replace('"', "&#34;")


_SPECIAL = re.compile("[&<>'\"]")


def _grid_html(rows: list[dict[str, Any]]) -> Markup:
    """A day's grid rows, as the template's loop over ``day.rows`` writes them."""
    out: list[str] = []
    for row in rows:
        out.append(f'\n<tr><th scope="row" class="time">{_escape(row["label"])}</th>')
        for cell in row["cells"]:
            if cell is None:
                out.append('<td class="empty"></td>')
            elif isinstance(cell, _Cell):
                out.append(f'<td rowspan="{cell.span}">')
                for index, box in enumerate(cell.boxes):
                    out.append(_grid_box(box, cell.span if index == 0 else 1))
                out.append("</td>")
        out.append("</tr>")
    return Markup("".join(out))


def _grid_box(box: _Box, span: int) -> str:
    anchor = _escape(box.anchor)
    parts = [
        f'\n<div class="event{" cancelled" if box.cancelled else ""}" id="{anchor}" '
        f'style="--span: {span}">',
        '<span class="flag">Cancelled</span> ' if box.cancelled else "",
        f'<span class="when">{_escape(box.times)}</span>\n'
        f'<a class="title" href="#{anchor}-details">{_escape(box.title)}</a>\n'
        f'<span class="room-name">{_escape(box.room)}</span>',
        f'<span class="kind">{_escape(box.kind)}</span>' if box.kind else "",
        f'<span class="people">{_escape(box.people)}</span>' if box.people else "",
        f'\n<span class="actions"><a href="{_escape(box.ics)}">Add to calendar</a></span>\n</div>',
    ]
    return "".join(parts)


def _details_html(boxes: list[_Box]) -> Markup:
    """A day's session list, as the template's loop over ``day.boxes`` writes it."""
    out: list[str] = []
    for box in boxes:
        out.append(
            f'\n<li id="{_escape(box.anchor)}-details"><strong>{_escape(box.times)} · '
            f"{_escape(box.title)}</strong>{' (cancelled)' if box.cancelled else ''} · "
            f"{_escape(box.room)}"
        )
        if box.abstract:
            out.append(f'<div class="abstract">{box.abstract}</div>')
        if box.parts:
            items = "".join(f"<li>{_escape(part)}</li>" for part in box.parts)
            out.append(f'<ol class="parts">{items}</ol>')
        if box.people_list:
            out.append(f"<p>{_escape(box.people_list)}</p>")
        out.append("\n</li>")
    return Markup("".join(out))


def _cleaned(prepared: Prepared) -> Recurring:
    """:func:`clean` of the page's parts and participant lists, which recur, once per render."""
    return Recurring(clean)


def _box(prepared: Prepared, occurrence: Occurrence, anchor: str, zone: timezones.Zone) -> _Box:
    event = occurrence.event
    text = prepared.text(event)
    cleaned = prepared.derive(_cleaned)
    labels = "; ".join([p.label for p in event.participations])
    kind = " · ".join(clean_name(part) for part in (event.type, event.track) if part)
    parts = []
    for segment in event.segments:  # an <ol>: the list numbers them
        line = segment.title
        if segment.start and segment.end:
            line += (
                f" ({segment.start.astimezone(zone):%H:%M}–{segment.end.astimezone(zone):%H:%M})"
            )
        if segment.description:
            line += f" — {segment.description}"
        parts.append(cleaned[line])
    abstract = Markup(to_html(text.abstract, event.markup)) if text.abstract else None
    return _Box(
        anchor=anchor,
        times=time_range(occurrence, zone),
        title=text.title,
        room=_entries.room_name(prepared.programme, occurrence),  # cleaned
        kind=kind,
        people=cleaned[labels],
        people_list=cleaned["Participants: " + labels] if labels else "",
        ics=f"events/{event.id}.ics",
        cancelled=event.status == "cancelled",
        abstract=abstract,
        parts=tuple(parts),
    )


def _feed_links(prepared: Prepared) -> list[dict[str, str]]:
    """Links to the track, room and person feeds that ``export --feeds`` writes."""
    programme = prepared.programme
    links = [
        {"href": f"tracks/{feed_slug(t)}.ics", "label": f"Track: {t}"} for t in programme.tracks
    ]
    rooms = dict.fromkeys(e.room for e in programme.events if e.room)
    links += [{"href": f"rooms/{feed_slug(r)}.ics", "label": f"Room: {r}"} for r in rooms]
    people = {p.participant.id: p.participant for e in programme.events for p in e.participations}
    links += [
        {"href": f"people/{pid}.ics", "label": f"Person: {person.display_name or person.label}"}
        for pid, person in people.items()
    ]
    return [{k: clean(v) for k, v in link.items()} for link in links]
