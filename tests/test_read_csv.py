"""The spreadsheet reader (readers/spreadsheet.py) on real tables: CSV, a mapping, XLSX.

``voctosched-gpn11.csv`` is GPN11's real programme as voctosched reads it;
``gpn11-german-headers.csv`` holds eight of its events as a German
spreadsheet would, with a mapping file (tests/data/imports/README.md).
"""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

import pytest

import isecg_events
from isecg_events import ProgrammeError
from isecg_events.cli import main

IMPORTS = Path(__file__).resolve().parent / "data" / "imports"
GPN = IMPORTS / "voctosched-gpn11.csv"
GERMAN = IMPORTS / "gpn11-german-headers.csv"
MAPPING = IMPORTS / "gpn11-german-headers.mapping.toml"


def rows() -> list[dict[str, str]]:
    with GPN.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def test_every_row_is_an_event_with_its_fields() -> None:
    programme = isecg_events.load(GPN, timezone="Europe/Berlin")
    source = rows()
    assert len(programme.events) == len(source) == 29
    events = {event.number: event for event in programme.events}
    for row in source:
        event = events[int(row["ID"])]
        assert event.title == row["Title"].strip()
        assert event.room == row["Room"]
        assert event.start.strftime("%Y-%m-%d %H:%M") == f"{row['Date']} {row['Start']}"
        hours, minutes = row["Duration"].split(":")
        assert event.duration.total_seconds() == int(hours) * 3600 + int(minutes) * 60
        assert event.language == row["Language"]
        assert event.abstract == (" ".join(row["Abstract"].split()) or None)
        assert event.description == (row["Description"].replace("\r\n", "\n").strip() or None)
        assert [link.url for link in event.links] == [row["File URL"]]
        assert event.timezone == "Europe/Berlin"
    # a quoted field over several lines stays several lines
    assert "\n" in events[1].description  # type: ignore[operator]


def test_speakers_split_at_bars_keep_their_ids() -> None:
    programme = isecg_events.load(GPN, timezone="Europe/Berlin")
    gsm = next(e for e in programme.events if e.title == "GSM")
    assert [(p.participant.number, p.participant.name) for p in gsm.participants] == [
        (10, "Konrad Meier"),
        (11, "Dennis Wehrle"),
    ]
    # one participant per id, in every event that names it
    diverse = {p.participant.id for e in programme.events for p in e.participants
               if p.participant.name == "diverse"}  # fmt: skip
    assert len(diverse) == 1


def test_conference_is_derived_from_the_file_name_and_the_events() -> None:
    conference = isecg_events.load(GPN, timezone="Europe/Berlin").conference
    assert conference.title == "voctosched-gpn11"
    assert conference.id == "voctosched_gpn11"
    assert (conference.start, conference.end) == (date(2011, 6, 23), date(2011, 6, 26))


def test_bom_and_windows_line_ends_read_the_same(tmp_path: Path) -> None:
    path = tmp_path / "voctosched-gpn11.csv"
    text = GPN.read_text("utf-8").replace("\r\n", "\n").replace("\n", "\r\n")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    again = isecg_events.load(path, timezone="Europe/Berlin")
    first = isecg_events.load(GPN, timezone="Europe/Berlin")
    assert again == first


def test_utf16_as_spreadsheets_save_unicode_text(tmp_path: Path) -> None:
    path = tmp_path / "voctosched-gpn11.csv"
    path.write_bytes(GPN.read_text("utf-8").encode("utf-16"))
    assert len(isecg_events.load(path, timezone="Europe/Berlin").events) == 29


def test_detected_by_content_whatever_the_name(tmp_path: Path) -> None:
    path = tmp_path / "programme"
    shutil.copy(GPN, path)
    assert len(isecg_events.load(path, timezone="Europe/Berlin").events) == 29
    assert len(isecg_events.loads(GPN.read_bytes(), timezone="Europe/Berlin").events) == 29


def test_a_mapping_file_names_headers_separators_and_the_conference(
    capsys: pytest.CaptureFixture[str],
) -> None:
    programme = isecg_events.load(MAPPING)
    conference = programme.conference
    assert (conference.id, conference.title, conference.timezone) == (
        "gpn11", "Gulaschprogrammiernacht 11", "Europe/Berlin",
    )  # fmt: skip
    assert conference.city == "Karlsruhe" and conference.end == date(2011, 6, 26)
    assert len(programme.events) == 8
    first = {e.number: e for e in programme.events}[1]
    assert first.start.isoformat() == "2011-06-23T19:00:00+02:00"  # 7:00 p.m., 23.06.2011
    assert first.end.isoformat() == "2011-06-23T20:30:00+02:00"
    assert first.abstract and first.abstract.startswith("Was auf der GPN")
    original = isecg_events.load(GPN, timezone="Europe/Berlin")
    for event in programme.events:
        twin = next(e for e in original.events if e.number == event.number)
        assert (event.title, event.start, event.end, event.room) == (
            twin.title, twin.start, twin.end, twin.room,
        )  # fmt: skip
        assert [p.participant.name for p in event.participants] == [
            p.participant.name for p in twin.participants
        ]
    assert main(["validate", str(MAPPING)]) == 0
    assert "gpn11" in capsys.readouterr().out


def test_a_mapping_given_to_load_and_as_a_table() -> None:
    by_file = isecg_events.load(GERMAN, mapping=MAPPING)
    table = {
        "import": {"columns": {"Kurzfassung": "abstract", "Vortragende": "speakers"},
                   "speaker_separators": [","]},
        "conference": {"timezone": "Europe/Berlin", "title": "GPN11"},
    }  # fmt: skip
    by_table = isecg_events.load(GERMAN, mapping=table)
    assert [e.start for e in by_table.events] == [e.start for e in by_file.events]
    assert by_table.conference.title == "GPN11"
    # without the mapping, commas do not split and the unknown headers are left out
    plain = isecg_events.load(GERMAN, timezone="Europe/Berlin")
    assert all(not e.participants and e.abstract is None for e in plain.events)


def test_mapping_problems_name_the_key(tmp_path: Path) -> None:
    mapping = tmp_path / "m.toml"
    mapping.write_text('[import]\nfile = "x.csv"\ncolumns = { Titel = "titel" }\n', "utf-8")
    with pytest.raises(ProgrammeError, match=r"import\.columns\.Titel: 'titel' is not one of"):
        isecg_events.load(GERMAN, mapping=mapping)


def table(tmp_path: Path, text: str, name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


@pytest.mark.parametrize(
    ("cells", "start", "end"),
    [
        ("23/06/11,7:00 p.m.,8:30 p.m.", "2011-06-23T19:00", "2011-06-23T20:30"),
        ("23.06.2011,19:00,20:30", "2011-06-23T19:00", "2011-06-23T20:30"),
        ("2011-06-23,9:05,12:00 p.m.", "2011-06-23T09:05", "2011-06-23T12:00"),
        ("2011-06-23,11:30 pm,0:30", "2011-06-23T23:30", "2011-06-24T00:30"),
        ("2011-06-23,12:15 a.m.,1:00 AM", "2011-06-23T00:15", "2011-06-23T01:00"),
    ],
)
def test_dates_and_times_as_people_write_them(
    tmp_path: Path, cells: str, start: str, end: str
) -> None:
    path = table(tmp_path, f"Title,Date,Start,End\nA talk,{cells}\n")
    (event,) = isecg_events.load(path, timezone="Europe/Berlin").events
    assert event.start.isoformat()[:16] == start
    assert event.end.isoformat()[:16] == end


@pytest.mark.parametrize(("duration", "minutes"), [("1:30", 90), ("90", 90), ("45 min", 45)])
def test_durations_as_hours_and_minutes_or_minutes(
    tmp_path: Path, duration: str, minutes: int
) -> None:
    path = table(tmp_path, f"Title;Start;Duration\nA talk;2026-05-04 09:00;{duration}\n")
    (event,) = isecg_events.load(path, timezone="Europe/Paris").events
    assert event.duration.total_seconds() == minutes * 60


def test_a_time_range_in_one_cell_and_speakers_at_semicolons(tmp_path: Path) -> None:
    path = table(
        tmp_path, "Session Title\tDay\tTime\tSpeaker(s)\nA\t2026-05-04\t9:00 – 10:15\tAda; Bo\n"
    )
    (event,) = isecg_events.load(path, timezone="Europe/Paris").events
    assert (event.start.hour, event.end.hour, event.end.minute) == (9, 10, 15)
    assert [p.participant.name for p in event.participants] == ["Ada", "Bo"]


def test_status_cancelled_is_kept(tmp_path: Path) -> None:
    path = table(tmp_path, "title,start,end,status\nA,2026-05-04 9:00,10:00,Cancelled\n")
    (event,) = isecg_events.load(path, timezone="Europe/Paris").events
    assert event.status == "cancelled"


def test_a_bad_cell_names_file_line_column_and_header(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = GPN.read_text("utf-8")
    bad = text.replace("2011-06-24,2,13:15", "2011-06-24,2,25:15", 1)
    path = table(tmp_path, bad, "gpn.csv")
    line = bad[: bad.index("25:15")].count("\n") + 1
    with pytest.raises(ProgrammeError) as caught:
        isecg_events.load(path, timezone="Europe/Berlin")
    (problem,) = caught.value.problems
    assert (problem.line, problem.column, problem.path) == (line, 4, "Start")
    assert main(["validate", str(path), "--timezone", "Europe/Berlin"]) == 2
    err = capsys.readouterr().err
    assert f"error: {path}:{line}:4: Start: '25:15' is not a time" in err
    assert "Traceback" not in err


def test_no_recognisable_header_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = table(tmp_path, "Name,Email,Company\nAda,ada@example.org,ACME\n")
    assert main(["validate", str(path), "--timezone", "Europe/Paris"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith(f"error: {path}:1: row 1 is not a header with a title and a start")
    assert "'Name', 'Email', 'Company'" in err[0] and "mapping file" in err[0]
    assert err[1] == "1 problem found"


def test_no_zone_is_an_error_naming_the_option(tmp_path: Path) -> None:
    with pytest.raises(ProgrammeError, match="give one with --timezone NAME"):
        isecg_events.load(GPN)


def test_random_bytes_and_unknown_text_list_the_formats(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    noise = tmp_path / "noise"
    noise.write_bytes(bytes(range(256)) * 4)
    prose = tmp_path / "notes"
    prose.write_text("Just some notes\nabout the day\n", "utf-8")
    for path in (noise, prose):
        assert main(["validate", str(path)]) == 2
        err = capsys.readouterr().err.splitlines()
        assert len(err) == 2 and "Traceback" not in "".join(err)
        assert "the formats read are" in err[0] and "CSV or XLSX" in err[0]
        assert "TOML syntax error" not in err[0]


def test_export_needs_nothing_but_the_table_and_a_zone(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code = main(["export", str(GPN), "--timezone", "Europe/Berlin", "--format", "json",
                 "--output", str(out)])  # fmt: skip
    assert code == 0
    assert any(out.iterdir()) if out.is_dir() else out.exists()


# -- XLSX -------------------------------------------------------------------------


def workbook(tmp_path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    openpyxl = pytest.importorskip("openpyxl")  # the xlsx extra, in the test extra too
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, data in sheets.items():
        sheet = book.create_sheet(title)
        for row in data:
            sheet.append(row)
    path = tmp_path / "programme.xlsx"
    book.save(path)
    return path


def gpn_cells() -> list[list[object]]:
    from datetime import datetime, time

    header = ["Room", "Date", "Start", "Duration", "Title", "ID", "Speakers"]
    body: list[list[object]] = []
    for row in rows():
        hours, minutes = (int(x) for x in row["Start"].split(":"))
        body.append([row["Room"], datetime.fromisoformat(row["Date"]), time(hours, minutes),
                     row["Duration"], row["Title"], int(row["ID"]), row["Speakers"]])  # fmt: skip
    return [header, *body]


def test_xlsx_first_sheet_with_typed_cells(tmp_path: Path) -> None:
    path = workbook(tmp_path, {"Programm": gpn_cells(), "Notes": [["x"]]})
    programme = isecg_events.load(path, timezone="Europe/Berlin")
    original = isecg_events.load(GPN, timezone="Europe/Berlin")
    assert [(e.number, e.start, e.end, e.room) for e in programme.events] == [
        (e.number, e.start, e.end, e.room) for e in original.events
    ]


def test_xlsx_sheet_named_by_the_mapping_and_errors_by_row_and_column(tmp_path: Path) -> None:
    cells = gpn_cells()
    cells[3][2] = "late"
    path = workbook(tmp_path, {"Notes": [["nothing"]], "Programm": cells})
    mapping = {"import": {"sheet": "Programm"}, "conference": {"timezone": "Europe/Berlin"}}
    with pytest.raises(ProgrammeError) as caught:
        isecg_events.load(path, mapping=mapping)
    (problem,) = caught.value.problems
    assert (problem.line, problem.column, problem.path) == (4, 3, "Start")
    with pytest.raises(ProgrammeError, match=r"no sheet 'Program'.*did you mean 'Programm'"):
        isecg_events.load(path, mapping={"import": {"sheet": "Program"}}, timezone="UTC")


def test_xlsx_without_openpyxl_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    path = workbook(tmp_path, {"P": gpn_cells()})
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    with pytest.raises(ProgrammeError, match=r"pip install 'isecg-events\[xlsx\]'"):
        isecg_events.load(path, timezone="Europe/Berlin")


def test_a_broken_workbook_is_one_clear_problem(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04" + bytes(200))
    with pytest.raises(ProgrammeError, match="is not a readable XLSX workbook"):
        isecg_events.load(path, timezone="UTC")


def test_a_speaker_id_of_zero_is_no_id(tmp_path: Path) -> None:
    path = table(tmp_path, "Title,Start,End,Speakers\nA,2026-05-04 9:00,10:00,0:Ada|7:Bo\n")
    (event,) = isecg_events.load(path, timezone="Europe/Paris").events
    assert [(p.participant.name, p.participant.number) for p in event.participants] == [
        ("Ada", None),
        ("Bo", 7),
    ]


def test_an_opendocument_spreadsheet_is_named(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "programme.ods"
    with zipfile.ZipFile(path, "w") as archive:  # as LibreOffice stores it: mimetype first
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    with pytest.raises(
        ProgrammeError, match=r"OpenDocument file \(\.ods\): save it as XLSX or CSV"
    ):
        isecg_events.load(path, timezone="UTC")


def test_a_workbook_row_without_a_start_is_one_problem_not_a_traceback(tmp_path: Path) -> None:
    from datetime import date, datetime

    header = ["Titel", "Datum", "Beginn", "Dauer"]
    empty_start = workbook(tmp_path, {"P": [header, ["Panel", date(2026, 6, 1), None, 90]]})
    with pytest.raises(ProgrammeError, match="has no start time"):
        isecg_events.load(empty_start, timezone="Europe/Berlin")
    # a date column that holds the whole moment is the start
    moment = workbook(
        tmp_path, {"P": [[*header[:2], "Dauer"], ["Panel", datetime(2026, 6, 1, 14), 90]]}
    )
    (event,) = isecg_events.load(moment, timezone="Europe/Berlin").events
    assert (event.start.isoformat(), event.duration.seconds) == ("2026-06-01T14:00:00+02:00", 5400)
    # a workbook's plain date is a datetime at midnight: a date, not a start
    plain = workbook(tmp_path, {"P": [[*header[:2], "Dauer"], ["Panel", date(2026, 6, 1), 90]]})
    with pytest.raises(ProgrammeError, match="has no start time"):
        isecg_events.load(plain, timezone="Europe/Berlin")


def test_a_us_date_and_a_windows_code_page_get_what_to_do(tmp_path: Path) -> None:
    us = tmp_path / "us.csv"
    us.write_text("Title,Date,Start,Duration\nA talk,06/13/2026,14:00,30\n", encoding="utf-8")
    with pytest.raises(ProgrammeError, match=r'month first\? date_order = "mdy"'):
        isecg_events.load(us, timezone="America/Chicago")
    mapped = tmp_path / "us.toml"
    mapped.write_text('[import]\nfile = "us.csv"\ndate_order = "mdy"\n', encoding="utf-8")
    (event,) = isecg_events.load(mapped, timezone="America/Chicago").events
    assert event.start.date().isoformat() == "2026-06-13"
    latin = tmp_path / "latin.csv"
    latin.write_bytes("Titel;Datum;Beginn;Dauer\nGrößer;2026-06-01;10:00;30\n".encode("cp1252"))
    with pytest.raises(ProgrammeError, match=r'is not UTF-8 .*save the sheet as "CSV UTF-8"'):
        isecg_events.load(latin, timezone="Europe/Berlin")
