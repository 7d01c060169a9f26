from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import isecg_events
from isecg_events import output
from isecg_events.cli import main
from isecg_events.errors import ExportError
from isecg_events.exporters import Prepared
from tests.conftest import MINIMAL


def test_validate_bundled(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("data/glex2017.toml (bundled): OK: GLEX 2017, 2017-06-06 to 2017-06-08")
    assert "1 event (1 occurrence), 1 room, 9 participants, 15 organizations" in out


def test_export_all(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--output", str(tmp_path), "--split"]) == 0
    names = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert names == [
        "agenda.md",
        "agenda.txt",
        "events/plenary-3.ics",
        "glex2017.ics",
        "schedule.json",
        "schedule.xml",
    ]
    first = {n: (tmp_path / n).read_bytes() for n in names}
    assert main(["export", "--output", str(tmp_path), "--split"]) == 0
    assert first == {n: (tmp_path / n).read_bytes() for n in names}  # byte-identical


def test_export_to_stdout(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert main(["export", "--format", "json", "--output", "-"]) == 0
    document = json.loads(capsysbinary.readouterr().out)
    assert document["schedule"]["conference"]["acronym"] == "glex2017"
    assert main(["export", "--output", "-"]) == 2


def test_convert_a_pretalx_schedule_to_ics(tmp_path: Path) -> None:
    from tests.conftest import reference

    source = reference("examples/pretalx-democon.json")
    assert main(["export", str(source), "--format", "ics", "--output", str(tmp_path)]) == 0
    assert (tmp_path / "democon.ics").read_bytes().count(b"BEGIN:VEVENT") == 36


def test_bad_file_writes_nothing_and_exits_2(
    tmp_path: Path, write_programme: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "schedule.json").write_text("earlier")
    bad = write_programme(MINIMAL.replace('end = "10:00"', 'end = "08:00"'))
    assert main(["export", str(bad), "--output", str(out)]) == 2
    assert (out / "schedule.json").read_text() == "earlier"
    assert sorted(p.name for p in out.iterdir()) == ["schedule.json"]
    assert "Traceback" not in capsys.readouterr().err


def test_failing_exporter_leaves_earlier_outputs_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", "--output", str(tmp_path)]) == 0
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def explode(prepared: Prepared) -> bytes:
        raise ExportError("the markdown exporter failed")

    import isecg_events.exporters as exporters

    broken = tuple(
        e
        if e.name != "markdown"
        else exporters.Exporter(e.name, e.extension, e.media_type, explode, e.file_name, e.summary)
        for e in exporters.EXPORTERS
    )
    monkeypatch.setattr(
        exporters, "get_exporter", lambda name: next(e for e in broken if e.name == name)
    )
    assert main(["export", "--output", str(tmp_path)]) == 1
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    assert "nothing was written" in capsys.readouterr().err


def test_write_all_refuses_a_file_as_folder(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ExportError):
        output.write_all([(tmp_path / "ok.txt", b"1"), (blocker / "inner.txt", b"2")])
    assert not (tmp_path / "ok.txt").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["file"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write into read-only folders")
def test_read_only_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tmp_path.chmod(0o500)
    try:
        assert main(["export", "--output", str(tmp_path)]) == 1
    finally:
        tmp_path.chmod(0o700)


def test_agenda_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["agenda", "--width", "60", "--brief"]) == 0
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= 60
    assert main(["agenda", "--tz", "Mars/Base"]) == 2
    assert "unknown time zone 'Mars/Base'" in capsys.readouterr().err
    assert main(["agenda", "--markdown"]) == 0
    assert capsys.readouterr().out.startswith("# Global Space Exploration Conference")


def test_schema_command_prints_the_shipped_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["$schema"].startswith("https://json-schema.org/")


def test_module_entry_point_and_console_script() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "isecg_events", "validate"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and "OK" in result.stdout
    result = subprocess.run(
        [sys.executable, "-m", "isecg_events", "validate", "/nonexistent.toml"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == "error: /nonexistent.toml: no such file"


def test_an_exporter_that_crashes_changes_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import isecg_events.exporters as exporters

    assert main(["export", "--output", str(tmp_path)]) == 0
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def crash(prepared: Prepared) -> bytes:
        raise RuntimeError("a bug in an exporter")

    real = exporters.get_exporter

    def patched(name: str) -> object:
        exporter = real(name)
        if name == "text":
            import attrs

            return attrs.evolve(exporter, render_prepared=crash)
        return exporter

    monkeypatch.setattr(exporters, "get_exporter", patched)
    with pytest.raises(RuntimeError):
        main(["export", "--output", str(tmp_path)])
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_registry_lists_every_format_once(plenary: isecg_events.Programme) -> None:
    from isecg_events.exporters import EXPORTERS, get_exporter

    assert [e.name for e in EXPORTERS] == ["ics", "json", "xml", "text", "markdown"]
    ics = get_exporter("ics")
    assert ics.media_type.startswith("text/calendar") and ics.extension == "ics"
    assert ics.render_event is not None
    assert ics.render_event(plenary, "plenary-3").count(b"BEGIN:VEVENT") == 1
    assert get_exporter("json").render_event is None
    with pytest.raises(KeyError):
        get_exporter("pdf")


def test_render_all_matches_each_exporter(plenary: isecg_events.Programme) -> None:
    from isecg_events.exporters import EXPORTERS, render_all

    names = [e.name for e in EXPORTERS]
    together = render_all(plenary, names, profile="rich")
    assert list(together) == names
    assert together["ics"] == isecg_events.to_ical(plenary, profile="rich")
    for exporter in EXPORTERS[1:]:
        assert together[exporter.name] == exporter.render(plenary)


def test_render_all_derives_shared_text_once(
    monkeypatch: pytest.MonkeyPatch, write_programme: Callable[..., Path]
) -> None:
    from isecg_events.exporters import EXPORTERS, _prepared, render_all
    from tests.test_ical import RECURRING

    programme = isecg_events.load(write_programme(RECURRING))
    described: list[str] = []
    real = _prepared.describe

    def counting(event: isecg_events.Event) -> str:
        described.append(event.id)
        return real(event)

    monkeypatch.setattr(_prepared, "describe", counting)
    render_all(programme, [e.name for e in EXPORTERS])
    assert sorted(described) == sorted(e.id for e in programme.events)
    assert len(programme.occurrences) > len(programme.events)  # recurring: shared per event
