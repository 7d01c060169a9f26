"""Each finding of the adversarial probe: refused by field, no traceback, whole output sets."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings

import isecg_events
from isecg_events.cli import main
from isecg_events.exporters import native
from isecg_events.output import TEMPORARY_SUFFIX, write_all
from tests.judges import Radicale, refusing_port
from tests.programmes import MINIMAL, large, programmes, without_position

EVENT = 'date = 2026-03-28\nstart = "09:00"\nend = "10:00"'

# (name, the programme's text, the exact problem after "FILE: ")
EDGES = [
    (
        "published in year 1",
        MINIMAL.replace("2026-01-01T00:00:00Z", "0001-01-01T00:00:00+01:00"),
        "conference.published: 0001-01-01T00:00:00+01:00 is outside the supported years "
        "1900 to 2200",
    ),
    (
        "an event in 9999",
        MINIMAL.replace("end = 2026-03-30", "end = 9999-12-31").replace(
            EVENT, 'date = 9999-12-31\nstart = "23:10"\nend = "23:50"'
        ),
        "conference.end: 9999-12-31 is outside the supported years 1900 to 2200\n"
        "events[0].date: 9999-12-31 is outside the supported years 1900 to 2200",
    ),
    (
        "a duration of eleven thousand years",
        MINIMAL.replace('end = "10:00"', 'duration = "99999999:00"'),
        "events[0].duration: 99,999,999:00 hours is longer than the limit of 8,784:00 hours",
    ),
    (
        "UNTIL in 9999 in New York",
        MINIMAL.replace('"Europe/Paris"', '"America/New_York"').replace(
            'end = "10:00"', 'end = "10:00"\nrrule = "FREQ=YEARLY;UNTIL=99991231"'
        ),
        "events[0].rrule: UNTIL=99991231 is outside the supported years",
    ),
    (
        "INTERVAL=0",
        MINIMAL.replace('end = "10:00"', 'end = "10:00"\nrrule = "FREQ=DAILY;COUNT=3;INTERVAL=0"'),
        "events[0].rrule: INTERVAL=0 must be a whole number of 1 or more",
    ),
    (
        "COUNT with UNTIL",
        MINIMAL.replace(
            'end = "10:00"', 'end = "10:00"\nrrule = "FREQ=DAILY;COUNT=2;UNTIL=20260330"'
        ),
        "events[0].rrule: give COUNT or UNTIL, not both (RFC 5545)",
    ),
    (
        "COUNT=0",
        MINIMAL.replace('end = "10:00"', 'end = "10:00"\nrrule = "FREQ=DAILY;COUNT=0"'),
        "events[0].rrule: COUNT=0 must be a whole number of 1 or more",
    ),
    (
        "UNTIL before the start",
        MINIMAL.replace('end = "10:00"', 'end = "10:00"\nrrule = "FREQ=DAILY;UNTIL=20260301"'),
        "events[0].rrule: the rule gives no occurrence (an UNTIL before the start, say)",
    ),
    (
        "BYWEEKNO=99",
        MINIMAL.replace(
            'end = "10:00"', 'end = "10:00"\nrrule = "FREQ=YEARLY;BYWEEKNO=99;COUNT=2"'
        ),
        "events[0].rrule: the rule gives no occurrence (an UNTIL before the start, say)",
    ),
    (
        "timezone localtime",
        MINIMAL.replace('timezone = "Europe/Paris"', 'timezone = "localtime"'),
        "conference.timezone: unknown time zone 'localtime'",
    ),
    (
        "timezone Factory",
        MINIMAL.replace('timezone = "Europe/Paris"', 'timezone = "Factory"'),
        "conference.timezone: unknown time zone 'Factory'",
    ),
    (
        "an event id of 250 characters",
        MINIMAL.replace('id = "opening"', f'id = "{"a" * 250}"'),
        "events[0].id: is 250 characters long; an id may have 200",
    ),
    (
        "a conference id of 250 characters",
        MINIMAL.replace('id = "demo2026"', f'id = "{"d" * 250}"'),
        "conference.id: is 250 characters long; an id may have 200",
    ),
    (
        "nested 5,000 deep",
        "a = " + "[" * 5000 + "]" * 5000 + "\n",
        "TOML is nested too deeply",
    ),
    (
        "a 5,000-digit integer",
        MINIMAL.replace('id = "opening"', 'id = "opening"\nnumber = ' + "9" * 5000),
        "holds a number too long to read (more than 4,300 digits)",
    ),
]


@pytest.mark.parametrize(("name", "text", "expected"), EDGES, ids=[e[0] for e in EDGES])
def test_edge_values_are_refused_by_field(
    name: str,
    text: str,
    expected: str,
    write_programme: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = write_programme(text)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    lines = [without_position(line.removeprefix("error: ")) for line in err.splitlines()[:-1]]
    assert lines == [f"{path}: {line}" for line in expected.split("\n")]
    # a problem of a field names its line and column (one of the document does not)
    located = re.compile(rf"error: {re.escape(str(path))}:\d+:\d+: ")
    fields = [x for x in expected.split("\n") if re.match(r"[a-z_]+(\[\d+\])?[.:\[]", x)]
    assert sum(bool(located.match(line)) for line in err.splitlines()[:-1]) >= len(fields)
    assert main(["export", str(path), "--output", str(path.parent / "out")]) == 2
    assert not (path.parent / "out").exists()


def _schedule(**entry_changes: object) -> dict[str, object]:
    entry = {"guid": "0b0b4c1e-64f8-4a39-9bd4-1b5a8a6f2d11", "id": 7, "room": "R",
             "title": "Talk", "date": "2026-05-01T10:00:00+02:00", "duration": "01:00"}  # fmt: skip
    entry.update(entry_changes)
    conference = {"acronym": "demo2026", "title": "D", "start": "2026-05-01",
                  "end": "2026-05-01", "days": [{"rooms": {"R": [entry]}}]}  # fmt: skip
    return {"schedule": {"version": "1", "conference": conference}}


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (
            _schedule(date="9999-12-31T23:59:59-14:00"),
            "['R'][0].date: 9999-12-31T23:59:59-14:00 is outside the supported years",
        ),
        (_schedule(id=10**20), "['R'][0].id: a number this large is out of range"),
        (_schedule(language="e\ud800n"), "['R'][0].language: contains U+D800"),
        (_schedule(url="https://e.org/\r\nX: y"), "['R'][0].url: must be a single line"),
    ],
    ids=["dated 9999", "id 10^20", "surrogate", "CR/LF url"],
)
def test_imported_edges_are_refused_by_field(
    document: dict[str, object], expected: str, write_programme: Callable[..., Path]
) -> None:
    path = write_programme(json.dumps(document), "schedule.json")
    with pytest.raises(isecg_events.ProgrammeError) as caught:
        isecg_events.load(path)
    assert expected in str(caught.value)


@pytest.mark.parametrize(
    ("raw_id", "expected"),
    [
        ("NaN", "must be a whole number such as 42, not NaN (which is not JSON)"),
        ("Infinity", "not a number too large for any id (Infinity, which is not JSON)"),
        ("1e999", "not a number too large for any id (Infinity, which is not JSON)"),
        ("1.5", "must be a whole number such as 42, not 1.5"),
        ('"abc"', "must be a whole number such as 42, not 'abc'"),
        ("true", "must be a whole number such as 42, not true"),
        ("[7]", "must be a whole number such as 42, not an array"),
        ("-5", "-5 is out of range (1 to 2147483647)"),
        ('"99999999999999999999999"', "a number this large is out of range (1 to 2147483647)"),
    ],
)
def test_imported_ids_that_are_not_whole_numbers_are_refused(raw_id: str, expected: str) -> None:
    text = json.dumps(_schedule(id=7)).replace('"id": 7', f'"id": {raw_id}')
    with pytest.raises(isecg_events.ProgrammeError) as caught:
        isecg_events.loads(text, syntax="json")
    assert "days[0].rooms['R'][0].id: " in str(caught.value)
    assert str(caught.value).endswith(expected)


@pytest.mark.parametrize("raw_id", ['"42"', "42", '" 42 "'])
def test_an_imported_id_of_digits_is_taken_as_given(raw_id: str) -> None:
    text = json.dumps(_schedule(id=7)).replace('"id": 7', f'"id": {raw_id}')
    assert isecg_events.loads(text, syntax="json").events[0].number == 42


def test_an_imported_day_given_twice_is_refused_naming_the_second() -> None:
    document = _schedule()
    days = document["schedule"]["conference"]["days"]  # type: ignore[index]
    days.append(days[0])
    with pytest.raises(isecg_events.ProgrammeError) as caught:
        isecg_events.loads(json.dumps(document), syntax="json")
    assert "days[1].rooms['R'][0].guid: duplicate guid" in str(caught.value)
    assert "(also schedule.conference.days[0].rooms['R'][0])" in str(caught.value)


def test_the_import_event_limit_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    from isecg_events.rules import LIMITS

    monkeypatch.setitem(LIMITS, "events", 1)
    document = _schedule()
    rooms = document["schedule"]["conference"]["days"][0]["rooms"]  # type: ignore[index]
    rooms["R"].append(dict(rooms["R"][0], guid=None, id=8))
    with pytest.raises(isecg_events.ProgrammeError, match="has 2 events; the limit is 1"):
        isecg_events.loads(json.dumps(document), syntax="json")


def test_xml_with_an_unknown_encoding_or_a_superscript_id() -> None:
    with pytest.raises(isecg_events.ProgrammeError, match="unknown encoding: foo"):
        isecg_events.loads(b'<?xml version="1.0" encoding="foo"?><schedule/>', syntax="xml")
    xml = isecg_events.to_schedule_xml(isecg_events.load()).replace(b' id="', b' id="\xc2\xb2', 1)
    assert isecg_events.loads(xml, syntax="xml").events  # '²7' is no number: left out


def test_a_device_is_read_through_the_size_cap(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "/dev/zero"]) == 2
    assert "/dev/zero: is larger than the limit of 52,428,800 bytes" in capsys.readouterr().err


@pytest.mark.parametrize(
    "arguments",
    [["agenda", "--width", "1000000000000"], ["export", "--output", ""]],
    ids=["huge width", "empty output"],
)
def test_bad_arguments_exit_2(arguments: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(arguments) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and len(err.splitlines()) == 1


def _command(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "isecg_events", *arguments]


def test_a_full_disk_on_stdout_is_one_line_and_exit_1() -> None:
    with open("/dev/full", "wb") as full:
        result = subprocess.run(_command("agenda"), stdout=full, stderr=subprocess.PIPE, timeout=60)
    assert result.returncode == 1
    assert result.stderr.decode() == (
        "error: cannot write to standard output: No space left on device\n"
    )


def test_a_closed_pipe_ends_quietly() -> None:
    process = subprocess.Popen(
        _command("export", "--format", "json", "--output", "-"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # as `| head -0` would
    err = process.stderr.read()
    assert process.wait(timeout=60) == 1
    assert err == b""


# -- output sets stay whole ---------------------------------------------------


def _version(tmp_path: Path, name: str, title: str, published: str) -> Path:
    text = (
        MINIMAL.replace('title = "Opening"', f'title = "{title}"')
        .replace("2026-01-01T00:00:00Z", published)
        .replace('[[events]]\nid = "opening"', '[[events]]\nid = "opening"')
    )
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_parallel_runs_leave_one_whole_set(tmp_path: Path) -> None:
    versions = [
        _version(tmp_path, f"v{n}.toml", f"Opening {n}", f"2026-01-0{n + 1}T00:00:00Z")
        for n in range(2)
    ]
    expected = []
    for n, version in enumerate(versions):
        assert main(["export", str(version), "--split", "--output", str(tmp_path / f"e{n}")]) == 0
        expected.append(_files(tmp_path / f"e{n}"))
    target = tmp_path / "out"
    runs = [
        subprocess.Popen(
            _command("export", str(versions[n % 2]), "--split", "--output", str(target)),
            stdout=subprocess.DEVNULL,
        )
        for n in range(10)
    ]
    assert [run.wait(timeout=120) for run in runs] == [0] * 10
    assert _files(target) in expected  # all of one version, none of the other


def test_a_killed_run_is_repaired_by_the_next(tmp_path: Path) -> None:
    """kill -9 while rendering, staging or renaming; the next run leaves one whole set.

    The folder starts with a whole export of an older version, so a run killed
    while renaming leaves new files beside old ones, and one killed while
    staging leaves temporary files.
    """
    base = isecg_events.load()

    def version(title: str) -> Path:
        events = [
            attrs.evolve(base.events[0], id=f"e{n}", title=title, room=f"Room {n}", guid=None)
            for n in range(400)
        ]
        source = tmp_path / f"{title}.json"
        source.write_bytes(native.to_json(attrs.evolve(base, events=events)))
        return source

    old, new = version("Old"), version("New")
    target = tmp_path / "out"
    assert main(["export", str(old), "--split", "--output", str(target)]) == 0
    began = time.monotonic()  # how long one whole run takes here, to kill inside it
    subprocess.run(
        _command("export", str(new), "--split", "--output", str(tmp_path / "probe")),
        stdout=subprocess.DEVNULL,
        check=True,
        timeout=120,
    )
    span = time.monotonic() - began
    killed = 0
    for share in (0.5, 0.65, 0.8, 0.9, 0.97):  # bounded: five kills across one run's span
        delay = span * share
        run = subprocess.Popen(
            _command("export", str(new), "--split", "--output", str(target)),
            stdout=subprocess.DEVNULL,
        )
        time.sleep(delay)
        if run.poll() is None:
            os.kill(run.pid, signal.SIGKILL)
            killed += 1
        run.wait(timeout=60)
    assert killed >= 2
    (target / "events" / f".e1.ics.abcdefgh{TEMPORARY_SUFFIX}").write_bytes(b"left by a kill")
    assert main(["export", str(new), "--split", "--output", str(target)]) == 0
    clean = tmp_path / "clean"
    assert main(["export", str(new), "--split", "--output", str(clean)]) == 0
    assert _files(target) == _files(clean)
    assert not list(target.rglob(f"*{TEMPORARY_SUFFIX}"))


# A script writing 6,000 small files into events/ (and pruning stale ones):
# its switch (6,000 replacements) is long enough to be caught in the middle.
_SWITCH_SCRIPT = """
import os
import sys
import time
from pathlib import Path
from isecg_events.output import write_all
root, version, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
names = [f"{n:05d}.txt" for n in range(count)]
if version == "new":
    names = names[: count - 10]  # ten files stale: pruned
    # Each file put in place takes a moment: the switch lasts seconds, so the
    # test's signal reaches it mid-way even when the machine stalls the test.
    replace = os.replace
    def slow_replace(*arguments, **keywords):
        replace(*arguments, **keywords)
        time.sleep(0.002)
    os.replace = slow_replace
outputs = [(root / "events" / name, f"{version} {name}\\n".encode()) for name in names]
try:
    write_all(outputs, root=root, prune=[(root / "events", "*.txt")])
except KeyboardInterrupt:
    sys.exit(130)
"""


def _switch_run(root: Path, version: str, count: int) -> subprocess.Popen[bytes]:
    script = [sys.executable, "-c", _SWITCH_SCRIPT, str(root), version, str(count)]
    return subprocess.Popen(script, stderr=subprocess.PIPE)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_during_the_switch_puts_the_old_set_back(tmp_path: Path, signum: int) -> None:
    """The signal is sent as soon as the first new file is in place: mid-switch."""
    count = 6000
    root = tmp_path / "out"
    assert _switch_run(root, "old", count).wait(timeout=120) == 0
    old = _files(root)
    first = root / "events" / "00000.txt"
    caught = 0
    for _ in range(3):  # bounded: a fast machine may finish a switch between two looks
        run = _switch_run(root, "new", count)
        deadline = time.monotonic() + 120
        while run.poll() is None and time.monotonic() < deadline:
            if first.read_bytes().startswith(b"new"):
                os.kill(run.pid, signum)
                break
        code = run.wait(timeout=120)
        assert run.stderr is not None and b"Traceback" not in run.stderr.read()
        if code == 0:  # finished before the signal was sent: the whole new set
            assert len(_files(root)) == count - 10
            assert _switch_run(root, "old", count).wait(timeout=120) == 0
            continue
        caught += 1
        assert code == (130 if signum == signal.SIGINT else -signal.SIGTERM)
        assert _files(root) == old  # every file old, none pruned, nothing left over
        break
    assert caught == 1


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_at_any_moment_of_an_export_leaves_one_whole_set(
    tmp_path: Path, signum: int
) -> None:
    """SIGINT or SIGTERM at moments spread over a whole run: the old set or the new one."""
    base = isecg_events.load()

    def version(title: str) -> Path:
        # Parallel sessions without the plenary's panel: nobody booked twice
        # (a warning per clash would fill the stderr pipe read at the end).
        events = [
            attrs.evolve(
                base.events[0],
                id=f"e{n}",
                title=title,
                room=f"Room {n}",
                guid=None,
                participants=(),
                segments=(),
            )
            for n in range(200 if title == "Old" else 190)  # ten events leave
        ]
        source = tmp_path / f"{title}.json"
        source.write_bytes(native.to_json(attrs.evolve(base, events=events)))
        return source

    old, new = version("Old"), version("New")
    target = tmp_path / "out"
    assert main(["export", str(old), "--split", "--output", str(target)]) == 0
    old_set = _files(target)
    began = time.monotonic()
    probe = tmp_path / "probe"
    subprocess.run(
        _command("export", str(new), "--split", "--output", str(probe)),
        stdout=subprocess.DEVNULL,
        check=True,
        timeout=120,
    )
    span = time.monotonic() - began
    new_set = _files(probe)
    outcomes = set()
    # Moments: as soon as the first temporary file is staged, as soon as a new
    # file is in place (the switch under way), and at shares of a run's span.
    moments: list[str | float] = ["staged", "switching", 0.7, 0.95]
    first = target / "glex2017.ics"
    for moment in moments:  # bounded: four runs
        run = subprocess.Popen(
            _command("export", str(new), "--split", "--output", str(target)),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        if isinstance(moment, float):
            time.sleep(span * moment)
        else:
            deadline = time.monotonic() + 60
            while run.poll() is None and time.monotonic() < deadline:
                if moment == "staged" and any(
                    name.endswith(TEMPORARY_SUFFIX) for name in os.listdir(target)
                ):
                    break
                if moment == "switching" and first.read_bytes() != old_set["glex2017.ics"]:
                    break
        if run.poll() is None:
            os.kill(run.pid, signum)
        code = run.wait(timeout=120)
        assert run.stderr is not None
        err = run.stderr.read().decode()
        found = _files(target)
        if code == 0:
            assert found == new_set
            outcomes.add("new")
            assert main(["export", str(old), "--split", "--output", str(target)]) == 0
        else:
            # 130 and "interrupted" from the command; -2 if Ctrl-C came while
            # Python was still importing it (its own traceback, nothing written).
            expected = (130, -signal.SIGINT) if signum == signal.SIGINT else (-signal.SIGTERM,)
            assert code in expected, err
            assert code == -signal.SIGINT or "Traceback" not in err
            # Interrupted before the switch ended: the old set; after (printing
            # the paths, say): the new one. Never a mix, never a temporary file.
            assert found in (old_set, new_set), sorted(set(found) ^ set(old_set))[:3]
            outcomes.add("old" if found == old_set else "new")
            if found == new_set:
                assert main(["export", str(old), "--split", "--output", str(target)]) == 0
    assert "old" in outcomes


def test_an_event_that_left_the_programme_loses_its_file(tmp_path: Path) -> None:
    both = tmp_path / "both.toml"
    both.write_text(
        MINIMAL + '\n[[events]]\nid = "closing"\ntitle = "Closing"\n'
        'date = 2026-03-29\nstart = "17:00"\nend = "18:00"\n',
        encoding="utf-8",
    )
    one = tmp_path / "one.toml"
    one.write_text(MINIMAL, encoding="utf-8")
    target = tmp_path / "out"
    (target / "events").mkdir(parents=True)
    (target / "events" / "notes.txt").write_text("mine")
    assert main(["export", str(both), "--split", "--output", str(target)]) == 0
    assert (target / "events" / "closing.ics").exists()
    assert main(["export", str(one), "--split", "--output", str(target)]) == 0
    assert sorted(p.name for p in (target / "events").iterdir()) == ["notes.txt", "opening.ics"]


def test_a_symbolic_link_in_the_output_is_not_written_through(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    target = tmp_path / "out"
    target.mkdir()
    (target / "events").symlink_to(elsewhere)
    assert main(["export", "--split", "--output", str(target)]) == 1
    assert "is a symbolic link; not written through" in capsys.readouterr().err
    assert list(elsewhere.iterdir()) == []
    assert sorted(p.name for p in target.iterdir()) == ["events"]


def test_a_failed_write_removes_the_folders_it_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from isecg_events import output

    real, calls = output._create, []

    def failing(path: str, content: bytes, keeps: bool) -> None:
        calls.append(path)
        if len(calls) == 2:  # events/b.ics, in the folder being built
            raise OSError(28, "No space left on device", str(path))
        real(path, content, keeps)

    monkeypatch.setattr(output, "_create", failing)
    root = tmp_path / "new"
    with pytest.raises(isecg_events.ExportError, match="No space left"):
        write_all([(root / "a.txt", b"1"), (root / "events" / "b.ics", b"2")], root=root)
    assert list(tmp_path.iterdir()) == []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programme=programmes())
def test_whatever_validates_exports_in_every_format(
    programme: isecg_events.Programme, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("valid")
    source = folder / "programme.json"
    long_id = attrs.evolve(programme.events[0], id="x" * 200)
    programme = attrs.evolve(programme, events=(long_id, *programme.events[1:]))
    source.write_bytes(native.to_json(programme))
    assert main(["validate", str(source)]) == 0
    for profile in ("compat", "rich"):
        out = folder / profile
        assert main(["export", str(source), "--split", "--profile", profile, "-o", str(out)]) == 0
        assert (out / "events" / f"{'x' * 200}.ics").exists()


# -- secrets: a password inside the --caldav URL is never shown ----------------

SECRET = "s3cret-Pw"


def _publish_command(tmp_path: Path, url: str, *extra: str) -> list[str]:
    source = tmp_path / "p.toml"
    source.write_text(MINIMAL, encoding="utf-8")
    return ["publish", str(source), "--caldav", url, *extra]


@pytest.mark.parametrize(
    "url",
    [
        f"https//alice:{SECRET}@example.org/cal/",  # a scheme typo
        f"htp://alice:{SECRET}@example.org/cal/",
        f"ftp://alice:{SECRET}@example.org/cal/",
        f"https://alice:{SECRET}@/cal/",  # no host
        f"https://alice:{SECRET}@example.org:port/cal/",
        f"alice:{SECRET}@example.org/cal/",  # no scheme, no slashes
        f"https:/alice:{SECRET}@127.0.0.1:1/",  # one slash
    ],
)
def test_a_malformed_caldav_url_is_refused_before_any_request_without_its_password(
    tmp_path: Path, url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from isecg_events import publish

    def no_request(*_: object) -> None:
        raise AssertionError("no client may be made for an unusable URL")

    monkeypatch.setattr(publish, "_client", no_request)
    assert main(_publish_command(tmp_path, url)) == 2
    captured = capsys.readouterr()
    assert SECRET not in captured.err + captured.out
    assert captured.err.startswith("error: --caldav ") and "***@" in captured.err
    assert len(captured.err.splitlines()) == 1


def test_a_password_in_the_url_is_used_and_never_shown(
    radicale: Radicale, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    host = radicale.url.removeprefix("http://")
    # the principal collection is no calendar: an error quoting the URL
    url = f"http://{radicale.user}:{radicale.password}@{host}/{radicale.user}/"
    assert main(_publish_command(tmp_path, url)) == 1
    captured = capsys.readouterr()
    assert "is not a calendar collection" in captured.err  # authenticated with the URL's
    assert radicale.password not in captured.err + captured.out
    # a wrong password in the URL
    wrong = f"http://{radicale.user}:{SECRET}@{host}/{radicale.user}/cal/"
    assert main(_publish_command(tmp_path, wrong)) == 1
    captured = capsys.readouterr()
    assert "wrong user name or password" in captured.err
    assert SECRET not in captured.err + captured.out
    # refused connections quote no credentials either
    with refusing_port() as port:
        refused = f"http://alice:{SECRET}@127.0.0.1:{port}/cal/"
        assert main(_publish_command(tmp_path, refused)) == 1
    captured = capsys.readouterr()
    assert "cannot reach 127.0.0.1" in captured.err and SECRET not in captured.err


def test_a_library_failure_quoting_the_url_is_redacted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from isecg_events import publish

    class Failing:
        def request(self, url: str, *_: object) -> None:
            raise RuntimeError(f"odd reply from https://alice:{SECRET}@example.org{url}")

    class Exploding:
        def request(self, *_: object) -> None:
            raise KeyError(f"//bob:{SECRET}@example.org")

    monkeypatch.setattr(publish, "_client", lambda *_: Failing())
    url = f"https://alice:{SECRET}@example.org/cal/"
    assert main(_publish_command(tmp_path, url)) == 1
    err = capsys.readouterr().err
    assert "odd reply" in err and SECRET not in err and len(err.splitlines()) == 1
    with pytest.raises(publish.PublishError) as caught:
        publish.publish(isecg_events.loads(MINIMAL), url, client=Exploding())
    assert SECRET not in str(caught.value) and "//***@example.org" in str(caught.value)


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        # a port holding 403 or 401 is a place, not an HTTP status (a CI run met port 40395)
        ("HTTPConnectionPool(host='127.0.0.1', port=40395): Connection refused", "cannot reach"),
        ("cannot connect to http://127.0.0.1:14013/cal/: [Errno 111] refused", "cannot reach"),
        ("connect to https://403.example.org/ failed", "cannot reach"),
        ("the server answered 403 Forbidden", "no permission"),
        ("reason: 401", "wrong user name or password"),
        ("odd reply from ssl-less.example.org:4431", "the CalDAV request failed"),
    ],
)
def test_a_library_failure_is_read_by_its_words_not_its_address(
    reply: str,
    expected: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from isecg_events import publish

    class Failing:
        def request(self, *_: object) -> None:
            raise RuntimeError(reply)

    monkeypatch.setattr(publish, "_client", lambda *_: Failing())
    monkeypatch.setenv("ISECG_EVENTS_CALDAV_PASSWORD", SECRET)
    url = "https://example.org/cal/"
    assert main([*_publish_command(tmp_path, url), "--user", "alice"]) == 1
    err = capsys.readouterr().err
    assert expected in err and SECRET not in err


# -- the release history -------------------------------------------------------

_AT = "2026-03-01T09:00:00Z"


def _history(tmp_path: Path, text: str = MINIMAL) -> tuple[Path, Path]:
    """A programme file and a history folder holding its first release, v0."""
    source = tmp_path / "programme.toml"
    source.write_text(text, encoding="utf-8")
    folder = tmp_path / "hist"
    release = ["release", str(source), "--releases", str(folder), "--at", _AT]
    assert main([*release, "--name", "v0"]) == 0
    return source, folder


def _parallel_releases(source: Path, folder: Path, names: list[str]) -> list[tuple[int, str]]:
    runs = [
        subprocess.Popen(
            _command(
                "release",
                str(source),
                "--releases",
                str(folder),
                "--name",
                name,
                "--at",
                _AT,
                "--allow-empty",
            ),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for name in names
    ]
    results = []
    for run in runs:
        _, err = run.communicate(timeout=120)  # read as it comes: a full pipe never blocks
        results.append((run.returncode, err.decode()))
    return results


def test_parallel_releases_take_turns(tmp_path: Path) -> None:
    # 1,500 events: each run reads and compares for a while, so the runs overlap.
    source, folder = _history(tmp_path, large(1500))
    results = _parallel_releases(source, folder, [f"v{n}" for n in range(1, 7)])
    assert [code for code, _ in results] == [0] * 6, results
    history = isecg_events.History.read(folder)  # readable: one file per number
    assert [r.number for r in history.releases] == list(range(1, 8))
    assert sorted(r.name for r in history.releases) == [f"v{n}" for n in range(7)]


def test_parallel_releases_with_one_name_record_it_once(tmp_path: Path) -> None:
    source, folder = _history(tmp_path, large(1500))
    results = _parallel_releases(source, folder, ["day-2"] * 6)
    assert sorted(code for code, _ in results) == [0] + [2] * 5, results
    for code, err in results:
        assert code == 0 or err == "error: --name: a release is named 'day-2' already\n"
    assert [r.name for r in isecg_events.History.read(folder).releases] == ["v0", "day-2"]


def test_a_history_read_before_another_release_records_after_it(tmp_path: Path) -> None:
    programme = isecg_events.loads(MINIMAL)
    moved = isecg_events.loads(MINIMAL.replace('title = "Opening"', 'title = "Welcome"'))
    stale = isecg_events.History.read(tmp_path / "hist")
    at = datetime.fromisoformat("2026-03-01T09:00:00+00:00")
    stale.record(programme, name="v1", at=at)
    with pytest.raises(isecg_events.ReleaseError, match="a release is named 'v1' already"):
        stale.record(moved, name="v1", at=at)
    _, release, changes = stale.record(moved, name="v2", at=at)
    assert release.number == 2 and release.path.name == "0002-v2.json"
    assert len(changes) == 1  # the title, against v1, recorded meanwhile


def test_the_ten_thousandth_release_and_after(tmp_path: Path) -> None:
    """10,001 real release files (copies of one), each read and parsed, ordered by number."""
    _, folder = _history(tmp_path)
    first = folder / "0001-v0.json"
    text = first.read_text(encoding="utf-8")
    assert '"name": "v0"' in text
    first.unlink()
    for number in range(1, 10_001):
        name = f"r{number}"
        (folder / f"{number:04d}-{name}.json").write_text(
            text.replace('"name": "v0"', f'"name": "{name}"'), encoding="utf-8"
        )
    history = isecg_events.History.read(folder)
    assert [r.number for r in history.releases] == list(range(1, 10_001))
    assert [r.path.name for r in history.releases[9_998:]] == [
        "9999-r9999.json",
        "10000-r10000.json",
    ]
    assert history.latest is not None and history.latest.name == "r10000"
    _, release, _ = history.record(
        isecg_events.loads(MINIMAL.replace('title = "Opening"', 'title = "Welcome"')),
        name="next",
        at=history.latest.at,
    )
    assert release.number == 10_001 and release.path.name == "10001-next.json"
    assert (
        sorted(folder.iterdir())[0].name == "0001-r1.json"
    )  # names sort otherwise; numbers do not


def _release_file(folder: Path, name: str = "0001-v1.json") -> Path:
    folder.mkdir(exist_ok=True)
    return folder / name


@pytest.mark.parametrize(
    ("make", "message"),
    [
        # 3,000 levels exhaust Python 3.11's parser (the guard's message);
        # 3.13's parses them, and the file is refused for what it holds.
        (
            lambda path: path.write_text("[" * 3000 + "]" * 3000),
            ("0001-v1.json: JSON is nested too deeply", "0001-v1.json: the top level must be"),
        ),
        (
            lambda path: path.write_text('{"release": ' * 3000 + "1" + "}" * 3000),
            ("0001-v1.json: JSON is nested too deeply", "0001-v1.json: release.name: is required"),
        ),
        (
            lambda path: path.write_text("[" * 100_000 + "]" * 100_000),
            ("0001-v1.json: JSON is nested too deeply",),
        ),
        (lambda path: path.symlink_to("/dev/zero"), ("0001-v1.json: is not a regular file",)),
        (lambda path: os.mkfifo(path), ("0001-v1.json: is not a regular file",)),
        (lambda path: path.mkdir(), ("0001-v1.json: is not a regular file",)),
    ],
    ids=[
        "nested 3,000 deep",
        "nested in the release table",
        "nested 100,000 deep",
        "a link to /dev/zero",
        "a FIFO",
        "a folder",
    ],
)
def test_hostile_files_in_a_history_are_refused(
    tmp_path: Path, make: Callable[[Path], object], message: tuple[str, ...]
) -> None:
    folder = tmp_path / "hist"
    make(_release_file(folder))
    result = subprocess.run(  # a subprocess: a FIFO must not hang the test either
        _command("changes", "--releases", str(folder)), capture_output=True, timeout=60
    )
    assert result.returncode == 2
    err = result.stderr.decode()
    assert any(m in err for m in message) and "Traceback" not in err, err
    assert err.startswith(f"error: {folder}/0001-v1.json: ") and err.endswith(" found\n")


def _with_release_table(tmp_path: Path, **table: object) -> Path:
    _, folder = _history(tmp_path)
    path = folder / "0001-v0.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    document["release"].update(table)
    path.write_text(json.dumps(document), encoding="utf-8")  # ASCII: \\ud800 stays an escape
    return folder


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"name": "v1\nerror: forged"}, "release.name: must be a single line"),
        ({"name": "v1\r\nx"}, "release.name: contains the control character U+000D"),
        ({"name": "v\ud8001"}, "release.name: contains U+D800, which is not a character of text"),
        ({"name": "x" * 100_000}, "release.name: is 100,000 characters long; the limit is 200"),
        ({"note": "one\ntwo"}, "release.note: must be a single line"),
        ({"note": "\x1b[31mred"}, "release.note: contains the control character U+001B"),
    ],
    ids=["newline", "CR LF", "lone surrogate", "100,000 characters", "note newline", "note ESC"],
)
def test_the_release_table_follows_the_value_rules(
    tmp_path: Path, table: dict[str, str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _with_release_table(tmp_path, **table)
    capsys.readouterr()
    assert main(["changes", "--releases", str(folder)]) == 2
    err = capsys.readouterr().err
    assert err == f"error: {folder / '0001-v0.json'}: {message}\n1 problem found\n"
    with pytest.raises(isecg_events.ProgrammeError, match=re.escape(message)):
        isecg_events.History.read(folder)


@pytest.mark.parametrize("at", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:00:00-14:00"])
def test_a_release_time_out_of_range_is_refused(
    tmp_path: Path, at: str, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "programme.toml"
    source.write_text(MINIMAL, encoding="utf-8")
    folder = tmp_path / "hist"
    code = main(["release", str(source), "--releases", str(folder), "--name", "v1", "--at", at])
    assert code == 2
    assert capsys.readouterr().err == (
        f"error: --at: {at} is outside the supported years 1900 to 2200\n"
    )
    assert not folder.exists()


def test_an_os_error_on_a_path_names_the_path_not_standard_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    long = tmp_path / ("a" * 300)
    for folder in (long, long / "inner"):
        assert main(["export", "--output", str(folder)]) == 1
        err = capsys.readouterr().err
        assert err.splitlines() == [f"error: nothing was written: {folder}: File name too long"]
        assert "standard output" not in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("unbuffered", ["", "1"], ids=["buffered", "PYTHONUNBUFFERED=1"])
@pytest.mark.parametrize("read", [0, 1], ids=["closed at once", "closed after one byte"])
def test_a_closed_pipe_is_exit_1_buffered_or_not(
    tmp_path: Path, unbuffered: str, read: int
) -> None:
    source = tmp_path / "large.toml"
    source.write_text(large(800), encoding="utf-8")  # more than a pipe holds
    small = tmp_path / "small.toml"
    small.write_text(MINIMAL, encoding="utf-8")
    commands = [("agenda", str(source)), ("diff", str(small), str(small))]
    for arguments in commands:  # a large output, and a one-line one ("No changes.")
        process = subprocess.Popen(
            _command(*arguments),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONUNBUFFERED": unbuffered},
        )
        assert process.stdout is not None and process.stderr is not None
        if read and arguments[0] == "agenda":
            assert process.stdout.read(read)  # as `| head -c 1`: the reader leaves midway
        process.stdout.close()
        err = process.stderr.read()
        assert (process.wait(timeout=60), err) == (1, b""), arguments


# -- hostile imports: one clear problem, never a traceback ---------------------

IMPORTS = Path(__file__).parent / "data" / "imports"


def _problem_of(path: Path, **given: str) -> str:
    with pytest.raises(isecg_events.ProgrammeError) as caught:
        isecg_events.load(path, **given)  # type: ignore[arg-type]
    text = str(caught.value)
    assert text.startswith(str(path)) and "Traceback" not in text
    return text


def test_hostile_imports_are_one_clear_problem(tmp_path: Path) -> None:
    # an Outlook calendar's Windows zone name (one of its own: icalendar keeps
    # each VTIMEZONE it reads by TZID for the whole process)
    outlook = tmp_path / "outlook.ics"
    outlook.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Microsoft Corporation//Outlook//EN\r\n"
        "BEGIN:VTIMEZONE\r\nTZID:Isecg Hostile Standard Time\r\nBEGIN:STANDARD\r\n"
        "DTSTART:16010101T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\n"
        "END:VTIMEZONE\r\nBEGIN:VEVENT\r\nUID:a1\r\nDTSTAMP:20260101T000000Z\r\n"
        "DTSTART;TZID=Isecg Hostile Standard Time:20260601T100000\r\n"
        "DTEND;TZID=Isecg Hostile Standard Time:20260601T110000\r\nSUMMARY:Talk\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n",
        encoding="utf-8",
    )
    assert "TZID 'Isecg Hostile Standard Time' is no IANA zone" in _problem_of(outlook)
    assert isecg_events.load(outlook, timezone="Europe/Berlin").events[0].title == "Talk"
    # an iCalendar duration of two million years
    endless = tmp_path / "endless.ics"
    endless.write_text(
        outlook.read_text(encoding="utf-8").replace(
            "DTEND;TZID=Isecg Hostile Standard Time:20260601T110000", "DURATION:P99999999W"
        ),
        encoding="utf-8",
    )
    assert "is longer than the limit" in _problem_of(endless, timezone="Europe/Berlin")
    # Sessionize: a superscript id, a room that is not listed
    sessionize = json.loads((IMPORTS / "sessionize-scottishsummit2026-excerpt.json").read_text())
    sessionize["sessions"][0]["id"] = "²"
    sessionize["sessions"][1]["roomId"] = "nope"
    odd = tmp_path / "sessionize.json"
    odd.write_text(json.dumps(sessionize), encoding="utf-8")
    assert "'nope' is not in rooms" in _problem_of(odd, timezone="Europe/London")
    # Indico: a superscript id, a duration given as text, one of a million minutes
    indico = json.loads((IMPORTS / "indico-xdc2021-excerpt.json").read_text())
    contribution = indico["results"][0]["contributions"][0]
    contribution["friendly_id"] = "²"
    contribution["duration"] = "30"
    contribution["endDate"] = contribution["startDate"]
    text_duration = tmp_path / "indico.json"
    text_duration.write_text(json.dumps(indico), encoding="utf-8")
    assert isecg_events.load(text_duration).events  # a zero-length entry, read as a minute
    contribution["duration"] = 10**12
    del contribution["endDate"]
    text_duration.write_text(json.dumps(indico), encoding="utf-8")
    assert "is longer than the limit" in _problem_of(text_duration)
    # a damaged workbook sheet
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.append(["Title", "Date", "Start", "Duration"])
    book.active.append(["Talk", "2026-06-01", "10:00", 10**300])
    big = tmp_path / "big.xlsx"
    book.save(big)
    assert "Duration" in _problem_of(big, timezone="Europe/Berlin")
    import zipfile

    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(big) as source, zipfile.ZipFile(broken, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            target.writestr(item, data[: len(data) // 2] if "sheet1.xml" in item.filename else data)
    assert "is not a readable XLSX workbook" in _problem_of(broken, timezone="Europe/Berlin")
