"""What a CalDAV resource of ours says, read as iCalendar: what ``publish`` compares.

The content of an event is what decides whether it is written, never its
stamps: :func:`digest` hashes a resource our writer rendered without them,
:func:`same` compares the VEVENTs a server holds with ours, property by
property, leaving out what servers and clients add or rewrite.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any, Final

from isecg_events.exporters._text import clean

__all__ = ["HASH", "MARK", "digest", "read_events", "same", "title_of"]

#: The conference whose resource this is (a resource without it is never touched).
MARK: Final = "X-ISECG-EVENTS-CONFERENCE"
#: The :func:`digest` of what was published.
HASH: Final = "X-ISECG-EVENTS-HASH"
#: Properties that say when, not what: never a reason to write.
_STAMPS: Final = frozenset({"DTSTAMP", "LAST-MODIFIED", "CREATED", HASH})
_STAMP_NAMES: Final = frozenset(name.encode() for name in _STAMPS)
#: Standard properties a server may add at their default value (RFC 5545).
_DEFAULTS: Final = {"SEQUENCE": b"0", "TRANSP": b"OPAQUE", "CLASS": b"PUBLIC", "PRIORITY": b"0"}
_EVENTS = re.compile(r"^BEGIN:VEVENT$.*^END:VEVENT$", re.M | re.S | re.I)
_NAME = re.compile(rb"[;:]")


def digest(body: bytes) -> str:
    """The hash of a calendar our writer rendered, without its stamps.

    The calendar-level properties (before the first component) and the
    stamps (DTSTAMP, LAST-MODIFIED, CREATED) are left out: they move with
    every release, the event does not.
    """
    unfolded = body.replace(b"\r\n ", b"")
    first = unfolded.index(b"\r\nBEGIN:") + 2
    lines = unfolded[first : unfolded.rindex(b"END:VCALENDAR")].split(b"\r\n")
    kept = b"\r\n".join(line for line in lines if _NAME.split(line, 1)[0] not in _STAMP_NAMES)
    return hashlib.sha256(kept).hexdigest()


def read_events(data: str) -> tuple[Any, ...] | None:
    """The VEVENTs of calendar data, read as iCalendar; None when it cannot be read.

    Line ends are made CRLF first (a server may write CR as ``&#13;``, or
    drop it); only the text from the first VEVENT to the last is read, as
    the time zones, long to read, are not compared.
    """
    import icalendar

    text = data.replace("\r\n", "\n").replace("\r", "\n")
    found = _EVENTS.search(text)
    if found is None:
        return None
    wrapped = "BEGIN:VCALENDAR\r\n" + found.group(0).replace("\n", "\r\n") + "\r\nEND:VCALENDAR\r\n"
    try:
        calendar = icalendar.Calendar.from_ical(wrapped)
        return tuple(calendar.walk("VEVENT"))
    except Exception:  # any text a server holds: unreadable is "not ours"
        return None


def same(theirs: tuple[Any, ...], body: bytes) -> bool:
    """Whether the server's VEVENTs say what ``body``'s do, property by property.

    Stamps are left out on both sides; a property of theirs whose name ours
    does not use is left out when it is an ``X-`` one or a standard one at
    its default value: servers and clients add those without changing the
    event.
    """
    ours = read_events(body.decode("utf-8")) or ()
    names = {name.upper() for event in ours for name in event}
    mine = {_key(event): _shape(event, lambda _: True) for event in ours}

    def keep(prop: tuple[str, tuple[tuple[str, str], ...], bytes]) -> bool:
        name, _, value = prop
        if name in names:
            return True
        return not (name.startswith("X-") or _DEFAULTS.get(name) == value)

    try:
        return mine == {_key(event): _shape(event, keep) for event in theirs}
    except Exception:  # a value icalendar cannot write back: not as we wrote it
        return False


def _key(event: Any) -> bytes:
    recurrence = event.get("RECURRENCE-ID")
    return b"" if recurrence is None else recurrence.to_ical()


def _shape(component: Any, keep: Callable[[Any], bool]) -> tuple[Any, ...]:
    props = []
    for name, value in component.items():
        if name.upper() in _STAMPS:
            continue
        for one in value if isinstance(value, list) else [value]:
            params = getattr(one, "params", {})
            written = one.to_ical() if hasattr(one, "to_ical") else str(one).encode()
            prop = (
                name.upper(),
                tuple(sorted((str(k).upper(), str(v)) for k, v in params.items())),
                written,
            )
            if keep(prop):
                props.append(prop)
    subs = sorted(_shape(sub, keep) for sub in component.subcomponents)
    return (component.name, tuple(sorted(props)), tuple(subs))


def title_of(events: tuple[Any, ...], default: str) -> str:
    """The SUMMARY of the main VEVENT (not an occurrence's), made printable; else ``default``."""
    for event in events:
        if "RECURRENCE-ID" not in event and "SUMMARY" in event:
            return clean(str(event["SUMMARY"]))
    return default
