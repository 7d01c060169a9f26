from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import attrs
import pytest

import isecg_events
from isecg_events import exporters
from isecg_events.errors import ExportError
from isecg_events.exporters import EXPORTERS, Prepared, _parallel, render_all
from isecg_events.exporters import _balanced_groups as balanced_groups
from tests.test_ical import RECURRING

ALL = [exporter.name for exporter in EXPORTERS]
forking = pytest.mark.skipif(
    not exporters.can_render_side_by_side(), reason="this platform renders in one process"
)


@forking
@pytest.mark.parametrize("profile", ["compat", "rich"])
def test_side_by_side_gives_the_same_bytes(
    profile: str, plenary: isecg_events.Programme, write_programme: Callable[..., Path]
) -> None:
    for programme in (plenary, isecg_events.load(write_programme(RECURRING))):
        alone = render_all(programme, ALL, profile=profile)  # type: ignore[arg-type]
        together = render_all(programme, ALL, profile=profile, jobs=3)  # type: ignore[arg-type]
        assert together == alone
        assert list(together) == ALL


def test_groups_keep_json_and_xml_together_and_balance_cost() -> None:
    assert balanced_groups(["ics", "json", "xml", "text"], 1) == [["ics", "json", "xml", "text"]]
    groups = balanced_groups(["ics", "json", "xml", "text"], 2)
    assert sorted(sorted(group) for group in groups) == [["ics", "json", "xml"], ["text"]]
    assert balanced_groups(["xml", "text", "json"], 8) == [["xml", "json"], ["text"]]
    assert balanced_groups(["ics"], 4) == [["ics"]]
    assert balanced_groups(["ics", "ics"], 2) == [["ics"]]


def failing_in(name: str, error: BaseException) -> Callable[[str], exporters.Exporter]:
    real = exporters.get_exporter

    def patched(wanted: str) -> exporters.Exporter:
        exporter = real(wanted)
        if wanted != name:
            return exporter

        def fail(prepared: Prepared) -> bytes:
            raise error

        return attrs.evolve(exporter, render_prepared=fail)

    return patched


@forking
@pytest.mark.parametrize("failing", ["text", "json"])  # in a child, and here
def test_an_error_in_any_process_is_raised_here(
    failing: str, plenary: isecg_events.Programme, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        exporters, "get_exporter", failing_in(failing, ExportError(f"{failing} broke"))
    )
    with pytest.raises(ExportError, match=f"{failing} broke"):
        render_all(plenary, ["ics", "json", "xml", "text"], jobs=2)


class Unpicklable(Exception):
    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("no pickling")


@forking
def test_an_error_that_cannot_travel_arrives_as_its_traceback() -> None:
    def render(group: Sequence[str]) -> dict[str, bytes]:
        if group == ["b"]:
            raise Unpicklable("deep inside")
        return {name: name.encode() for name in group}

    with pytest.raises(RuntimeError, match="Unpicklable: deep inside"):
        _parallel.render_side_by_side([["a"], ["b"]], render)


@forking
def test_a_child_that_dies_silently_is_an_error() -> None:
    def render(group: Sequence[str]) -> dict[str, bytes]:
        if group == ["b"]:
            os._exit(3)
        return {name: name.encode() for name in group}

    with pytest.raises(RuntimeError, match="exit code 3"):
        _parallel.render_side_by_side([["a"], ["b"]], render)


def test_no_fork_while_other_threads_run(plenary: isecg_events.Programme) -> None:
    release = threading.Event()
    thread = threading.Thread(target=release.wait)
    thread.start()
    try:
        assert not exporters.can_render_side_by_side()
        assert render_all(plenary, ALL, jobs=2) == render_all(plenary, ALL)
    finally:
        release.set()
        thread.join()


def test_unknown_format_fails_before_any_work(plenary: isecg_events.Programme) -> None:
    with pytest.raises(KeyError):
        render_all(plenary, ["ics", "pdf"], jobs=2)
