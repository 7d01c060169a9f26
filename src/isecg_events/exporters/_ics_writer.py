"""A lean content-line writer for the VEVENTs of a compat feed.

icalendar's ``Calendar.to_ical()`` spends most of its time building content
line objects and folding them a character at a time. This writer emits the
same bytes for the events of a ``compat`` feed: values are still encoded by
icalendar's own value types (vText, vDatetime, vCategory, vRecur), and the
calendar header and VTIMEZONEs are still serialised by icalendar. A
differential test (``tests/test_ics_writer.py``) proves the output
byte-identical to icalendar's ``to_ical()`` over a hypothesis corpus.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Mapping
from datetime import datetime
from typing import NewType

from icalendar import Parameters, vCategory, vDatetime, vRecur, vText, vUri

from isecg_events.rules import FORBIDDEN_CHARACTERS

__all__ = [
    "DatetimeEncoder",
    "EncodedParameters",
    "content_line",
    "fold",
    "parameters",
    "safe_uri",
    "text",
    "texts",
]

#: Property parameters as :func:`parameters` encodes them: the only form
#: :func:`content_line` takes, so no parameter reaches a line unencoded.
EncodedParameters = NewType("EncodedParameters", str)

_LIMIT = 75  # octets; a chunk holds at most 74 so a folded line stays within 75


def fold(line: str) -> str:
    """Fold a content line exactly as icalendar 7 does (RFC 5545 3.1).

    Chunks hold fewer than 75 octets, a UTF-8 character is never split, and
    a trailing backslash or caret moves to the next chunk so escapes stay
    whole.
    """
    return fold_bytes(line.encode("utf-8")).decode("utf-8")


def fold_bytes(line: bytes) -> bytes:
    """Fold the UTF-8 bytes of a content line; see :func:`fold`."""
    size = len(line)
    if size < _LIMIT:
        return line
    chunks: list[bytes] = []
    start = 0
    while size - start >= _LIMIT:
        cut = start + _LIMIT - 1
        while line[cut] & 0xC0 == 0x80:  # never inside a UTF-8 character
            cut -= 1
        if line[cut - 1] in b"\\^" and _more_than_one_character(line, start, cut):
            cut -= 1
        chunks.append(line[start:cut])
        start = cut
    chunks.append(line[start:])
    return b"\r\n ".join(chunks)


def _more_than_one_character(line: bytes, start: int, end: int) -> bool:
    """Whether ``line[start:end]`` holds two or more UTF-8 characters."""
    return any(line[index] & 0xC0 != 0x80 for index in range(start + 1, end))


def content_line(name: str, value: bytes, parameters: EncodedParameters | None = None) -> bytes:
    """Return the folded ``NAME;PARAMS:value`` line as bytes.

    ``value`` comes from one of this module's value encoders (:func:`text`,
    :func:`uri`, ...), ``parameters`` from :func:`parameters`: neither can
    hold a line break or, in a parameter, an unquoted ``:``, ``;`` or ``,``.
    """
    head = f"{name};{parameters}:" if parameters else f"{name}:"
    return fold_bytes(head.encode() + value)


def parameters(values: Mapping[str, str]) -> EncodedParameters:
    """Encode property parameters as icalendar does, the same path the rich profile takes.

    Values are quoted when they hold ``:``, ``;`` or ``,``; a line break, a
    caret and a double quote are RFC 6868 escapes (``^n``, ``^^``, ``^'``);
    other control characters are removed, as from all text.
    """
    cleaned = {key: FORBIDDEN_CHARACTERS.sub("", value) for key, value in values.items()}
    encoded: bytes = Parameters(cleaned).to_ical()
    return EncodedParameters(encoded.decode("utf-8"))


_URI_UNSAFE = re.compile(r"[\x00-\x20\x7f-\x9f\ud800-\udfff\ufffe\uffff]+")


def safe_uri(value: str) -> str:
    """``value`` with control characters and spaces percent-encoded (RFC 3986).

    A URI that passed the data rules is returned unchanged; this keeps any
    other from breaking a content line.
    """
    if _URI_UNSAFE.search(value) is None:
        return value
    return _URI_UNSAFE.sub(
        lambda match: urllib.parse.quote(match.group(0), safe="", errors="replace"), value
    )


def text(value: str) -> bytes:
    """Encode a TEXT value as icalendar's vText does (without building one)."""
    if _NEEDS_ESCAPING.search(value) is None:  # nothing vText would escape
        return value.encode("utf-8")
    escaped: bytes = vText(value).to_ical()
    return escaped


_NEEDS_ESCAPING = re.compile(r"[\\;,\r\n]")


def texts(values: list[str]) -> list[bytes]:
    """Encode many TEXT values as :func:`text` does, with one escaping pass.

    The values are joined by NUL, which no cleaned text holds and no escape
    involves, escaped together and split apart again; if a value does hold
    a NUL, each is escaped alone.
    """
    encoded = text("\x00".join(values)).split(b"\x00")
    if len(encoded) != len(values):
        return [text(value) for value in values]
    return encoded


def categories(values: tuple[str, ...]) -> bytes:
    """Encode a CATEGORIES value as icalendar does."""
    encoded: bytes = vCategory(list(values)).to_ical()
    return encoded


def uri(value: str) -> bytes:
    """Encode a URI value as icalendar does, made safe first (:func:`safe_uri`)."""
    encoded: bytes = vUri(safe_uri(value)).to_ical()
    return encoded


def recur(value: vRecur) -> bytes:
    """Encode an RRULE value as icalendar does."""
    encoded: bytes = value.to_ical()  # type: ignore[no-untyped-call]
    return encoded


class DatetimeEncoder:
    """Encode datetimes through icalendar's vDatetime, once per distinct value.

    One vDatetime per time zone encodes every value in that zone: building
    one (its parameters, its TZID lookup) costs far more than encoding, and
    the TZID parameter depends on the zone alone.
    """

    def __init__(self) -> None:
        self._values: dict[tuple[datetime, object], bytes] = {}
        self._encoders: dict[object, tuple[vDatetime, EncodedParameters | None]] = {}
        self._lines: dict[tuple[str, datetime, object], bytes] = {}

    def line(self, name: str, moment: datetime) -> bytes:
        """Return the folded content line, such as ``DTSTART;TZID=...:20170607T093000``."""
        key = (name, moment, moment.tzinfo)
        found = self._lines.get(key)
        if found is None:
            value, parameters = self(moment)
            found = self._lines[key] = content_line(name, value, parameters)
        return found

    def __call__(self, moment: datetime) -> tuple[bytes, EncodedParameters | None]:
        """Return (value, parameters) such as (b"20170607T093000", "TZID=Asia/Shanghai")."""
        encoder, parameters = self._encoder(moment)
        # The two readings of a repeated hour share a key (Python compares
        # them by wall time) and a value: iCalendar writes the wall time.
        key = (moment, moment.tzinfo)
        value = self._values.get(key)
        if value is None:
            # vDatetime.to_ical() formats its ``dt``, which is all that
            # differs between two values of one zone.
            encoder.dt = moment
            value = self._values[key] = encoder.to_ical()  # type: ignore[no-untyped-call]
        return value, parameters

    def _encoder(self, moment: datetime) -> tuple[vDatetime, EncodedParameters | None]:
        found = self._encoders.get(moment.tzinfo)
        if found is None:
            encoder = vDatetime(moment)
            encoded = parameters(encoder.params) if encoder.params else None
            found = self._encoders[moment.tzinfo] = (encoder, encoded)
        return found
