"""What an output format is, and the one way a render runs.

An :class:`Exporter` declares its name, file, media type and the options a
user gives it (:class:`Option`, with defaults); it renders from one shared
per-render object (:class:`~isecg_events.exporters._prepared.Prepared`).
:func:`render_with` is the one render path: it checks the options, applies
the release history, builds one ``Prepared`` and gives each format its own
options. The registry itself (a dict of exporters by name) is
:data:`isecg_events.exporters.EXPORTERS`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import attrs

from isecg_events.errors import OptionError
from isecg_events.exporters._prepared import Prepared, ReleaseHistory
from isecg_events.model import Event
from isecg_events.programme import Programme

__all__ = ["Exporter", "Option", "option_values", "prepared", "render_events_with", "render_with"]


@attrs.frozen(kw_only=True)
class Option:
    """One option a format takes, with its default and how a command line gives it.

    Attributes:
        name: the keyword, such as ``width``; ``--width`` on the command line.
        default: the value when the option is not given.
        help: one line for ``--help`` and the docs.
        choices: the values it takes, when they are a closed set.
        parse: turns the command line's text into the value.
        shorthands: extra flags that set a fixed value, as (flag, value, help):
            ``("--brief", "brief", "leave out abstracts")``.
    """

    name: str
    default: Any
    help: str
    choices: tuple[str, ...] = ()
    parse: Callable[[str], Any] = str
    shorthands: tuple[tuple[str, Any, str], ...] = ()


@attrs.frozen(kw_only=True)
class Exporter:
    """One output format.

    Attributes:
        name: the format's name (``--format NAME``).
        extension: the file extension, without a dot.
        media_type: the HTTP media type, with its charset where it has one.
        summary: one line saying what the format is for.
        file_name: the file a whole-programme render is written to.
        render_prepared: renders a :class:`Prepared` programme with the
            declared options as keywords.
        options: the options the format takes.
        render_event_prepared: renders one event of a :class:`Prepared`
            programme on its own (``--split``), where the format can: its
            files by name, the event's id first (a format may add more, as
            the rich iCalendar profile does for segment children).
    """

    name: str
    extension: str
    media_type: str
    summary: str
    file_name: Callable[[Programme], str]
    render_prepared: Callable[..., bytes]
    options: tuple[Option, ...] = ()
    render_event_prepared: Callable[..., dict[str, bytes]] | None = None

    @property
    def option_names(self) -> tuple[str, ...]:
        """The names of the options this format takes."""
        return tuple(option.name for option in self.options)

    def render(
        self, programme: Programme, *, releases: ReleaseHistory | None = None, **options: Any
    ) -> bytes:
        """Render the whole programme in this format (see :func:`render_with`).

        Raises:
            TypeError: an option the format does not take.
            ValueError: an option value the format refuses.
        """
        return render_with(programme, [self], options, releases=releases)[self.name]

    def render_events(
        self, programme: Programme, *, releases: ReleaseHistory | None = None, **options: Any
    ) -> dict[str, bytes]:
        """Render each event on its own, in one render.

        Returns:
            Each file by name: the event ids, and any more files a format
            gives an event (``<event-id>.part-<n>`` in the rich iCalendar profile).

        Raises:
            TypeError: an option the format does not take.
            ValueError: the format cannot render single events.
        """
        return render_events_with(programme, [self], options, releases=releases)[self.name]

    def render_event(
        self,
        programme: Programme,
        event_id: str,
        *,
        releases: ReleaseHistory | None = None,
        **options: Any,
    ) -> bytes:
        """Render one event on its own ("add this session to my calendar").

        Raises:
            KeyError: no event has ``event_id``.
            TypeError, ValueError: as :meth:`render_events`.
        """
        single = _single(self)
        values = option_values([self], options)[self.name]
        with prepared(programme, releases) as render:
            event = _event(render.programme, event_id)
            return single(render, event, **values)[event.id]


def render_with(
    programme: Programme,
    exporters: Sequence[Exporter],
    options: Mapping[str, Any],
    *,
    releases: ReleaseHistory | None = None,
) -> dict[str, bytes]:
    """Render several formats from one :class:`Prepared` programme.

    Each format gets the options it declares; an option no format of
    ``exporters`` takes is an error. ``releases`` is applied once, before
    any format renders, so every format sees the same SEQUENCE, stamps,
    removed events and version.

    Returns:
        The bytes of each format, by name, in the order of ``exporters``.

    Raises:
        TypeError: an option none of the formats takes.
        ValueError: an option value a format refuses.
    """
    values = option_values(exporters, options)
    with prepared(programme, releases) as render:
        return {e.name: e.render_prepared(render, **values[e.name]) for e in exporters}


def render_events_with(
    programme: Programme,
    exporters: Sequence[Exporter],
    options: Mapping[str, Any],
    *,
    releases: ReleaseHistory | None = None,
) -> dict[str, dict[str, bytes]]:
    """Each event's own files of several formats, from one :class:`Prepared` programme.

    Raises:
        TypeError: an option none of the formats takes.
        ValueError: an option value a format refuses, or a format with no
            file per event.
    """
    singles = [(exporter, _single(exporter)) for exporter in exporters]
    values = option_values(exporters, options)
    with prepared(programme, releases) as render:
        return {
            exporter.name: {
                key: content
                for event in render.programme.events
                for key, content in single(render, event, **values[exporter.name]).items()
            }
            for exporter, single in singles
        }


def option_values(
    exporters: Sequence[Exporter], options: Mapping[str, Any]
) -> dict[str, dict[str, Any]]:
    """Each format's option values: those given that it declares, and its defaults.

    Raises:
        OptionError: an option none of ``exporters`` takes, naming them (a
            ``TypeError``, as for a wrong keyword argument).
    """
    for key in options:
        if not any(key in exporter.option_names for exporter in exporters):
            raise OptionError(_unknown_option(key, exporters))
    return {
        exporter.name: {
            option.name: options.get(option.name, option.default) for option in exporter.options
        }
        for exporter in exporters
    }


@contextlib.contextmanager
def prepared(
    programme: Programme, releases: ReleaseHistory | None = None, *, feeds: bool = False
) -> Iterator[Prepared]:
    """One render's :class:`Prepared`: the programme after ``releases``, for as long as it runs.

    ``feeds``: the subscriber feeds are written beside the render's files
    (the page links them).
    """
    effective = programme if releases is None else releases.apply(programme)
    render = Prepared(effective, releases=releases, feeds=feeds)
    try:
        yield render
    finally:
        render.close()


def _single(exporter: Exporter) -> Callable[..., dict[str, bytes]]:
    if exporter.render_event_prepared is None:
        raise ValueError(f"the {exporter.name} format has no file per event")
    return exporter.render_event_prepared


def _event(programme: Programme, event_id: str) -> Event:
    for event in programme.events:
        if event.id == event_id:
            return event
    raise KeyError(event_id)


def _unknown_option(key: str, exporters: Sequence[Exporter]) -> str:
    names = ", ".join(exporter.name for exporter in exporters)
    offered = sorted({name for exporter in exporters for name in exporter.option_names})
    takes = f" (options: {', '.join(offered)})" if offered else " (it takes no options)"
    return f"no option {key!r} for format {names}{takes}"
