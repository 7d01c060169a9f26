"""What the readers of other tools' exports share: texts, ids, people, the conference, the build.

Sessionize, Indico, iCalendar and spreadsheets each map their own fields
onto the model; this module holds the rest, once: a text held to the rules
of our own format, ids that fit :data:`~isecg_events.rules.ID_PATTERN`,
participants shared across events, a conference derived from the events
when the source names none, and the build that reports the checker's
problems at the source's own places (``sessions[3]``, ``row 12``).
"""

from __future__ import annotations

import re
import uuid
import warnings
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time
from typing import Any

import attrs

from isecg_events import identity, rules, timezones
from isecg_events.errors import Problem, ProgrammeError, ProgrammeWarning
from isecg_events.model import Conference, Event, Link, Organization, Participant
from isecg_events.programme import Programme
from isecg_events.rules import CONFERENCE_ID_PATTERN, LIMITS

__all__ = [
    "Importer",
    "Where",
    "conference_id",
    "event_id",
    "need_zone",
    "published",
]


@attrs.frozen
class Where:
    """A place in a source: a path (``sessions[3]``), and a line and column where known."""

    path: str
    line: int | None = None
    column: int | None = None

    def at(self, field: str) -> Where:
        """The place of a field inside this one."""
        return attrs.evolve(self, path=f"{self.path}.{field}" if self.path else field)


class Importer:
    """Collects one source's problems, participants and organizations while it is read.

    Args:
        source: the file name problems are reported under.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []
        self.people: dict[str, Participant] = {}
        self.organizations: dict[str, Organization] = {}

    def problem(self, where: Where, message: str) -> None:
        """Record a problem at ``where``."""
        self.problems.append(Problem(self.source, where.path, message, where.line, where.column))

    def warn(self, where: Where, message: str) -> None:
        """Issue a :class:`ProgrammeWarning` at ``where`` (the CLI prints it)."""
        problem = Problem(self.source, where.path, message, where.line, where.column)
        warnings.warn(ProgrammeWarning(problem), stacklevel=3)

    def text(self, value: Any, where: Where, *, long: bool = False) -> str | None:
        r"""A text held to our format's text rules; a blank or absent value is None.

        Numbers are read as their text (a spreadsheet's id ``12``). Windows
        line ends become ``\n``.
        """
        if value is None or isinstance(value, bool):
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, str | int | float):
            self.problem(where, f"must be a text, not {type(value).__name__}")
            return None
        text = str(value).replace("\r\n", "\n").replace("\r", "\n").strip()
        if not text:
            return None
        if not long:
            text = " ".join(text.split())
        limit = LIMITS["long_text" if long else "short_text"]
        message = rules.text_problem(text, limit=limit, single_line=not long)
        if message is not None:
            self.problem(where, message)
            return None
        return text

    def url(self, value: Any, where: Where) -> str | None:
        """An http(s) URL; anything else (``mailto:``, a bare host, a blank) is left out."""
        text = self.text(value, where)
        if text is None or not text.lower().startswith(("http://", "https://")):
            return None
        if rules.url_problem(text) is not None:
            return None
        return text

    def language(self, value: Any, where: Where) -> str | None:
        """A BCP 47 tag; a value that is not one is left out (Indico and apps write "TBD")."""
        tag = self.text(value, where)
        if tag is None or rules.language_problem(tag) is not None:
            return None
        return tag

    def organization(self, name: str | None) -> Organization | None:
        """The organization of that name, shared by every participant who names it."""
        if not name:
            return None
        key = identity.slugify(name)[: rules.MAX_ID_LENGTH].strip("-_") or "organization"
        found = self.organizations.get(key)
        if found is None:
            found = self.organizations[key] = Organization(id=key, name=name)
        return found

    def person(self, key: str, make: Participant) -> Participant:
        """The participant stored under ``key``: the first one made, for every event."""
        return self.people.setdefault(key, make)

    def participant(
        self,
        conference: str,
        name: str,
        *,
        number: int | None = None,
        guid: uuid.UUID | None = None,
        position: str | None = None,
        organization: Organization | None = None,
        bio: str | None = None,
        picture: str | None = None,
        links: Sequence[Link] = (),
        given_name: str | None = None,
        family_name: str | None = None,
    ) -> Participant:
        """A named participant, one per guid (given, else derived from the number or the name)."""
        guid = guid or identity.imported_person_guid(conference, number, name)
        return self.person(
            str(guid),
            Participant(
                id=str(guid),
                name=name,
                guid=guid,
                number=number,
                position=position,
                organization=organization,
                bio=bio,
                picture=picture,
                links=tuple(links),
                given_name=given_name if family_name else None,
                family_name=family_name if given_name else None,
            ),
        )

    def fail_if_problems(self) -> None:
        """Raise every problem recorded so far.

        Raises:
            ProgrammeError: there are problems.
        """
        if self.problems:
            raise ProgrammeError(self.problems)

    def build(
        self,
        conference: Conference,
        events: Sequence[tuple[Where, Event]],
    ) -> Programme:
        """The checked programme; the checker's problems are reported at the source's places.

        Raises:
            ProgrammeError: the events break a rule of the model.
        """
        self.fail_if_problems()
        used = {p.participant.id for _, event in events for p in event.participations}
        places = {f"events[{index}]": where for index, (where, _) in enumerate(events)}
        try:
            programme = Programme(
                conference=conference,
                organizations=tuple(self.organizations.values()),
                participants=tuple(p for p in self.people.values() if p.id in used),
                events=tuple(event for _, event in events),
            )
        except ProgrammeError as error:
            raise ProgrammeError(
                [_at_source(problem, places, self.source) for problem in error.problems]
            ) from None
        for problem in programme.warnings:
            warnings.warn(ProgrammeWarning(_at_source(problem, places, self.source)), stacklevel=2)
        return programme


_EVENT_REFERENCE = re.compile(r"\bevents\[\d+\]")


def _at_source(problem: Problem, places: Mapping[str, Where], source: str) -> Problem:
    """A checker's problem (``events[3].end``) at its source's place (``sessions[7].endsAt``)."""
    message = _EVENT_REFERENCE.sub(
        lambda m: places[m.group(0)].path if m.group(0) in places else m.group(0), problem.message
    )
    head, dot, rest = problem.path.partition(".")
    where = places.get(head)
    if where is None:
        return attrs.evolve(problem, file=source, message=message)
    return attrs.evolve(
        problem,
        file=source,
        path=f"{where.path}{dot}{rest}" if where.path else rest,
        message=message,
        line=where.line,
        column=where.column,
    )


def conference_id(*candidates: str | None) -> str:
    """A conference id (``[a-z0-9_]``, 4 or more) from the first candidate that gives one."""
    for candidate in candidates:
        if not candidate:
            continue
        text = re.sub(r"_+", "_", re.sub(r"[^a-z0-9_]", "_", candidate.lower())).strip("_")
        text = text[:60].rstrip("_")
        if CONFERENCE_ID_PATTERN.match(text):
            return text
        if text and CONFERENCE_ID_PATTERN.match(f"{text}_conf"):
            return f"{text}_conf"
    return "programme"


def event_id(candidates: Iterable[str | None], used: set[str]) -> str:
    """The first candidate that is a valid, unused event id (slugified), else ``event-N``.

    The id is added to ``used``.
    """
    for candidate in candidates:
        if not candidate:
            continue
        text = candidate if rules.id_problem(candidate) is None else identity.slugify(candidate)
        text = text[:80].strip("-_")
        if text and rules.id_problem(text) is None and text not in used:
            used.add(text)
            return text
    counter = len(used) + 1
    while f"event-{counter}" in used:
        counter += 1
    used.add(f"event-{counter}")
    return f"event-{counter}"


def whole_number(text: str | None) -> int | None:
    """An id given as ASCII digits (``"²".isdigit()`` is true), 1 to 2**31 - 1; else None."""
    if not text or not (text.isascii() and text.isdigit()) or len(text) > 10:
        return None
    number = int(text)
    return number if 0 < number < 2**31 else None


def need_zone(source: str, where: str, what: str) -> ProgrammeError:
    """The error for times that carry no zone when none was given."""
    return ProgrammeError.single(
        source, where, f"{what} carry no time zone: give one with --timezone NAME (an IANA zone)"
    )


def published(first_day: date) -> datetime:
    """When an export that says nothing of it was published: its first day, 00:00 UTC.

    Derived from the content, so the same file gives the same programme.
    """
    return datetime.combine(first_day, time(0), tzinfo=UTC)


def localize(
    importer: Importer, local: datetime, zone: timezones.Zone, where: Where
) -> datetime | None:
    """A naive local time in ``zone``; a time the clocks skip or repeat is a problem."""
    try:
        return timezones.localize(local, zone)
    except timezones.TimeZoneError as error:
        importer.problem(where, str(error))
        return None
