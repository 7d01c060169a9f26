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

from isecg_events.exporters import get_exporter
from isecg_events.exporters._registry import parts, plan, render_with
from isecg_events.identity import feed_slug
from isecg_events.programme import Programme

__all__ = ["FOLDERS", "feed_files", "feed_name", "site_files", "site_stream"]

#: The folders feeds are written to, beside the whole-programme files.
FOLDERS = ("events", "tracks", "rooms", "people")


def feed_name(programme: Programme, part: str) -> str:
    """A sub-feed's calendar name: ``GLEX 2017 – Hall 2``."""
    conference = programme.conference
    return f"{conference.acronym or conference.title} – {part}"


def feed_files(programme: Programme, **options: Any) -> dict[str, bytes]:
    """Every subscriber feed of ``programme``, by path relative to the output folder.

    Args:
        programme: the programme.
        **options: options of the ``ics`` format (``profile``, ``releases``, ...).

    Raises:
        ValueError: two tracks, rooms or people would write one file.
    """
    ics = get_exporter("ics")
    history = options.pop("releases", None)
    # The history applies once, to the whole: sub-feeds select from the result.
    whole = programme if history is None else history.apply(programme)
    files = {
        f"events/{key}.ics": content for key, content in ics.render_events(whole, **options).items()
    }
    people = {p.participant.id: p.participant for e in whole.events for p in e.participations}
    parts = [
        ("tracks", "track", [(name, name) for name in whole.tracks]),
        ("rooms", "room", [(name, name) for name in _rooms(whole)]),
        ("people", "participant", [(pid, p.display_name or p.label) for pid, p in people.items()]),
    ]
    for folder, kind, entries in parts:
        taken: dict[str, str] = {}
        for key, label in entries:
            slug = key if kind == "participant" else feed_slug(key)
            if slug in taken:
                raise ValueError(
                    f"the {kind}s {taken[slug]!r} and {key!r} would both be {folder}/{slug}.ics; "
                    "rename one"
                )
            taken[slug] = key
            selected = whole.select(**{f"{kind}s": [key]})
            name = feed_name(whole, label)
            rendered = render_with(selected, [ics], {**options, "calendar_name": name})
            files[f"{folder}/{slug}.ics"] = rendered["ics"]
    return files


def _rooms(programme: Programme) -> list[str]:
    return list(dict.fromkeys(e.room for e in programme.events if e.room))


def site_files(
    programme: Programme,
    names: list[str],
    options: dict[str, Any],
    *,
    split: bool = False,
    feeds: bool = False,
) -> dict[str, bytes]:
    """Every file an export writes, by path relative to its folder.

    The whole-programme file of each named format; with ``feeds``, every
    subscriber feed (:func:`feed_files`); with ``split``, each event's own
    file of the formats that have one. ``schedule.html`` brings each event's
    own calendar, which its "Add to calendar" links open. ``export`` writes
    this (through :func:`site_stream`) and ``serve`` serves it, so the two
    agree byte for byte.

    Raises:
        ValueError: ``split`` with no format that has a file per event, or
            clashing feed names.
    """
    files = site_stream(programme, names, options, split=split, feeds=feeds)
    return {name: content for _, name, content in sorted(files, key=lambda file: file[0])}


def site_stream(
    programme: Programme,
    names: list[str],
    options: dict[str, Any],
    *,
    split: bool = False,
    feeds: bool = False,
) -> Iterator[tuple[int, str, bytes]]:
    """:func:`site_files` one format at a time, as each is rendered: for writing while rendering.

    Args:
        programme: the programme.
        names: the formats, in order.
        options: their options.
        split: each event's own files too.
        feeds: every subscriber feed too.

    Yields:
        (rank, path, bytes): sorted by rank (a stable sort), the files are in
        :func:`site_files`' order.

    Raises:
        ValueError: as :func:`site_files`.
    """
    splitting = [name for name in names if get_exporter(name).render_event_prepared]
    if split and not splitting:
        raise ValueError(f"--split needs a format with a file per event, not {', '.join(names)}")
    if feeds and "html" in names:
        options = {**options, "feeds": True}  # the page links the feeds written beside it
    if "html" in names and not split and not feeds:
        # The page's "Add to calendar" links open each event's own calendar.
        split, splitting = True, ["ics"]
    exporters = [get_exporter(name) for name in names]
    each = [get_exporter(name) for name in splitting] if split and not feeds else []
    rank = {("whole", e.name): index for index, e in enumerate(exporters)}
    rank |= {("apart", e.name): len(exporters) + 1 + index for index, e in enumerate(each)}
    loaded = [programme]
    rendered = parts(plan(programme, exporters, options, each))
    for part in rendered:
        position = rank[part.kind, part.name]
        if isinstance(part.content, bytes):
            yield position, get_exporter(part.name).file_name(loaded[0]), part.content
        else:
            extension = get_exporter(part.name).extension
            for key, content in part.content.items():
                yield position, f"events/{key}.{extension}", content
    if feeds:  # the feeds hold every event's own file already
        ics = get_exporter("ics")
        for name, content in feed_files(loaded[0], **_own(ics.option_names, options)).items():
            yield len(exporters), name, content


def _own(names: tuple[str, ...], options: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in options.items() if key in names}
