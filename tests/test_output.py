from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from isecg_events import output
from isecg_events.errors import ExportError


def test_write_all_refuses_a_file_as_folder(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ExportError):
        output.write_all([(tmp_path / "ok.txt", b"1"), (blocker / "inner.txt", b"2")])
    assert not (tmp_path / "ok.txt").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["file"]


def test_unchanged_files_are_left_alone_and_changed_ones_replaced(tmp_path: Path) -> None:
    root = tmp_path / "out"
    outputs = [(root / "a.txt", b"same"), (root / "events" / "b.ics", b"old")]
    assert output.write_all(outputs, root=root) == [path for path, _ in outputs]
    inode_a, inode_b = ((root / "a.txt").stat().st_ino, (root / "events" / "b.ics").stat().st_ino)
    changed = [(root / "a.txt", b"same"), (root / "events" / "b.ics", b"new!")]
    assert output.write_all(changed, root=root) == [path for path, _ in changed]
    assert (root / "a.txt").stat().st_ino == inode_a  # not rewritten
    assert (root / "events" / "b.ics").stat().st_ino != inode_b  # replaced whole
    assert (root / "events" / "b.ics").read_bytes() == b"new!"
    assert sorted(p.name for p in root.rglob("*")) == ["a.txt", "b.ics", "events"]


def test_a_same_sized_change_is_written_and_files_are_world_readable(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    output.write_all([(target, b"abcd")])
    output.write_all([(target, b"abce")])
    assert target.read_bytes() == b"abce"
    assert target.stat().st_mode & 0o777 == 0o644


def test_a_link_holding_the_same_bytes_is_still_replaced_by_a_file(tmp_path: Path) -> None:
    real = tmp_path / "real.txt"
    real.write_bytes(b"x")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    output.write_all([(link, b"x")])
    assert not link.is_symlink() and link.read_bytes() == b"x"


def test_runs_that_create_one_folder_at_once_all_succeed(tmp_path: Path) -> None:
    import threading

    root = tmp_path / "new"
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def run(n: int) -> None:
        start.wait(timeout=10)
        try:
            output.write_all([(root / "a.txt", str(n % 2).encode())], root=root)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert (root / "a.txt").read_bytes() in (b"0", b"1")


def test_prune_removes_only_stale_regular_files_that_match(tmp_path: Path) -> None:
    root = tmp_path / "out"
    events = root / "events"
    events.mkdir(parents=True)
    (events / "gone.ics").write_bytes(b"stale")
    (events / ".hidden.ics").write_bytes(b"stale too: a dot is no shield")
    (events / "notes.txt").write_bytes(b"kept: another pattern")
    (events / "folder.ics").mkdir()
    (tmp_path / "elsewhere.ics").write_bytes(b"outside")
    (events / "link.ics").symlink_to(tmp_path / "elsewhere.ics")
    (events / f".kept.ics.123-ab-0{output.TEMPORARY_SUFFIX}").write_bytes(b"a killed run's")
    written = output.write_all(
        [(events / "kept.ics", b"new")], root=root, prune=[(events, "*.ics")]
    )
    assert written == [events / "kept.ics"]
    assert sorted(p.name for p in events.iterdir()) == [
        "folder.ics",
        "kept.ics",
        "link.ics",
        "notes.txt",
    ]
    assert (tmp_path / "elsewhere.ics").read_bytes() == b"outside"


def test_files_are_staged_as_they_come(tmp_path: Path) -> None:
    # export writes one format's files while the next is still rendering.
    root = tmp_path / "out"
    staged_before_second: list[str] = []
    in_place_before_second: list[bool] = []

    def outputs() -> Iterator[tuple[Path, bytes]]:
        yield root / "first.txt", b"1"
        staged_before_second.extend(p.name for p in root.iterdir() if p.is_file())
        in_place_before_second.append((root / "first.txt").exists())
        yield root / "second.txt", b"2"

    assert output.write_all(outputs(), root=root) == [root / "first.txt", root / "second.txt"]
    assert len(staged_before_second) == 1 and staged_before_second[0].startswith(".first.txt.")
    assert in_place_before_second == [False]  # moved into place only at the end
    assert sorted(p.name for p in root.iterdir()) == ["first.txt", "second.txt"]


@pytest.mark.parametrize("failure", [ValueError("a format refused"), KeyboardInterrupt()])
def test_a_failure_while_the_outputs_are_made_changes_nothing(
    tmp_path: Path, failure: BaseException
) -> None:
    root = tmp_path / "out"
    root.mkdir()
    (root / "kept.txt").write_bytes(b"old")

    def outputs() -> Iterator[tuple[Path, bytes]]:
        yield root / "kept.txt", b"new"
        yield root / "events" / "a.ics", b"A"
        raise failure

    with pytest.raises(type(failure)):
        output.write_all(outputs(), root=root, prune=[(root / "events", "*.ics")])
    assert (root / "kept.txt").read_bytes() == b"old"
    assert sorted(p.name for p in root.iterdir()) == ["kept.txt"]  # no temporary, no events/
    fresh = tmp_path / "fresh"
    with pytest.raises(type(failure)):
        output.write_all(outputs(), root=fresh)
    assert not fresh.exists()  # the folder it made is gone too


def test_files_in_folders_this_run_makes_are_not_compared(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Nothing can be there to compare with: 25,000 lstat calls saved.
    root = tmp_path / "out"
    compared: list[str] = []
    real = output._holds

    def holds(target: str, content: bytes) -> bool:
        compared.append(Path(target).name)
        return real(target, content)

    monkeypatch.setattr(output, "_holds", holds)
    outputs = [(root / "a.txt", b"a"), (root / "events" / "b.ics", b"b")]
    output.write_all(outputs, root=root)
    assert compared == []
    (root / "new").mkdir()
    output.write_all(
        [*outputs, (root / "new" / "c.txt", b"c"), (root / "d" / "e.txt", b"e")], root=root
    )
    assert compared == ["a.txt", "b.ics", "c.txt"]  # in folders that were there before
    assert (root / "d" / "e.txt").read_bytes() == b"e"


def test_a_folder_the_run_makes_is_built_aside_and_moved_into_place_whole(
    tmp_path: Path,
) -> None:
    root = tmp_path / "out"
    root.mkdir()
    seen: list[list[str]] = []

    def outputs() -> Iterator[tuple[Path, bytes]]:
        yield root / "index.txt", b"i"
        yield root / "events" / "a.ics", b"A"
        yield root / "events" / "deeper" / "b.ics", b"B"
        seen.append(sorted(str(p.relative_to(root)) for p in root.rglob("*")))
        yield root / "events" / "c.ics", b"C"

    output.write_all(outputs(), root=root)
    [during] = seen
    assert "events" not in during  # not there until every file is written
    building = [name for name in during if name.startswith(".events.")]
    assert building[0].endswith(output.TEMPORARY_SUFFIX)
    assert [name.split("/", 1)[-1] for name in building[1:]] == ["a.ics", "deeper", "deeper/b.ics"]
    assert sorted(str(p.relative_to(root)) for p in root.rglob("*")) == [
        "events",
        "events/a.ics",
        "events/c.ics",
        "events/deeper",
        "events/deeper/b.ics",
        "index.txt",
    ]
    assert (root / "events" / "deeper" / "b.ics").read_bytes() == b"B"
    assert (root / "events" / "c.ics").stat().st_mode & 0o777 == 0o644


def test_a_folder_a_killed_run_was_building_is_swept(tmp_path: Path) -> None:
    root = tmp_path / "out"
    left = root / f".events.123-ab-0{output.TEMPORARY_SUFFIX}"
    (left / "inner").mkdir(parents=True)
    (left / "inner" / "a.ics").write_bytes(b"left by a kill")
    (root / ".keep").write_bytes(b"not ours")
    output.write_all([(root / "events" / "a.ics", b"A")], root=root)
    assert sorted(p.name for p in root.iterdir()) == [".keep", "events"]


def test_a_folder_taken_while_it_was_built_is_an_error_and_changes_nothing(
    tmp_path: Path,
) -> None:
    root = tmp_path / "out"
    root.mkdir()
    (root / "a.txt").write_bytes(b"old")

    def outputs() -> Iterator[tuple[Path, bytes]]:
        yield root / "a.txt", b"new"
        yield root / "events" / "b.ics", b"B"
        (root / "events").mkdir()  # another program, not under our lock
        (root / "events" / "theirs").write_bytes(b"T")

    with pytest.raises(ExportError, match="events"):
        output.write_all(outputs(), root=root)
    assert (root / "a.txt").read_bytes() == b"old"
    assert sorted(str(p.relative_to(root)) for p in root.rglob("*")) == [
        "a.txt",
        "events",
        "events/theirs",
    ]


def test_a_failure_after_a_folder_was_moved_moves_it_back_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "out"
    root.mkdir()
    (root / "a.txt").write_bytes(b"old")

    def refuse(source: str, target: str) -> None:
        raise OSError(28, "No space left on device", target)

    monkeypatch.setattr(output.os, "replace", refuse)
    with pytest.raises(ExportError, match="No space left"):
        output.write_all([(root / "a.txt", b"new"), (root / "events" / "b.ics", b"B")], root=root)
    monkeypatch.undo()
    assert sorted(p.name for p in root.iterdir()) == ["a.txt"]
    assert (root / "a.txt").read_bytes() == b"old"


def test_a_folder_the_run_built_is_not_pruned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # It holds only what the run wrote: scanning 25,000 names would find nothing.
    root = tmp_path / "out"
    pruned: list[list[Path]] = []
    real = output._stale

    def stale(folders: list[tuple[Path, str]], written: set[str]) -> list[str]:
        pruned.append([folder for folder, _ in folders])
        return real(folders, written)

    monkeypatch.setattr(output, "_stale", stale)
    events, feeds = root / "events", root / "feeds"
    feeds.mkdir(parents=True)
    (feeds / "stale.ics").write_bytes(b"gone")
    rules = [(events, "*.ics"), (feeds, "*.ics")]
    output.write_all([(events / "a.ics", b"A"), (feeds / "b.ics", b"B")], root=root, prune=rules)
    assert pruned == [[feeds]]
    assert sorted(p.name for p in feeds.iterdir()) == ["b.ics"]
    output.write_all([(events / "c.ics", b"C")], root=root, prune=rules)
    assert pruned[1] == [events, feeds]  # events/ was there this time
    assert sorted(p.name for p in events.iterdir()) == ["c.ics"]


def test_paths_may_be_strings_and_come_back_as_given(tmp_path: Path) -> None:
    root = tmp_path / "out"
    outputs = [
        (f"{root}/a.txt", b"a"),
        (f"{root}/events/b.ics", b"b"),
        (f"{root}/a.txt", b"A"),
        (f"{root}/events/b.ics", b"B"),
    ]
    written = output.write_all(outputs, root=root)
    assert written == [path for path, _ in outputs]
    assert all(isinstance(path, str) for path in written)
    # The last of a path given twice stands, in a folder the run builds too.
    assert (root / "a.txt").read_bytes() == b"A"
    assert (root / "events" / "b.ics").read_bytes() == b"B"


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002, 0o000])
def test_files_are_world_readable_whatever_the_umask(tmp_path: Path, umask: int) -> None:
    root = tmp_path / "out"
    root.mkdir()
    previous = os.umask(umask)
    try:
        assert output._umask_keeps(0o644) == (umask & 0o644 == 0)
        output.write_all([(root / "a.txt", b"a"), (root / "events" / "b.ics", b"b")], root=root)
    finally:
        os.umask(previous)
    assert (root / "a.txt").stat().st_mode & 0o777 == 0o644
    assert (root / "events" / "b.ics").stat().st_mode & 0o777 == 0o644


def test_a_failure_in_the_middle_of_the_switch_puts_every_old_file_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "out"
    events = root / "events"
    events.mkdir(parents=True)
    for name in ("a", "b", "c", "stale"):
        (events / f"{name}.ics").write_bytes(f"old {name}".encode())
    real, calls = os.replace, []

    def third_fails(source: str, target: str) -> None:
        calls.append(target)
        if len(calls) == 3:
            raise OSError(5, "Input/output error", target)
        real(source, target)

    monkeypatch.setattr(output.os, "replace", third_fails)
    outputs = [(events / f"{name}.ics", f"new {name}".encode()) for name in ("a", "b", "c", "d")]
    with pytest.raises(ExportError, match="Input/output error"):
        output.write_all(outputs, root=root, prune=[(events, "*.ics")])
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in events.iterdir()} == {
        f"{name}.ics": f"old {name}".encode() for name in ("a", "b", "c", "stale")
    }  # a and b replaced, then put back; d never placed; stale kept; nothing left over


def test_a_switch_keeps_each_old_file_aside_until_the_set_is_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Replacing never leaves a target missing: the old file is linked aside, not moved.
    root = tmp_path / "out"
    root.mkdir()
    (root / "a.txt").write_bytes(b"old")
    present: list[bool] = []
    real = os.replace

    def replace(source: str, target: str) -> None:
        present.append(os.path.exists(target))
        real(source, target)

    monkeypatch.setattr(output.os, "replace", replace)
    output.write_all([(root / "a.txt", b"new"), (root / "b.txt", b"B")], root=root)
    assert present == [True, False]
    assert sorted(p.name for p in root.iterdir()) == ["a.txt", "b.txt"]
