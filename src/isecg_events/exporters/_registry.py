"""What an output format is: its name, files, options, and how it renders.

An :class:`Exporter` declares the options it takes (:class:`Option`, with
defaults); every render, whole or per event, goes through
:func:`render_with`, which checks the options, builds one
:class:`~isecg_events.exporters.Prepared` for the render and pauses the
cyclic garbage collector while it runs. The registry itself (the tuple
of exporters) is in :mod:`isecg_events.exporters`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Literal, TypeVar

import attrs

from isecg_events.errors import OptionError
from isecg_events.exporters._prepared import Prepared
from isecg_events.model import Event
from isecg_events.programme import Programme

__all__ = [
    "RELEASES",
    "Exporter",
    "Option",
    "Part",
    "Plan",
    "collect",
    "execute",
    "parts",
    "plan",
    "render_with",
    "render_with_events",
]

_T = TypeVar("_T")


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
        command_line: whether the command line offers it (``False`` for an
            option only a caller sets, such as a sub-feed's calendar name).
    """

    name: str
    default: Any
    help: str
    choices: tuple[str, ...] = ()
    parse: Callable[[str], Any] = str
    shorthands: tuple[tuple[str, Any, str], ...] = ()
    command_line: bool = True


#: The option every format that follows a release history declares, and the
#: one the registry applies itself (see :func:`_with_history`). The command
#: line gives a folder (``--releases DIR``) and reads it; in Python, pass a
#: :class:`~isecg_events.releases.History`.
RELEASES = Option(
    name="releases",
    default=None,
    help="the release history folder (see 'release'): SEQUENCE, stamps, removed events",
)


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
        cost: the relative time the format takes to render a programme,
            and again for its files per event, where it has them, in a render
            of its family alone (1.0 is about 1.1 s at 25,000 events); an
            export shared among processes (:mod:`._lanes`) balances them by it.
        family: formats deriving the same entries once per render (the frab
            entries of schedule.json and schedule.xml), which an export shared
            among processes keeps in one; the format's own name by default.
    """

    name: str
    extension: str
    media_type: str
    summary: str
    file_name: Callable[[Programme], str]
    render_prepared: Callable[..., bytes]
    options: tuple[Option, ...] = ()
    render_event_prepared: Callable[..., dict[str, bytes]] | None = None
    cost: float = 1.0
    family: str = attrs.field(
        default=attrs.Factory(lambda exporter: exporter.name, takes_self=True)
    )

    @property
    def option_names(self) -> tuple[str, ...]:
        """The names of the options this format takes."""
        return tuple(option.name for option in self.options)

    def resolve(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """Every option's value: the given ones, and the defaults of the rest.

        Raises:
            OptionError: an option this format does not take, naming both
                (a ``TypeError``, as for a wrong keyword argument).
        """
        for key in given:
            if key not in self.option_names:
                raise OptionError(_unknown_option(key, [self]))
        return {option.name: given.get(option.name, option.default) for option in self.options}

    def render(self, programme: Programme, **options: Any) -> bytes:
        """Render the whole programme in this format.

        Raises:
            TypeError: an option the format does not take.
            ValueError: an option value the format refuses.
        """
        return render_with(programme, [self], options)[self.name]

    def render_events(self, programme: Programme, **options: Any) -> dict[str, bytes]:
        """Render each event on its own, from one prepared programme.

        Returns:
            Each file by name: the event ids, and any more files a format
            gives an event (``<event-id>.part-<n>`` in the rich iCalendar profile).

        Raises:
            TypeError: an option the format does not take.
            ValueError: the format cannot render single events.
        """
        return render_with_events(programme, [], options, [self])[1][self.name]

    def render_event(self, programme: Programme, event_id: str, **options: Any) -> bytes:
        """Render one event on its own ("add this session to my calendar").

        Raises:
            KeyError: no event has ``event_id``.
            TypeError, ValueError: as :meth:`render_events`.
        """
        single = self.render_event_prepared
        if single is None:
            raise ValueError(f"the {self.name} format has no file per event")
        values = self.resolve(options)
        effective = _with_history(programme, values)
        event = _event(effective, event_id)
        return _run(effective, lambda prepared: single(prepared, event, **values)[event.id])


def render_with(
    programme: Programme, exporters: Sequence[Exporter], options: Mapping[str, Any]
) -> dict[str, bytes]:
    """Render several formats from one :class:`Prepared` programme.

    Each format gets the options it declares; an option no format of
    ``exporters`` takes is an error.

    Returns:
        The bytes of each format, by name, in the order of ``exporters``.

    Raises:
        TypeError: an option none of the formats takes.
        ValueError: an option value a format refuses.
    """
    return render_with_events(programme, exporters, options, ())[0]


def render_with_events(
    programme: Programme,
    exporters: Sequence[Exporter],
    options: Mapping[str, Any],
    each: Sequence[Exporter],
) -> tuple[dict[str, bytes], dict[str, dict[str, bytes]]]:
    """:func:`render_with`, and each event's own files of the formats ``each``, in one render.

    The whole files and the events' own files share one :class:`Prepared`
    (an event's VEVENT is written once for both).

    Returns:
        The bytes of each format by name, and of each format in ``each`` the
        files of :meth:`Exporter.render_events`.

    Raises:
        TypeError: an option none of the formats takes.
        ValueError: an option value a format refuses, or a format in
            ``each`` with no file per event.
    """
    return execute(plan(programme, exporters, options, each))


@attrs.frozen
class Plan:
    """A render decided and checked, not yet run: the programme and each format's values.

    Attributes:
        programme: the programme after its release history, if the options give one.
        whole: each format rendering the whole programme, with its option values.
        apart: each format rendering every event on its own, with its option values.
    """

    programme: Programme
    whole: tuple[tuple[Exporter, dict[str, Any]], ...]
    apart: tuple[tuple[Exporter, dict[str, Any]], ...]


def plan(
    programme: Programme,
    exporters: Sequence[Exporter],
    options: Mapping[str, Any],
    each: Sequence[Exporter],
) -> Plan:
    """Check a render's options and give each format its values (:func:`render_with_events`).

    Raises:
        TypeError: an option none of the formats takes.
        ValueError: a format in ``each`` with no file per event.
    """
    every = [*exporters, *each]
    for key in options:
        if not any(key in exporter.option_names for exporter in every):
            raise OptionError(_unknown_option(key, every))
    for exporter in each:
        if exporter.render_event_prepared is None:
            raise ValueError(f"the {exporter.name} format has no file per event")

    def values(exporter: Exporter) -> dict[str, Any]:
        return exporter.resolve({k: v for k, v in options.items() if k in exporter.option_names})

    return Plan(
        _with_history(programme, options),
        tuple((exporter, values(exporter)) for exporter in exporters),
        tuple((exporter, values(exporter)) for exporter in each),
    )


@attrs.frozen
class Part:
    """One format's output from a render: its whole file, or every event's own files.

    Attributes:
        name: the format's name.
        kind: ``"whole"``, the programme's file; ``"apart"``, each event's own.
        content: the whole file's bytes, or each event's file by key.
    """

    name: str
    kind: Literal["whole", "apart"]
    content: bytes | dict[str, bytes]


def parts(plan: Plan, *, apart_first: bool = False) -> Iterator[Part]:
    """Run a :class:`Plan` in one render, one format at a time, each as it is ready.

    The whole files come in the plan's order, then each format's per-event
    files (or those first, with ``apart_first``). The render's
    :class:`Prepared` lives, and the collector stays paused, until the
    iteration ends.

    Raises:
        ValueError: an option value a format refuses.
    """
    with _prepared(plan.programme) as prepared:
        steps = [
            *(("whole", pair) for pair in plan.whole),
            *(("apart", pair) for pair in plan.apart),
        ]
        if apart_first:
            steps.sort(key=lambda step: step[0] != "apart")
        for kind, (exporter, values) in steps:
            if kind == "whole":
                yield Part(exporter.name, "whole", exporter.render_prepared(prepared, **values))
                continue
            single = exporter.render_event_prepared
            assert single is not None  # refused by plan()
            found: dict[str, bytes] = {}
            for event in prepared.programme.events:
                found.update(single(prepared, event, **values))
            yield Part(exporter.name, "apart", found)


def execute(plan: Plan) -> tuple[dict[str, bytes], dict[str, dict[str, bytes]]]:
    """Run a :class:`Plan` in one render: the whole files, then each event's own.

    Raises:
        ValueError: an option value a format refuses.
    """
    return collect(plan, parts(plan))


def collect(
    plan: Plan, done: Iterable[Part]
) -> tuple[dict[str, bytes], dict[str, dict[str, bytes]]]:
    """``plan``'s parts as :func:`execute` returns them: in the plan's order, however they came."""
    whole: dict[str, bytes] = {}
    own: dict[str, dict[str, bytes]] = {}
    for part in done:
        if part.kind == "whole":
            whole[part.name] = part.content  # type: ignore[assignment]
        else:
            own[part.name] = part.content  # type: ignore[assignment]
    return (
        {exporter.name: whole[exporter.name] for exporter, _ in plan.whole},
        {exporter.name: own[exporter.name] for exporter, _ in plan.apart},
    )


def _with_history(programme: Programme, options: Mapping[str, Any]) -> Programme:
    """The programme after its release history, when the render is given one.

    The ``releases`` option (``exporters.changes.RELEASES``) is the one option
    the registry itself applies: every format of the render then sees the
    same SEQUENCE, stamps, removed events and version.
    """
    history = options.get("releases")
    return programme if history is None else history.apply(programme)


def _run(programme: Programme, render: Callable[[Prepared], _T]) -> _T:
    """The one place a single render runs: one Prepared, the collector paused."""
    with _prepared(programme) as prepared:
        return render(prepared)


@contextlib.contextmanager
def _prepared(programme: Programme) -> Iterator[Prepared]:
    """A render's :class:`Prepared`, with the collector paused while it lives.

    A render creates no reference cycles; pausing the collector saves it from
    walking the many containers a large render keeps alive until it ends.
    """
    prepared = Prepared(programme)
    try:
        yield prepared
    finally:
        prepared.close()


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
