"""Every code example in the README and docs/ runs, so none can rot."""

from __future__ import annotations

import contextlib
import io
import json
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import isecg_events
from isecg_events.cli import main
from isecg_events.readers import bundled_path
from tests.programmes import ROOT

PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])
FENCE = re.compile(r"^```([a-z]*)[^\n]*\n(.*?)^```", re.M | re.S)
# Installation lines are run by CI itself: .ci/run runs the README's commands.
INSTALL = re.compile(r"^python3 -m venv ")


def blocks(page: Path) -> Iterator[tuple[str, str]]:
    for match in FENCE.finditer(page.read_text(encoding="utf-8")):
        yield match.group(1), match.group(2)


def run_command(line: str, workdir: Path) -> str:
    words = shlex.split(line, comments=True)
    if words[:2] == ["python", "benchmarks/run.py"]:
        # The benchmark's examples run at smoke size: full sizes take minutes.
        command = [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--smoke"]
        result = subprocess.run(command, capture_output=True, text=True, check=True)
        assert "| start-up (`--version`) |" in result.stdout
        assert "| GLEX 2017 plenary (our TOML) | 1 |" in result.stdout
        assert "| iCalendar feed, 50 events |" in result.stdout
        return result.stdout
    assert words[0] == "isecg-events", line
    out = io.StringIO()
    with (
        contextlib.chdir(workdir),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(out),
    ):
        code = main(words[1:])
    assert code == 0, line
    return out.getvalue()


def prepare(workdir: Path) -> None:
    """Files the examples name: a programme of one's own, a schedule of theirs."""
    shutil.copy(bundled_path(), workdir / "my-programme.toml")
    moved = bundled_path().read_text(encoding="utf-8").replace('room = "Hall 2"', 'room = "Hall 3"')
    (workdir / "my-programme-v2.toml").write_text(moved, encoding="utf-8")
    (workdir / "their-schedule.json").write_bytes(
        isecg_events.to_schedule_json(isecg_events.load())
    )
    old = json.loads(isecg_events.to_schedule_json(isecg_events.load()))
    del old["schedule"]["conference"]["time_zone_name"]  # as older frab and pretalx write it
    (workdir / "old-schedule.json").write_text(json.dumps(old), encoding="utf-8")


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_examples_run(page: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    prepare(tmp_path)
    namespace: dict[str, object] = {}
    programme_text = ""
    last_output: str | None = None
    ran = 0
    for language, body in blocks(page):
        if language == "python":
            with contextlib.chdir(tmp_path):
                exec(compile(body, f"{page.name}", "exec"), namespace)
            ran += 1
        elif language == "sh":
            for line in body.strip().splitlines():
                if INSTALL.match(line):
                    continue
                last_output = run_command(line, tmp_path)
                ran += 1
        elif language == "toml":
            programme_text += body
            (tmp_path / "programme.toml").write_text(programme_text, encoding="utf-8")
            isecg_events.load(tmp_path / "programme.toml")  # each step is valid
            ran += 1
        elif language == "text":
            assert last_output is not None, "an output block follows the command it shows"
            assert body == last_output
            ran += 1
    capsys.readouterr()
    if page.name not in {
        "data-format.md",
        "errors.md",
        "performance.md",
        "changelog.md",
        "schedule-json.md",
        "schedule-xml.md",
        "icalendar.md",
        "releasing.md",  # its commands publish a release: shown, never run
        "caldav.md",  # its commands need a CalDAV server: tests/test_publish.py runs them
    }:
        assert ran, f"{page} has no runnable example"


def test_readme_commands_are_the_ci_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [
        body.strip()
        for language, body in blocks(ROOT / "README.md")
        if language == "sh" and INSTALL.match(body.strip())
    ]
    assert len(commands) == 2
    for command in commands:
        assert command in ci
    assert "python -m pytest" in commands[1] and "export --format all" in commands[0]
    assert readme.count("```sh") >= 2


def _documented_fields(section: str) -> set[str]:
    text = (ROOT / "docs" / "data-format.md").read_text(encoding="utf-8")
    part = text.split(f"## `{section}`", 1)[1].split("\n## ", 1)[0]
    if section == "[[events]]":
        part = part.split("### ", 1)[0]
    if section == "[[events.segments]]":
        part = text.split("### `[[events.segments]]`", 1)[1].split("\n## ", 1)[0]
    fields: set[str] = set()
    for row in re.findall(r"^\| (.+?) \|", part, flags=re.M):
        fields.update(re.findall(r"`([a-z_$]+)`", row))
    return fields - {"field"}


def test_data_format_reference_matches_the_shipped_schema() -> None:
    from importlib import resources

    schema = json.loads(
        resources.files("isecg_events").joinpath("programme.schema.json").read_text()
    )
    props = schema["properties"]
    assert _documented_fields("[conference]") == set(props["conference"]["properties"])
    assert _documented_fields("[organizations.<id>]") == set(
        props["organizations"]["additionalProperties"]["properties"]
    )
    assert _documented_fields("[participants.<id>]") == set(
        props["participants"]["additionalProperties"]["properties"]
    )
    event = props["events"]["items"]["properties"]
    assert _documented_fields("[[events]]") == set(event)
    assert _documented_fields("[[events.segments]]") == set(
        event["segments"]["items"]["properties"]
    )


def _documented_command_lines() -> Iterator[tuple[str, str]]:
    """Every ``isecg-events ...`` line of a shell example, and every inline one
    that gives real values (synopses with FILE, DIR or ``[...]`` are left out)."""
    inline = re.compile(r"`(isecg-events [^`]+)`")
    for page in PAGES:
        name = str(page.relative_to(ROOT))
        for language, body in blocks(page):
            if language in ("sh", ""):  # shell examples, and plain blocks showing commands
                for line in body.replace("\\\n", " ").strip().splitlines():
                    if line.startswith("isecg-events ") and not re.search(
                        r"\[-|\b(?:URL|NAME|DIR|FILE)\b", line
                    ):
                        yield name, line
        for match in inline.finditer(page.read_text(encoding="utf-8")):
            line = match.group(1)
            # a command named in prose (`isecg-events release`) is no command line
            if len(line.split()) > 2 and not re.search(r"\[|\]|…|\||\b[A-Z]{2,}\b", line):
                yield name, line


def test_every_documented_command_line_parses() -> None:
    from isecg_events.cli._arguments import parser

    lines = list(_documented_command_lines())
    assert len(lines) > 25
    for page, line in lines:
        words = shlex.split(re.split(r" [>|] ", line)[0], comments=True)[1:]  # not the shell's
        try:
            parser().parse_args(words)
        except SystemExit as error:
            if error.code != 0:  # --help and --version exit 0
                pytest.fail(f"{page}: {line!r} does not parse")
