"""The feeds people subscribe to: one event, a track, a room, a person's sessions.

:func:`feed_files` renders every such calendar of a programme, each through
the registry's ``ics`` format: ``events/<event-id>.ics`` (as ``--split``),
``tracks/<slug>.ics``, ``rooms/<slug>.ics`` and ``people/<participant-id>.ics``.
A slug is the name in lowercase ASCII (:func:`isecg_events.identity.feed_slug`);
two names with one slug are an error, never an overwrite. Each sub-feed is a
:meth:`~isecg_events.programme.Programme.select` of the programme and names
itself (``GLEX 2017 – Hall 2``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from isecg_events.exporters import get_exporter, ical
from isecg_events.exporters._prepared import Prepared, ReleaseHistory
from isecg_events.exporters._registry import option_values, prepared
from isecg_events.identity import feed_slug
from isecg_events.model import Event
from isecg_events.programme import Programme

__all__ = ["FOLDERS", "feed_files", "feed_name", "named_feed", "site_files", "site_stream"]

#: The folders feeds are written to, beside the whole-programme files.
FOLDERS = ("events", "tracks", "rooms", "people")


def feed_name(programme: Programme, part: str) -> str:
    """A sub-feed's calendar name: ``GLEX 2017 – Hall 2``."""
    conference = programme.conference
    return f"{conference.acronym or conference.title} – {part}"


def named_feed(
    programme: Programme, name: str, *, releases: ReleaseHistory | None = None, **options: Any
) -> bytes:
    """The ``ics`` feed of ``programme`` (a selection, say) as a calendar named ``name``.

    Raises:
        TypeError, ValueError: as the ``ics`` format's render.
    """
    values = option_values([get_exporter("ics")], options)["ics"]
    with prepared(programme, releases) as render:
        return ical.render_feed(render, _series(render), name, **values)


def feed_files(
    programme: Programme, *, releases: ReleaseHistory | None = None, **options: Any
) -> dict[str, bytes]:
    """Every subscriber feed of ``programme``, by path relative to the output folder.

    Args:
        programme: the programme.
        releases: a release history, applied once to the whole.
        **options: options of the ``ics`` format (``profile``, ``refresh``).

    Raises:
        ValueError: two tracks, rooms or people would write one file.
    """
    values = option_values([get_exporter("ics")], options)["ics"]
    with prepared(programme, releases) as render:
        return dict(_feeds(render, values))


def _feeds(render: Prepared, values: dict[str, Any]) -> Iterator[tuple[str, bytes]]:
    """Each event's own calendar, then each track's, room's and person's feed.

    Every feed is made of the render's VEVENTs (compat profile): an event's
    is written once, whatever the number of feeds it is in.
    """
    whole = render.programme
    for event in whole.events:
        for key, content in ical.render_event_prepared(render, event, **values).items():
            yield f"events/{key}.ics", content
    series = _series(render)
    people = {p.participant.id: p.participant for e in whole.events for p in e.participations}
    parts = [
        ("tracks", "track", [(name, name) for name in whole.tracks]),
        ("rooms", "room", [(name, name) for name in _rooms(whole)]),
        ("people", "participant", [(pid, p.display_name or p.label) for pid, p in people.items()]),
    ]
    for folder, kind, entries in parts:
        chosen = _grouped(series, kind)
        taken: dict[str, str] = {}
        for key, label in entries:
            slug = key if kind == "participant" else feed_slug(key)
            if slug in taken:
                raise ValueError(
                    f"the {kind}s {taken[slug]!r} and {key!r} would both be {folder}/{slug}.ics; "
                    "rename one"
                )
            taken[slug] = key
            name = feed_name(whole, label)
            yield f"{folder}/{slug}.ics", ical.render_feed(render, chosen[key], name, **values)


def _series(render: Prepared) -> list[Event]:
    """The events of a feed in its order: each event's first occurrence, in time order."""
    return [o.event for o in render.programme.occurrences if o.index == 0]


def _grouped(series: list[Event], kind: str) -> dict[str, list[Event]]:
    """The events of each track, room or participant, in series order (``Programme.select``)."""
    found: dict[str, list[Event]] = {}
    for event in series:
        if kind == "track":
            keys = [event.track] if event.track else []
        elif kind == "room":
            keys = [event.room] if event.room else []
        else:
            keys = list(dict.fromkeys(p.participant.id for p in event.participations))
        for key in keys:
            found.setdefault(key, []).append(event)
    return found


def _rooms(programme: Programme) -> list[str]:
    return list(dict.fromkeys(e.room for e in programme.events if e.room))


def site_files(
    programme: Programme,
    names: list[str],
    options: dict[str, Any],
    *,
    split: bool = False,
    feeds: bool = False,
    releases: ReleaseHistory | None = None,
) -> dict[str, bytes]:
    """Every file an export writes, by path relative to its folder.

    The whole-programme file of each named format; with ``feeds``, every
    subscriber feed (:func:`feed_files`); with ``split``, each event's own
    file of the formats that have one. ``schedule.html`` brings each event's
    own calendar, which its "Add to calendar" links open. ``export`` writes
    this (through :func:`site_stream`) and ``serve`` serves it, so the two
    agree byte for byte. All of it is one render: each text is derived once.

    Raises:
        ValueError: ``split`` with no format that has a file per event, or
            clashing feed names.
    """
    files = site_stream(programme, names, options, split=split, feeds=feeds, releases=releases)
    return {name: content for _, name, content in sorted(files, key=lambda file: file[0])}


def site_stream(
    programme: Programme,
    names: list[str],
    options: dict[str, Any],
    *,
    split: bool = False,
    feeds: bool = False,
    releases: ReleaseHistory | None = None,
) -> Iterator[tuple[int, str, bytes]]:
    """:func:`site_files` one format at a time, as each is rendered: for writing while rendering.

    Yields:
        (rank, path, bytes): sorted by rank (a stable sort), the files are in
        :func:`site_files`' order.

    Raises:
        ValueError: as :func:`site_files`.
    """
    exporters = [get_exporter(name) for name in names]
    splitting = [e for e in exporters if e.render_event_prepared]
    if split and not splitting:
        raise ValueError(f"--split needs a format with a file per event, not {', '.join(names)}")
    if "html" in names and not split and not feeds:
        # The page's "Add to calendar" links open each event's own calendar.
        split, splitting = True, [get_exporter("ics")]
    each = splitting if split and not feeds else []
    ics = get_exporter("ics")
    values = option_values([*exporters, *each, *([ics] if feeds else [])], options)
    # The page links the feeds written beside it.
    with prepared(programme, releases, feeds=feeds and "html" in names) as render:
        for rank, exporter in enumerate(exporters):
            content = exporter.render_prepared(render, **values[exporter.name])
            yield rank, exporter.file_name(programme), content
        for rank, exporter in enumerate(each, start=len(exporters) + 1):
            single = exporter.render_event_prepared
            assert single is not None
            for event in render.programme.events:
                for key, content in single(render, event, **values[exporter.name]).items():
                    yield rank, f"events/{key}.{exporter.extension}", content
        if feeds:  # the feeds hold every event's own file already
            for name, content in _feeds(render, values["ics"]):
                yield len(exporters), name, content
