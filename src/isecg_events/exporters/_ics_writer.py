"""A lean content-line writer for the VEVENTs of a compat feed.

icalendar's ``Calendar.to_ical()`` spends most of its time building content
line objects and folding them a character at a time. This writer emits the
same bytes for the events of a ``compat`` feed: values are still encoded by
icalendar's own value types (vText, vDDDTypes, vCategory, vRecur), and the
calendar header and VTIMEZONEs are still serialised by icalendar. A
differential test (``tests/test_ics_writer.py``) proves the output
byte-identical to icalendar's ``to_ical()`` over a hypothesis corpus.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from icalendar import vCategory, vDDDTypes, vRecur, vText, vUri

__all__ = ["DatetimeEncoder", "content_line", "fold"]

_LIMIT = 75  # octets; a chunk holds at most 74 so a folded line stays within 75


def fold(line: str) -> str:
    """Fold a content line exactly as icalendar 7 does (RFC 5545 3.1).

    Chunks hold fewer than 75 octets, a UTF-8 character is never split, and
    a trailing backslash or caret moves to the next chunk so escapes stay
    whole.
    """
    if len(line) < _LIMIT and (line.isascii() or len(line.encode()) < _LIMIT):
        return line
    if line.isascii():
        return _fold_ascii(line)
    return _fold_unicode(line)


def _fold_ascii(line: str) -> str:
    chunks: list[str] = []
    start, size = 0, len(line)
    while size - start >= _LIMIT:
        end = start + _LIMIT - 1
        if end - start > 1 and line[end - 1] in "\\^":
            end -= 1
        chunks.append(line[start:end])
        start = end
    chunks.append(line[start:])
    return "\r\n ".join(chunks)


def _fold_unicode(line: str) -> str:
    chunks: list[str] = []
    current: list[str] = []
    count = 0
    for character in line:
        width = 1 if character < "\x80" else len(character.encode())
        if current and count + width >= _LIMIT:
            if len(current) > 1 and current[-1] in "\\^":
                moved = current.pop()
                chunks.append("".join(current))
                current, count = [moved], 1
            else:
                chunks.append("".join(current))
                current, count = [], 0
        current.append(character)
        count += width
    if current:
        chunks.append("".join(current))
    return "\r\n ".join(chunks)


def content_line(name: str, value: bytes, parameters: str = "") -> str:
    """Return the folded ``NAME;PARAMS:value`` line."""
    if parameters:
        return fold(f"{name};{parameters}:{value.decode()}")
    return fold(f"{name}:{value.decode()}")


def text(value: str) -> bytes:
    """Encode a TEXT value as icalendar does."""
    encoded: bytes = vText(value).to_ical()
    return encoded


def categories(values: list[str]) -> bytes:
    """Encode a CATEGORIES value as icalendar does."""
    encoded: bytes = vCategory(values).to_ical()
    return encoded


def uri(value: str) -> bytes:
    """Encode a URI value as icalendar does."""
    encoded: bytes = vUri(value).to_ical()
    return encoded


def recur(value: vRecur) -> bytes:
    """Encode an RRULE value as icalendar does."""
    encoded: bytes = value.to_ical()  # type: ignore[no-untyped-call]
    return encoded


class DatetimeEncoder:
    """Encode datetimes through icalendar's vDDDTypes, once per distinct value."""

    def __init__(self) -> None:
        self._cache: dict[tuple[datetime, object], tuple[bytes, str]] = {}

    def __call__(self, moment: datetime) -> tuple[bytes, str]:
        """Return (value, parameters) such as (b"20170607T093000", "TZID=Asia/Shanghai")."""
        key = (moment, moment.tzinfo)
        found = self._cache.get(key)
        if found is None:
            encoded = vDDDTypes(moment)
            params = encoded.params.to_ical().decode() if encoded.params else ""
            found = (encoded.to_ical(), params)
            self._cache[key] = found
        return found


Encoder = Callable[[datetime], tuple[bytes, str]]
