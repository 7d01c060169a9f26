from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import isecg_events
from isecg_events.cli import main
from isecg_events.errors import ExportError
from isecg_events.exporters._prepared import Prepared
from tests.programmes import MINIMAL


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
        "schedule.html",
        "schedule.json",
        "schedule.xml",
        "sessionize.json",
    ]
    first = {n: (tmp_path / n).read_bytes() for n in names}
    assert main(["export", "--output", str(tmp_path), "--split"]) == 0
    assert first == {n: (tmp_path / n).read_bytes() for n in names}  # byte-identical


def test_export_several_formats_in_one_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    arguments = ["export", "-f", "json", "-f", "ics", "-f", "json", "-f", "text"]
    assert main([*arguments, "--output", str(tmp_path / "some")]) == 0
    printed = capsys.readouterr().out.split()
    assert [Path(line).name for line in printed] == ["schedule.json", "glex2017.ics", "agenda.txt"]
    assert main(["export", "--output", str(tmp_path / "all")]) == 0
    for name in ("schedule.json", "glex2017.ics", "agenda.txt"):  # as --format all writes them
        assert (tmp_path / "some" / name).read_bytes() == (tmp_path / "all" / name).read_bytes()
    assert sorted(p.name for p in (tmp_path / "some").iterdir()) == [
        "agenda.txt",
        "glex2017.ics",
        "schedule.json",
    ]


def test_export_prints_each_path_written_on_a_line_of_its_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "out\x1b[2J\u202e"  # a name that would clear the screen, reorder text
    assert main(["export", "-f", "ics", "-f", "text", "--output", str(folder)]) == 0
    out = capsys.readouterr().out
    shown = str(tmp_path) + "/out\\x1b[2J\\u202e"
    assert out == f"{shown}/glex2017.ics\n{shown}/agenda.txt\n"


def test_export_to_stdout(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert main(["export", "--format", "json", "--output", "-"]) == 0
    document = json.loads(capsysbinary.readouterr().out)
    assert document["schedule"]["conference"]["acronym"] == "glex2017"
    assert main(["export", "--output", "-"]) == 2
    assert main(["export", "-f", "ics", "-f", "json", "--output", "-"]) == 2


def test_convert_a_pretalx_schedule_to_ics(tmp_path: Path) -> None:
    from tests.programmes import reference

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


def test_export_checks_its_arguments_before_the_programme(
    tmp_path: Path, write_programme: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    # The programme is loaded only then.
    bad = write_programme(MINIMAL.replace('end = "10:00"', 'end = "08:00"'))
    out = tmp_path / "out"
    assert main(["export", str(bad), "-f", "json", "--split", "--output", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --split needs a format with a file per event")
    assert "end" not in err
    assert main(["export", str(bad), "-f", "json", "--output", str(out)]) == 2
    assert "events[0].end" in capsys.readouterr().err
    assert not out.exists()


def test_failing_exporter_leaves_earlier_outputs_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", "--output", str(tmp_path)]) == 0
    before = {str(p): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}

    def explode(prepared: Prepared, **options: object) -> bytes:
        raise ExportError("the markdown exporter failed")

    import attrs

    import isecg_events.exporters as exporters

    broken = tuple(
        e if e.name != "markdown" else attrs.evolve(e, render_prepared=explode)
        for e in exporters.EXPORTERS.values()
    )
    from isecg_events.exporters import feeds

    for module in (exporters, feeds):
        monkeypatch.setattr(
            module, "get_exporter", lambda name: next(e for e in broken if e.name == name)
        )
    assert main(["export", "--output", str(tmp_path)]) == 1
    assert {str(p): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before
    assert "nothing was written" in capsys.readouterr().err


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
    before = {str(p): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}

    def crash(prepared: Prepared, **options: object) -> bytes:
        raise RuntimeError("a bug in an exporter")

    real = exporters.get_exporter

    def patched(name: str) -> object:
        exporter = real(name)
        if name == "text":
            import attrs

            return attrs.evolve(exporter, render_prepared=crash)
        return exporter

    from isecg_events.exporters import feeds

    monkeypatch.setattr(exporters, "get_exporter", patched)
    monkeypatch.setattr(feeds, "get_exporter", patched)
    with pytest.raises(RuntimeError):
        main(["export", "--output", str(tmp_path)])
    assert {str(p): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


def test_export_takes_every_format_option(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert main(["export", "--format", "text", "--width", "60", "--output", "-"]) == 0
    text = capsysbinary.readouterr().out.decode()
    assert max(len(line) for line in text.splitlines()) <= 60
    assert text == isecg_events.to_agenda(isecg_events.load(), width=60)
    assert main(["export", "-f", "markdown", "--brief", "--tz", "UTC", "-o", "-"]) == 0
    markdown = capsysbinary.readouterr().out.decode()
    assert markdown == isecg_events.to_markdown(isecg_events.load(), tz="UTC", detail="brief")
    assert main(["export", "-f", "ics", "--profile", "rich", "--refresh", "PT6H", "-o", "-"]) == 0
    feed = capsysbinary.readouterr().out
    assert b"BEGIN:PARTICIPANT" in feed and b"REFRESH-INTERVAL;VALUE=DURATION:PT6H" in feed


def test_agenda_is_a_shorthand_for_export(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert main(["agenda", "--width", "60", "--brief"]) == 0
    shorthand = capsysbinary.readouterr().out
    assert main(["export", "-f", "text", "--width", "60", "--detail", "brief", "-o", "-"]) == 0
    assert capsysbinary.readouterr().out == shorthand


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["-f", "json", "--width", "60"], "no option 'width' for format json"),
        (["-f", "json", "--split"], "--split needs a format with a file per event"),
        (["-f", "text", "--width", "20"], "width must be 40 to 1,000, not 20"),
        (["-f", "text", "--tz", "Mars/Base"], "unknown time zone 'Mars/Base'"),
        (["-f", "ics", "--refresh", "PT0S"], "is not a positive duration"),
        (["-f", "all", "-f", "ics"], "--format all takes every format; give it alone"),
    ],
)
def test_contradictory_or_bad_options_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], arguments: list[str], message: str
) -> None:
    try:
        code = main(["export", *arguments, "--output", str(tmp_path / "out")])
    except SystemExit as exit:  # argparse's own refusal of a value
        code = exit.code  # type: ignore[assignment]
    assert code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_validate_takes_several_files_and_reports_each(
    write_programme: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    good = write_programme(MINIMAL, "good.toml")
    bad = write_programme(MINIMAL.replace('"Europe/Paris"', '"Mars/Base"'), "bad.toml")
    assert main(["validate", str(good), str(bad), str(good)]) == 2
    captured = capsys.readouterr()
    assert captured.out.count(f"{good}: OK: demo2026") == 2
    assert f"error: {bad}:5:12: conference.timezone: unknown time zone 'Mars/Base'" in captured.err
    assert main(["validate", str(good), str(good)]) == 0


@pytest.mark.parametrize("syntax", ["toml", "json", "xml"])
def test_standard_input_is_sniffed_for_every_command(
    syntax: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    plenary = isecg_events.load()
    content = {
        "toml": MINIMAL.encode(),
        "json": isecg_events.to_schedule_json(plenary),
        "xml": isecg_events.to_schedule_xml(plenary),
    }[syntax]

    class Stdin(io.TextIOWrapper):
        pass

    for command in (["validate", "-"], ["agenda", "-", "--brief"]):
        monkeypatch.setattr(sys, "stdin", Stdin(io.BytesIO(content)))
        assert main(command) == 0
    out = capsys.readouterr().out
    assert "<stdin>: OK: " in out and "Times are" in out
    monkeypatch.setattr(sys, "stdin", Stdin(io.BytesIO(b"[conference\n")))
    assert main(["validate", "-"]) == 2
    assert "error: <stdin>:1:12: TOML syntax error" in capsys.readouterr().err
    assert main(["validate", "-", "-"]) == 2


@pytest.mark.parametrize(
    "command", [["validate"], ["agenda"], ["export", "--output", "-", "-f", "json"]]
)
def test_inferred_zone_is_a_warning_on_stderr(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.programmes import reference

    source = str(reference("examples/pretalx-democon.json"))
    assert main([*command, source]) == 0
    captured = capsys.readouterr()
    # pretalx's demo data books one speaker in two rooms at once: a warning too
    zone, clash = captured.err.splitlines()
    assert zone.startswith(f"warning: {source}:12:25: schedule.conference.time_zone_name: is 'UTC'")
    assert "Etc/GMT-1, used as the zone" in zone
    assert "Stephanie Hudson" in clash and "at once" in clash
    assert main([*command, source, "--timezone", "Europe/Berlin"]) == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [clash]
    if command == ["validate"]:
        assert "(Europe/Berlin)" in captured.out
    if command == ["agenda"]:
        assert "09:00–09:30  Focused 5thgeneration hardware" in captured.out


def test_timezone_argument_is_checked(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["agenda", "--timezone", "Europe/Berln"])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert (
        "argument --timezone: unknown time zone 'Europe/Berln'; did you mean 'Europe/Berlin'?"
        in err
    )
    assert "Traceback" not in err


def test_timezone_argument_moves_our_format(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["agenda", "--timezone", "Europe/Paris", "--brief"]) == 0
    out = capsys.readouterr().out
    assert "09:30–10:30" in out
    assert out.endswith("Times are Central European Summer Time, UTC+02:00.\n")


@pytest.mark.parametrize(
    "arguments",
    [
        ["release", "--releases", "history", "--name", "v1"],
        ["publish", "--caldav", "https://example.org/cal/", "--dry-run"],
    ],
    ids=["release", "publish"],
)
def test_commands_that_write_somewhere_lasting_need_a_file(
    arguments: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # never the bundled example, recorded in a history or sent to a calendar
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exited:
        main(arguments)
    assert exited.value.code == 2
    assert "the following arguments are required: FILE" in capsys.readouterr().err
    assert not (tmp_path / "history").exists()


def test_jobs_is_a_deprecated_no_op(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Accepted for one release, with a warning; the files are those of an export without it.
    assert (
        main(["export", "-f", "json", "-f", "ics", "--jobs", "3", "-o", str(tmp_path / "a")]) == 0
    )
    assert "warning: --jobs is deprecated and ignored" in capsys.readouterr().err
    assert main(["export", "-f", "json", "-f", "ics", "-o", str(tmp_path / "b")]) == 0
    assert "warning" not in capsys.readouterr().err
    for name in ("schedule.json", "glex2017.ics"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    with pytest.raises(SystemExit) as exit_code:  # still a number, as before
        main(["export", "--jobs", "0", "-o", str(tmp_path / "c")])
    assert exit_code.value.code == 2


def test_atom_without_a_history_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", "-f", "atom", "-o", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err == (
        "error: --format atom is the changelog of a release history: give --releases DIR "
        "(recorded with 'isecg-events release')\n"
    )
    assert not (tmp_path / "out").exists()
