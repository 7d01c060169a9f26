"""The registry of formats, and the render API.

:data:`EXPORTERS` is a dict of :class:`Exporter` by name: each declares its
file, media type and the options a user gives it. :func:`render` renders
several formats of a programme in one render (what they share is derived
once); :func:`render_events` gives each event's own files; the ``to_*``
functions are thin calls of single formats. Every caller (the command line,
the server, the publisher, the friendly functions) renders through these.
Importing this package registers nothing anywhere.

>>> import isecg_events
>>> text = get_exporter("text").render(isecg_events.load(), width=60, detail="brief")
>>> max(len(line) for line in text.decode().splitlines()) <= 60
True
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from isecg_events.errors import did_you_mean
from isecg_events.exporters import agenda, changes, html, ical, sessionize
from isecg_events.exporters._prepared import ReleaseHistory
from isecg_events.exporters._registry import Exporter, Option, render_events_with, render_with
from isecg_events.exporters.agenda import Detail
from isecg_events.exporters.changes import render_changes, render_history
from isecg_events.exporters.frab import schedule_json, schedule_xml
from isecg_events.exporters.frab.schedule_json import PersonStyle
from isecg_events.exporters.ical import DEFAULT_REFRESH, Profile, timezone_calendar
from isecg_events.programme import Programme

__all__ = [
    "EXPORTERS",
    "Exporter",
    "Option",
    "ReleaseHistory",
    "event_to_ical",
    "get_exporter",
    "render",
    "render_all",
    "render_changes",
    "render_events",
    "render_history",
    "timezone_calendar",
    "to_agenda",
    "to_ical",
    "to_markdown",
    "to_schedule_json",
    "to_schedule_xml",
]


def _named(name: str) -> Callable[[Programme], str]:
    return lambda programme: name


#: Every format, by name, in the order ``--format all`` writes them.
EXPORTERS: dict[str, Exporter] = {
    exporter.name: exporter
    for exporter in (
        Exporter(
            name="ics",
            extension="ics",
            media_type="text/calendar; charset=utf-8",
            summary="iCalendar feed for calendar apps",
            file_name=lambda programme: f"{programme.conference.id}.ics",
            render_prepared=ical.render_prepared,
            options=ical.OPTIONS,
            render_event_prepared=ical.render_event_prepared,
        ),
        Exporter(
            name="json",
            extension="json",
            media_type="application/json",
            summary="frab/c3voc schedule.json for conference apps",
            file_name=_named("schedule.json"),
            render_prepared=schedule_json.render_prepared,
            options=schedule_json.OPTIONS,
        ),
        Exporter(
            name="xml",
            extension="xml",
            media_type="application/vnd.c3voc.schedule+xml",
            summary="frab schedule.xml for conference apps",
            file_name=_named("schedule.xml"),
            render_prepared=schedule_xml.render_prepared,
        ),
        Exporter(
            name="text",
            extension="txt",
            media_type="text/plain; charset=utf-8",
            summary="plain-text agenda",
            file_name=_named("agenda.txt"),
            render_prepared=agenda.render_text,
            options=agenda.OPTIONS,
        ),
        Exporter(
            name="markdown",
            extension="md",
            media_type="text/markdown; charset=utf-8",
            summary="Markdown agenda",
            file_name=_named("agenda.md"),
            render_prepared=agenda.render_markdown,
            options=agenda.OPTIONS,
        ),
        Exporter(
            name="html",
            extension="html",
            media_type="text/html; charset=utf-8",
            summary="the programme as a day grid, one self-contained web page",
            file_name=_named("schedule.html"),
            render_prepared=html.render_prepared,
            options=html.OPTIONS,
        ),
        Exporter(
            name="sessionize",
            extension="json",
            media_type="application/json",
            summary="Sessionize 'All data' JSON for the apps built on Sessionize's API",
            file_name=_named("sessionize.json"),
            render_prepared=sessionize.render_prepared,
        ),
        Exporter(
            name="atom",
            extension="atom",
            media_type="application/atom+xml",
            summary="Atom feed of the releases and their changes (needs --releases)",
            file_name=_named("changes.atom"),
            render_prepared=changes.render_atom,
            options=changes.OPTIONS,
        ),
    )
}


def get_exporter(name: str) -> Exporter:
    """Return the exporter called ``name``.

    Raises:
        KeyError: no exporter has that name; the message names those there are.
    """
    found = EXPORTERS.get(name)
    if found is None:
        raise KeyError(
            f"no format {name!r}{did_you_mean(name, EXPORTERS)} (formats: {', '.join(EXPORTERS)})"
        )
    return found


def _exporters(formats: Sequence[str] | str) -> list[Exporter]:
    """The exporters of ``formats``: names, or one name alone."""
    return [get_exporter(name) for name in ([formats] if isinstance(formats, str) else formats)]


def render(
    programme: Programme,
    formats: Sequence[str] | str,
    *,
    releases: ReleaseHistory | None = None,
    **options: Any,
) -> dict[str, bytes]:
    """Render several formats in one render: what they share is derived once.

    Args:
        programme: the programme.
        formats: format names, as in :data:`EXPORTERS` (or one name alone).
        releases: a release history (:class:`isecg_events.releases.History`),
            applied before any format renders: SEQUENCE, stamps, removed
            events as cancelled, the version; the ``atom`` format lists its releases.
        **options: options of the formats, such as ``profile="rich"`` or
            ``width=60``; each format gets those it declares.

    Returns:
        The bytes of each format, by name, in the order of ``formats``.

    Raises:
        KeyError: an unknown format name.
        TypeError: an option that none of the named formats takes.
        ValueError: an option value a format refuses.
    """
    return render_with(programme, _exporters(formats), options, releases=releases)


def render_events(
    programme: Programme,
    formats: Sequence[str] | str,
    *,
    releases: ReleaseHistory | None = None,
    **options: Any,
) -> dict[str, dict[str, bytes]]:
    """Each event's own files of several formats (``--split``), in one render.

    Returns:
        Of each format, by name, its files by key: the event ids, and any
        more files a format gives an event (``<event-id>.part-<n>`` in the
        rich iCalendar profile).

    Raises:
        KeyError, TypeError: as :func:`render`.
        ValueError: an option value a format refuses, or a format with no
            file per event.
    """
    exporters = _exporters(formats)
    return render_events_with(programme, exporters, options, releases=releases)


def render_all(programme: Programme, names: Sequence[str], **options: Any) -> dict[str, bytes]:
    """Deprecated alias of :func:`render`, kept for one release.

    ``releases`` may be given among the options, as before.
    """
    warnings.warn(
        "render_all() is deprecated; use render(), which it calls",
        DeprecationWarning,
        stacklevel=2,
    )
    return render(programme, names, **options)


def to_ical(
    programme: Programme,
    *,
    profile: Profile = "compat",
    refresh: timedelta = DEFAULT_REFRESH,
    releases: ReleaseHistory | None = None,
) -> bytes:
    """Serialise the whole programme as one iCalendar feed.

    Args:
        programme: the programme to export.
        profile: ``"compat"`` (default) or ``"rich"``.
        refresh: the REFRESH-INTERVAL and X-PUBLISHED-TTL asked of subscribers.
        releases: a release history (:class:`isecg_events.releases.History`):
            SEQUENCE, stamps and removed events follow it.

    Returns:
        The feed as UTF-8 bytes with CRLF line ends, folded at 75 octets.

    Raises:
        ValueError: an unknown profile or a refresh interval that is not positive.
    """
    return get_exporter("ics").render(
        programme, profile=profile, refresh=refresh, releases=releases
    )


def event_to_ical(programme: Programme, event_id: str, *, profile: Profile = "compat") -> bytes:
    """Serialise one event as its own small calendar ("add to my calendar").

    Raises:
        KeyError: no event has ``event_id``.
        ValueError: an unknown profile.
    """
    return get_exporter("ics").render_event(programme, event_id, profile=profile)


def to_schedule_json(
    programme: Programme,
    *,
    persons: PersonStyle = "pretalx",
    releases: ReleaseHistory | None = None,
) -> bytes:
    """Serialise the programme as a frab/c3voc schedule.json document.

    Args:
        programme: the programme.
        persons: ``pretalx`` writes each person's guid, name and public_name;
            ``frab`` their guid, numeric id and public_name (the schema takes
            one or the other, not both).
        releases: a release history: the version is then the latest release's
            name, and events it removed are left out with the cancelled ones.

    Returns:
        Compact UTF-8 JSON (keys in a fixed order) ending with a newline;
        compact because it is several times faster to write and smaller
        than an indented dump. Pipe it through ``jq .`` to read it.
    """
    return get_exporter("json").render(programme, persons=persons, releases=releases)


def to_schedule_xml(programme: Programme, *, releases: ReleaseHistory | None = None) -> bytes:
    """Serialise the programme as a frab schedule.xml document (UTF-8, indented)."""
    return get_exporter("xml").render(programme, releases=releases)


def to_agenda(
    programme: Programme, *, width: int = 78, tz: str | None = None, detail: Detail = "full"
) -> str:
    """Render the programme as a plain-text agenda.

    Args:
        programme: the programme.
        width: the widest line in terminal columns (40 to 1,000); only a
            single unbreakable token, such as a URL, may exceed it.
        tz: show every time in this IANA zone, regrouping events by its days.
        detail: ``"full"`` or ``"brief"`` (no abstracts).

    Raises:
        ValueError: a width out of range or an unknown detail level.
        isecg_events.timezones.UnknownTimeZone: ``tz`` is not an IANA zone.
    """
    text = get_exporter("text").render(programme, width=width, tz=tz, detail=detail)
    return text.decode("utf-8")


def to_markdown(
    programme: Programme, *, width: int = 78, tz: str | None = None, detail: Detail = "full"
) -> str:
    """Render the programme as a CommonMark agenda with the content of :func:`to_agenda`.

    Raises:
        ValueError, isecg_events.timezones.UnknownTimeZone: as :func:`to_agenda`.
    """
    text = get_exporter("markdown").render(programme, width=width, tz=tz, detail=detail)
    return text.decode("utf-8")
