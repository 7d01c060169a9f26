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

from isecg_events.exporters import _parallel, agenda, ical, schedule_json, schedule_xml
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
    "can_render_side_by_side",
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
        return self.render_prepared(Prepared(programme))


def _named(name: str) -> Callable[[Programme], str]:
    return lambda programme: name


def _agenda_bytes(prepared: Prepared) -> bytes:
    return agenda.render_prepared(prepared).encode("utf-8")


def _markdown_bytes(prepared: Prepared) -> bytes:
    return agenda.render_markdown_prepared(prepared).encode("utf-8")


def _ical_bytes(prepared: Prepared) -> bytes:
    return ical.render_prepared(prepared)


EXPORTERS: tuple[Exporter, ...] = (
    Exporter(
        "ics",
        "ics",
        "text/calendar; charset=utf-8",
        _ical_bytes,
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
    programme: Programme,
    names: Sequence[str],
    *,
    profile: Profile = "compat",
    jobs: int = 1,
) -> dict[str, bytes]:
    """Render several formats, deriving what they share once.

    Each event's title, location and description, and the entries of
    schedule.json and schedule.xml, are derived once per process.

    Args:
        programme: the programme.
        names: exporter names, as in :data:`EXPORTERS`.
        profile: the iCalendar profile.
        jobs: render in up to this many processes side by side (forked from
            this one, so only where :func:`can_render_side_by_side` allows;
            elsewhere in this process alone). The outputs are the same.

    Returns:
        The bytes of each format, by name, in the order of ``names``.

    Raises:
        KeyError: an unknown format name.
    """
    for name in names:
        get_exporter(name)

    def render(group: Sequence[str]) -> dict[str, bytes]:
        prepared = Prepared(programme)
        return {name: _render_prepared(prepared, name, profile) for name in group}

    groups = _balanced_groups(names, jobs) if can_render_side_by_side() else [list(names)]
    rendered = _parallel.render_side_by_side(groups, render) if len(groups) > 1 else render(names)
    return {name: rendered[name] for name in names}


def can_render_side_by_side() -> bool:
    """Whether :func:`render_all` may use several processes here (see ``jobs``)."""
    return _parallel.can_fork()


def _render_prepared(prepared: Prepared, name: str, profile: Profile) -> bytes:
    if name == "ics":
        return ical.render_prepared(prepared, profile=profile)
    return get_exporter(name).render_prepared(prepared)


#: Rough rendering cost of each format, relative to one another (from
#: benchmarks/run.py at 25,000 events), used only to balance processes.
_RELATIVE_COST = {"ics": 1.0, "json": 0.9, "xml": 0.5, "text": 1.4, "markdown": 1.0}


def _balanced_groups(names: Sequence[str], jobs: int) -> list[list[str]]:
    """Split formats into at most ``jobs`` groups of similar cost.

    schedule.json and schedule.xml stay together, as they share their
    entries. The costliest units are placed first, each in the group that
    costs least so far (longest processing time first).
    """
    units: list[list[str]] = []
    for name in dict.fromkeys(names):
        together = next((u for u in units if {name, u[0]} <= {"json", "xml"}), None)
        if together is None:
            units.append([name])
        else:
            together.append(name)
    groups: list[list[str]] = [[] for _ in range(max(1, min(jobs, len(units))))]
    costs = [0.0] * len(groups)

    def cost(unit: list[str]) -> float:
        return sum(_RELATIVE_COST.get(name, 1.0) for name in unit)

    for unit in sorted(units, key=cost, reverse=True):
        cheapest = costs.index(min(costs))
        groups[cheapest] += unit
        costs[cheapest] += cost(unit)
    order = list(names).index
    return [sorted(group, key=order) for group in groups if group]
