"""The people of a programme in our own data format: organizations, participants, links.

:mod:`.native` reads the rest of the document with these readers:
``[organizations]`` and ``[participants]`` into model objects, an event's or
segment's ``participants`` (ids, or tables with a role) into
participations, and the ``links`` of an event or participant. A reference
to an entry whose own table is broken is not reported a second time.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from isecg_events.errors import did_you_mean, join_path
from isecg_events.model import Link, Organization, Participant, Participation
from isecg_events.readers.fields import FieldReader, type_name
from isecg_events.rules import ID_PATTERN, LIMITS

__all__ = ["PeopleReader", "invalid_keys"]


class PeopleReader(FieldReader):
    """The field readers of organizations, participants, participations and links."""

    def __init__(self, source: str, fields: Mapping[str, set[str]]) -> None:
        super().__init__(source, fields)
        self.bad_organizations: set[str] = set()
        self.bad_participants: set[str] = set()

    def organizations(self, document: Mapping[str, Any]) -> dict[str, Organization]:
        section = document.get("organizations", {})
        if not isinstance(section, dict):
            self.problem("organizations", f"must be a table, not {type_name(section)}")
            return {}
        result: dict[str, Organization] = {}
        for key, value in section.items():
            path = join_path("organizations", key)
            if self.identifier(key, path) is None:
                continue
            table = self.table(value, path, "organization")
            if table is None:
                continue
            name = self.get(table, "name", path, self.text, required=True)
            acronym = self.get(table, "acronym", path, self.text)
            country = self.get(table, "country", path, self.text)
            if name is not None:
                result[key] = Organization(key, name, acronym, country)
        return result

    def participants(
        self, document: Mapping[str, Any], organizations: Mapping[str, Organization]
    ) -> dict[str, Participant]:
        section = document.get("participants", {})
        if not isinstance(section, dict):
            self.problem("participants", f"must be a table, not {type_name(section)}")
            return {}
        result: dict[str, Participant] = {}
        for key, value in section.items():
            path = join_path("participants", key)
            if self.identifier(key, path) is None:
                continue
            table = self.table(value, path, "participant")
            if table is None:
                self.bad_participants.add(key)
                continue
            participant = self.participant(key, table, path, organizations)
            if participant is None:
                self.bad_participants.add(key)
            else:
                result[key] = participant
        return result

    def participant(
        self,
        key: str,
        table: Mapping[str, Any],
        path: str,
        organizations: Mapping[str, Organization],
    ) -> Participant | None:
        before = len(self.problems)
        name = self.get(table, "name", path, self.text)
        given = self.get(table, "given_name", path, self.text)
        family = self.get(table, "family_name", path, self.text)
        position = self.get(table, "position", path, self.text)
        organization = None
        org_id = self.get(table, "organization", path, self.text)
        if org_id is not None:
            organization = organizations.get(org_id)
            if organization is None and org_id not in self.bad_organizations:
                hint = did_you_mean(org_id, tuple(organizations))
                self.problem(f"{path}.organization", f"unknown organization {org_id!r}{hint}")
        if name is None and given is None and family is None and position is None:
            self.problem(path, "needs a name or a position (it is shown by one of them)")
        if (given is None) != (family is None):
            self.problem(path, "give both given_name and family_name, or neither")
        if len(self.problems) > before:
            return None
        if name is None and given is not None and family is not None:
            name = f"{given} {family}"
        return Participant(
            id=key,
            name=name,
            position=position,
            organization=organization,
            country=self.get(table, "country", path, self.text),
            given_name=given,
            family_name=family,
            guid=self.get(table, "guid", path, self.guid),
            number=self.get(table, "number", path, lambda v, p: self.integer(v, p, 1)),
            bio=self.get(table, "bio", path, self.long_text),
            picture=self.get(table, "picture", path, self.url),
            links=tuple(self.links(table, path)),
        )

    def links(self, table: Mapping[str, Any], path: str) -> list[Link]:
        """An event's or participant's ``links``: tables with ``url`` and an optional ``title``."""
        links = []
        for where, link in self.tables(table, "links", path, "link"):
            url = self.get(link, "url", where, self.url, required=True)
            if url is not None:
                links.append(Link(url=url, title=self.get(link, "title", where, self.text)))
        return links

    def participations(
        self,
        table: Mapping[str, Any],
        path: str,
        participants: Mapping[str, Participant],
    ) -> Iterator[Participation]:
        raw = table.get("participants", [])
        field = f"{path}.participants"
        if not isinstance(raw, list):
            self.problem(field, f"must be an array, not {type_name(raw)}")
            return
        if len(raw) > LIMITS["participants_per_event"]:
            self.problem(
                field,
                f"has {len(raw):,} entries; the limit is {LIMITS['participants_per_event']:,}",
            )
            return
        seen: set[str] = set()
        for index, entry in enumerate(raw):
            known = participants.get(entry) if isinstance(entry, str) else None
            if known is not None and entry not in seen:
                # The programme's own id, which was read as text already.
                seen.add(entry)
                yield Participation(known, None)
                continue
            entry_path = f"{field}[{index}]"
            role = None
            if isinstance(entry, dict):
                self.table(entry, entry_path, "participation")
                key = self.get(entry, "id", entry_path, self.text, required=True)
                role = self.get(entry, "role", entry_path, self.role)
            else:
                key = self.text(entry, entry_path)
            if key is None:
                continue
            if key in seen:
                self.problem(entry_path, f"lists {key!r} twice")
                continue
            seen.add(key)
            participant = participants.get(key)
            if participant is None:
                if key not in self.bad_participants:
                    hint = did_you_mean(key, tuple(participants))
                    self.problem(entry_path, f"unknown participant {key!r}{hint}")
                continue
            yield Participation(participant, role)


def invalid_keys(section: Any, kind: str) -> set[str]:
    """Keys whose own entry is broken: references to them are not re-reported."""
    if not isinstance(section, dict):
        return set()
    return {
        key
        for key, value in section.items()
        if not isinstance(value, dict) or not ID_PATTERN.match(key)
    }
