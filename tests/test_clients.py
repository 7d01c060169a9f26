"""Real clients judge the iCalendar feeds: Radicale, calcurse and libical 3.

What each does with the compat and rich profiles is what the "Client
support" table of docs/formats/icalendar.md says; these tests hold the
table to the programs.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import icalendar
import pytest

import isecg_events
from isecg_events import get_exporter
from tests.judges import Radicale, calcurse_import, libical_read
from tests.programmes import RECURRING

PROFILES = ["compat", "rich"]


@pytest.fixture(scope="module")
def recurring() -> isecg_events.Programme:
    """Three days across the spring DST change in Paris, with a daily break and timed parts."""
    return isecg_events.loads(RECURRING)


@pytest.mark.parametrize("profile", PROFILES)
def test_radicale_stores_every_split_file(
    radicale: Radicale, recurring: isecg_events.Programme, profile: str
) -> None:
    files = get_exporter("ics").render_events(recurring, profile=profile)
    collection = f"/{radicale.user}/{uuid.uuid4()}/"
    radicale.make_calendar(collection)
    for name, content in files.items():
        status, reply = radicale.request(
            "PUT", f"{collection}{name}.ics", content, {"Content-Type": "text/calendar"}
        )
        assert status == 201, (name, reply)
    status, whole = radicale.request("GET", collection)
    assert status == 200
    uids = {str(e["UID"]) for e in icalendar.Calendar.from_ical(whole).walk("VEVENT")}
    expected = {
        str(e["UID"])
        for content in files.values()
        for e in icalendar.Calendar.from_ical(content).walk("VEVENT")
    }
    assert uids == expected
    assert len(uids) == len(files)  # one UID per file, every file stored


def test_radicale_refuses_a_parent_and_its_child_in_one_object(
    radicale: Radicale, recurring: isecg_events.Programme
) -> None:
    # The judge judges: the shape --split used to write is refused.
    files = get_exporter("ics").render_events(recurring, profile="rich")
    parent, child = files["panel"].decode(), files["panel.part-1"].decode()
    child_event = child[child.index("BEGIN:VEVENT") : child.index("END:VCALENDAR")]
    both = parent.replace("END:VCALENDAR", child_event + "END:VCALENDAR")
    collection = f"/{radicale.user}/{uuid.uuid4()}/"
    radicale.make_calendar(collection)
    status, _ = radicale.request(
        "PUT", f"{collection}panel.ics", both.encode(), {"Content-Type": "text/calendar"}
    )
    assert status == 400


def test_radicale_refuses_a_wrong_password(radicale: Radicale) -> None:
    wrong = Radicale(radicale.url, radicale.user, "not-the-password", radicale.pid)
    status, _ = wrong.request("PROPFIND", f"/{radicale.user}/", headers={"Depth": "0"})
    assert status == 401


@pytest.mark.parametrize("profile", PROFILES)
def test_calcurse_reads_titles_times_and_recurrence(
    tmp_path: Path, recurring: isecg_events.Programme, profile: str
) -> None:
    feed = tmp_path / "feed.ics"
    feed.write_bytes(isecg_events.to_ical(recurring, profile=profile))
    apts = sorted(calcurse_import(feed, tmp_path / "calcurse", "Europe/Paris"))
    common = [
        "03/28/2026 @ 09:00 -> 03/28/2026 @ 10:00 |Opening",
        # daily at 10:30 local, across the DST change of 29 March
        "03/28/2026 @ 10:30 -> 03/28/2026 @ 11:00 {1D -> 03/30/2026} |Coffee break",
        # calcurse ignores STATUS:CANCELLED: the cancelled panel looks scheduled
        "03/29/2026 @ 14:00 -> 03/29/2026 @ 15:00 |Panel",
    ]
    children = [
        "03/29/2026 @ 14:00 -> 03/29/2026 @ 14:15 |Panel — Opening remarks",
        "03/29/2026 @ 14:15 -> 03/29/2026 @ 15:00 |Panel — Discussion",
    ]
    # rich: the parent keeps its own title (no PARTICIPANT SUMMARY takes its
    # place) and each timed part is an entry of its own beside it
    assert apts == sorted(common + (children if profile == "rich" else []))


def test_calcurse_reads_the_plenary_title_in_both_profiles(
    tmp_path: Path, plenary: isecg_events.Programme
) -> None:
    for profile in PROFILES:
        feed = tmp_path / f"{profile}.ics"
        feed.write_bytes(isecg_events.to_ical(plenary, profile=profile))
        (apt,) = calcurse_import(feed, tmp_path / profile, "Asia/Shanghai")
        assert apt.startswith("06/07/2017 @ 09:30 -> 06/07/2017 @ 10:30 |PLENARY 3: Fostering")


def test_libical_reads_both_profiles(tmp_path: Path, recurring: isecg_events.Programme) -> None:
    paths = []
    for profile in PROFILES:
        path = tmp_path / f"{profile}.ics"
        path.write_bytes(isecg_events.to_ical(recurring, profile=profile))
        paths.append(path)
    compat, rich = libical_read(*paths)
    assert compat["errors"] == []
    assert [(e["summary"], e["start"], e["zone"]) for e in compat["events"]] == [
        ("Opening", "20260328T090000", "Europe/Paris"),
        ("Coffee break", "20260328T103000", "Europe/Paris"),
        ("Panel", "20260329T140000", "Europe/Paris"),
    ]
    # libical 3.0 predates RFC 9073/9253: it logs the two properties it does
    # not know, once per PARTICIPANT, and reads every event all the same.
    assert set(rich["errors"]) == {
        "Parse error in property name: PARTICIPANT-TYPE",
        "Parse error in property name: STRUCTURED-DATA",
    }
    participants = paths[1].read_text(encoding="utf-8").count("BEGIN:PARTICIPANT")
    assert participants == 3  # two in the opening, one in the panel's first part
    assert len(rich["errors"]) == 2 * participants
    assert rich["events"][:3] == compat["events"]
    assert [e["summary"] for e in rich["events"][3:]] == [
        "Panel — Opening remarks",
        "Panel — Discussion",
    ]


def test_libical_reads_the_plenary_without_errors(
    tmp_path: Path, plenary: isecg_events.Programme
) -> None:
    path = tmp_path / "plenary.ics"
    path.write_bytes(isecg_events.to_ical(plenary))
    (read,) = libical_read(path)
    assert read["errors"] == []
    (event,) = read["events"]
    assert (event["start"], event["zone"]) == ("20170607T093000", "Asia/Shanghai")


@pytest.mark.parametrize("profile", PROFILES)
def test_ics_py_and_recurring_ical_events_read_both_profiles(
    recurring: isecg_events.Programme, profile: str
) -> None:
    from datetime import date

    import ics
    import recurring_ical_events

    feed = isecg_events.to_ical(recurring, profile=profile)
    parts = 2 if profile == "rich" else 0
    calendar = ics.Calendar(feed.decode())
    assert sorted(e.name for e in calendar.events)[:3] == ["Coffee break", "Opening", "Panel"]
    assert len(calendar.events) == 3 + parts
    expanded = recurring_ical_events.of(icalendar.Calendar.from_ical(feed)).between(
        date(2026, 3, 27), date(2026, 4, 2)
    )
    breaks = sorted(e.start for e in expanded if str(e["SUMMARY"]) == "Coffee break")
    assert [moment.isoformat() for moment in breaks] == [
        "2026-03-28T10:30:00+01:00",
        "2026-03-29T10:30:00+02:00",
        "2026-03-30T10:30:00+02:00",
    ]
    assert len(expanded) == 2 + 3 + parts


def test_schedule_convert_keeps_every_speaker(
    tmp_path: Path, plenary: isecg_events.Programme
) -> None:
    # schedule-convert keys speakers on <person id>; with guids alone every
    # speaker of an event collapsed into the first.
    import xml.etree.ElementTree as ET

    source, converted = tmp_path / "schedule.xml", tmp_path / "converted.xml"
    source.write_bytes(isecg_events.to_schedule_xml(plenary))
    run = "from schedule_convert.run import main; main()"
    result = subprocess.run(
        [sys.executable, "-c", run, str(source), "-o", str(converted)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    persons = [(p.get("id"), p.text) for p in ET.parse(converted).getroot().iter("person")]
    ours = [(p.get("id"), p.text) for p in ET.fromstring(source.read_bytes()).iter("person")]
    assert len(persons) == len(set(persons)) == 9
    assert sorted(persons) == sorted(ours)
    assert "Director for International Cooperation, CNSA" in {name for _, name in persons}
