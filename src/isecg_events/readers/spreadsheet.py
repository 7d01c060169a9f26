"""Read a programme kept in a spreadsheet: CSV (any delimiter) or XLSX, one row per event.

Columns are recognised by their header, case-, space- and
punctuation-insensitively, under the common names of :data:`COLUMNS`
(voctosched's CSV headers among them); a mapping names the rest (German
``Titel`` and ``Raum``, say) and gives what a table does not hold: the
conference's title, id, zone and dates. Without one, the title and id come
from the file name, the dates from the first and last event, and the zone
from ``--timezone``. Dates read as ISO, ``dd/mm/yy`` and ``dd.mm.yyyy``;
times as ``HH:MM``, ``H:MM`` and ``2:00 p.m.``; durations as ``H:MM`` or
minutes. Several speakers in one cell are split at ``;`` and ``|`` (and at
``,`` when the mapping says so); ``10:Konrad Meier`` keeps the id 10.

A mapping is a small TOML file (see docs/importing.md)::

    [import]
    file = "programm.csv"        # when the mapping file itself is loaded
    speaker_separators = [";", "|", ","]

    [import.columns]
    Titel = "title"
    Raum = "room"

    [conference]
    title = "Beispielkonferenz 2026"
    timezone = "Europe/Berlin"

Problems name the file, the row's line (CSV) or row (XLSX), the column's
number and its header.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, time, timedelta
from pathlib import PurePath
from typing import Any, Final

import attrs

from isecg_events import identity, rules, timezones
from isecg_events.errors import ProgrammeError, did_you_mean
from isecg_events.model import Conference, Event, Link, Participation
from isecg_events.programme import Programme
from isecg_events.readers import dialects
from isecg_events.readers.document import decode
from isecg_events.readers.imported import (
    Importer,
    Where,
    conference_id,
    event_id,
    localize,
    need_zone,
    published,
    whole_number,
)
from isecg_events.readers.mapping import BY_HEADER, TableMapping, header_key, load_mapping

__all__ = ["read_csv", "read_table", "read_xlsx"]

#: Each field a column can give, with the header names it is recognised by
#: (compared without case, spaces or punctuation).
_CANCELLED: Final = {"cancelled", "canceled", "abgesagt", "entfällt", "entfaellt", "annulé"}
_TENTATIVE: Final = {"tentative", "tbc", "tbd", "unconfirmed", "vorläufig"}

_ISO_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_DMY_DATE = re.compile(r"^(\d{1,2})([./])(\d{1,2})\2(\d{4}|\d{2})(?!\d)")
_CLOCK = re.compile(
    r"^(\d{1,2})(?:[:.h](\d{2}))?(?::(\d{2}))?\s*(?:([ap])\.?\s*m\.?)?$", re.IGNORECASE
)
_RANGE = re.compile(r"^(.+?)\s*(?:-|–|—|to|bis)\s*(.+)$")
_MINUTES = re.compile(r"^(\d{1,5})\s*(?:m|min|mins|minutes|minuten)?\.?$", re.IGNORECASE)
_HOURS = re.compile(r"^(\d{1,3})\s*h(?:ours?)?(?:\s*(\d{1,2})\s*(?:m|min)?)?$", re.IGNORECASE)
_DURATION = re.compile(r"^(\d{1,5}):([0-5]\d)(?::([0-5]\d))?$")
_SPEAKER_ID = re.compile(r"^(\d{1,9})\s*:\s*(.+)$")


# -- rows -----------------------------------------------------------------------


@attrs.frozen
class _Row:
    line: int
    cells: tuple[Any, ...]


def _csv_rows(raw: bytes, source: str, mapping: TableMapping) -> list[_Row]:
    try:
        text = decode(raw, source)
    except ProgrammeError as error:  # Excel's "CSV" of a Windows code page, most often
        (problem,) = error.problems
        if "is not UTF-8" not in problem.message:
            raise
        hint = '; save the sheet as "CSV UTF-8" (Excel) or pick UTF-8 when saving'
        raise ProgrammeError([attrs.evolve(problem, message=problem.message + hint)]) from None
    sample = text[:65536]
    delimiter = mapping.delimiter or _delimiter(sample)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    rows: list[_Row] = []
    line = 1
    try:
        for cells in reader:
            rows.append(_Row(line, tuple(cells)))
            line = reader.line_num + 1
    except csv.Error as error:
        raise ProgrammeError.single(source, "", f"CSV cannot be read: {error}", line=line) from None
    return rows


def _delimiter(sample: str) -> str:
    """The delimiter the sniffer finds, else the one the header line holds most of."""
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        first = sample.split("\n", 1)[0]
        return max((",", ";", "\t", "|"), key=first.count)


def _xlsx_rows(raw: bytes, source: str, mapping: TableMapping) -> tuple[list[_Row], str]:
    try:
        import openpyxl  # type: ignore[import-untyped,unused-ignore]
    except ImportError:
        raise ProgrammeError.single(
            source,
            "",
            "reading XLSX needs openpyxl: pip install 'isecg-events[xlsx]' "
            "(or save the sheet as CSV)",
        ) from None
    if b"application/vnd.oasis.opendocument" in raw[:200]:  # its first, stored entry
        raise ProgrammeError.single(
            source, "", "is an OpenDocument file (.ods): save it as XLSX or CSV"
        )
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as error:  # a broken or foreign ZIP: openpyxl raises many kinds
        raise ProgrammeError.single(
            source, "", f"is not a readable XLSX workbook ({type(error).__name__})"
        ) from None
    try:
        if mapping.sheet is not None:
            if mapping.sheet not in workbook.sheetnames:
                hint = did_you_mean(mapping.sheet, workbook.sheetnames)
                raise ProgrammeError.single(
                    source,
                    "import.sheet",
                    f"no sheet {mapping.sheet!r}; the sheets are "
                    f"{', '.join(workbook.sheetnames)}{hint}",
                )
            sheet = workbook[mapping.sheet]
        else:
            sheet = workbook.worksheets[0]
        try:  # a read-only sheet's XML is parsed only now, row by row
            rows = [
                _Row(number, tuple(cells))
                for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1)
            ]
        except Exception as error:  # a damaged sheet: openpyxl raises many kinds
            raise ProgrammeError.single(
                source, "", f"is not a readable XLSX workbook ({type(error).__name__})"
            ) from None
        return rows, sheet.title
    finally:
        workbook.close()


# -- values ---------------------------------------------------------------------


def _date(text: str, day_first: bool) -> tuple[date, str] | None:
    """A date at the start of ``text`` and what follows it, or None."""
    text = text.strip()
    match = _ISO_DATE.match(text)
    try:
        if match:
            day = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            return day, text[match.end() :]
        match = _DMY_DATE.match(text)
        if match:
            first, second, year = int(match.group(1)), int(match.group(3)), int(match.group(4))
            year += 2000 if year < 100 else 0
            day_number, month = (first, second) if day_first else (second, first)
            return date(year, month, day_number), text[match.end() :]
    except ValueError:
        return None
    return None


def _clock(text: str) -> time | None:
    match = _CLOCK.match(text.strip().rstrip("Zz"))
    if not match:
        return None
    hour, minute, second = int(match.group(1)), int(match.group(2) or 0), int(match.group(3) or 0)
    meridiem = (match.group(4) or "").lower()
    if match.group(2) is None and not meridiem:
        return None  # a bare number is not a time
    if meridiem:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem == "p" else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return time(hour, minute, second)


#: Minutes past which a number is no event's length (the model's limit, and beyond).
_MINUTES_LIMIT = rules.MAX_DURATION.total_seconds() // 60


def _duration(value: Any) -> timedelta | None:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, time):
        return timedelta(hours=value.hour, minutes=value.minute, seconds=value.second)
    if isinstance(value, int | float) and not isinstance(value, bool):
        # a workbook's number; past the model's limit it is refused as too long
        return timedelta(minutes=value) if 0 < value <= _MINUTES_LIMIT else None
    text = str(value).strip()
    if match := _DURATION.match(text):
        return timedelta(
            hours=int(match.group(1)), minutes=int(match.group(2)), seconds=int(match.group(3) or 0)
        )
    if match := _MINUTES.match(text):
        return timedelta(minutes=int(match.group(1)))
    if match := _HOURS.match(text):
        return timedelta(hours=int(match.group(1)), minutes=int(match.group(2) or 0))
    if text.upper().startswith("PT"):
        from icalendar.prop import vDuration

        try:
            parsed = vDuration.from_ical(text.upper())  # type: ignore[no-untyped-call]
        except ValueError:
            return None
        return parsed if isinstance(parsed, timedelta) else None
    return None


# -- the reader -----------------------------------------------------------------


class _Table(Importer):
    def __init__(self, source: str, mapping: TableMapping, conference: str) -> None:
        super().__init__(source)
        self.mapping = mapping
        self.conference = conference
        self.fields: dict[int, tuple[str, str]] = {}  # column index -> (field, header)

    def header(self, rows: list[_Row]) -> int:
        """Recognise the header row (the first that is not blank); its index."""
        index = next((i for i, row in enumerate(rows) if not all(map(_blank, row.cells))), None)
        if index is None:
            raise ProgrammeError.single(self.source, "", "holds no rows")
        headers = [str(cell).strip() if cell is not None else "" for cell in rows[index].cells]
        for column, header in enumerate(headers):
            key = header_key(header)
            field = self.mapping.columns.get(key) or BY_HEADER.get(key)
            if field and field not in {f for f, _ in self.fields.values()}:
                self.fields[column] = (field, header)
        found = {field for field, _ in self.fields.values()}
        if "title" not in found or not found & {"start", "date"}:
            named = ", ".join(repr(h) for h in headers if h)[:300] or "none"
            missing = " and ".join(
                name
                for name, ok in (
                    ("a title", "title" in found),
                    ("a start", found & {"start", "date"}),
                )
                if not ok
            )
            raise ProgrammeError.single(
                self.source,
                "",
                f"row {rows[index].line} is not a header with {missing} column (headers found: "
                f"{named}); name the columns in a mapping file (see docs/importing.md)",
                line=rows[index].line,
            )
        return index

    def where(self, row: _Row, column: int) -> Where:
        return Where(self.fields[column][1], row.line, column + 1)

    def cells(self, row: _Row) -> dict[str, tuple[Any, Where]]:
        return {
            field: (row.cells[column], self.where(row, column))
            for column, (field, _) in self.fields.items()
            if column < len(row.cells) and not _blank(row.cells[column])
        }

    def event(
        self, row: _Row, zone: timezones.Zone | None, first_day: date | None, used: set[str]
    ) -> Event | None:
        cells = self.cells(row)
        if not cells:
            return None
        before = len(self.problems)
        row_where = Where("", row.line)
        title = self.text(*cells["title"]) if "title" in cells else None
        if title is None:
            self.problem(row_where, f"row {row.line} has no title")
        start, end = self.times(cells, row_where, zone, first_day)
        people = self.speakers(cells)
        status = "confirmed"
        if "status" in cells:
            word = (self.text(*cells["status"]) or "").casefold()
            status = (
                "cancelled" if word in _CANCELLED else "tentative" if word in _TENTATIVE else status
            )
        texts = {
            field: self.text(*cells[field], long=field in ("abstract", "description"))
            for field in ("room", "track", "type", "subtitle", "abstract", "description")
            if field in cells
        }
        links = []
        if "links" in cells and (url := self.url(*cells["links"])) is not None:
            links.append(Link(url=url))
        if len(self.problems) > before or title is None or start is None or end is None:
            return None
        given = self.text(*cells["id"]) if "id" in cells else None
        number = whole_number(given)
        ident = event_id((f"event-{number}" if number else given, identity.slugify(title)), used)
        long = " ".join(t for t in (texts.get("abstract"), texts.get("description")) if t)
        return Event(
            id=ident,
            title=title,
            start=start,
            end=end,
            type=texts.get("type") or "session",
            subtitle=texts.get("subtitle"),
            room=texts.get("room"),
            abstract=texts.get("abstract"),
            description=texts.get("description"),
            language=self.language(*cells["language"]) if "language" in cells else None,
            track=texts.get("track"),
            url=self.url(*cells["url"]) if "url" in cells else None,
            status=status,  # type: ignore[arg-type]
            participants=tuple(Participation(p) for p in people),
            number=number,
            guid=identity.event_guid(self.conference, ident),
            markup="html" if long and dialects.is_html(long) else "plain",
            links=tuple(links),
        )

    def times(
        self,
        cells: dict[str, tuple[Any, Where]],
        row: Where,
        zone: timezones.Zone | None,
        first_day: date | None,
    ) -> tuple[datetime | None, datetime | None]:
        day = self.day(cells, row, first_day)
        start_at = end_at = None
        start_day = end_day = None
        start_where = row.at("start") if not row.path else row  # the cell that gave the start
        # A workbook's date cell is a datetime at midnight: a date, not a start.
        dated = "date" in cells and isinstance(cells["date"][0], datetime)
        if "start" in cells:
            value, start_where = cells["start"]
            start_day, start_at, end_at = self.moment(value, start_where, allow_range=True)
        elif dated and cells["date"][0].time() != time(0):
            start_day, start_at, _ = self.moment(*cells["date"])
            start_where = cells["date"][1]
        else:
            self.problem(start_where, "has no start time")
        if "end" in cells:
            end_day, end_at, _ = self.moment(*cells["end"])
        day = start_day or day
        if start_at is None or day is None or zone is None:
            if start_at is not None and day is None:
                self.problem(start_where, "has no date: give a date column")
            return None, None
        start = localize(self, datetime.combine(day, start_at), zone, start_where)
        if start is None:
            return None, None
        if end_at is not None:
            end_date = end_day or (day if end_at > start_at else day + timedelta(days=1))
            end = localize(self, datetime.combine(end_date, end_at), zone, row)
        elif "duration" in cells:
            length = _duration(cells["duration"][0])
            if length is None or length <= timedelta(0):
                value, where = cells["duration"]
                self.problem(where, f"{value!r} is not a duration such as '1:30' or '90'")
                return None, None
            if (message := rules.duration_problem(length)) is not None:
                self.problem(cells["duration"][1], message)
                return None, None
            end = timezones.add_elapsed(start, length)
        else:
            self.problem(start_where, "has no end: give an end or a duration column")
            return None, None
        return start, end

    def day(
        self, cells: dict[str, tuple[Any, Where]], row: Where, first_day: date | None
    ) -> date | None:
        if "date" in cells:
            value, where = cells["date"]
            if isinstance(value, datetime | date):
                return value.date() if isinstance(value, datetime) else value
            found = _date(str(value), self.mapping.day_first)
            if found is None or found[1].strip():
                hint = ""
                if self.mapping.day_first and _date(str(value), day_first=False) is not None:
                    hint = '; month first? date_order = "mdy" in the mapping file says so'
                self.problem(
                    where, f"{value!r} is not a date such as 2026-06-01 or 01.06.2026{hint}"
                )
                return None
            return self.in_years(found[0], where)
        if "day" in cells:
            value, where = cells["day"]
            text = str(int(value) if isinstance(value, float) else value).strip()
            found = _date(text, self.mapping.day_first)
            if found is not None and not found[1].strip():
                return self.in_years(found[0], where)
            if text.isdigit() and first_day is not None and 1 <= int(text) <= 366:
                return first_day + timedelta(days=int(text) - 1)
            need = (
                " (day numbers need start in the mapping's [conference])" if text.isdigit() else ""
            )
            self.problem(where, f"{text!r} is not a date{need}")
        return None

    def in_years(self, day: date, where: Where) -> date | None:
        if (message := rules.date_problem(day)) is not None:
            self.problem(where, message)
            return None
        return day

    def moment(
        self, value: Any, where: Where, *, allow_range: bool = False
    ) -> tuple[date | None, time | None, time | None]:
        """A cell's (date, time, end of a range): ``2026-06-01 09:30``, ``9:30``, ``9-10 am``."""
        if isinstance(value, datetime):
            return value.date(), value.time().replace(microsecond=0, tzinfo=None), None
        if isinstance(value, time):
            return None, value.replace(microsecond=0, tzinfo=None), None
        text = " ".join(str(value).split())
        day = None
        found = _date(text, self.mapping.day_first)
        if found is not None:
            day, text = found[0], found[1].lstrip(" T")
        clock = _clock(text)
        if clock is not None:
            return day, clock, None
        if allow_range and (match := _RANGE.match(text)):
            first, second = match.group(1), match.group(2)
            meridiem = re.search(r"[ap]\.?\s*m\.?$", second, re.IGNORECASE)
            start = _clock(first) or (_clock(f"{first} {meridiem.group(0)}") if meridiem else None)
            end = _clock(second)
            if start is not None and end is not None:
                return day, start, end
        self.problem(where, f"{value!r} is not a time such as 09:30 or 2:00 p.m.")
        return None, None, None

    def speakers(self, cells: dict[str, tuple[Any, Where]]) -> list[Any]:
        if "speakers" not in cells:
            return []
        value, where = cells["speakers"]
        text = self.text(value, where)
        if text is None:
            return []
        parts = [text]
        for separator in self.mapping.separators:
            parts = [piece for part in parts for piece in part.split(separator)]
        found = []
        for part in parts:
            name, number = part.strip(), None
            if match := _SPEAKER_ID.match(name):
                number, name = int(match.group(1)) or None, match.group(2).strip()
            if name:
                person = self.participant(self.conference, name, number=number)
                if person not in found:
                    found.append(person)
        return found


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _read_rows(
    rows: list[_Row],
    source: str,
    mapping: TableMapping,
    timezone: str | None,
    name: str,
) -> Programme:
    given = mapping.conference
    zone_name = timezone or given.get("timezone")
    stem = PurePath(name).stem if not name.startswith("<") else "programme"
    key = conference_id(given.get("id"), given.get("acronym"), stem)
    table = _Table(source, mapping, key)
    header = table.header(rows)
    if zone_name is None:
        raise need_zone(source, "", "a table's times")
    try:
        zone = timezones.get_zone(str(zone_name))
    except timezones.UnknownTimeZone as error:
        raise ProgrammeError.single(source, "conference.timezone", str(error)) from None
    first_day = _given_date(given.get("start"))
    if len(rows) - header - 1 > rules.LIMITS["events"]:
        raise ProgrammeError.single(
            source,
            "",
            f"has {len(rows) - header - 1:,} rows; the limit is {rules.LIMITS['events']:,}",
        )
    used: set[str] = set()
    events = []
    for row in rows[header + 1 :]:
        event = table.event(row, zone, first_day, used)
        if event is not None:
            events.append((Where("", row.line), event))
    table.fail_if_problems()
    if not events:
        raise ProgrammeError.single(source, "", "holds a header but no event rows")
    days = [event.start.date() for _, event in events]
    start = first_day or min(days)
    conference = Conference(
        id=key,
        title=str(given.get("title") or stem),
        acronym=given.get("acronym"),
        timezone=str(zone_name),
        start=start,
        end=_given_date(given.get("end")) or max(e.end.date() for _, e in events),
        published=published(start),
        venue=given.get("venue"),
        city=given.get("city"),
        country=given.get("country"),
        url=given.get("url"),
        language=given.get("language"),
        description=given.get("description"),
    )
    return table.build(conference, events)


def _given_date(value: Any) -> date | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def read_csv(
    raw: bytes, source: str, *, timezone: str | None = None, mapping: Any = None
) -> Programme:
    """Build a programme from a CSV table's bytes.

    Args:
        raw: the bytes (UTF-8, with or without a BOM).
        source: the file name problems are reported under; its stem is the
            conference's title and id when no mapping gives them.
        timezone: the IANA zone of the times (else the mapping's).
        mapping: a mapping file's path or parsed content (see the module).

    Raises:
        ProgrammeError: no header, no zone, or rows with problems.
    """
    settings = load_mapping(mapping, source) if mapping is not None else TableMapping()
    return _read_rows(_csv_rows(raw, source, settings), source, settings, timezone, source)


def read_xlsx(
    raw: bytes, source: str, *, timezone: str | None = None, mapping: Any = None
) -> Programme:
    """Build a programme from an XLSX workbook's bytes: its first sheet, or the mapping's.

    Arguments and errors are as in :func:`read_csv`; XLSX needs openpyxl
    (``pip install 'isecg-events[xlsx]'``).
    """
    settings = load_mapping(mapping, source) if mapping is not None else TableMapping()
    rows, _ = _xlsx_rows(raw, source, settings)
    return _read_rows(rows, source, settings, timezone, source)


def read_table(
    raw: bytes, source: str, settings: TableMapping, *, timezone: str | None = None
) -> Programme:
    """Build a programme from a CSV or XLSX table's bytes, as a mapping file reads it.

    Raises:
        ProgrammeError: the table has problems.
    """
    if raw.startswith(b"PK\x03\x04"):
        rows, _ = _xlsx_rows(raw, source, settings)
    else:
        rows = _csv_rows(raw, source, settings)
    return _read_rows(rows, source, settings, timezone, source)
