"""Programmes and helpers the tests share: one module, imported by the test modules.

The small programmes (``MINIMAL``, ``RECURRING``), model builders, the
bad-input corpus (``CASES``: each a change to ``MINIMAL`` and the exact
problem it must give) and the judges of outputs (``raw_checks`` for
iCalendar, ``assert_valid_json``/``assert_valid_xml`` against the c3voc
schema and XSD).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import jsonschema
import pytest
import xmlschema
from hypothesis import strategies as st

from isecg_events.model import (
    Conference,
    Event,
    Organization,
    Participant,
    Participation,
    Segment,
)
from isecg_events.programme import Programme

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT.parent / "shared" / "reference"
GOLDEN = Path(__file__).resolve().parent / "golden"


def reference(name: str) -> Path:
    path = REFERENCE / name
    if not path.exists():
        pytest.skip(f"shared reference file {name} is not beside this checkout")
    return path


MINIMAL = """
[conference]
id = "demo2026"
title = "Demo Conference"
timezone = "Europe/Paris"
start = 2026-03-28
end = 2026-03-30
venue = "Centre"
published = 2026-01-01T00:00:00Z

[organizations.org]
name = "Organisation"
acronym = "ORG"

[participants.ada]
name = "Ada LOVELACE"
position = "Engineer"
organization = "org"

[participants.chair]
position = "Chair"
organization = "org"

[[events]]
id = "opening"
title = "Opening"
date = 2026-03-28
start = "09:00"
end = "10:00"
room = "Room A"
participants = ["ada", { id = "chair", role = "moderator" }]
"""


ADA = '"ada"'


def large(count: int) -> str:
    """A programme of ``count`` one-hour events, twelve rooms, ten a day in each.

    Ada speaks in the first room only: nobody is booked in two rooms at once.
    """
    days = -(-count // 120)
    head = MINIMAL.split("[[events]]")[0].replace(
        "end = 2026-03-30", f"end = {date(2026, 3, 28) + timedelta(days)}"
    )
    events = [
        f'[[events]]\nid = "e{n}"\ntitle = "Session {n}"\n'
        f"date = {date(2026, 3, 28) + timedelta(n // 120)}\n"
        f'start = "{8 + n % 10}:00"\nend = "{8 + n % 10}:50"\nroom = "Room {n // 10 % 12}"\n'
        f'abstract = "About session {n}."\n'
        f"participants = [{ADA if n // 10 % 12 == 0 else ''}]\n"
        for n in range(count)
    ]
    return head + "\n".join(events)


RECURRING = (
    MINIMAL
    + """
[[events]]
id = "coffee"
title = "Coffee break"
type = "break"
date = 2026-03-28
start = "10:30"
end = "11:00"
room = "Foyer"
rrule = "FREQ=DAILY;UNTIL=20260330"

[[events]]
id = "panel"
title = "Panel"
date = 2026-03-29
start = "14:00"
end = "15:00"
room = "Room A"
status = "cancelled"
url = "https://example.org/panel"
track = "Policy"

  [[events.segments]]
  title = "Opening remarks"
  start = "14:00"
  end = "14:15"
  participants = ["ada"]

  [[events.segments]]
  title = "Discussion"
  start = "14:15"
  end = "15:00"
"""
)


SHANGHAI = ZoneInfo("Asia/Shanghai")
CNSA = Organization("cnsa", "China National Space Administration", "CNSA", "China")


def conference(**changes: object) -> Conference:
    values: dict[str, object] = {
        "id": "glex2017",
        "title": "Global Space Exploration Conference",
        "timezone": "Asia/Shanghai",
        "start": date(2017, 6, 6),
        "end": date(2017, 6, 8),
        "published": datetime(2026, 11, 25, tzinfo=UTC),
    }
    values.update(changes)
    return Conference(**values)  # type: ignore[arg-type]


def paris_conference(start: date, end: date) -> Conference:
    """A conference in Europe/Paris, for tests around its DST changes."""
    return conference(timezone="Europe/Paris", start=start, end=end)


def event(event_id: str, hour: int, **changes: object) -> Event:
    values: dict[str, object] = {
        "id": event_id,
        "title": event_id.title(),
        "start": datetime(2017, 6, 7, hour, tzinfo=SHANGHAI),
        "end": datetime(2017, 6, 7, hour + 1, tzinfo=SHANGHAI),
    }
    values.update(changes)
    return Event(**values)  # type: ignore[arg-type]


def raw_checks(feed: bytes) -> None:
    """CRLF only, lines of at most 75 octets, folds never inside a UTF-8 character."""
    assert feed.endswith(b"\r\n")
    assert b"\n" not in feed.replace(b"\r\n", b"")
    assert b"\r" not in feed.replace(b"\r\n", b"")
    for line in feed.split(b"\r\n")[:-1]:
        assert len(line) <= 75, line
        line.decode("utf-8")  # a fold inside a character would fail here
    text = feed.decode("utf-8")
    uids = re.findall(r"^UID:(.*)\r$", text, flags=re.M)
    unfolded = text.replace("\r\n ", "")
    used = set(re.findall(r";TZID=([^;:]+)[;:]", unfolded))
    defined = set(re.findall(r"^TZID:(.*)\r$", unfolded, flags=re.M))
    assert used <= defined
    events = [u for u in re.findall(r"BEGIN:VEVENT\r\n(?:.*\r\n)*?UID:(.*)\r\n", unfolded)]
    assert len(uids) == len(set(uids)), events


def validator() -> jsonschema.Draft6Validator:
    schema = json.loads(reference("schema.json").read_text())
    return jsonschema.Draft6Validator(schema, format_checker=jsonschema.FormatChecker())


def entries(document: dict[str, Any]) -> list[dict[str, Any]]:
    days = document["schedule"]["conference"]["days"]
    return [e for day in days for room in day["rooms"].values() for e in room]


def assert_valid_json(output: bytes) -> dict[str, Any]:
    document = json.loads(output)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator().iter_errors(document)]
    assert errors == []
    events = entries(document)
    for key in ("guid", "id", "slug"):
        values = [e[key] for e in events]
        assert len(values) == len(set(values)), key
    zone = document["schedule"]["conference"].get("time_zone_name")
    from zoneinfo import ZoneInfo

    for event in events:
        start = datetime.fromisoformat(event["date"])
        hours, minutes = map(int, event["duration"].split(":"))
        assert start + timedelta(hours=hours, minutes=minutes) == datetime.fromisoformat(
            event["end"]
        )
        if zone is not None:
            assert start.utcoffset() == start.astimezone(ZoneInfo(zone)).utcoffset()
        assert all(p.get("name") or p.get("public_name") for p in event["persons"])
    return document


def assert_valid_xml(output: bytes) -> None:
    schema = xmlschema.XMLSchema(str(reference("schedule.xml.xsd")))
    errors = [str(error.reason) for error in schema.iter_errors(output.decode())]
    assert errors == []


EVENT_TAIL = """
[[events]]
id = "second"
title = "Second"
date = 2026-03-28
start = "09:30"
end = "10:30"
room = "Room A"
"""

# Each case: (name, how to change MINIMAL, the exact line the loader reports).
CASES: list[tuple[str, Callable[[str], str], str]] = [
    (
        "missing conference",
        lambda t: t.replace("[conference]", "[conferenc]"),
        "conference: is required\n"
        "{path}: conferenc: unknown field 'conferenc'; did you mean 'conference'?",
    ),
    (
        "missing title",
        lambda t: t.replace('title = "Demo Conference"\n', ""),
        "conference.title: is required",
    ),
    (
        "bad conference id",
        lambda t: t.replace('id = "demo2026"', 'id = "Demo 2026"'),
        "conference.id: 'Demo 2026' must be 4 or more lower-case letters, digits or '_' "
        "(the schedule.json acronym rule), such as 'glex2017'",
    ),
    (
        "unknown time zone",
        lambda t: t.replace('"Europe/Paris"', '"Europe/Pariss"'),
        "conference.timezone: unknown time zone 'Europe/Pariss'; did you mean 'Europe/Paris'?",
    ),
    (
        "conference ends before it starts",
        lambda t: t.replace("end = 2026-03-30", "end = 2026-03-01"),
        "conference.end: 2026-03-01 is before start 2026-03-28",
    ),
    (
        "published without offset",
        lambda t: t.replace("published = 2026-01-01T00:00:00Z", "published = 2026-01-01T00:00:00"),
        "conference.published: 2026-01-01T00:00:00 needs a UTC offset (add Z or +08:00)",
    ),
    (
        "start is not a date",
        lambda t: t.replace("start = 2026-03-28", 'start = "soon"'),
        "conference.start: 'soon' is not a date such as 2017-06-07",
    ),
    (
        "bad url",
        lambda t: t.replace('venue = "Centre"', 'venue = "Centre"\nurl = "javascript:x"'),
        "conference.url: 'javascript:x' is not an http(s) URL",
    ),
    (
        "unknown organization",
        lambda t: t.replace(
            'organization = "org"\n\n[participants.chair]',
            'organization = "orgg"\n\n[participants.chair]',
        ),
        "participants.ada.organization: unknown organization 'orgg'; did you mean 'org'?",
    ),
    (
        "nameless and positionless",
        lambda t: t.replace('position = "Chair"\n', ""),
        "participants.chair: needs a name or a position (it is shown by one of them)",
    ),
    (
        "unknown participant",
        lambda t: t.replace('["ada",', '["adaa",'),
        "events[0].participants[0]: unknown participant 'adaa'; did you mean 'ada'?",
    ),
    (
        "participant listed twice",
        lambda t: t.replace('["ada",', '["ada", "ada",'),
        "events[0].participants[1]: lists 'ada' twice",
    ),
    (
        "duplicate event id",
        lambda t: t + EVENT_TAIL.replace('"second"', '"opening"').replace('"Room A"', '"Room B"'),
        "events[1].id: duplicate event id 'opening' (also events[0])",
    ),
    (
        "end before start",
        lambda t: t.replace('end = "10:00"', 'end = "08:30"'),
        "events[0].end: 08:30 is not after start 09:00",
    ),
    (
        "end and duration",
        lambda t: t.replace('end = "10:00"', 'end = "10:00"\nduration = "PT1H"'),
        "events[0].duration: give end or duration, not both",
    ),
    (
        "no end",
        lambda t: t.replace('end = "10:00"\n', ""),
        "events[0].end: is required (or give a duration)",
    ),
    (
        "bad duration",
        lambda t: t.replace('end = "10:00"', 'duration = "an hour"'),
        "events[0].duration: 'an hour' is not a duration such as 'PT1H30M' or '1:30'",
    ),
    (
        "bad time",
        lambda t: t.replace('start = "09:00"', 'start = "9am"'),
        "events[0].start: '9am' is not a time such as '09:30'",
    ),
    (
        "time without a day",
        lambda t: t.replace("date = 2026-03-28\n", ""),
        "events[0].date: is required when start is a time of day (or give day)",
    ),
    (
        "wrong weekday",
        lambda t: t.replace("date = 2026-03-28", 'day = "Monday 28"'),
        "events[0].day: 'Monday 28': 2026-03-28 is a Saturday",
    ),
    (
        "no such day",
        lambda t: t.replace("date = 2026-03-28", 'day = "Friday 27"'),
        "events[0].day: 'Friday 27': no day 27 between 2026-03-28 and 2026-03-30",
    ),
    (
        "not a day label",
        lambda t: t.replace("date = 2026-03-28", 'day = "the first day"'),
        "events[0].day: 'the first day' is not a day label such as 'Wednesday 7'",
    ),
    (
        "day matching two dates",
        lambda t: t.replace("end = 2026-03-30", "end = 2026-04-30").replace(
            "date = 2026-03-28", 'day = "Saturday 28"'
        ),
        "events[0].day: 'Saturday 28' matches 2 conference days (2026-03-28, 2026-04-28); "
        "use date instead",
    ),
    (
        "DST gap",
        lambda t: (
            t.replace("date = 2026-03-28", "date = 2026-03-29")
            .replace('start = "09:00"', 'start = "02:30"')
            .replace('end = "10:00"', 'end = "03:30"')
        ),
        "events[0].start: 2026-03-29 02:30 does not exist in Europe/Paris "
        "(the clocks skip it for daylight saving time)",
    ),
    (
        "DST fold",
        lambda t: (
            t.replace("end = 2026-03-30", "end = 2026-10-30")
            .replace("date = 2026-03-28", "date = 2026-10-25")
            .replace('start = "09:00"', 'start = "02:30"')
            .replace('end = "10:00"', 'end = "03:30"')
        ),
        "events[0].start: 2026-10-25 02:30 is ambiguous in Europe/Paris "
        "(it happens twice when the clocks go back)",
    ),
    (
        "outside the conference",
        lambda t: t.replace("date = 2026-03-28", "date = 2026-04-02"),
        "events[0].date: 2026-04-02 09:00 is outside the conference (2026-03-28 to 2026-03-30)",
    ),
    (
        "overlap in a room",
        lambda t: t + EVENT_TAIL,
        "events[1].start: overlaps events[0] ('opening') in room 'Room A' "
        "from 2026-03-28 09:30 to 10:00",
    ),
    (
        "segment outside its event",
        lambda t: (
            t
            + """
  [[events.segments]]
  title = "Late part"
  start = "10:00"
  end = "10:30"
"""
        ),
        "events[0].segments[0].end: 10:30 is outside its event (09:00–10:00)",
    ),
    (
        "segments out of order",
        lambda t: (
            t
            + """
  [[events.segments]]
  title = "B"
  start = "09:30"
  end = "10:00"
  [[events.segments]]
  title = "A"
  start = "09:00"
  end = "09:30"
"""
        ),
        "events[0].segments[1].start: 09:00 is before the previous segment ends (10:00)",
    ),
    (
        "rrule without end",
        lambda t: t.replace('room = "Room A"', 'room = "Room A"\nrrule = "FREQ=DAILY"'),
        "events[0].rrule: an rrule must end: give COUNT or UNTIL",
    ),
    (
        "rrule beyond the conference",
        lambda t: t.replace('room = "Room A"', 'room = "Room A"\nrrule = "FREQ=DAILY;COUNT=5"'),
        "events[0].rrule: 2026-03-31 09:00 is outside the conference (2026-03-28 to 2026-03-30)",
    ),
    (
        "invalid rrule",
        lambda t: t.replace('room = "Room A"', 'room = "Room A"\nrrule = "FREQ=SOMETIMES;COUNT=2"'),
        "events[0].rrule: not a valid RFC 5545 rrule (invalid 'FREQ': SOMETIMES)",
    ),
    (
        "unknown event type",
        lambda t: t.replace('title = "Opening"', 'title = "Opening"\ntype = "plenery"'),
        "events[0].type: 'plenery' is not one of plenary, keynote, session, panel, talk, "
        "lightning, workshop, poster, exhibition, ceremony, meeting, break, meal, social, other; "
        "did you mean 'plenary'?",
    ),
    (
        "unknown status",
        lambda t: t.replace('title = "Opening"', 'title = "Opening"\nstatus = "maybe"'),
        "events[0].status: 'maybe' is not one of confirmed, tentative, cancelled",
    ),
    (
        "wrong type",
        lambda t: t.replace('title = "Opening"', "title = 42"),
        "events[0].title: must be a string, not an integer",
    ),
    (
        "negative sequence",
        lambda t: t.replace('title = "Opening"', 'title = "Opening"\nsequence = -1'),
        "events[0].sequence: -1 is out of range (0 to 2147483647)",
    ),
    (
        "bad event id",
        lambda t: t.replace('id = "opening"', 'id = "Opening Talk"'),
        "events[0].id: 'Opening Talk' is not an id: use lower-case letters, digits, '-' and '_', "
        "starting and ending with a letter or digit",
    ),
    (
        "control character",
        lambda t: t.replace('title = "Opening"', 'title = "Open\\u001b[2Jing"'),
        "events[0].title: contains the control character U+001B",
    ),
    (
        "NUL character",
        lambda t: t.replace('title = "Opening"', 'title = "Open\\u0000ing"'),
        "events[0].title: contains the control character U+0000",
    ),
    (
        "multi-line title",
        lambda t: t.replace('title = "Opening"', 'title = "Open\\ning"'),
        "events[0].title: must be a single line",
    ),
    (
        "huge title",
        lambda t: t.replace('title = "Opening"', f'title = "{"x" * 10_000_000}"'),
        "events[0].title: is 10,000,000 characters long; the limit is 1,000",
    ),
    (
        "events is a table",
        lambda t: t.replace("[[events]]", "[events.x]"),
        "events: must be an array of tables, not a table",
    ),
]


def json_error(content: bytes) -> tuple[int, int, str]:
    """(line, column, message) of this interpreter's JSON parser for ``content``.

    The wording changes between Python versions (3.13 says "Illegal trailing
    comma"); tests compare with what the running parser says, not one wording.
    """
    try:
        json.loads(content)
    except json.JSONDecodeError as error:
        return error.lineno, error.colno, error.msg
    raise AssertionError("the content parses")


# -- text the model accepts ------------------------------------------------------


def model_text(
    *, lines: bool = False, max_size: int = 80, hazards: bool = False
) -> st.SearchStrategy[str]:
    """Any text the model takes: no control character but tab (and LF where ``lines``).

    No surrogates and no U+FFFE/U+FFFF either, and never blank: everything
    else (separators, quotes, bidi controls, every script) is fair game.
    With ``hazards``, the characters that need escaping somewhere are drawn often.
    """
    alphabet: st.SearchStrategy[str] = st.characters(
        codec="utf-8",
        exclude_categories=("Cs", "Cc"),
        include_characters="\t\n" if lines else "\t",
        exclude_characters="\ufffe\uffff",
    )
    if hazards:
        alphabet = st.one_of(st.sampled_from(HAZARDS + ("\n" if lines else "")), alphabet)
    return st.text(alphabet=alphabet, min_size=1, max_size=max_size).filter(str.strip)


#: Characters that break iCalendar, XML and Markdown if left unescaped.
HAZARDS = ',;:\\^"\t éß€中文🚀👩‍🚀\u200b\u2028\u202e<>&*_[]#`'


# -- whole programmes, drawn -------------------------------------------------------

ZONES = [
    "UTC",
    "Asia/Shanghai",
    "Europe/Paris",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "America/St_Johns",
]
safe_text = (
    st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
        min_size=1,
        max_size=40,
    )
    .map(str.strip)
    .filter(bool)
)


@st.composite
def programmes(draw: st.DrawFn, text: st.SearchStrategy[str] = safe_text) -> Programme:
    zone_name = draw(st.sampled_from(ZONES))
    zone = ZoneInfo(zone_name)
    first = draw(st.dates(date(2024, 1, 1), date(2027, 12, 1)))
    days = draw(st.integers(1, 4))
    conference = Conference(
        id="prop2026",
        title=draw(text),
        timezone=zone_name,
        start=first,
        end=first + timedelta(days - 1),
        published=datetime(2026, 1, 1, tzinfo=UTC),
        venue=draw(st.none() | text),
        language="en",
    )
    org = Organization("org", draw(text), draw(st.none() | text))
    people = [
        Participant(f"p{n}", name=draw(st.none() | text), position=draw(text), organization=org)
        for n in range(draw(st.integers(0, 3)))
    ]
    events = []
    for n in range(draw(st.integers(1, 6))):
        day = first + timedelta(draw(st.integers(0, days - 1)))
        start = datetime.combine(
            day, time(draw(st.integers(8, 18)), draw(st.sampled_from([0, 15, 30])))
        )
        start = start.replace(tzinfo=zone)
        length = timedelta(minutes=draw(st.sampled_from([15, 30, 60, 90])))
        end = (start.astimezone(UTC) + length).astimezone(zone)
        timed = draw(st.booleans())
        segments = tuple(
            Segment(
                draw(text),
                draw(st.none() | text),
                start if timed and k == 0 else None,
                end if timed and k == 0 else None,
            )
            for k in range(draw(st.integers(0, 2)))
        )
        recurring = n == 0 and days > 1 and draw(st.booleans())
        events.append(
            Event(
                id=f"e{n}",
                title=draw(text),
                start=start,
                end=end,
                room=draw(st.sampled_from(["A", "B", "C"])) if draw(st.booleans()) else None,
                abstract=draw(st.none() | text),
                label=draw(st.none() | text),
                track=draw(st.none() | text),
                segments=() if recurring else segments,
                participants=tuple(
                    Participation(p, draw(st.none() | st.sampled_from(["speaker", "moderator"])))
                    for p in people[: draw(st.integers(0, len(people)))]
                ),
                rrule=f"FREQ=DAILY;COUNT={days - (day - first).days}" if recurring else None,
                status=draw(st.sampled_from(["confirmed", "cancelled"])),
            )
        )
    return Programme(conference, (org,), tuple(people), _apart(events))


def _apart(events: list[Event]) -> tuple[Event, ...]:
    """The events, with the room taken from any that would overlap another in it."""
    taken: dict[str, list[tuple[datetime, datetime]]] = {}
    kept = []
    for event in events:
        spans = [(s, s + event.duration) for s in event.occurrence_starts()]
        used = taken.setdefault(event.room or "", [])
        clash = any(a < end and start < b for start, end in spans for a, b in used)
        if event.room is not None and event.status != "cancelled":
            if clash:
                event = attrs.evolve(event, room=None)
            else:
                used.extend(spans)
        kept.append(event)
    return tuple(kept)


_POSITION = re.compile(r"^((?:error: )?[^:\n]*?):(\d+):(\d+): ")


def without_position(line: str) -> str:
    """An error line without the ``:line:column`` after its file name (compared apart)."""
    return _POSITION.sub(r"\1: ", line)


def assert_located(problems: Any, text: str) -> None:
    """Every problem names a line and column of ``text``, at what its path names.

    The line holds the path's last key (``end = ...``), an element of its
    array, or the header of the table that holds it (a missing field).
    """
    from isecg_events.readers.positions import split_path

    lines = text.split("\n")
    for problem in problems:
        assert problem.line is not None, str(problem)
        line = lines[problem.line - 1]
        assert 1 <= (problem.column or 1) <= len(line) + 1, str(problem)
        names = [part for part in split_path(problem.path) if isinstance(part, str)]
        stripped = line.strip()
        at = line[(problem.column or 1) - 1 : (problem.column or 1)]
        document = (problem.line, problem.column) == (1, 1)  # a missing top-level table
        assert (
            document
            or stripped.startswith("[")
            or any(name in line for name in names)
            or at in tuple("\"'[{0123456789tf-+")
        ), str(problem)


def with_event(programme: Programme, event_id: str, **changes: Any) -> Programme:
    """``programme`` with one event changed (``attrs.evolve``), checked anew."""
    events = tuple(
        attrs.evolve(event, **changes) if event.id == event_id else event
        for event in programme.events
    )
    return attrs.evolve(programme, events=events)


def ical_oracle(
    programme: Programme,
    *,
    name: str | None = None,
    profile: str = "compat",
    refresh: timedelta | None = timedelta(hours=12),
) -> bytes:
    """A feed entirely through icalendar's own ``to_ical()``: the lean writer's oracle.

    ``name`` names a feed of part of the programme, as the sub-feeds are.
    """
    from isecg_events.exporters import ical
    from isecg_events.exporters._prepared import Prepared

    events = [occurrence.event for occurrence in programme.occurrences if occurrence.index == 0]
    title = name or programme.conference.display_title
    calendar = ical._calendar(programme, title, refresh, profile)  # type: ignore[arg-type]
    prepared = Prepared(programme)
    ical._add_events(calendar, prepared, events, profile)  # type: ignore[arg-type]
    return ical._finish(calendar, prepared, events)


def event_ical_oracle(programme: Programme, event: Event) -> dict[str, bytes]:
    """An event's own compat calendar entirely through icalendar's ``to_ical()``."""
    from isecg_events.exporters import ical
    from isecg_events.exporters._prepared import Prepared

    return ical._icalendar_event_calendars(Prepared(programme), event, "compat")
