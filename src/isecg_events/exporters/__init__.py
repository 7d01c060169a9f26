"""The exporter registry: every output format, by name, with its options.

Each :class:`Exporter` declares its file, media type and the options it
takes; :func:`render_all` renders several from one prepared programme, and
the ``to_*`` functions are the friendly calls of single formats. Every
caller (the command line, the friendly functions, later a server) renders
through this registry and nothing else. The registry is a plain tuple:
importing this package registers nothing anywhere.

>>> import isecg_events
>>> text = get_exporter("text").render(isecg_events.load(), width=60, detail="brief")
>>> max(len(line) for line in text.decode().splitlines()) <= 60
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from isecg_events.exporters import agenda, changes, html, ical
from isecg_events.exporters._prepared import Prepared
from isecg_events.exporters._registry import RELEASES, Exporter, Option, render_with
from isecg_events.exporters.agenda import Detail
from isecg_events.exporters.changes import ReleaseHistory, render_changes, render_history
from isecg_events.exporters.frab import schedule_json, schedule_xml
from isecg_events.exporters.frab.schedule_json import PersonStyle
from isecg_events.exporters.ical import DEFAULT_REFRESH, Profile, timezone_calendar
from isecg_events.programme import Programme

__all__ = [
    "EXPORTERS",
    "Exporter",
    "Option",
    "Prepared",
    "event_to_ical",
    "get_exporter",
    "render_all",
    "render_changes",
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


EXPORTERS: tuple[Exporter, ...] = (
    Exporter(
        name="ics",
        extension="ics",
        media_type="text/calendar; charset=utf-8",
        summary="iCalendar feed for calendar apps",
        file_name=lambda programme: f"{programme.conference.id}.ics",
        render_prepared=ical.render_prepared,
        options=ical.OPTIONS,
        render_event_prepared=ical.render_event_prepared,
        cost=0.8,
    ),
    Exporter(
        name="json",
        extension="json",
        media_type="application/json",
        summary="frab/c3voc schedule.json for conference apps",
        file_name=_named("schedule.json"),
        render_prepared=schedule_json.render_prepared,
        options=schedule_json.OPTIONS,
        cost=0.55,
        family="frab",
    ),
    Exporter(
        name="xml",
        extension="xml",
        media_type="application/vnd.c3voc.schedule+xml",
        summary="frab schedule.xml for conference apps",
        file_name=_named("schedule.xml"),
        render_prepared=schedule_xml.render_prepared,
        options=schedule_xml.OPTIONS,
        cost=0.5,
        family="frab",
    ),
    Exporter(
        name="text",
        extension="txt",
        media_type="text/plain; charset=utf-8",
        summary="plain-text agenda",
        file_name=_named("agenda.txt"),
        render_prepared=agenda.render_text,
        options=agenda.OPTIONS,
        cost=0.9,
    ),
    Exporter(
        name="markdown",
        extension="md",
        media_type="text/markdown; charset=utf-8",
        summary="Markdown agenda",
        file_name=_named("agenda.md"),
        render_prepared=agenda.render_markdown,
        options=agenda.OPTIONS,
        cost=1.0,
    ),
    Exporter(
        name="html",
        extension="html",
        media_type="text/html; charset=utf-8",
        summary="the programme as a day grid, one self-contained web page",
        file_name=_named("schedule.html"),
        render_prepared=html.render_prepared,
        options=html.OPTIONS,
        cost=1.6,
    ),
    Exporter(
        name="atom",
        extension="atom",
        media_type="application/atom+xml",
        summary="Atom feed of the releases and their changes (needs --releases)",
        file_name=_named("changes.atom"),
        render_prepared=changes.render_atom,
        options=(RELEASES,),
        cost=0.1,
    ),
)


def get_exporter(name: str) -> Exporter:
    """Return the exporter called ``name``.

    Raises:
        KeyError: no exporter has that name.
    """
    for exporter in EXPORTERS:
        if exporter.name == name:
            return exporter
    raise KeyError(name)


def render_all(programme: Programme, names: Sequence[str], **options: Any) -> dict[str, bytes]:
    """Render several formats from one :class:`Prepared` programme.

    What the formats share (each event's title, location and description;
    the entries of schedule.json and schedule.xml) is derived once. Each
    format gets the options it declares.

    Args:
        programme: the programme.
        names: exporter names, as in :data:`EXPORTERS`.
        **options: options of the formats, such as ``profile="rich"`` or ``width=60``.

    Returns:
        The bytes of each format, by name, in the order of ``names``.

    Raises:
        KeyError: an unknown format name.
        TypeError: an option that none of the named formats takes.
        ValueError: an option value a format refuses.
    """
    return render_with(programme, [get_exporter(name) for name in names], options)


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
    options = {"width": width, "tz": tz, "detail": detail}
    return get_exporter("text").render(programme, **options).decode("utf-8")


def to_markdown(
    programme: Programme, *, width: int = 78, tz: str | None = None, detail: Detail = "full"
) -> str:
    """Render the programme as a CommonMark agenda with the content of :func:`to_agenda`.

    Raises:
        ValueError, isecg_events.timezones.UnknownTimeZone: as :func:`to_agenda`.
    """
    options = {"width": width, "tz": tz, "detail": detail}
    return get_exporter("markdown").render(programme, **options).decode("utf-8")
