"""The release history: a folder of files, one per published version of a programme.

Each release file is our own data format as indented JSON (so ``load()``
reads it and ``git diff`` shows it), with a ``release`` table holding its
name, time and note: ``0001-v1.json``, ``0002-day-two.json``, ... A
:class:`History` reads the folder, records a new release (atomically) and
applies itself to the latest programme for export: each event's SEQUENCE
counts the releases that changed it significantly, its DTSTAMP and
LAST-MODIFIED are the time of the release that last changed it, and an event
that left the programme stays, cancelled, so subscribers see it go.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import attrs

from isecg_events import identity, rules
from isecg_events.diff import Change, diff, event_key
from isecg_events.errors import IsecgEventsError, ProgrammeError
from isecg_events.exporters.native import to_document
from isecg_events.model import Event, Participant
from isecg_events.output import write_all
from isecg_events.programme import Programme
from isecg_events.readers import load
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
        releases: list[Release] = []
        for path in sorted(folder.iterdir()):
            match = _FILE.match(path.name)
            if match is None:
                continue
            name, at, note = _meta(path)
            releases.append(Release(int(match.group(1)), name, at, note, load(path), path))
        numbers = [r.number for r in releases]
        if numbers != list(range(1, len(releases) + 1)):
            raise ReleaseError(f"{folder}: release files must be numbered 0001, 0002, ... in order")
        names = [r.name for r in releases]
        if len(set(names)) != len(names):
            raise ReleaseError(f"{folder}: two releases have one name")
        return cls(folder, tuple(releases))

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

        Returns:
            The history with the release, the release, and its changes.

        Raises:
            ReleaseError: a bad or taken name, a note that is not one line of
                text, a time that is naive, or no change since the latest
                release (unless ``allow_empty``).
        """
        for label, value in (("--name", name), ("--note", note)):
            if value is not None and (
                problem := rules.text_problem(value, limit=_NAME_LIMIT, single_line=True)
            ):
                raise ReleaseError(f"{label}: {problem}")
        if not name.strip():
            raise ReleaseError("--name: a release needs a name")
        if any(release.name == name for release in self.releases):
            raise ReleaseError(f"--name: a release is named {name!r} already")
        if at.tzinfo is None:
            raise ReleaseError("--at: the time needs a UTC offset or Z")
        at = at.astimezone(UTC)
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
        write_all([(path, content)], root=self.folder)
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


def _meta(path: Path) -> tuple[str, datetime, str | None]:
    """A release file's ``release`` table: name, time (UTC) and note."""
    try:
        table = json.loads(path.read_bytes()).get("release")
    except (OSError, ValueError, AttributeError) as error:
        raise ProgrammeError.single(str(path), "release", f"cannot be read: {error}") from None
    if not isinstance(table, dict):
        raise ProgrammeError.single(str(path), "release", "is required: name, at and note")
    fields = FieldReader(str(path), {})
    name, at, note = table.get("name"), table.get("at"), table.get("note")
    if not isinstance(name, str) or not name.strip():
        fields.problem("release.name", "is required")
    moment = None
    if at is None:
        fields.problem("release.at", "must be a date-time with Z or an offset")
    else:
        moment = fields.timestamp(at, "release.at")
    if note is not None and not isinstance(note, str):
        fields.problem("release.note", "must be a string")
    if fields.problems:
        raise ProgrammeError(fields.problems)
    assert moment is not None and isinstance(name, str)
    return name, moment, note
