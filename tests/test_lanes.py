"""A large export's render shared among processes (exporters/_lanes.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings

import isecg_events
from isecg_events.cli import main
from isecg_events.exporters import EXPORTERS, Exporter, _lanes, get_exporter
from isecg_events.exporters._registry import Plan, collect, execute, plan
from isecg_events.exporters.feeds import site_files
from isecg_events.programme import Programme
from tests.programmes import RECURRING, large, programmes, reference

pytestmark = pytest.mark.skipif(os.name != "posix", reason="lanes fork")

ALL = [e for e in EXPORTERS if e.name != "atom"]
ICS = get_exporter("ics")


@pytest.fixture
def every_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lanes for any programme, however small, in this test process.

    The test session may run a helper thread (Playwright's child watcher,
    blocked in waitpid, once the browser fixture started), which would keep
    the rule against forking beside threads from forking here at all; that
    rule has its own test, and these need the fork.
    """
    monkeypatch.setattr(_lanes, "SMALLEST", 0)
    monkeypatch.setattr(_lanes, "SMALLEST_BYTES", 0)
    monkeypatch.setattr(_lanes, "forkable", lambda: sys.platform == "linux")


def _run_lanes(whole: Plan, split: list[Plan]) -> Any:
    """``whole`` rendered in the lanes of ``split``: the first here, each other in a child."""
    return _lanes._gathered(whole, split[0], _lanes._started(list(split[1:])))


@pytest.mark.usefixtures("every_size")
def test_other_lanes_render_in_other_processes(plenary: Programme) -> None:
    def pid(prepared: Any) -> bytes:
        return str(os.getpid()).encode()

    whole = plan(plenary, [_exporter(f"pid{n}", pid, cost=1.0) for n in range(3)], {}, [])
    files, _ = _rendered(whole, 3)
    assert files["pid0"] == str(os.getpid()).encode()  # the first lane: here
    assert len(set(files.values())) == 3  # each other lane: its own child


def test_no_lanes_beside_another_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    monkeypatch.setattr(_lanes, "SMALLEST", 0)
    results: list[bool] = []
    thread = threading.Thread(target=lambda: results.append(_lanes.forkable()))
    thread.start()
    thread.join()
    assert results == [False]  # not the main thread
    stop = threading.Event()
    waiting = threading.Thread(target=stop.wait)
    waiting.start()
    try:
        assert not _lanes.forkable()  # the main thread, with another running
    finally:
        stop.set()
        waiting.join()


def _rendered(whole: Plan, jobs: int) -> Any:
    """What export renders in up to ``jobs`` lanes, gathered as execute() returns it."""
    return collect(whole, _lanes.stream(whole, jobs))


def _names(lane: Plan) -> tuple[list[str], list[str]]:
    return [e.name for e, _ in lane.whole], [e.name for e, _ in lane.apart]


@pytest.mark.parametrize("count", [1, 2, 3, 4, 7, 20])
def test_lanes_hold_every_format_once_and_keep_a_format_together(
    plenary: Programme, count: int
) -> None:
    whole = plan(plenary, ALL, {}, [ICS])
    split = _lanes.lanes(whole, count)
    assert 1 <= len(split) <= min(count, len(ALL))
    names = [_names(lane) for lane in split]
    assert all(w or a for w, a in names)  # no empty lane
    assert sorted(n for w, _ in names for n in w) == sorted(e.name for e in ALL)
    assert [n for _, a in names for n in a] == ["ics"]
    assert any("ics" in w and "ics" in a for w, a in names)  # they share each VEVENT
    assert any("json" in w and "xml" in w for w, _ in names)  # one family: the frab entries
    for w, _ in names:  # the plan's order within a lane
        assert w == [e.name for e in ALL if e.name in w]


def test_two_lanes_are_balanced_by_cost(plenary: Programme) -> None:
    split = _lanes.lanes(plan(plenary, ALL, {}, [ICS]), 2)
    costs = [sum(e.cost for e, _ in (*lane.whole, *lane.apart)) for lane in split]
    total = sum(e.cost for e in ALL) + ICS.cost
    assert max(costs) - min(costs) <= max(e.cost for e in ALL)  # longest first
    assert sum(costs) == pytest.approx(total)


def _plain(plenary: Programme, costs: list[float]) -> Plan:
    formats = [_exporter(f"f{n}", lambda prepared: b"", cost=c) for n, c in enumerate(costs)]
    return plan(plenary, formats, {}, [])


def _loads(split: list[Plan], head_start: float = 0.0) -> list[float]:
    loads = [sum(e.cost for e, _ in (*lane.whole, *lane.apart)) for lane in split]
    return [loads[0] + head_start, *loads[1:]]


def test_the_heaviest_lane_is_as_light_as_can_be(plenary: Programme) -> None:
    # Longest first would give 3+2+2 against 3+2; the best split is 3+3 against 2+2+2.
    split = _lanes.lanes(_plain(plenary, [3, 3, 2, 2, 2]), 2)
    assert sorted(_loads(split)) == [6, 6]
    assert [_names(lane)[0] for lane in split] == [["f0", "f1"], ["f2", "f3", "f4"]]


def test_the_first_lane_is_lighter_by_its_head_start(plenary: Programme) -> None:
    # This process's lane writes every file too: it renders less.
    split = _lanes.lanes(_plain(plenary, [1, 1, 1, 1]), 2, head_start=2.0)
    assert _loads(split, 2.0) == [3, 3] and len(split[0].whole) == 1
    split = _lanes.lanes(_plain(plenary, [1, 1]), 2, head_start=5.0)
    assert not split[0].whole and len(split[1].whole) == 2  # all in the child
    # A child pays for its fork (FORKED): of three equal formats, this
    # process renders two.
    assert _lanes.FORKED > 0
    split = _lanes.lanes(_plain(plenary, [1, 1, 1]), 2)
    assert [len(lane.whole) for lane in split] == [2, 1]


@pytest.mark.usefixtures("every_size")
def test_parts_are_passed_on_while_other_lanes_still_render(
    plenary: Programme, tmp_path: Path
) -> None:
    # The child's format waits (at most 10 s) for the mark its caller makes on
    # receiving this process's part: it can only see it if parts are passed
    # on as they are ready, not once every lane has ended.
    mark = tmp_path / "received"

    def late(prepared: Any) -> bytes:
        deadline = time.monotonic() + 10
        while not mark.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        return b"saw the mark" if mark.exists() else b"timed out"

    here = _exporter("here", lambda prepared: str(os.getpid()).encode(), cost=5.0)
    whole = plan(plenary, [here, _exporter("late", late, cost=5.0)], {}, [])
    got = {}
    for part in _lanes.stream(whole, 2):
        got[part.name] = part.content
        mark.touch()
    assert got == {"here": str(os.getpid()).encode(), "late": b"saw the mark"}


def _wait_for(path: Path, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    return path.exists()


@pytest.mark.usefixtures("every_size")
def test_a_childs_part_is_passed_on_between_this_process_formats(
    plenary: Programme, tmp_path: Path
) -> None:
    # This process renders "first" (once the child has rendered, and had two
    # seconds to send) and "second", which needs the mark its caller makes
    # on receiving the child's part: so that part must come between the two.
    rendered, mark = tmp_path / "rendered", tmp_path / "received"

    def quick(prepared: Any) -> bytes:
        rendered.touch()
        return b"quick"

    def first(prepared: Any) -> bytes:
        _wait_for(rendered)
        time.sleep(2)
        return b"first"

    def second(prepared: Any) -> bytes:
        return b"saw the mark" if _wait_for(mark) else b"timed out"

    formats = [_exporter(n, f, 1.0) for n, f in (("first", first), ("second", second))]
    child = _exporter("quick", quick, 1.0)
    whole = _lane(plenary, *formats, child)
    got = []
    for part in _run_lanes(whole, [_lane(plenary, *formats), _lane(plenary, child)]):
        got.append((part.name, part.content))
        if part.name == "quick":
            mark.touch()
    assert got == [("first", b"first"), ("quick", b"quick"), ("second", b"saw the mark")]


@pytest.mark.usefixtures("every_size")
def test_a_dead_child_with_parts_passed_on_renders_only_the_rest_here(
    plenary: Programme,
) -> None:
    parent = os.getpid()
    rendered: list[str] = []

    def dying(prepared: Any) -> bytes:
        if os.getpid() != parent:
            os._exit(3)
        rendered.append("dying")
        return b"rendered here"

    def sent(prepared: Any) -> bytes:
        if os.getpid() == parent:
            rendered.append("sent")
        return b"sent"

    heavy = _exporter("heavy", lambda prepared: b"heavy", cost=10.0)
    whole = plan(
        plenary, [heavy, _exporter("sent", sent, 5.0), _exporter("dying", dying, 5.0)], {}, []
    )
    assert [_names(lane)[0] for lane in _lanes.lanes(whole, 2)] == [["heavy"], ["sent", "dying"]]
    parts = {part.name: part.content for part in _lanes.stream(whole, 2)}
    assert parts == {"heavy": b"heavy", "sent": b"sent", "dying": b"rendered here"}
    assert rendered == ["dying"]  # "sent" came from the child before it died


@pytest.mark.usefixtures("every_size")
def test_a_part_read_from_its_spool_in_pieces_is_whole(
    plenary: Programme, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = os.pread
    monkeypatch.setattr(_lanes.os, "pread", lambda fd, n, at: real(fd, min(n, 1000), at))
    whole = plan(plenary, ALL, {}, [ICS])
    assert _ordered(_rendered(whole, 2)) == _ordered(execute(whole))


@pytest.mark.usefixtures("every_size")
def test_a_spool_shorter_than_its_child_said_fails_the_lane(
    plenary: Programme, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = os.pread

    def short(fd: int, n: int, at: int) -> bytes:  # the spool's last byte is missing
        return real(fd, max(0, min(n, os.fstat(fd).st_size - 1 - at)), at)

    def pid(prepared: Any) -> bytes:
        return str(os.getpid()).encode()

    monkeypatch.setattr(_lanes.os, "pread", short)
    whole = plan(plenary, [_exporter(f"pid{n}", pid, cost=1.0) for n in range(2)], {}, [])
    files, _ = _rendered(whole, 2)
    assert files == {"pid0": str(os.getpid()).encode(), "pid1": str(os.getpid()).encode()}


def _ordered(files: Any) -> Any:
    """Files with their order (dicts compare equal in any order)."""
    whole, own = files
    return list(whole.items()), [(name, list(each.items())) for name, each in own.items()]


def _programmes() -> list[Programme]:
    return [
        isecg_events.load(),
        isecg_events.loads(RECURRING),
        isecg_events.load(reference("examples/pretalx-democon.json")),
        isecg_events.load(reference("examples/frab-camp2019.json")),
    ]


@pytest.mark.usefixtures("every_size")
@pytest.mark.parametrize("jobs", [2, 3, 8])
def test_lanes_render_the_same_bytes_as_one_process(jobs: int) -> None:
    for programme in _programmes():
        for options in ({}, {"profile": "rich", "width": 60, "base_url": "https://e.org/"}):
            whole = plan(programme, ALL, options, [ICS])
            assert _ordered(_rendered(whole, jobs)) == _ordered(execute(whole))


@pytest.mark.usefixtures("every_size")
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programme=programmes())
def test_lanes_render_any_programme_as_one_process(programme: Programme) -> None:
    whole = plan(programme, ALL, {}, [ICS])
    assert _ordered(_rendered(whole, 2)) == _ordered(execute(whole))


@pytest.mark.usefixtures("every_size")
def test_lanes_apply_a_release_history_once(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from isecg_events.releases import History

    first = isecg_events.loads(RECURRING)
    history, _, _ = History.read(tmp_path).record(
        first, name="v1", at=datetime(2026, 3, 1, tzinfo=UTC)
    )
    moved = attrs.evolve(first, events=first.events[1:])  # an event removed: cancelled in feeds
    history, _, _ = history.record(moved, name="v2", at=datetime(2026, 3, 2, tzinfo=UTC))
    every = [*ALL, get_exporter("atom")]
    whole = plan(moved, every, {"releases": history}, [ICS])
    shared = _rendered(whole, 3)
    assert _ordered(shared) == _ordered(execute(whole))
    assert b"STATUS:CANCELLED" in shared[0]["ics"] and b"<entry>" in shared[0]["atom"]


@pytest.mark.usefixtures("every_size")
def test_site_files_with_jobs_are_the_files_of_one_process(plenary: Programme) -> None:
    names = [e.name for e in ALL]
    shared = site_files(plenary, names, {}, jobs=4)
    assert list(shared.items()) == list(site_files(plenary, names, {}).items())


def _exporter(name: str, render: Any, cost: float) -> Exporter:
    return Exporter(
        name=name,
        extension="txt",
        media_type="text/plain",
        summary=f"a test format: {name}",
        file_name=lambda programme: f"{name}.txt",
        render_prepared=render,
        cost=cost,
    )


def _raising(message: str) -> Any:
    def render(prepared: Any) -> bytes:
        raise ValueError(message)

    return render


def _lane(programme: Programme, *exporters: Exporter) -> Plan:
    return plan(programme, list(exporters), {}, [])


@pytest.mark.usefixtures("every_size")
def test_a_failing_lane_raises_what_one_process_raises(plenary: Programme) -> None:
    # The plain render meets "first" first. Whichever lane meets which, the
    # error reported is the plain one.
    first = _exporter("first", _raising("first"), cost=0.1)
    heavy = _exporter("heavy", _raising("heavy"), cost=1000.0)
    fine = _exporter("fine", lambda prepared: b"fine", cost=1.0)
    whole = _lane(plenary, fine, first, heavy)
    with pytest.raises(ValueError, match=r"^first$"):
        execute(whole)
    for split in (
        [_lane(plenary, heavy), _lane(plenary, fine, first)],  # here "heavy", a child "first"
        [_lane(plenary, fine, first), _lane(plenary, heavy)],  # here "first", a child "heavy"
        [_lane(plenary, fine), _lane(plenary, first, heavy)],  # only a child fails
        [_lane(plenary, first, heavy), _lane(plenary, fine)],  # only this process fails
    ):
        with pytest.raises(ValueError, match=r"^first$"):
            collect(whole, _run_lanes(whole, split))
    with pytest.raises(ValueError, match=r"^first$"):
        _rendered(plan(plenary, [first, *ALL, heavy], {}, [ICS]), 2)


@pytest.mark.usefixtures("every_size")
def test_a_child_that_dies_is_rendered_again_here(plenary: Programme) -> None:
    parent = os.getpid()

    def dying(prepared: Any) -> bytes:
        if os.getpid() != parent:
            os._exit(3)  # as a child the kernel kills: no result sent
        return b"rendered here"

    heavy = _exporter("heavy", lambda prepared: b"heavy", cost=1000.0)
    whole = plan(plenary, [heavy, _exporter("dying", dying, cost=1.0), *ALL], {}, [])
    split = _lanes.lanes(whole, 2)
    assert _names(split[0])[0] == ["heavy"]  # the parent's lane
    assert "dying" in _names(split[1])[0]  # a child's, which dies
    files, _ = _rendered(whole, 2)
    assert files["dying"] == b"rendered here"
    assert list(files.items()) == list(execute(whole)[0].items())


@pytest.mark.usefixtures("every_size")
def test_lanes_that_cannot_start_render_here(
    plenary: Programme, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object) -> int:
        raise OSError(24, "Too many open files")

    monkeypatch.setattr(os, "memfd_create", refuse)
    whole = plan(plenary, ALL, {}, [ICS])
    assert _ordered(_rendered(whole, 2)) == _ordered(execute(whole))


def test_small_programmes_and_one_job_render_in_this_process(
    plenary: Programme, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(works: object) -> None:
        raise AssertionError("no lanes expected")

    monkeypatch.setattr(_lanes, "_started", refuse)
    whole = plan(plenary, ALL, {}, [ICS])
    assert _rendered(whole, 8) == execute(whole)  # 1 event < SMALLEST
    monkeypatch.setattr(_lanes, "SMALLEST", 0)
    assert _rendered(whole, 1) == execute(whole)


def _loading(whole: Plan, jobs: int, prepare: Any = None) -> Any:
    """What export renders loading in up to ``jobs`` lanes, gathered as execute() returns it."""
    formats = [exporter for exporter, _ in whole.whole]
    each = [exporter for exporter, _ in whole.apart]
    parts = _lanes.stream_loading(prepare or (lambda: whole), formats, each, jobs)
    return collect(whole, parts)


def _lanes_left(before: set[int]) -> set[int]:
    """This process's children that were not there ``before`` (the session may have others)."""
    return set(_children(os.getpid())) - before


@pytest.mark.usefixtures("every_size")
@pytest.mark.parametrize("jobs", [1, 2, 3])
def test_lanes_loading_render_the_same_bytes_as_one_process(jobs: int) -> None:
    before = set(_children(os.getpid()))
    for programme in _programmes():
        for options in ({}, {"profile": "rich", "width": 60, "base_url": "https://e.org/"}):
            whole = plan(programme, ALL, options, [ICS])
            assert _ordered(_loading(whole, jobs)) == _ordered(execute(whole))
    assert not _lanes_left(before)


@pytest.mark.usefixtures("every_size")
def test_each_lane_loads_while_this_process_loads(plenary: Programme, tmp_path: Path) -> None:
    # This process's load waits (at most 10 s) until a child has loaded too:
    # the children are forked before it, and load on their own.
    parent, loads = os.getpid(), tmp_path / "loads"
    saw_a_child: list[bool] = []

    def prepare() -> Plan:
        with loads.open("a") as record:
            record.write(f"{os.getpid()}\n")
        if os.getpid() == parent:
            deadline = time.monotonic() + 10
            while loads.read_text().count("\n") < 2 and time.monotonic() < deadline:
                time.sleep(0.01)
            saw_a_child.append(loads.read_text().count("\n") == 2)
        return whole

    def pid(prepared: Any) -> bytes:
        return str(os.getpid()).encode()

    whole = plan(plenary, [_exporter(f"pid{n}", pid, cost=1.0) for n in range(2)], {}, [])
    files, _ = _loading(whole, 2, prepare)
    assert saw_a_child == [True]
    (child,) = {int(line) for line in loads.read_text().split()} - {parent}
    assert files == {"pid0": str(parent).encode(), "pid1": str(child).encode()}


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc")
@pytest.mark.usefixtures("every_size")
def test_a_load_failing_here_ends_every_lane(plenary: Programme) -> None:
    parent = os.getpid()

    def prepare() -> Plan:
        if os.getpid() == parent:
            raise ValueError("the programme has problems")
        time.sleep(30)  # a child still loading
        return whole

    whole = plan(plenary, ALL, {}, [ICS])
    before = set(_children(os.getpid()))
    with pytest.raises(ValueError, match="the programme has problems"):
        _loading(whole, 3, prepare)
    assert not _lanes_left(before)


@pytest.mark.usefixtures("every_size")
def test_a_lane_whose_load_fails_is_rendered_here(plenary: Programme) -> None:
    parent = os.getpid()

    def prepare() -> Plan:
        if os.getpid() != parent:
            raise ValueError("only in the child")
        return whole

    whole = plan(plenary, ALL, {}, [ICS])
    assert _ordered(_loading(whole, 2, prepare)) == _ordered(execute(whole))


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc")
def test_a_programme_too_small_for_lanes_renders_here(
    plenary: Programme, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_lanes, "forkable", lambda: sys.platform == "linux")
    assert len(plenary.events) < _lanes.SMALLEST

    def pid(prepared: Any) -> bytes:
        return str(os.getpid()).encode()

    whole = plan(plenary, [_exporter(f"pid{n}", pid, cost=1.0) for n in range(3)], {}, [])
    before = set(_children(os.getpid()))
    files, _ = _loading(whole, 3)
    assert set(files.values()) == {str(os.getpid()).encode()}
    assert not _lanes_left(before)


@pytest.mark.usefixtures("every_size")
def test_what_a_loading_lane_prints_is_discarded(
    plenary: Programme, capfd: pytest.CaptureFixture[str]
) -> None:
    def prepare() -> Plan:
        print(f"loaded in {os.getpid()}", flush=True)
        print(f"warning from {os.getpid()}", file=sys.stderr, flush=True)
        return whole

    whole = plan(plenary, ALL, {}, [ICS])
    _loading(whole, 3, prepare)
    out, err = capfd.readouterr()
    assert (out, err) == (f"loaded in {os.getpid()}\n", f"warning from {os.getpid()}\n")


@pytest.mark.usefixtures("every_size")
def test_export_loading_in_lanes_warns_once(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    source = Path(__file__).parent / "data" / "imports" / "pretalx-rc3-excerpt.json"
    printed = {}
    for jobs in ("1", "3"):
        assert main(["export", str(source), "-o", str(tmp_path / jobs), "-j", jobs]) == 0
        out, err = capfd.readouterr()
        assert err.count("warning: ") == 1 and "time_zone_name: is absent" in err
        printed[jobs] = [Path(line).relative_to(tmp_path / jobs) for line in out.split()]
    assert printed["1"] == printed["3"]
    for name in printed["1"]:
        assert (tmp_path / "1" / name).read_bytes() == (tmp_path / "3" / name).read_bytes()


def test_the_lanes_of_a_load_are_decided_by_the_bytes_read() -> None:
    assert _lanes.jobs_for(_lanes.SMALLEST_BYTES, 4) == 4
    assert _lanes.jobs_for(_lanes.SMALLEST_BYTES - 1, 4) == 1
    assert len(large(_lanes.SMALLEST).encode()) > _lanes.SMALLEST_BYTES  # a byte floor below


@pytest.mark.usefixtures("every_size")
def test_export_jobs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "-o", str(tmp_path / "one"), "--jobs", "1"]) == 0
    printed_one = [
        Path(line).relative_to(tmp_path / "one") for line in capsys.readouterr().out.split()
    ]
    assert main(["export", "-o", str(tmp_path / "four"), "-j", "4"]) == 0
    printed_four = [
        Path(line).relative_to(tmp_path / "four") for line in capsys.readouterr().out.split()
    ]
    assert printed_one == printed_four  # in the formats' order, however the lanes ended
    assert printed_one[0] == Path("glex2017.ics") and printed_one[-1].parent == Path("events")
    one = {p.relative_to(tmp_path / "one"): p.read_bytes() for p in (tmp_path / "one").rglob("*.*")}
    four = {
        p.relative_to(tmp_path / "four"): p.read_bytes() for p in (tmp_path / "four").rglob("*.*")
    }
    assert one == four and len(one) == 7
    capsys.readouterr()
    for bad in ("0", "-1", "two", "1.5"):
        with pytest.raises(SystemExit) as exit:
            main(["export", "-o", str(tmp_path / "bad"), "--jobs", bad])
        assert exit.value.code == 2
        assert "a whole number, 1 or more" in capsys.readouterr().err
    assert not (tmp_path / "bad").exists()


def _children(pid: int) -> list[int]:
    task = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(n) for n in task.read_text().split()] if task.exists() else []


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc")
def test_ctrl_c_leaves_no_lane_running(tmp_path: Path) -> None:
    source = tmp_path / "large.toml"
    source.write_text(large(2_400), encoding="utf-8")  # a lane of about a second
    command = [sys.executable, "-m", "isecg_events", "export", str(source), "-j", "2"]
    # As a terminal starts it (a background job inherits SIGINT ignored).
    run = subprocess.Popen(
        [*command, "-o", str(tmp_path / "out")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 60
        lanes: list[int] = []
        while not lanes and run.poll() is None and time.monotonic() < deadline:
            lanes = _children(run.pid)
            time.sleep(0.01)
        assert lanes, "the export forked no lane"
        run.send_signal(signal.SIGINT)  # Ctrl-C goes to the process group: both
        os.kill(lanes[0], signal.SIGINT)
        _, err = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait(timeout=10)
    assert run.returncode == 130 and err == b"interrupted\n"  # no traceback, the lane's neither
    # The export killed and reaped its lane before it ended: no orphan renders on.
    assert not Path(f"/proc/{lanes[0]}").exists()
    assert not (tmp_path / "out").exists()  # nothing written
