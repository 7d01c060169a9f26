"""The garbage collector is paused while a programme loads or renders, and only then."""

from __future__ import annotations

import gc
import subprocess
import sys
from collections.abc import Iterator

import pytest

import isecg_events
from isecg_events.collector import collector_paused
from isecg_events.exporters import EXPORTERS, Prepared, render_all
from tests.programmes import RECURRING

ALL = [exporter.name for exporter in EXPORTERS]


@pytest.fixture
def collector_on() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.enable()
    yield
    if not was_enabled:
        gc.disable()


def test_collector_is_paused_during_a_render_and_back_on_after(
    plenary: isecg_events.Programme, collector_on: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    text = Prepared.text

    def spying_text(self: Prepared, event: isecg_events.Event) -> object:
        seen.append(gc.isenabled())
        return text(self, event)

    monkeypatch.setattr(Prepared, "text", spying_text)
    render_all(plenary, ALL)
    isecg_events.to_ical(plenary)
    isecg_events.to_agenda(plenary)
    assert seen and not any(seen)
    assert gc.isenabled()


def test_collector_comes_back_after_an_error(
    plenary: isecg_events.Programme, collector_on: None
) -> None:
    with pytest.raises(ValueError, match="unknown profile"):
        render_all(plenary, ["json", "ics"], profile="bogus")  # type: ignore[arg-type]
    assert gc.isenabled()


def test_a_collector_switched_off_by_the_caller_stays_off(collector_on: None) -> None:
    gc.disable()
    with collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_rendering_creates_no_reference_cycles(collector_on: None) -> None:
    """What pausing the collector relies on: nothing is left for it to find."""
    programme = isecg_events.loads(RECURRING)
    render_all(programme, ALL)  # first use: imports and caches of the libraries
    gc.collect()
    gc.disable()
    render_all(programme, ALL)
    isecg_events.to_ical(programme, profile="rich")
    isecg_events.to_agenda(programme, tz="Europe/Paris", detail="brief")
    assert gc.collect() == 0


def test_collector_is_paused_during_a_load_and_back_on_after(
    collector_on: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from isecg_events.readers import native

    seen: list[bool] = []
    read = native.read

    def spying_read(*args: object) -> isecg_events.Programme:
        seen.append(gc.isenabled())
        return read(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(native, "read", spying_read)
    isecg_events.loads(RECURRING)
    assert seen == [False]
    assert gc.isenabled()
    with pytest.raises(isecg_events.ProgrammeError):
        isecg_events.loads(RECURRING.replace('id = "demo2026"', 'id = "x"'))
    assert seen == [False, False]
    assert gc.isenabled()


def test_loading_creates_no_reference_cycles(collector_on: None) -> None:
    isecg_events.loads(RECURRING)
    gc.collect()
    gc.disable()
    isecg_events.loads(RECURRING)
    isecg_events.load()
    assert gc.collect() == 0


def test_a_command_spares_the_exit_its_last_collection() -> None:
    # atexit runs its functions last-registered first: this one sees the exit as it is.
    # (Python 3.12 freezes some objects of its own at start: counts are compared.)
    script = (
        "import atexit, gc\n"
        "before = gc.get_freeze_count()\n"
        "atexit.register(lambda: print('more frozen at exit:', gc.get_freeze_count() > before))\n"
        "from isecg_events.cli import main\n"
        "main(['validate'])\n"
        "print('more frozen after the command:', gc.get_freeze_count() > before)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    lines = done.stdout.splitlines()
    assert lines[-2] == "more frozen after the command: False"  # only as the process exits
    assert lines[-1] == "more frozen at exit: True"
