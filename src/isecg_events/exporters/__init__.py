"""The exporter registry: every output format, by name.

Each exporter is a name, a file name, a media type and a way to render a
:class:`~isecg_events.model.Programme` as bytes. Exporters render from a
:class:`Prepared` programme, which holds what several formats derive from
the same data (each event's text, the schedule entries of schedule.json and
schedule.xml), so that :func:`render_all` derives it once for all of them.
The registry is a plain tuple: importing this package registers nothing
anywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import attrs

from isecg_events.exporters import agenda, ical, schedule_json, schedule_xml
from isecg_events.exporters._collector import collector_paused
from isecg_events.exporters._prepared import Prepared
from isecg_events.exporters.agenda import to_agenda, to_markdown
from isecg_events.exporters.ical import Profile, event_to_ical, to_ical
from isecg_events.exporters.schedule_json import to_schedule_json
from isecg_events.exporters.schedule_xml import to_schedule_xml
from isecg_events.model import Programme

__all__ = [
    "EXPORTERS",
    "Exporter",
    "Prepared",
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

    ``render_prepared`` renders from a :class:`Prepared` programme;
    :meth:`render` prepares one itself. ``render_event``, where a format has
    one, renders a single event by id (the iCalendar "add this session to
    my calendar" file).
    """

    name: str
    extension: str
    media_type: str
    render_prepared: Callable[[Prepared], bytes]
    file_name: Callable[[Programme], str]
    summary: str
    render_event: Callable[[Programme, str], bytes] | None = None

    def render(self, programme: Programme) -> bytes:
        """Render the whole programme in this format."""
        with collector_paused():
            return self.render_prepared(Prepared(programme))


def _named(name: str) -> Callable[[Programme], str]:
    return lambda programme: name


def _markdown_bytes(prepared: Prepared) -> bytes:
    return agenda.render_markdown_prepared(prepared).encode("utf-8")


EXPORTERS: tuple[Exporter, ...] = (
    Exporter(
        "ics",
        "ics",
        "text/calendar; charset=utf-8",
        ical.render_prepared,
        lambda programme: f"{programme.conference.id}.ics",
        "iCalendar feed for calendar apps",
        event_to_ical,
    ),
    Exporter(
        "json",
        "json",
        "application/json",
        schedule_json.render_prepared,
        _named("schedule.json"),
        "frab/c3voc schedule.json for conference apps",
    ),
    Exporter(
        "xml",
        "xml",
        "application/vnd.c3voc.schedule+xml",
        schedule_xml.render_prepared,
        _named("schedule.xml"),
        "frab schedule.xml for conference apps",
    ),
    Exporter(
        "text",
        "txt",
        "text/plain; charset=utf-8",
        agenda.render_prepared_utf8,
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
    programme: Programme, names: Sequence[str], *, profile: Profile = "compat"
) -> dict[str, bytes]:
    """Render several formats from one :class:`Prepared` programme.

    What the formats share (each event's title, location and description;
    the entries of schedule.json and schedule.xml) is derived once. The
    cyclic garbage collector is paused meanwhile (see
    :func:`~isecg_events.exporters._collector.collector_paused`).

    Args:
        programme: the programme.
        names: exporter names, as in :data:`EXPORTERS`.
        profile: the iCalendar profile.

    Returns:
        The bytes of each format, by name, in the order of ``names``.

    Raises:
        KeyError: an unknown format name.
    """
    exporters = [get_exporter(name) for name in names]
    prepared = Prepared(programme)
    rendered: dict[str, bytes] = {}
    with collector_paused():
        for exporter in exporters:
            if exporter.name == "ics":
                rendered["ics"] = ical.render_prepared(prepared, profile=profile)
            else:
                rendered[exporter.name] = exporter.render_prepared(prepared)
    return rendered
