"""Lines and columns of problems (readers/positions.py), in TOML and JSON inputs."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

import isecg_events
from isecg_events.readers.positions import json_positions, split_path, toml_positions
from tests.programmes import CASES, GOLDEN, MINIMAL, RECURRING


def _at(text: str, needle: str, occurrence: int = 1) -> tuple[int, int]:
    """(line, column) of the ``occurrence``-th ``needle``, found by plain search."""
    index = -1
    for _ in range(occurrence):
        index = text.index(needle, index + 1)
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def test_paths_in_every_form_the_readers_write() -> None:
    assert split_path("events[4].segments[0].start") == ("events", 4, "segments", 0, "start")
    assert split_path('participants["a b"].name') == ("participants", "a b", "name")
    assert split_path("schedule.conference.days[0].rooms['R 1'][2].date") == (
        "schedule", "conference", "days", 0, "rooms", "R 1", 2, "date",
    )  # fmt: skip


def test_toml_positions_of_values_tables_and_array_elements() -> None:
    positions = toml_positions(RECURRING)
    assert positions[("conference", "timezone")] == _at(RECURRING, '"Europe/Paris"')
    assert positions[("events", 0, "end")] == _at(RECURRING, '"10:00"')
    assert positions[("events", 0, "participants", 1)] == _at(RECURRING, '{ id = "chair"')
    assert positions[("events", 0, "participants", 1, "role")] == _at(RECURRING, '"moderator"')
    # the first segment ends at 14:15 and the second starts then: the second one
    assert positions[("events", 2, "segments", 1, "start")] == _at(RECURRING, '"14:15"', 2)
    assert positions[("events", 2)] == _at(RECURRING, "[[events]]", 3)
    assert positions[("participants", "chair")] == _at(RECURRING, "[participants.chair]")


def test_json_positions() -> None:
    document = tomllib.loads(RECURRING)
    text = json.dumps(document, indent=2, default=str)
    positions = json_positions(text)
    assert positions[("events", 0, "end")] == _at(text, '"10:00"')
    assert positions[("conference", "timezone")] == _at(text, '"Europe/Paris"')


@pytest.mark.parametrize("syntax", ["toml", "json"])
def test_a_problem_names_the_line_and_column_of_its_value(tmp_path: Path, syntax: str) -> None:
    broken = MINIMAL.replace('end = "10:00"', 'end = "08:00"').replace(
        'participants = ["ada", { id = "chair", role = "moderator" }]',
        'participants = ["ada", { id = "nobody", role = "moderator" }]',
    )
    as_json = json.dumps(tomllib.loads(broken), indent=2, default=str)
    text = as_json if syntax == "json" else broken
    path = tmp_path / f"p.{syntax}"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(isecg_events.ProgrammeError) as caught:
        isecg_events.load(path)
    found = {p.path: (p.line, p.column) for p in caught.value.problems}
    assert found["events[0].end"] == _at(text, '"08:00"')
    line, column = found["events[0].participants[1]"]
    if syntax == "toml":
        assert (line, column) == _at(text, '{ id = "nobody"')
    else:  # the element's object opens on the line before its "id"
        assert line == _at(text, '"nobody"')[0] - 1
        assert text.split("\n")[line - 1][column - 1] == "{"
    assert str(caught.value).startswith(f"{path}:")


def test_a_missing_field_names_its_table(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    text = MINIMAL.replace('title = "Opening"\n', "")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(isecg_events.ProgrammeError) as caught:
        isecg_events.load(path)
    (problem,) = caught.value.problems
    assert problem.path == "events[0].title"
    assert (problem.line, problem.column) == _at(text, "[[events]]")


def _corpus_messages() -> str:
    """Every message of the loader's corpus, with its position: the TOML case and its JSON twin.

    The JSON twin is the same document written as our format's JSON (dates
    as ISO text); cases that are TOML syntax errors have none.
    """

    def problems(text: str, syntax: str, name: str) -> list[str]:
        try:
            isecg_events.loads(text, syntax=syntax, source=name)
        except isecg_events.ProgrammeError as error:
            return [str(problem) for problem in error.problems]
        return ["(accepted)"]

    lines = []
    for case, mutate, _ in CASES:
        text = mutate(MINIMAL)
        lines.append(f"## {case}")
        lines += problems(text, "toml", "programme.toml")
        try:
            document = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            continue
        twin = json.dumps(document, indent=2, ensure_ascii=False, default=lambda v: v.isoformat())
        lines += problems(twin, "json", "programme.json")
    return "\n".join(lines) + "\n"


def test_every_corpus_message_has_its_exact_line_and_column() -> None:
    """Each position was checked by hand once; the golden file holds them."""
    golden = (GOLDEN / "corpus-positions.txt").read_text(encoding="utf-8")
    assert _corpus_messages() == golden
    located = [line for line in golden.splitlines() if not line.startswith("##")]
    assert len(located) > 2 * 40
    assert all(re.match(r"^programme\.(toml|json):\d+:\d+: ", line) for line in located)
