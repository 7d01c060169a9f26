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

from typing import Any

from isecg_events.exporters import get_exporter
from isecg_events.exporters._registry import render_with
from isecg_events.identity import feed_slug
from isecg_events.programme import Programme

__all__ = ["FOLDERS", "feed_files", "feed_name"]

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
