"""Write a programme's files into a folder: :func:`export`, what ``isecg-events export`` does.

One render through the registry (:func:`.exporters.feeds.site_stream`),
every file staged as its format is rendered and moved into place together
(:func:`.output.write_all`): all of them or none, whatever fails. Signal
handling (Ctrl-C's message and exit code) stays the command line's.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from isecg_events.errors import ExportError
from isecg_events.exporters import EXPORTERS, ReleaseHistory, get_exporter
from isecg_events.exporters.feeds import FOLDERS, site_stream
from isecg_events.output import write_all
from isecg_events.programme import Programme
from isecg_events.releases import History

__all__ = ["default_formats", "export"]


def default_formats(releases: bool) -> list[str]:
    """What ``--format all`` writes: every format, the changelog (``atom``) with a history."""
    return [name for name in EXPORTERS if name != "atom" or releases]


def check_folder(folder: str | os.PathLike[str]) -> None:
    """Refuse an output folder that cannot be made, before anything is rendered.

    Raises:
        ExportError: the folder's parent does not exist.
    """
    path = Path(folder)
    if path.exists() or path.parent.is_dir():
        return
    if path.parent.exists():
        raise ExportError(f"{path.parent}: is not a folder")
    raise ExportError(f"{path.parent}: the folder does not exist")


def export(
    programme: Programme,
    folder: str | os.PathLike[str],
    formats: Sequence[str] | str | None = None,
    *,
    feeds: bool = False,
    split: bool = False,
    releases: ReleaseHistory | str | os.PathLike[str] | None = None,
    **options: Any,
) -> list[str]:
    """Write the programme's files into ``folder``, as ``isecg-events export`` does.

    Args:
        programme: the programme.
        folder: the output folder (made if its parent exists).
        formats: format names (:data:`.exporters.EXPORTERS`), or one name alone;
            by default every format, as ``--format all``.
        feeds: also the track, room and person feeds (``tracks/``, ``rooms/``,
            ``people/``) and ``events/``.
        split: also each event's own calendar in ``events/`` (the page's
            "Add to calendar" links need them, and ``html`` writes them).
        releases: a release history, or its folder: SEQUENCE, stamps, removed
            events, and ``changes.atom``. The programme must be its latest release.
        **options: options of the formats (``profile="rich"``, ``base_url=...``).

    Returns:
        The paths written (and those already holding the same bytes), in the
        order the command line prints them.

    Raises:
        KeyError: an unknown format.
        TypeError: an option none of the formats takes.
        ValueError: an option value a format refuses, or ``split`` without a
            format that has a file per event.
        isecg_events.ReleaseError: the programme is not the history's latest release.
        ExportError: nothing was written (a folder that cannot be made, a full disk).
    """
    history = History.read(Path(releases)) if isinstance(releases, str | os.PathLike) else releases
    if isinstance(history, History):
        history.check_current(programme)
    if formats is None:
        names = default_formats(history is not None)
    else:
        names = [formats] if isinstance(formats, str) else list(formats)
    for name in names:
        get_exporter(name)  # an unknown name fails before anything is written
    check_folder(folder)
    root = Path(folder)
    prune = []
    if feeds:
        prune = [(root / name, "*.ics") for name in FOLDERS]
    elif split or "html" in names:
        prune = [(root / "events", "*.ics")]
    ranks: dict[str, int] = {}

    def outputs() -> Iterator[tuple[str, bytes]]:
        # Each format's files are staged as soon as it is rendered; all are
        # moved into place together at the end.
        files = site_stream(programme, names, options, split=split, feeds=feeds, releases=history)
        for rank, relative, content in files:
            path = os.path.join(root, relative)
            ranks[path] = rank
            yield path, content

    written = write_all(outputs(), root=root, prune=prune)
    return sorted((str(path) for path in written), key=ranks.__getitem__)
