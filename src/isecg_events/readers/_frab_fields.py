"""The field readers of a frab/c3voc ``schedule.json``, each value held to our rules.

:mod:`.frab_json` reads the schedule's structure with these: text (an
empty or blank value counts as absent, as frab and pretalx write them),
language tags, http(s) URLs (other schemes left out), positive integer ids
(also written as digits in a string), dates, guids and links, each problem
recorded with its JSON path, and warnings issued at their place.
"""

from __future__ import annotations

import math
import uuid
import warnings
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from isecg_events import identity, rules
from isecg_events.errors import Problem, ProgrammeWarning
from isecg_events.model import Link
from isecg_events.rules import LIMITS

__all__ = ["EntryFields", "plain"]


class EntryFields:
    """Reads one value of a schedule at a time; collects the problems, warns at their place."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append(Problem(self.source, path, message))

    def text(
        self, table: Mapping[str, Any], key: str, path: str, *, long: bool = False
    ) -> str | None:
        """A text field, held to the rules of our own format's text (see :mod:`.rules`).

        An empty or blank value counts as absent, as frab and pretalx write them.
        """
        value = table.get(key)
        if value is None:
            return None
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.problem(f"{path}.{key}", f"must be a string, not {type(value).__name__}")
            return None
        text = str(value).replace("\r\n", "\n")
        if not text.strip():
            return None
        limit = LIMITS["long_text" if long else "short_text"]
        message = rules.text_problem(text, limit=limit, single_line=not long)
        if message is not None:
            self.problem(f"{path}.{key}", message)
            return None
        return text.strip()

    def language(self, table: Mapping[str, Any], key: str, path: str) -> str | None:
        tag = self.text(table, key, path)
        if tag is not None and (message := rules.language_problem(tag)) is not None:
            self.problem(f"{path}.{key}", message)
            return None
        return tag

    def url(self, table: Mapping[str, Any], key: str, path: str) -> str | None:
        """An http(s) URL; other schemes (``urn:uuid:`` links, say) are left out."""
        url = self.text(table, key, path)
        if url is None or not url.lower().startswith(("http://", "https://")):
            return None
        if (message := rules.url_problem(url)) is not None:
            self.problem(f"{path}.{key}", message)
            return None
        return url

    def number(self, table: Mapping[str, Any], key: str, path: str) -> int | None:
        """A positive integer id, or one written as a string of digits (``"42"``).

        Absent (or null, or an empty string) is None: the id is derived.
        Anything else that is not a whole number (``1.5``, ``NaN``, ``1e999``,
        ``"abc"``, ``true``) is refused, as ``-5`` is, naming the field.
        """
        value = table.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
            digits = value.strip()
            value = int(digits) if len(digits) <= 20 else 10**20  # out of range, said so
        if not isinstance(value, int) or isinstance(value, bool):
            self.problem(f"{path}.{key}", f"must be a whole number such as 42, not {_shown(value)}")
            return None
        if (message := rules.integer_problem(value, 1)) is not None:
            self.problem(f"{path}.{key}", message)
            return None
        return value

    def warn(self, path: str, message: str) -> None:
        warnings.warn(ProgrammeWarning(Problem(self.source, path, message)), stacklevel=2)

    def day(self, table: Mapping[str, Any], key: str, path: str) -> date | None:
        value = self.text(table, key, path)
        if value is None:
            self.problem(f"{path}.{key}", "is required")
            return None
        try:
            day = datetime.fromisoformat(value.replace("Z", "+00:00")).date()
        except ValueError:
            self.problem(f"{path}.{key}", f"{value!r} is not a date")
            return None
        if (message := rules.date_problem(day)) is not None:
            self.problem(f"{path}.{key}", message)
            return None
        return day

    def links(self, entry: Mapping[str, Any], path: str) -> tuple[Link, ...]:
        """The entry's http(s) links (``{url, title}``); other kinds are left out."""
        raw = entry.get("links")
        if not isinstance(raw, list):
            return ()
        links = []
        for index, item in enumerate(raw):
            if not isinstance(item, dict):
                continue
            link_path = f"{path}.links[{index}]"
            url = self.url(item, "url", link_path)
            if url is not None:
                links.append(Link(url=url, title=self.text(item, "title", link_path)))
        return tuple(links)

    def guid(self, entry: Mapping[str, Any], path: str) -> uuid.UUID | None:
        """The entry's guid as a UUID (any non-empty guid: see :func:`identity.source_guid`)."""
        value = self.text(entry, "guid", path)
        return None if value is None else identity.source_guid(value)


def plain(value: Any) -> str | None:
    """A short single-line text of a declaration, or None (left out quietly)."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    return (
        text
        if rules.text_problem(text, limit=LIMITS["short_text"], single_line=True) is None
        else None
    )


def _shown(value: Any) -> str:
    """A value that is not a whole number, as a problem shows it (JSON's words)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN (which is not JSON)"
        if math.isinf(value):
            return "a number too large for any id (Infinity, which is not JSON)"
        return repr(value)
    if isinstance(value, str):
        return repr(value[:40] + ("..." if len(value) > 40 else ""))
    if isinstance(value, list):
        return "an array"
    return "an object" if isinstance(value, dict) else type(value).__name__
