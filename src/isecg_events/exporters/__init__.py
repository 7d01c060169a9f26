"""The exporter registry: every output format, by name.

Each exporter is a name, a file name, a media type and a ``render`` function
that turns a :class:`~isecg_events.model.Programme` into bytes. The registry
is a plain tuple: importing this package registers nothing anywhere.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from isecg_events.exporters import _frab, schedule_json, schedule_xml
from isecg_events.exporters.agenda import to_agenda, to_markdown
from isecg_events.exporters.ical import Profile, event_to_ical, to_ical
from isecg_events.exporters.schedule_json import to_schedule_json
from isecg_events.exporters.schedule_xml import to_schedule_xml
from isecg_events.model import Programme

__all__ = [
    "EXPORTERS",
    "Exporter",
    "event_to_ical",
    "get_exporter",
    "render_all",
    "to_agenda",
    "to_ical",
    "to_markdown",
    "to_schedule_json",
    "to_schedule_xml",
]


@attrs.frozen
class Exporter:
    """One output format.

    ``render_event``, where a format has one, renders a single event by id
    (the iCalendar "add this session to my calendar" file).
    """

    name: str
    extension: str
    media_type: str
    render: Callable[[Programme], bytes]
    file_name: Callable[[Programme], str]
    summary: str
    render_event: Callable[[Programme, str], bytes] | None = None


def _named(name: str) -> Callable[[Programme], str]:
    return lambda programme: name


def _agenda_bytes(programme: Programme) -> bytes:
    return to_agenda(programme).encode("utf-8")


def _markdown_bytes(programme: Programme) -> bytes:
    return to_markdown(programme).encode("utf-8")


EXPORTERS: tuple[Exporter, ...] = (
    Exporter(
        "ics",
        "ics",
        "text/calendar; charset=utf-8",
        to_ical,
        lambda programme: f"{programme.conference.id}.ics",
        "iCalendar feed for calendar apps",
        event_to_ical,
    ),
    Exporter(
        "json",
        "json",
        "application/json",
        to_schedule_json,
        _named("schedule.json"),
        "frab/c3voc schedule.json for conference apps",
    ),
    Exporter(
        "xml",
        "xml",
        "application/vnd.c3voc.schedule+xml",
        to_schedule_xml,
        _named("schedule.xml"),
        "frab schedule.xml for conference apps",
    ),
    Exporter(
        "text",
        "txt",
        "text/plain; charset=utf-8",
        _agenda_bytes,
        _named("agenda.txt"),
        "plain-text agenda",
    ),
    Exporter(
        "markdown",
        "md",
        "text/markdown; charset=utf-8",
        _markdown_bytes,
        _named("agenda.md"),
        "Markdown agenda",
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


def render_all(
    programme: Programme, names: list[str], *, profile: Profile = "compat"
) -> dict[str, bytes]:
    """Render several formats at once, computing what they share only once.

    schedule.json and schedule.xml carry the same entries: they are built
    once for both. Other formats render as their exporters do.

    Raises:
        KeyError: an unknown format name.
    """
    exporters = [get_exporter(name) for name in names]
    shared: tuple[_frab.Day, ...] | None = None
    rendered: dict[str, bytes] = {}
    for exporter in exporters:
        if exporter.name in ("json", "xml"):
            if shared is None:
                shared = _frab.days(programme)
            module = schedule_json if exporter.name == "json" else schedule_xml
            rendered[exporter.name] = module.render(programme, shared)
        elif exporter.name == "ics":
            rendered["ics"] = to_ical(programme, profile=profile)
        else:
            rendered[exporter.name] = exporter.render(programme)
    return rendered
