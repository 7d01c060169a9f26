"""The rules a single field value must follow, whichever reader found it.

Our own data format and the frab/pretalx importers check text, language
tags, URLs and integers with these same functions, so an imported
``schedule.json`` meets exactly the rules of a programme file. Each rule
returns the problem's message, or None when the value is fine; the reader
adds the file, line and path.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Final, Literal

__all__ = [
    "COLOR_PATTERN",
    "CONFERENCE_ID_PATTERN",
    "EVENT_TYPES",
    "FORBIDDEN_CHARACTERS",
    "ID_PATTERN",
    "LIMITS",
    "MARKUPS",
    "MAX_DURATION",
    "MAX_ID_LENGTH",
    "MAX_INTEGER",
    "ROLES",
    "SLUG_PATTERN",
    "STATUSES",
    "YEARS",
    "Markup",
    "Status",
    "date_problem",
    "duration_problem",
    "id_problem",
    "integer_problem",
    "language_problem",
    "plain_texts",
    "text_problem",
    "url_problem",
]

#: Ids of events, organizations and participants.
ID_PATTERN: Final = re.compile(r"^[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?$")
#: A conference id is also its schedule.json acronym, so it follows that rule.
CONFERENCE_ID_PATTERN: Final = re.compile(r"^[a-z0-9_-][a-z0-9_]{3,}(-2[0-9]{3}-[a-z]+)?$")
#: A colour as schedule.xml's XSD writes one: ``#`` and six hex digits.
COLOR_PATTERN: Final = re.compile(r"^#[0-9a-fA-F]{6}$")
#: Slugs, as schedule.json defines them.
SLUG_PATTERN: Final = re.compile(r"^[a-z0-9_-]+[a-z0-9]$")

Status = Literal["confirmed", "tentative", "cancelled"]
#: An event's statuses.
STATUSES: Final[tuple[Status, ...]] = ("confirmed", "tentative", "cancelled")

Markup = Literal["plain", "markdown", "html"]
#: The kinds of text an abstract and a description can be in: plain text
#: (ours), Markdown (pretalx) or HTML (pentabarf-style exports).
MARKUPS: Final[tuple[Markup, ...]] = ("plain", "markdown", "html")

#: The event types the data format accepts.
EVENT_TYPES: Final[tuple[str, ...]] = (
    "plenary", "keynote", "session", "panel", "talk", "lightning", "workshop", "poster",
    "exhibition", "ceremony", "meeting", "break", "meal", "social", "other",
)  # fmt: skip

#: A participant's roles in an event: a closed set, so that every feed can
#: map each (iCalendar PARTICIPANT-TYPE) and a typo gets a suggestion.
ROLES: Final[tuple[str, ...]] = (
    "speaker", "keynote", "presenter", "panelist", "moderator", "chair", "host",
    "performer", "sponsor", "contact",
)  # fmt: skip

#: Documented size limits; larger input is refused with a clear error.
LIMITS: Final = {
    "file_bytes": 50 * 1024 * 1024,
    "short_text": 1_000,
    "long_text": 100_000,
    "events": 100_000,
    "segments_per_event": 500,
    "participants_per_event": 2_000,
}

#: The years a programme's dates and times may fall in. Outside them date
#: arithmetic (a time zone's offset, a day after the last) would overflow.
YEARS: Final = range(1900, 2201)

#: The longest event or imported entry: a year and a day.
MAX_DURATION: Final = timedelta(days=366)

#: The longest id (an event's becomes a file name: ``events/<id>.ics``).
MAX_ID_LENGTH: Final = 200

#: The largest integer a field takes (ids, numbers, sequences): schedule.json
#: and schedule.xml readers store them as 32-bit signed integers.
MAX_INTEGER: Final = 2**31 - 1

#: What no text may hold: control characters (Unicode Cc) other than tab and
#: line feed, lone surrogates, and the noncharacters U+FFFE and U+FFFF. The
#: readers refuse them; exporters remove them from text built in code.
FORBIDDEN_CHARACTERS: Final = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")

_URL: Final = re.compile(r"^https?://[^\s<>\"\\^`{|}]+\Z")

# BCP 47 (RFC 5646) well-formed tags: language[-script][-region]*[-variant]
# *[-extension][-privateuse], a private-use tag, or an irregular "i-" tag.
_LANGUAGE_TAG: Final = re.compile(
    r"""^(?:
        (?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4,8})      # language, extlang
        (?:-[a-z]{4})?                                  # script
        (?:-(?:[a-z]{2}|[0-9]{3}))?                     # region
        (?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*        # variants
        (?:-[0-9a-wy-z](?:-[a-z0-9]{2,8})+)*            # extensions
        (?:-x(?:-[a-z0-9]{1,8})+)?                      # private use
      | x(?:-[a-z0-9]{1,8})+
      | i-[a-z]{2,8}
    )$""",
    re.IGNORECASE | re.VERBOSE,
)


def text_problem(value: str, *, limit: int, single_line: bool) -> str | None:
    """The problem with a text value (after CRLF became LF), if any.

    Args:
        value: the text.
        limit: the most characters it may hold.
        single_line: whether a line break is refused.
    """
    bad = FORBIDDEN_CHARACTERS.search(value)
    if bad is not None:
        character = bad.group(0)
        code = f"U+{ord(character):04X}"
        if unicodedata.category(character) == "Cc":
            return f"contains the control character {code}"
        return f"contains {code}, which is not a character of text"
    if len(value) > limit:
        return f"is {len(value):,} characters long; the limit is {limit:,}"
    if single_line and "\n" in value:
        return "must be a single line"
    if not value.strip():
        return "must not be empty"
    return None


def plain_texts(values: Iterable[str | None], *, limit: int, single_line: bool) -> bool:
    """Whether every value (None skipped) passes :func:`text_problem`, tested together.

    The common case (every text fine) costs one search of the joined text;
    a caller that gets False asks :func:`text_problem` of each value.
    """
    present = [value for value in values if value is not None]
    joined = "".join(present)
    if FORBIDDEN_CHARACTERS.search(joined) is not None or (single_line and "\n" in joined):
        return False
    return all(len(value) <= limit and value and not value.isspace() for value in present)


def language_problem(tag: str) -> str | None:
    """The problem with a language tag, which must be well-formed BCP 47."""
    if _LANGUAGE_TAG.match(tag) is None:
        return f"{tag!r} is not a BCP 47 language tag such as 'en' or 'zh-Hans'"
    return None


def url_problem(url: str) -> str | None:
    """The problem with a URL, which must be an absolute http(s) URL on one line."""
    if _URL.match(url) is None:
        return f"{url!r} is not an http(s) URL"
    return None


def date_problem(value: date) -> str | None:
    """The problem with a date (or a date-time's date) outside :data:`YEARS`."""
    if value.year not in YEARS:
        return f"{value.isoformat()} is outside the supported years {YEARS[0]} to {YEARS[-1]}"
    return None


def duration_problem(length: timedelta) -> str | None:
    """The problem with an event's length: it must be positive and at most :data:`MAX_DURATION`."""
    if length > MAX_DURATION:
        return f"{_hours(length)} is longer than the limit of {_hours(MAX_DURATION)}"
    return None


def _hours(length: timedelta) -> str:
    return f"{length.days * 24 + length.seconds // 3600:,}:{length.seconds // 60 % 60:02d} hours"


def id_problem(value: str) -> str | None:
    """The problem with an id: the id pattern, at most :data:`MAX_ID_LENGTH` characters."""
    if len(value) > MAX_ID_LENGTH:
        return f"is {len(value):,} characters long; an id may have {MAX_ID_LENGTH}"
    if not ID_PATTERN.match(value):
        return (
            f"{value!r} is not an id: use lower-case letters, digits, '-' and '_', "
            "starting and ending with a letter or digit"
        )
    return None


def integer_problem(value: int, minimum: int = 0) -> str | None:
    """The problem with an integer field, which must lie in ``minimum``..2**31-1."""
    if value < minimum or value > MAX_INTEGER:
        # str() of a huge integer is itself an error (Python's 4,300-digit cap).
        shown = f"{value}" if value.bit_length() < 64 else "a number this large"
        return f"{shown} is out of range ({minimum} to {MAX_INTEGER})"
    return None
