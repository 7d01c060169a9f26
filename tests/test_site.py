"""isecg_events.export() (site.py): the command line's export, from Python."""

from __future__ import annotations

from pathlib import Path

import pytest

import isecg_events
from isecg_events.cli import main
from tests.programmes import MINIMAL


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_export_writes_what_the_command_writes(tmp_path: Path) -> None:
    source = tmp_path / "p.toml"
    source.write_text(MINIMAL, encoding="utf-8")
    programme = isecg_events.load(source)
    written = isecg_events.export(programme, tmp_path / "py", feeds=True, profile="rich")
    assert (
        main(["export", str(source), "--feeds", "--profile", "rich", "-o", str(tmp_path / "cli")])
        == 0
    )
    assert _files(tmp_path / "py") == _files(tmp_path / "cli")
    assert written[:2] == [
        str(tmp_path / "py" / "demo2026.ics"),
        str(tmp_path / "py" / "schedule.json"),
    ]
    assert sorted(written) == sorted(
        str(tmp_path / "py" / name) for name in _files(tmp_path / "py")
    )
    again = isecg_events.export(programme, tmp_path / "py", ["json"])
    assert again == [str(tmp_path / "py" / "schedule.json")]


def test_export_with_a_history_folder(tmp_path: Path) -> None:
    source = tmp_path / "p.toml"
    source.write_text(MINIMAL, encoding="utf-8")
    history = tmp_path / "hist"
    assert main(["release", str(source), "--releases", str(history), "--name", "v1"]) == 0
    programme = isecg_events.load(source)
    written = isecg_events.export(programme, tmp_path / "out", releases=history)
    assert str(tmp_path / "out" / "changes.atom") in written
    moved = isecg_events.loads(MINIMAL.replace('title = "Opening"', 'title = "Welcome"'))
    with pytest.raises(isecg_events.ReleaseError):
        isecg_events.export(moved, tmp_path / "later", releases=history)
    assert not (tmp_path / "later").exists()


def test_a_failing_export_writes_nothing(tmp_path: Path) -> None:
    programme = isecg_events.loads(MINIMAL)
    isecg_events.export(programme, tmp_path / "out", ["json"])
    before = _files(tmp_path / "out")
    with pytest.raises(ValueError, match="is not an http"):
        isecg_events.export(programme, tmp_path / "out", ["ics", "html"], base_url="ftp://x/")
    with pytest.raises(KeyError):
        isecg_events.export(programme, tmp_path / "out", ["ics", "nope"])
    with pytest.raises(TypeError):
        isecg_events.export(programme, tmp_path / "out", ["json"], width=60)
    with pytest.raises(isecg_events.ExportError, match="the folder does not exist"):
        isecg_events.export(programme, tmp_path / "missing" / "out")
    assert _files(tmp_path / "out") == before


def test_the_command_prints_a_summary_unless_verbose(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["export", "--feeds", "-o", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert f"{out}/people/: 9 files" in lines and f"{out}/events/: 1 file" in lines
    assert f"{out}/schedule.json" in lines
    assert not any("/people/" in line and line.endswith(".ics") for line in lines)
    assert main(["export", "--feeds", "-o", str(out), "--verbose"]) == 0
    every = capsys.readouterr().out.splitlines()
    assert len(every) == len(_files(out)) and f"{out}/people/ada.ics" not in lines
