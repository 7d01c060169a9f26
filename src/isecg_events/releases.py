"""The release history: a folder of files, one per published version of a programme.

Each release file is our own data format as indented JSON (so ``load()``
reads it and ``git diff`` shows it), with a ``release`` table holding its
name, time and note: ``0001-v1.json``, ``0002-day-two.json``, ... A
:class:`History` reads the folder, records a new release (atomically) and
applies itself to the latest programme for export: each event's SEQUENCE
counts the releases that changed it significantly, its DTSTAMP and
LAST-MODIFIED are the time of the release that last changed it, and an event
that left the programme stays, cancelled, so subscribers see it go.

Recording holds the history folder's lock (the one every writer of a folder
takes, :func:`~isecg_events.output.folder_lock`) from reading what is
recorded to writing the new file, so runs started together take turns: each
gets the next number, and a name already taken is refused. Release files are
read like every other input (a regular file, through the size cap and the
parser's guards) and ordered by their number, not their file name.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
import warnings
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import attrs

from isecg_events import identity, rules
from isecg_events.diff import Change, diff, event_key
from isecg_events.errors import ExportError, IsecgEventsError, ProgrammeError, ProgrammeWarning
from isecg_events.exporters.native import to_document
from isecg_events.model import Event, Participant
from isecg_events.output import folder_lock, write_all
from isecg_events.programme import Programme
from isecg_events.readers import loads
from isecg_events.readers.document import read_document, read_stream
from isecg_events.readers.fields import FieldReader

__all__ = ["History", "Release", "ReleaseError"]

#: The longest release name or note.
_NAME_LIMIT: Final = 200
#: A release file's name: its number, then its name as a slug.
_FILE: Final = re.compile(r"^(\d{4,})-[a-z0-9_-]*\.json$")


class ReleaseError(IsecgEventsError, ValueError):
    """A release cannot be recorded, or the history cannot be read or used."""


@attrs.frozen
class Release:
    """One published version of the programme.

    Attributes:
        number: its place in the history, from 1.
        name: its name (``v1``, ``day-2``), unique in the history.
        at: when it was released (UTC).
        note: what the release is about, if said.
        programme: the programme as released.
        path: its file.
    """

    number: int
    name: str
    at: datetime
    note: str | None
    programme: Programme = attrs.field(eq=False, repr=False)
    path: Path


@attrs.frozen
class History:
    """The releases in a folder, oldest first."""

    folder: Path
    releases: tuple[Release, ...] = ()

    @classmethod
    def read(cls, folder: str | Path) -> History:
        """Read every release file in ``folder`` (a folder that does not exist is empty).

        Raises:
            ProgrammeError: a release file has problems (with its file and path).
            ReleaseError: numbers or names are not unique.
        """
        folder = Path(folder)
        if not folder.exists():
            return cls(folder)
        if not folder.is_dir():
            raise ReleaseError(f"{folder}: not a folder")
        releases = [_read_release(path, number) for number, path in _release_files(folder)]
        numbers = [r.number for r in releases]
        if numbers != list(range(1, len(releases) + 1)):
            raise ReleaseError(f"{folder}: release files must be numbered 0001, 0002, ... in order")
        named: dict[str, Path] = {}
        for release in releases:
            if release.name in named:
                raise ReleaseError(
                    f"{release.path}: release.name: {release.name!r} is the name of "
                    f"{named[release.name].name} too; a name is used once"
                )
            named[release.name] = release.path
        return cls(folder, tuple(releases))

    @staticmethod
    def fingerprint(folder: str | Path) -> tuple[tuple[str, int, int], ...]:
        """What changes when a release is recorded in ``folder`` or a release file edited.

        Each release file's name, modification time and size (no file is
        opened); empty for a folder that is missing or cannot be listed.
        """
        found = []
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    if _FILE.match(entry.name):
                        try:
                            status = entry.stat()
                        except OSError:
                            continue
                        found.append((entry.name, status.st_mtime_ns, status.st_size))
        except OSError:
            return ()
        return tuple(sorted(found))

    @property
    def latest(self) -> Release | None:
        """The newest release, or None in an empty history."""
        return self.releases[-1] if self.releases else None

    def changes(self) -> list[tuple[Release, tuple[Change, ...]]]:
        """Each release with what changed against the one before (all "added" for the first).

        An event that comes back after a release removed it is ``reinstated``.
        """
        result = []
        previous: Programme | None = None
        seen: set[str] = set()
        for release in self.releases:
            if previous is None:
                events = release.programme.events
                first = tuple(
                    Change("added", event_key(e), e.display_title, None, None, e) for e in events
                )
                result.append((release, first))
            else:
                changes = diff(previous, release.programme)
                # Back after a release that removed it: subscribers saw it cancelled.
                result.append((release, tuple(_returned(c, seen) for c in changes)))
            seen.update(event_key(e) for e in release.programme.events)
            previous = release.programme
        return result

    def unreleased(self, programme: Programme) -> tuple[Change, ...]:
        """What ``programme`` changes against the latest release (everything, with none)."""
        latest = self.latest
        if latest is None:
            raise ReleaseError(f"{self.folder}: no release yet; run 'isecg-events release' first")
        return diff(latest.programme, programme)

    def check_current(self, programme: Programme) -> None:
        """Refuse a programme that is not the latest release.

        Raises:
            ReleaseError: with the unreleased changes, and what to do.
        """
        changes = self.unreleased(programme)
        if changes:
            listed = "\n".join(f"  {change.describe()}" for change in changes)
            raise ReleaseError(
                f"the programme has changes no release holds; record them first with "
                f"'isecg-events release FILE --releases {self.folder} --name NAME':\n{listed}"
            )

    def record(
        self,
        programme: Programme,
        *,
        name: str,
        at: datetime,
        note: str | None = None,
        allow_empty: bool = False,
    ) -> tuple[History, Release, tuple[Change, ...]]:
        """Append ``programme`` as a new release and write its file atomically.

        The history folder's lock is held from reading what is recorded to
        writing the new file: the new release follows whatever is recorded
        then (another run's release too), and its name must not be taken.

        Returns:
            The history with the release, the release, and its changes.

        Raises:
            ReleaseError: a bad or taken name, a note that is not one line of
                text, a time that is naive or out of range, or no change since
                the latest release (unless ``allow_empty``).
            ProgrammeError: a release file recorded meanwhile has problems.
            ExportError: the folder or the file cannot be written.
        """
        for label, value in (("--name", name), ("--note", note)):
            if value is not None and (
                problem := rules.text_problem(value, limit=_NAME_LIMIT, single_line=True)
            ):
                raise ReleaseError(f"{label}: {problem}")
        if not name.strip():
            raise ReleaseError("--name: a release needs a name")
        if at.tzinfo is None:
            raise ReleaseError("--at: the time needs a UTC offset or Z")
        if (problem := rules.date_problem(at)) is not None:
            raise ReleaseError(f"--at: {problem}")
        at = at.astimezone(UTC)
        made = _make_folder(self.folder)
        try:
            with folder_lock(self.folder):
                current = self if self._is_current() else History.read(self.folder)
                return current._append(programme, name, at, note, allow_empty)
        except OSError as error:
            raise ExportError(f"{self.folder}: {error.strerror or error}") from None
        except BaseException:
            if made:
                with contextlib.suppress(OSError):
                    self.folder.rmdir()  # only if still empty
            raise

    def _is_current(self) -> bool:
        """Whether the folder holds exactly the release files this history was read from."""
        return [path for _, path in _release_files(self.folder)] == [r.path for r in self.releases]

    def _append(
        self, programme: Programme, name: str, at: datetime, note: str | None, allow_empty: bool
    ) -> tuple[History, Release, tuple[Change, ...]]:
        """:meth:`record`'s work, under the folder's lock, on what is recorded now."""
        if any(release.name == name for release in self.releases):
            raise ReleaseError(f"--name: a release is named {name!r} already")
        latest = self.latest
        if latest is not None and at < latest.at:
            raise ReleaseError(f"--at: {at:%Y-%m-%dT%H:%M:%SZ} is before the latest release")
        seen = {event_key(e) for release in self.releases for e in release.programme.events}
        changes = diff(latest.programme, programme) if latest else ()
        changes = tuple(_returned(change, seen) for change in changes)
        if latest is not None and not changes and not allow_empty:
            raise ReleaseError(
                f"nothing changed since release {latest.name!r} (--allow-empty records it anyway)"
            )
        number = len(self.releases) + 1
        path = self.folder / f"{number:04d}-{identity.slugify(name)}.json"
        document: dict[str, Any] = {
            "release": {
                "name": name,
                "at": at.isoformat().replace("+00:00", "Z"),
                **({"note": note} if note else {}),
            },
            **to_document(programme),
        }
        content = (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
        write_all([(path, content)], root=self.folder, locked=True)
        release = Release(number, name, at, note, programme, path)
        if latest is None:
            changes = History(self.folder, (release,)).changes()[0][1]
        return History(self.folder, (*self.releases, release)), release, changes

    def apply(self, programme: Programme) -> Programme:
        """The programme as subscribers must see it after every release (see the module).

        Raises:
            ReleaseError: ``programme`` is not the latest release.
        """
        self.check_current(programme)
        latest = self.latest
        assert latest is not None
        bumps: dict[str, int] = {}
        stamps: dict[str, datetime] = {}
        last_seen: dict[str, tuple[Event, Programme]] = {}
        removed_at: dict[str, datetime] = {}
        for release, changes in self.changes():
            for change in changes:
                stamps[change.key] = release.at
                if change.kind == "removed":
                    removed_at[change.key] = release.at
            # One step per release that changed an event significantly.
            for key in {change.key for change in changes if change.significant}:
                bumps[key] = bumps.get(key, 0) + 1
            for event in release.programme.events:
                last_seen[event_key(event)] = (event, release.programme)
                removed_at.pop(event_key(event), None)
        events = [_stamped(e, bumps, stamps) for e in programme.events]
        participants = list(programme.participants)
        known = {p.id for p in participants}
        ids = {e.id for e in events}
        for key, when in removed_at.items():
            event, source = last_seen[key]
            if event.id in ids:
                continue
            gone = attrs.evolve(event, status="cancelled")
            events.append(_stamped(gone, bumps, {**stamps, key: when}))
            participants += _missing(source.participants, gone, known)
        conference = attrs.evolve(programme.conference, version=latest.name, published=latest.at)
        return Programme(conference, programme.organizations, tuple(participants), tuple(events))


def _returned(change: Change, seen: set[str]) -> Change:
    """An ``added`` event that an earlier release held is ``reinstated``."""
    if change.kind == "added" and change.key in seen:
        return attrs.evolve(change, kind="reinstated", old="removed")
    return change


def _stamped(event: Event, bumps: dict[str, int], stamps: dict[str, datetime]) -> Event:
    key = event_key(event)
    return attrs.evolve(
        event, sequence=event.sequence + bumps.get(key, 0), modified=stamps.get(key)
    )


def _missing(
    participants: Iterable[Participant], event: Event, known: set[str]
) -> list[Participant]:
    """The participants a removed event names that the programme no longer lists."""
    named = {p.participant.id for p in event.participations}
    found = [p for p in participants if p.id in named and p.id not in known]
    known.update(p.id for p in found)
    return found


def _make_folder(folder: Path) -> bool:
    """Make the history folder if it is missing (its parent must exist); whether it was made.

    Raises:
        ExportError: it cannot be made.
    """
    try:
        folder.mkdir()
    except FileExistsError:
        return False
    except OSError as error:
        raise ExportError(f"{folder}: {error.strerror or error}") from None
    return True


def _release_files(folder: Path) -> list[tuple[int, Path]]:
    """The release files in ``folder`` by their number (``10000-`` after ``9999-``), then name."""
    found = []
    with os.scandir(folder) as entries:
        for entry in entries:
            match = _FILE.match(entry.name)
            if match is not None:
                found.append((int(match.group(1)), folder / entry.name))
    return sorted(found)


def _read_release(path: Path, number: int) -> Release:
    """One release file, read like every other input: a regular file, size cap, parser guards.

    Raises:
        ProgrammeError: the file is not a regular file, cannot be read, is too
            large, does not parse, or its ``release`` table or programme has
            problems; each with the file and the field.
    """
    source = str(path)
    raw = _regular_file_bytes(path, source)
    name, at, note = _meta(read_document(raw, source, "json"), source)
    with warnings.catch_warnings():
        # What a recorded version held was told when it was recorded.
        warnings.simplefilter("ignore", ProgrammeWarning)
        programme = loads(raw, syntax="json", source=source)
    return Release(number, name, at, note, programme, path)


def _regular_file_bytes(path: Path, source: str) -> bytes:
    """The bytes of ``path``, a regular file (a link to one is followed), within the size cap.

    Opened without blocking, so a FIFO cannot hang the reader; a device, a
    FIFO or a folder is refused before anything is read.
    """
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise ProgrammeError.single(source, "", "no such file") from None
    except OSError as error:
        raise ProgrammeError.single(source, "", f"cannot be read ({error.strerror})") from None
    try:
        regular = stat.S_ISREG(os.fstat(handle).st_mode)
    except BaseException:
        os.close(handle)
        raise
    if not regular:
        os.close(handle)
        raise ProgrammeError.single(
            source, "", "is not a regular file (a folder, a device or a FIFO); not read"
        )
    with os.fdopen(handle, "rb") as stream:
        try:
            return read_stream(stream, source)
        except OSError as error:
            raise ProgrammeError.single(source, "", f"cannot be read ({error.strerror})") from None


def _meta(document: dict[str, Any], source: str) -> tuple[str, datetime, str | None]:
    """A release file's ``release`` table: name, time (UTC) and note, by the value rules.

    The name and the note follow the rules of ``--name`` and ``--note``
    (one line of text, at most 200 characters, no control characters).
    """
    table = document.get("release")
    if not isinstance(table, dict):
        raise ProgrammeError.single(source, "release", "is required: name, at and note")
    fields = FieldReader(source, {})
    name, at, note = table.get("name"), table.get("at"), table.get("note")
    if not isinstance(name, str) or not name.strip():
        fields.problem("release.name", "is required")
    elif problem := rules.text_problem(name, limit=_NAME_LIMIT, single_line=True):
        fields.problem("release.name", problem)
    moment = None
    if at is None:
        fields.problem("release.at", "must be a date-time with Z or an offset")
    else:
        moment = fields.timestamp(at, "release.at")
    if note is not None and not isinstance(note, str):
        fields.problem("release.note", "must be a string")
    elif note is not None and (
        problem := rules.text_problem(note, limit=_NAME_LIMIT, single_line=True)
    ):
        fields.problem("release.note", problem)
    if fields.problems:
        raise ProgrammeError(fields.problems)
    assert moment is not None and isinstance(name, str)
    return name, moment, note
