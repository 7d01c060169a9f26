"""Writing outputs atomically: all of them, or none.

Every file is first written to a temporary file beside its target; only when
all of them are written (and flushed to disk, with one ``sync`` for the
batch) are they moved into place with :func:`os.replace`. A folder the run
makes (``events/`` on a first export) is built whole under a temporary name
instead, its files under their own names, and moved into place with one
rename: 25,000 event calendars need no rename each. A target that
already holds the same bytes is left alone, so a re-export of a programme
that changed in one event rewrites that event's files only (and keeps the
others' modification times). A failed run leaves earlier outputs
byte-identical and no folder it created.

Runs that write into one folder take turns: each holds an advisory lock on
the folder (``flock``, which the kernel releases when a process dies, even
by ``kill -9``). Temporary files and folders are named
``.<name>.<random>.isecg-tmp``; a run removes any it finds in its folders,
which only a killed run can have left. No file is written through a
symbolic link inside the folder.

The switch (the renames that put the new set in place, and the removal of
stale files) can be undone: every file it replaces or removes is kept
aside (a hard link, else a rename) until the whole new set is in place,
and put back if anything fails. SIGINT and SIGTERM are held during the
switch: one that comes stops it, the old set is put back, and then the
signal takes its course (Ctrl-C's ``KeyboardInterrupt``; SIGTERM ends the
process as it would have, after the temporary files are removed). So a run
that is interrupted at any moment leaves the whole old set or, once the
switch is complete, the whole new one. ``kill -9`` during the switch can
still leave a mixed set, which the next run replaces whole.
"""

from __future__ import annotations

import contextlib
import fcntl
import fnmatch
import itertools
import os
import secrets
import shutil
import signal
import stat
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar

from isecg_events.errors import ExportError

__all__ = ["TEMPORARY_SUFFIX", "folder_lock", "write_all"]

#: The suffix of every temporary file a run writes.
TEMPORARY_SUFFIX = ".isecg-tmp"

#: A target's path: a :class:`~pathlib.Path`, or a string (25,000 paths
#: built as strings cost a tenth of what as many ``Path`` objects do).
_P = TypeVar("_P", str, Path)


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold the advisory lock of ``folder`` (which must exist) until the block ends.

    Raises:
        OSError: the folder cannot be opened.
    """
    handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # closing releases the lock


def write_all(
    outputs: Iterable[tuple[_P, bytes]],
    root: Path | None = None,
    prune: Iterable[tuple[Path, str]] = (),
    *,
    locked: bool = False,
) -> list[_P]:
    """Write every (path, content) pair atomically, or none of them.

    Args:
        outputs: the files to write (each path a ``Path`` or a string),
            taken one by one: each is written to
            a temporary file as it comes, so files can be written while
            later ones are still being made. If taking the next one raises,
            nothing is changed and the error passes through.
        root: the output folder, created if its parent exists. With it, the
            run holds the folder's lock, removes temporary files a killed run
            left in the folders it writes to, and refuses a symbolic link
            between ``root`` and any target.
        prune: (folder, pattern) pairs: after the new files are in place,
            files matching the pattern in that folder that this run did not
            write are removed (an event that left the programme loses its
            ``events/<id>.ics``), so the folder holds one whole set.
        locked: the caller holds ``root``'s lock (:func:`folder_lock`)
            already, as a release holds its history's from reading it to
            writing the new file.

    Returns:
        The paths written, as they came and in their order.

    Raises:
        ExportError: a folder is missing, read-only, not a folder or a link,
            or a file cannot be written; no target has been changed.
    """
    created: list[Path] = []
    with _terminable():
        try:
            if root is None:
                return _write(outputs, created, None, ())[0]
            try:
                root.mkdir()
                created.append(root)
            except FileExistsError:  # made before, or by a run started beside this one
                pass
            with contextlib.nullcontext() if locked else folder_lock(root):
                return _write(outputs, created, root, prune)[0]
        except OSError as error:
            _remove_empty(created)
            raise ExportError(_describe(error)) from None
        except BaseException:  # from making the outputs, Ctrl-C or SIGTERM
            _remove_empty(created)
            raise


class _Terminated(BaseException):
    """SIGTERM came while :func:`write_all` ran: it unwinds, then the process ends by it."""


@contextlib.contextmanager
def _terminable() -> Iterator[None]:
    """SIGTERM raises :class:`_Terminated` in the block, so a run cleans up before it ends.

    Only where SIGTERM has its default action (which would end the process
    at once, temporary files and half a switch left behind), and only in
    the main thread (the one Python runs signal handlers in). When the block
    ends by it, the process ends by SIGTERM, as it would have.
    """
    if not _main_thread() or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield
        return
    owner = os.getpid()

    def terminated(signum: int, frame: FrameType | None) -> None:
        if os.getpid() != owner:  # a child forked meanwhile: the default action
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)
            return
        raise _Terminated

    signal.signal(signal.SIGTERM, terminated)
    try:
        yield
    except _Terminated:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)  # ends the process here
        raise SystemExit(128 + signal.SIGTERM) from None  # pragma: no cover - SIGTERM blocked
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


#: The signals held while the switch runs.
_HELD = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def _held_signals() -> Iterator[list[int]]:
    """SIGINT and SIGTERM noted, not acted on, in the block; the list holds the ones that came.

    When the block ends, the handlers are restored and each signal that came
    is raised again, so it takes its course (a ``KeyboardInterrupt``, say)
    only then. Outside the main thread nothing is held (Python runs
    handlers in the main thread only).
    """
    came: list[int] = []
    previous: dict[int, Any] = {}
    if _main_thread():

        def note(signum: int, frame: FrameType | None) -> None:
            came.append(signum)

        for signum in _HELD:
            handler = signal.getsignal(signum)
            if handler not in (signal.SIG_IGN, None):
                previous[signum] = handler
                signal.signal(signum, note)
    try:
        yield came
    finally:
        for held, handler in previous.items():
            signal.signal(held, handler)
        for number in dict.fromkeys(came):
            signal.raise_signal(number)


def _remove_empty(created: list[Path]) -> None:
    for folder in reversed(created):  # deepest first; only the ones still empty
        with contextlib.suppress(OSError):
            folder.rmdir()


def _write(
    outputs: Iterable[tuple[_P, bytes]],
    created: list[Path],
    root: Path | None,
    prune: Iterable[tuple[Path, str]],
) -> tuple[list[_P], set[str]]:
    """Write ``outputs``; the paths written, and the folders built whole (moved into place)."""
    staged: list[tuple[str, str]] = []  # (temporary, target), as strings: 25,000 files
    written: list[_P] = []
    names = _TemporaryNames()
    folders = _Folders(root, created, names)
    keeps = _umask_keeps(_MODE)
    places: dict[str, tuple[str, bool]] = {}  # folder -> (where its files go, whether built)
    switch = _Switch(names)
    try:
        for path, content in outputs:
            written.append(path)
            target = os.fspath(path)
            folder, name = os.path.split(target)
            place = places.get(folder)
            if place is None:
                place = places[folder] = folders.prepare(Path(folder))
            where, building = place
            if building:  # a folder under construction: nothing to compare, nothing to replace
                built = os.path.join(where, name)
                try:
                    _create(built, content, keeps)
                except FileExistsError:  # given twice: the last one stands, as elsewhere
                    os.unlink(built)
                    _create(built, content, keeps)
            elif where in folders.made or not _holds(target, content):
                temporary = names.beside(target)
                staged.append((temporary, target))  # before it exists: a signal may come
                _create(temporary, content, keeps)
        built_whole = {folder for folder, (_, building) in places.items() if building}
        # A folder the run built holds only what it wrote: nothing to prune.
        stale = [(folder, glob) for folder, glob in prune if os.fspath(folder) not in built_whole]
        if staged or folders.building:
            os.sync()  # one flush for the batch, before any target changes
        with _held_signals() as came:
            switch.run(folders.building, staged, stale, written, came)
    except BaseException:
        with _held_signals():  # the clean-up is not cut short either
            switch.undo()
            for temporary, _ in staged:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
            for temporary in folders.building:
                shutil.rmtree(temporary, ignore_errors=True)
        raise
    return written, built_whole


class _Switch:
    """The last step of a run, undoable: the new set put in place, each old file kept aside.

    Run with SIGINT and SIGTERM held (:func:`_held_signals`): one that comes
    stops it and puts the old set back; the signal takes its course after.
    """

    def __init__(self, names: _TemporaryNames) -> None:
        self.names = names
        # What was done, in order: (target, where its old file is kept or None,
        # the temporary file or folder that replaced it, or None for a removal).
        self.done: list[tuple[str, str | None, str | None]] = []

    def run(
        self,
        building: dict[str, str],
        staged: list[tuple[str, str]],
        stale: list[tuple[Path, str]],
        written: Iterable[str | Path],
        came: list[int],
    ) -> None:
        """Place the built folders, replace the staged files, remove stale ones; or none.

        Raises:
            OSError: a step failed; the steps before it are undone by :meth:`undo`.
        """
        for temporary, target in building.items():
            if came:
                break
            try:
                os.rename(temporary, target)
            except OSError as error:  # something else took the name meanwhile
                raise OSError(error.errno, error.strerror, target) from None
            self.done.append((target, None, temporary))
        for temporary, target in staged:
            if came:
                break
            self._replace(temporary, target)
        if stale and not came:
            for path in _stale(stale, {os.fspath(path) for path in written}):
                if came:
                    break
                aside = self.names.beside(path)
                os.rename(path, aside)
                self.done.append((path, aside, None))
        if came:  # interrupted: the old set goes back, then the signal takes its course
            self.undo()
            return
        for _, kept, _ in self.done:
            if kept is not None:
                with contextlib.suppress(OSError):  # else swept by the next run
                    os.unlink(kept)
        self.done.clear()

    def _replace(self, temporary: str, target: str) -> None:
        kept: str | None = self.names.beside(target)
        assert kept is not None
        try:
            os.link(target, kept, follow_symlinks=False)  # the old file stays in place meanwhile
        except FileNotFoundError:
            kept = None
        except OSError:  # a file system without hard links: move it aside
            try:
                os.rename(target, kept)
            except FileNotFoundError:
                kept = None
        self.done.append((target, kept, temporary))
        os.replace(temporary, target)

    def undo(self) -> None:
        """Put back what the steps done so far replaced or removed, last first."""
        while self.done:
            target, kept, temporary = self.done.pop()
            with contextlib.suppress(OSError):
                if kept is not None and _same(kept, target):
                    os.unlink(kept)  # not replaced yet: the old file is still in place
                elif kept is not None:
                    os.replace(kept, target)
                elif temporary is not None and not os.path.lexists(temporary):
                    if os.path.isdir(target) and not os.path.islink(target):
                        os.rename(target, temporary)  # a built folder goes back out
                    else:
                        os.unlink(target)  # a new file where there was none


class _Folders:
    """Where each target folder's files go, made ready once per folder.

    A folder that exists is swept (with a root) and written to through
    temporary files. The highest missing folder of a target is built under
    a temporary name beside where it belongs (``building`` maps that name to
    the target), the ones below it inside it; their files are created there
    under their own names.
    """

    def __init__(self, root: Path | None, created: list[Path], names: _TemporaryNames) -> None:
        self.root = root
        self.created = created
        self.names = names
        self.building: dict[str, str] = {}  # temporary folder -> target folder
        self.made: set[str] = set()  # folders this run made in place (its root)
        self._swept: set[str] = set()
        if created:
            self.made.add(os.fspath(created[0]))

    def prepare(self, folder: Path) -> tuple[str, bool]:
        """Make ``folder`` ready: where its files go, and whether it is being built.

        Raises:
            OSError: a part of the path is a file or a link.
        """
        missing: list[Path] = []
        current = folder
        while not current.exists() and not current.is_symlink():
            missing.append(current)
            current = current.parent
        if self.root is not None:
            _refuse_links(current if missing else folder, self.root)
        if not current.is_dir():
            raise NotADirectoryError(20, "not a folder", str(current))
        inside = os.fspath(current)
        if not missing:
            self._sweep(inside)
            return inside, False
        top = os.fspath(missing.pop())
        temporary = next((t for t, target in self.building.items() if target == top), None)
        if temporary is None:
            self._sweep(inside)
            temporary = self.names.beside(top)
            self.building[temporary] = top  # before it exists: a signal may come
            os.mkdir(temporary)
        where = temporary
        for path in reversed(missing):
            where = os.path.join(where, path.name)
            with contextlib.suppress(FileExistsError):
                os.mkdir(where)
        return where, True

    def _sweep(self, folder: str) -> None:
        if self.root is not None and folder not in self._swept and folder not in self.made:
            self._swept.add(folder)
            _sweep(folder)


class _TemporaryNames:
    """Names for this run's temporary files: the process id and a count.

    Unique among runs into one folder, which take turns under its lock.
    """

    def __init__(self) -> None:
        self._count = itertools.count()
        self._tail = f".{os.getpid()}-{secrets.token_hex(4)}-"

    def beside(self, target: str) -> str:
        """A new temporary name beside ``target``: ``.<name>.<pid>-<random>-<n>.isecg-tmp``."""
        folder, name = os.path.split(target)
        return os.path.join(folder, f".{name}{self._tail}{next(self._count)}{TEMPORARY_SUFFIX}")


def _holds(target: str, content: bytes) -> bool:
    """Whether ``target`` is a regular file (not a link) holding exactly ``content``.

    Raises:
        IsADirectoryError: ``target`` is a folder.
    """
    try:
        status = os.lstat(target)
    except FileNotFoundError:
        return False
    if stat.S_ISDIR(status.st_mode):
        raise IsADirectoryError(21, "is a folder, not a file", target)
    if not stat.S_ISREG(status.st_mode) or status.st_size != len(content):
        return False
    handle = os.open(target, os.O_RDONLY | os.O_NOFOLLOW)
    try:
        return os.read(handle, len(content) + 1) == content
    finally:
        os.close(handle)


def _refuse_links(folder: Path, root: Path) -> None:
    """Refuse a symbolic link between ``root`` and ``folder`` (the run did not make it)."""
    try:
        inside = folder.relative_to(root)
    except ValueError:
        return
    current = root
    for part in inside.parts:
        current = current / part
        if current.is_symlink():
            raise NotADirectoryError(20, "is a symbolic link; not written through", str(current))


def _same(one: str, other: str) -> bool:
    """Whether two paths are one file (hard links of it), links not followed."""
    try:
        a, b = os.lstat(one), os.lstat(other)
    except OSError:
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _stale(prune: Iterable[tuple[Path, str]], written: set[str]) -> list[str]:
    """The files to remove: regular (no link, no folder), matching, and not written by the run."""
    found: list[str] = []
    for folder, pattern in prune:
        if folder.is_dir() and not folder.is_symlink():
            with os.scandir(folder) as entries:
                found.extend(
                    entry.path
                    for entry in entries
                    if fnmatch.fnmatchcase(entry.name, pattern)
                    and entry.path not in written
                    and entry.is_file(follow_symlinks=False)
                )
    return found


def _sweep(folder: str) -> None:
    """Remove the temporary files and folders a killed run left (the lock says none is running)."""
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith(".") and entry.name.endswith(TEMPORARY_SUFFIX):
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)


#: Every file written is world-readable, whatever the umask.
_MODE = 0o644


def _umask_keeps(mode: int) -> bool:
    """Whether this process's umask leaves ``mode`` whole, read without changing it.

    Linux shows the umask in ``/proc/self/status``; setting it to read it
    (:func:`os.umask`) would change it for every thread meanwhile. False
    where it cannot be read.
    """
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8) & mode == 0
    except (OSError, ValueError, IndexError):
        pass
    return False


def _create(path: str, content: bytes, keeps: bool) -> None:
    """Create the new file ``path`` holding ``content``, with mode :data:`_MODE`.

    When the umask ``keeps`` that mode, the file is created with it; else
    it is set after (25,000 ``fchmod`` calls saved in the usual case).
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
    handle = os.open(path, flags, _MODE if keeps else 0o600)
    try:
        if not keeps:
            os.fchmod(handle, _MODE)
        view = memoryview(content)
        while view:
            view = view[os.write(handle, view) :]
    except BaseException:
        os.close(handle)
        os.unlink(path)
        raise
    os.close(handle)


def _describe(error: OSError) -> str:
    where = error.filename or ""
    reason = error.strerror or str(error)
    return f"{where}: {reason}" if where else reason
