"""``schedule.html``: the programme as one self-contained page attendees use.

Per day a section: on a wide screen a CSS grid (rooms across, in the
declared order, time down, each event a box spanning its duration; rows
grow to fit their boxes, so nothing is cut), on a narrow one and in print the
same boxes as a time-ordered list. Each box opens its details (abstract,
parts, participants) on demand. A small script adds what needs a browser:
filters by track and room and a text search kept in the URL, stars kept in
localStorage with "my picks" and a personal feed, "today", and a switch to
the reader's own time zone. Without it the page is complete and readable.

The template (``templates/schedule.html.j2``) is the page's one
implementation; this module gathers what it shows. Its labels come from
``templates/labels.toml`` in the conference's language where it has them
(English otherwise), dates and zone names from Babel. Autoescaping is on: no
text from the data becomes markup, except abstracts, which pass through the
allowlist sanitizer (:func:`._markup.to_html`).
"""

from __future__ import annotations

import functools
import itertools
import math
import re
import tomllib
from datetime import date, datetime, timedelta
from importlib import resources
from typing import Any

import jinja2
from babel import Locale
from babel.dates import format_date, format_interval, format_skeleton, get_timezone_name
from markupsafe import Markup

from isecg_events import timezones
from isecg_events._version import __version__
from isecg_events.exporters._prepared import Prepared
from isecg_events.exporters._registry import Option
from isecg_events.exporters._text import checked_base_url, clean, clean_name
from isecg_events.exporters.frab import _entries
from isecg_events.identity import feed_slug
from isecg_events.model import Event
from isecg_events.programme import Occurrence, Programme

__all__ = [
    "LANGUAGES", "OPTIONS", "label_language", "labels", "render_prepared", "room_order",
    "zone_note",
]  # fmt: skip

#: Pixels per minute of the grid at the least (a 60-minute box is at least 120 px tall).
PX_PER_MINUTE = 2.0

#: The label languages of ``templates/labels.toml``, and the Babel locale of each.
LANGUAGES = {"en": "en_GB", "de": "de", "fr": "fr", "es": "es", "zh-Hans": "zh_Hans"}

#: Track colours for tracks that declare none (dark enough for white text beside them).
PALETTE = (
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#e377c2", "#8c564b", "#17becf",
    "#bcbd22", "#ff7f0e", "#7f7f7f", "#393b79", "#637939", "#8c6d31", "#843c39",
)  # fmt: skip
_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}")


#: The options of the ``html`` format.
OPTIONS = (
    Option(
        name="base_url",
        default=None,
        parse=checked_base_url,
        help="where the export is published (https://…/): subscribe links become webcal://",
    ),
)

#: Unicode noncharacters, which HTML's parser reports as errors.
_NONCHARACTERS = re.compile(
    "[\ufdd0-\ufdef"
    + "".join(f"{chr(p + 0xFFFE)}{chr(p + 0xFFFF)}" for p in range(0, 0x110000, 0x10000))
    + "]"
)
#: Every noncharacter's UTF-8 holds one of these: EF B7 (U+FDD0 to U+FDEF),
#: or ends in BF BE or BF BF (U+FFFE and U+FFFF of every plane).
_NONCHARACTER_BYTES = (b"\xef\xb7", b"\xbf\xbe", b"\xbf\xbf")


# -- what the page reads from the per-render object (one place to adapt) ------


def _programme(prepared: Prepared) -> Programme:
    return prepared.programme


def _title(prepared: Prepared, event: Event) -> str:
    return prepared.text(event).title


def _abstract_html(prepared: Prepared, event: Event) -> Markup | None:
    abstract = prepared.text(event).abstract
    return Markup(prepared.html(abstract, event.markup)) if abstract else None


def _step(prepared: Prepared) -> int:
    """The grid's step in minutes: the schedule's timeslot (5 to 60)."""
    hours, minutes = _entries.timeslot(prepared).split(":")
    return max(5, int(hours) * 60 + int(minutes))


# -- the page -------------------------------------------------------------------


@functools.cache
def _template() -> jinja2.Template:
    """The compiled template, with its CSS and script: code, compiled once a process.

    It holds nothing of any render. Compiling it for each render would cost
    more than a small page's render, and leave reference cycles (a compiled
    template's functions and their module) for the collector.
    """
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("isecg_events.exporters", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.get_template("schedule.html.j2")


def label_language(tag: str | None) -> str:
    """The label language (a key of :data:`LANGUAGES`) for a BCP 47 tag: English unless known."""
    parts = (tag or "en").replace("_", "-").split("-")
    primary = parts[0].lower()
    if primary == "zh":
        rest = {part.lower() for part in parts[1:]}
        return "en" if rest & {"hant", "tw", "hk", "mo"} else "zh-Hans"
    return primary if primary in LANGUAGES else "en"


def labels(language: str) -> dict[str, str]:
    """The page's words in ``language`` (a key of :data:`LANGUAGES`), read for this render."""
    text = resources.files("isecg_events.exporters").joinpath("templates/labels.toml")
    catalogue: dict[str, dict[str, str]] = tomllib.loads(text.read_text("utf-8"))
    return catalogue["en"] | catalogue.get(language, {})


def render_prepared(
    prepared: Prepared,
    *,
    base_url: str | None = None,
) -> bytes:
    """The page as UTF-8; it links the feeds when the render writes them (``prepared.feeds``).

    Raises:
        ValueError: ``base_url`` is not an http(s) URL.
    """
    base_url = checked_base_url(base_url) if base_url else None
    programme = _programme(prepared)
    conference = programme.conference
    language = label_language(conference.language)
    words = labels(language)
    locale = Locale.parse(LANGUAGES[language])
    rooms = room_order(programme)
    tracks = _tracks(programme)
    webcal = f"webcal://{base_url.split('://', 1)[1]}" if base_url else None
    days = [
        _day(prepared, day, occurrences, rooms, tracks, words, locale, language)
        for day, occurrences in sorted(programme.occurrences_by_day().items())
    ]
    data_language = conference.language or language
    context: dict[str, Any] = {
        "language": language,
        "data_language": None if _same(data_language, language) else data_language,
        "label": words,
        "title": clean(conference.display_title),
        "dates": format_interval(conference.start, conference.end, "yMMMMd", locale=locale),
        "place": clean(conference.place) if conference.place else "",
        "subscribe": f"{webcal or ''}{conference.id}.ics",
        "picks_feed": f"{webcal}feed.ics" if webcal else "",
        "feeds": _feed_links(programme, words) if prepared.feeds else [],
        "days": days,
        "rooms": [{"name": name, "slug": feed_slug(name)} for name in rooms],
        "tracks": [
            {"name": clean_name(name), "slug": feed_slug(name), "index": index, "colour": colour}
            for name, (index, colour) in tracks.items()
        ],
        "store": f"isecg-events:{conference.id}:stars",
        "zone": conference.timezone,
        "version": __version__,
    }
    page = _template().render(context).encode("utf-8")
    # Noncharacters go from the whole page at once: the template has none,
    # and escaping leaves them as they are, so this equals cleaning each value.
    if any(form in page for form in _NONCHARACTER_BYTES):
        page = _NONCHARACTERS.sub("", page.decode("utf-8")).encode("utf-8")
    return page


def _same(tag: str, language: str) -> bool:
    return label_language(tag) == language and tag.split("-")[0].lower() == language[:2]


def room_order(programme: Programme) -> list[str]:
    """The page's columns: declared rooms in their order, then the others as first used."""
    used = dict.fromkeys(_entries.room_name(programme, o) for o in programme.occurrences)
    declared = [name for r in programme.conference.rooms if (name := clean_name(r.name)) in used]
    return list(dict.fromkeys([*declared, *used]))


def _tracks(programme: Programme) -> dict[str, tuple[int, str]]:
    """Each track's index and colour (declared, else the palette's): declared first, then A-Z."""
    declared = {t.name: t.color for t in programme.conference.tracks}
    used = set(programme.tracks)
    order = [name for name in declared if name in used]
    order += sorted(used.difference(order), key=lambda name: (name.casefold(), name))
    found = {}
    for index, name in enumerate(order):
        colour = declared.get(name) or ""
        found[name] = (
            index,
            colour if _COLOUR.fullmatch(colour) else PALETTE[index % len(PALETTE)],
        )
    return found


def _day(
    prepared: Prepared,
    day: date,
    occurrences: list[Occurrence],
    rooms: list[str],
    tracks: dict[str, tuple[int, str]],
    words: dict[str, str],
    locale: Locale,
    language: str,
) -> dict[str, Any]:
    programme = _programme(prepared)
    zone = programme.conference.zone
    step = _step(prepared)
    first = min(o.start for o in occurrences).astimezone(zone)
    start = first - timedelta(minutes=first.minute % step, seconds=first.second)
    # The grid ends with the day: a box of an event that goes on into the
    # next days stops there (its times say when it ends).
    _, day_end = timezones.day_bounds(day, zone, programme.conference.day_change)
    end = min(max(o.end for o in occurrences), day_end)
    count = max(1, math.ceil(timezones.elapsed(start, end).total_seconds() / 60 / step))
    # Rows and, per room, lanes: a room gets as many columns as it has
    # events at once (an overlap, a cancelled talk left in place).
    placed: list[tuple[Occurrence, str, int, int, int]] = []
    lanes: dict[str, list[int]] = {}  # per room, the row each lane is free from
    for occurrence in occurrences:
        room = _entries.room_name(programme, occurrence)
        offset = timezones.elapsed(start, occurrence.start).total_seconds() / 60
        row = min(count - 1, int(offset // step))
        minutes = timezones.elapsed(occurrence.start, occurrence.end).total_seconds() / 60
        span = max(1, min(count - row, math.ceil((offset + minutes) / step) - row))
        free = lanes.setdefault(room, [])
        lane = next((i for i, after in enumerate(free) if after <= row), len(free))
        if lane == len(free):
            free.append(0)
        free[lane] = row + span
        placed.append((occurrence, room, row, span, lane))
    columns, column = {}, 2
    for room in rooms:
        if room in lanes:
            columns[room] = column
            column += len(lanes[room])
    heading = "EEEE d MMMM y" if locale.language == "en" else "full"
    occupied = [False] * count
    for _, _, row, span, _ in placed:
        occupied[row : row + span] = [True] * span
    folded = _folded(occupied, step)
    ticks = []
    for index in range(count):
        if index in folded:
            continue
        moment = timezones.add_elapsed(start, timedelta(minutes=index * step)).astimezone(zone)
        after_gap = index - 1 in folded
        if index == 0 or after_gap or moment.minute % max(step, 30) == 0:
            ticks.append({"row": index + 2, "label": f"{moment:%H:%M}", "gap": after_gap})
    row_px = round(step * PX_PER_MINUTE, 1)
    heights = [
        ("0px" if i - 1 in folded else "1.5rem") if i in folded else f"minmax({row_px}px, auto)"
        for i in range(count)
    ]
    return {
        "id": f"day-{day.isoformat()}",
        "date": day.isoformat(),
        "heading": format_date(day, heading, locale=locale),
        "short": format_skeleton("MMMEd", day, locale=locale),
        "zone_note": zone_note(programme, day, words, locale),
        "columns": column - 2,
        "rows": " ".join(
            f"repeat({len(list(run))}, {height})" for height, run in itertools.groupby(heights)
        ),
        "rooms": [
            {"name": r, "column": columns[r], "span": len(lanes[r])} for r in rooms if r in lanes
        ],
        "ticks": ticks,
        "events": [
            _box(prepared, o, room, (row + 2, columns[room] + lane, span), tracks, language)
            for o, room, row, span, lane in placed
        ],
    }


def _folded(occupied: list[bool], step: int) -> set[int]:
    """The rows of each empty stretch of an hour or more: folded to 1.5rem, with no time label."""
    folded: set[int] = set()
    index = 0
    for busy, run in itertools.groupby(occupied):
        length = len(list(run))
        if not busy and length * step >= 60:
            folded.update(range(index, index + length))
        index += length
    return folded


def zone_note(programme: Programme, day: date, words: dict[str, str], locale: Locale) -> str:
    """The zone in force on ``day``: its name and offset, or both and the change's time."""
    zone = programme.conference.zone
    first, last = timezones.day_bounds(day, zone, programme.conference.day_change)
    changes = timezones.transitions(zone, first, last)
    if not changes:
        return words["times_are"].format(zone=_zone_words(first, locale))
    change = changes[0]
    before = change.utc.astimezone(zone) - timedelta(microseconds=1)
    return words["times_change"].format(
        before=_zone_words(before, locale),
        time=f"{change.local_onset:%H:%M}",
        after=_zone_words(change.utc.astimezone(zone), locale),
    )


def _zone_words(moment: datetime, locale: Locale) -> str:
    """``China Standard Time, UTC+08:00`` in ``locale`` (CLDR's name for that moment)."""
    label = timezones.offset_label(moment)
    en = "en_001" if locale.language == "en" else locale
    try:
        words = get_timezone_name(moment, "long", locale=en)
    except (LookupError, ValueError):  # pragma: no cover - CLDR knows IANA zones
        words = moment.tzname() or ""
    return f"{words}, {label}" if words and words != label else label


def _box(
    prepared: Prepared,
    occurrence: Occurrence,
    room: str,
    place: tuple[int, int, int],
    tracks: dict[str, tuple[int, str]],
    page_language: str,
) -> dict[str, Any]:
    programme = _programme(prepared)
    event = occurrence.event
    zone = programme.conference.zone
    start, end = occurrence.start.astimezone(zone), occurrence.end.astimezone(zone)
    days_later = (end.date() - start.date()).days
    parts = []
    for segment in event.segments:  # an <ol>: the list numbers them
        line = segment.title
        if segment.start and segment.end:
            line += (
                f" ({segment.start.astimezone(zone):%H:%M}–{segment.end.astimezone(zone):%H:%M})"
            )
        if segment.description:
            line += f" — {segment.description}"
        parts.append(clean(line))
    labels_ = [clean(p.label) for p in event.participations]
    language = event.language or programme.conference.language
    return {
        "anchor": event.id if occurrence.index == 0 else f"{event.id}-{occurrence.index + 1}",
        "event": event.id,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "from": f"{start:%H:%M}",
        "to": f"{end:%H:%M}" + (f" (+{days_later})" if days_later else ""),
        "title": _title(prepared, event),
        "lang": language if language and not _same(language, page_language) else None,
        "room": room,
        "room_slug": feed_slug(room),
        "track": tracks[event.track][0] if event.track else None,
        "track_slug": feed_slug(event.track) if event.track else "",
        "kind": " · ".join(clean_name(part) for part in (event.type, event.track) if part),
        "people": "; ".join(labels_),
        "cancelled": event.status == "cancelled",
        "abstract": _abstract_html(prepared, event),
        "parts": parts,
        "speakers": _speakers(event),
        "area": "{} / {} / span {}".format(*place),
        "ics": f"events/{event.id}.ics",
    }


def _speakers(event: Event) -> list[dict[str, Any]]:
    """What a source gave of the event's speakers (bio, photo, links), shown in its details.

    The photo is a link, not a picture: the page makes no request elsewhere.
    """
    found = []
    for participation in event.participations:
        person = participation.participant
        if not (person.bio or person.picture or person.links):
            continue
        found.append(
            {
                "name": clean(person.label),
                "bio": [clean(part) for part in (person.bio or "").split("\n\n") if part.strip()],
                "picture": person.picture,
                "links": [
                    {"url": link.url, "title": clean(link.title or link.url)}
                    for link in person.links
                ],
            }
        )
    return found


def _feed_links(programme: Programme, words: dict[str, str]) -> list[dict[str, str]]:
    """Links to the track, room and person feeds that ``export --feeds`` writes."""
    links = [
        {"href": f"tracks/{feed_slug(t)}.ics", "label": words["track_feed"].format(name=t)}
        for t in programme.tracks
    ]
    rooms = dict.fromkeys(e.room for e in programme.events if e.room)
    links += [
        {"href": f"rooms/{feed_slug(r)}.ics", "label": words["room_feed"].format(name=r)}
        for r in rooms
    ]
    people = {p.participant.id: p.participant for e in programme.events for p in e.participations}
    links += [
        {
            "href": f"people/{pid}.ics",
            "label": words["person_feed"].format(name=person.display_name or person.label),
        }
        for pid, person in people.items()
    ]
    return [{k: clean(v) for k, v in link.items()} for link in links]
