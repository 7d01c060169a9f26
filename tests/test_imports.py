"""Real exports of other tools (readers/dialects.py, frab_json.py, frab_xml.py).

Three trimmed real schedules live in ``tests/data/imports`` (each names its
source): a frab schedule.xml of 2014 (base64url guids, days ending at 04:00),
a pentabarf-style FOSDEM 2018 schedule.xml (HTML, no dates or offsets) and
a pretalx schedule.json of 2020 (Markdown, no time zone).
"""

from __future__ import annotations

import contextlib
import json
import uuid
import warnings
import xml.etree.ElementTree as ET
from datetime import time
from pathlib import Path

import attrs
import icalendar
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import isecg_events
from isecg_events import identity
from tests.programmes import GOLDEN, assert_valid_json, assert_valid_xml, entries

IMPORTS = Path(__file__).resolve().parent / "data" / "imports"
FRAB = IMPORTS / "frab-31c3-excerpt.xml"
PENTABARF = IMPORTS / "pentabarf-fosdem2018-excerpt.xml"
PRETALX = IMPORTS / "pretalx-rc3-excerpt.json"
#: Each file with the --timezone it needs (pentabarf gives no offsets at all).
SOURCES = {FRAB: None, PENTABARF: "Europe/Brussels", PRETALX: None}


def load(path: Path, timezone: str | None = None) -> isecg_events.Programme:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", isecg_events.ProgrammeWarning)
        return isecg_events.load(path, timezone=timezone)


def description(programme: isecg_events.Programme, event_id: str) -> str:
    calendar = icalendar.Calendar.from_ical(isecg_events.to_ical(programme))
    (event,) = [e for e in calendar.walk("VEVENT") if str(e["UID"]) == _uid(programme, event_id)]
    return str(event["DESCRIPTION"])


def _uid(programme: isecg_events.Programme, event_id: str) -> str:
    (event,) = [e for e in programme.events if e.id == event_id]
    return str(identity.event_guid(programme.conference.id, event.id, event.guid))


def test_frab_base64_guids_map_to_stable_uuids() -> None:
    programme = load(FRAB)
    source = ET.parse(FRAB).getroot()
    given = [event.get("guid") or "" for event in source.iter("event")]
    assert "HOqeNIb6G7M4hYFKFRkCmQ" in given and "29aecfd7-2e44-4f49-ab86-29b5e0877325" in given
    guids = {str(e.guid) for e in programme.events}
    assert len(guids) == len(given) == 6
    # a UUID stays itself; another guid maps the same way every time, in any conference
    assert "29aecfd7-2e44-4f49-ab86-29b5e0877325" in guids
    mapped = identity.source_guid("HOqeNIb6G7M4hYFKFRkCmQ")
    assert str(mapped) in guids and mapped == identity.source_guid("HOqeNIb6G7M4hYFKFRkCmQ")
    assert mapped.version == 5
    assert identity.source_guid(str(mapped)) == mapped
    assert load(FRAB) == programme


def test_frab_day_ends_at_four_and_midnight_stays_on_its_evening() -> None:
    programme = load(FRAB)
    assert programme.conference.day_change == time(4, 0)
    (film,) = [e for e in programme.events if e.title == "Citizenfour"]
    assert film.start.isoformat() == "2014-12-28T00:00:00+01:00"  # as printed
    document = assert_valid_json(isecg_events.to_schedule_json(programme))
    first_day = document["schedule"]["conference"]["days"][0]
    assert first_day["date"] == "2014-12-27"
    assert first_day["day_end"] == "2014-12-28T04:00:00+01:00"
    listed = [e["title"] for room in first_day["rooms"].values() for e in room]
    assert "Citizenfour" in listed
    agenda = isecg_events.to_agenda(programme)
    assert agenda.index("00:00–02:15  Citizenfour") < agenda.index("Times are")
    assert "Sunday 28 December" not in agenda  # no day of its own


def test_frab_links_are_kept_everywhere() -> None:
    programme = load(FRAB)
    (talk,) = [
        e for e in programme.events if e.guid == identity.source_guid("OQzXwQcnHSLD9Qd7Iu7Rqw")
    ]
    assert [(link.title, link.url) for link in talk.links] == [
        ("SCADA StrangeLove", "http://www.scadasl.org"),
        ("Twitter", "https://twitter.com/scadasl"),
    ]
    assert "Links:\n- SCADA StrangeLove: http://www.scadasl.org" in description(programme, talk.id)
    xml = isecg_events.to_schedule_xml(programme)
    assert_valid_xml(xml)
    assert b'<link href="http://www.scadasl.org">SCADA StrangeLove</link>' in xml
    document = json.loads(isecg_events.to_schedule_json(programme))
    (entry,) = [e for e in entries(document) if e["guid"] == str(talk.guid)]
    assert entry["links"][1] == {"url": "https://twitter.com/scadasl", "title": "Twitter"}


def test_pentabarf_html_becomes_plain_text_in_feeds() -> None:
    programme = load(PENTABARF, "Europe/Brussels")
    assert {e.markup for e in programme.events} == {"html"}
    text = description(programme, "openbsd_alarm_system")
    assert "<" not in text and "&lt;" not in text
    assert "- I'll present the need: IR captors, integration with SMS, web interface\n" in text
    assert "- future plans\n\nSome elements are on my blog:" in text
    scratch = description(programme, "bsd_from_scratch")
    assert "an OS & Firmware for an ARM board" in scratch  # entities decoded once
    assert "\n\nThe workshops covered:" in scratch  # paragraphs stay paragraphs
    # schedule.xml keeps the HTML, as the format's readers expect
    xml = isecg_events.to_schedule_xml(programme).decode()
    assert "&lt;ul&gt;" in xml


def test_pentabarf_times_are_read_on_their_day_in_the_zone_given() -> None:
    programme = load(PENTABARF, "Europe/Brussels")
    assert programme.conference.id == "fosdem_2018"  # no acronym: from the title
    assert programme.conference.day_change == time(9, 0)
    keynote = next(e for e in programme.events if e.id == "osi")
    assert keynote.start.isoformat() == "2018-02-03T10:00:00+01:00"
    assert keynote.guid == identity.event_guid("fosdem_2018", "osi")
    with pytest.warns(
        isecg_events.ProgrammeWarning, match="carry no UTC offset; they are read in UTC"
    ):
        in_utc = isecg_events.load(PENTABARF)
    assert in_utc.events[0].start.isoformat() == "2018-02-03T10:00:00+00:00"


def test_pretalx_markdown_is_rendered_per_format() -> None:
    programme = load(PRETALX)
    assert {e.markup for e in programme.events} == {"markdown"}
    assert programme.conference.day_change == time(4, 0)  # day_end 03:59 of the next day
    (gluon,) = [e for e in programme.events if e.slug == "mja8qy"]
    text = description(programme, gluon.id)
    assert "basiert bei vielen Communities auf Gluon (https://gluon.readthedocs.io/)." in text
    assert "](" not in text
    markdown = isecg_events.to_markdown(programme)
    assert "[Gluon](<https://gluon.readthedocs.io/>)" in markdown
    document = json.loads(isecg_events.to_schedule_json(programme))
    (entry,) = [e for e in entries(document) if e["guid"] == str(gluon.guid)]
    assert "[Gluon](https://gluon.readthedocs.io/)" in entry["abstract"]  # as pretalx wrote it


@pytest.mark.parametrize(
    ("name", "path"), [("rc3", PRETALX), ("fosdem2018", PENTABARF)], ids=["markdown", "html"]
)
@pytest.mark.parametrize("kind", ["text", "markdown"])
def test_golden_agendas_of_imports(name: str, path: Path, kind: str) -> None:
    programme = load(path, SOURCES[path])
    render = isecg_events.to_markdown if kind == "markdown" else isecg_events.to_agenda
    golden = GOLDEN / f"import-{name}-{kind}-78-full.{'md' if kind == 'markdown' else 'txt'}"
    assert render(programme) == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", list(SOURCES), ids=lambda p: p.name)
@pytest.mark.parametrize("syntax", ["json", "xml"])
def test_import_export_import_is_the_same_programme(path: Path, syntax: str) -> None:
    programme = load(path, SOURCES[path])
    if syntax == "json":  # frab's person form keeps the source's person ids
        output = isecg_events.to_schedule_json(programme, persons="frab")
        assert_valid_json(output)
    else:
        output = isecg_events.to_schedule_xml(programme)
        assert_valid_xml(output)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", isecg_events.ProgrammeWarning)
        again = isecg_events.loads(output, syntax=syntax, timezone=SOURCES[path])
    assert [o.guid for o in again.occurrences] == [o.guid for o in programme.occurrences]
    if syntax == "json":
        assert again == programme
        return
    # schedule.xml writes only slugs its XSD's stricter pattern takes; the
    # ids made from them differ, and nothing else does.
    unslugged = [attrs.evolve(e, id="", slug=None) for e in programme.events]
    assert [attrs.evolve(e, id="", slug=None) for e in again.events] == unslugged
    assert again.conference == programme.conference
    assert again.participants == programme.participants


def test_default_json_keeps_everything_but_source_person_ids() -> None:
    programme = load(FRAB)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", isecg_events.ProgrammeWarning)
        again = isecg_events.loads(isecg_events.to_schedule_json(programme), syntax="json")
    assert again.events != programme.events  # person numbers: the schema takes name or id
    strip = {p.guid: p.number for p in programme.participants}
    assert all(p.number is None for p in again.participants)
    assert {p.guid for p in again.participants} == set(strip)
    assert [(e.guid, e.title, e.start, e.links) for e in again.events] == [
        (e.guid, e.title, e.start, e.links) for e in programme.events
    ]


def test_markup_detection_needs_html_elements_not_angle_brackets() -> None:
    from isecg_events.readers import dialects

    assert dialects.is_html("<p>one</p>")
    assert dialects.is_html("text<br>more")
    assert not dialects.is_html("a < b and c > d")
    assert not dialects.is_html("<unknown>tag</unknown>")
    assert uuid.UUID(str(identity.source_guid("x"))) == identity.source_guid("x")


def test_declared_tracks_and_rooms_are_kept() -> None:
    document = {
        "schedule": {
            "version": "1",
            "conference": {
                "acronym": "demo2020",
                "title": "Demo",
                "start": "2020-05-01",
                "end": "2020-05-01",
                "time_zone_name": "Europe/Berlin",
                "tracks": [
                    {"name": "Hardware", "color": "#aa3300", "slug": "hardware"},
                    {"name": "Art", "color": "not a colour"},
                ],
                "rooms": [
                    {"name": "Main", "guid": "2b9a7d1c-8f7e-4a35-9a0d-5f4c7e1a2b3c", "slug": "main"}
                ],
                "days": [
                    {
                        "index": 1,
                        "date": "2020-05-01",
                        "rooms": {
                            "Main": [
                                {
                                    "title": "Soldering",
                                    "date": "2020-05-01T10:00:00+02:00",
                                    "duration": "01:00",
                                    "track": "Hardware",
                                    "persons": [],
                                },
                                {
                                    "title": "Paint",
                                    "date": "2020-05-01T11:00:00+02:00",
                                    "duration": "01:00",
                                    "track": "Art",
                                    "persons": [],
                                },
                            ]
                        },
                    }
                ],
            },
        }
    }
    programme = isecg_events.loads(json.dumps(document), syntax="json")
    conference = programme.conference
    # a colour that is none is left out, and a name alone declares nothing
    assert conference.tracks == (isecg_events.Track("Hardware", "#aa3300", "hardware"),)
    (room,) = conference.rooms
    assert (room.name, room.slug, str(room.guid)) == (
        "Main", "main", "2b9a7d1c-8f7e-4a35-9a0d-5f4c7e1a2b3c",
    )  # fmt: skip
    written = assert_valid_json(isecg_events.to_schedule_json(programme))["schedule"]["conference"]
    assert written["tracks"] == [
        {"name": "Hardware", "color": "#aa3300", "slug": "hardware"},
        {"name": "Art"},
    ]
    assert written["rooms"] == [
        {"name": "Main", "guid": "2b9a7d1c-8f7e-4a35-9a0d-5f4c7e1a2b3c", "slug": "main"}
    ]
    xml = isecg_events.to_schedule_xml(programme)
    assert_valid_xml(xml)
    assert b'<track name="Hardware" color="#aa3300" slug="hardware">Hardware</track>' in xml
    assert b'<room name="Main" guid="2b9a7d1c-8f7e-4a35-9a0d-5f4c7e1a2b3c">' in xml
    again_json = isecg_events.loads(isecg_events.to_schedule_json(programme), syntax="json")
    assert again_json.conference == conference
    # schedule.xml's XSD has no room slug: the rest comes back
    again = isecg_events.loads(xml, syntax="xml").conference
    assert (again.tracks, again.rooms) == (conference.tracks, (attrs.evolve(room, slug=None),))


def test_a_room_guid_given_twice_is_kept_once() -> None:
    from tests.programmes import reference

    programme = load(reference("examples/pretalx-democon.json"))
    (gray,) = programme.conference.rooms  # the source gives Tan Room the same guid
    assert (gray.name, str(gray.guid)) == ("Gray Room", "b379c473-93b9-4eae-9a09-d482e86cede3")
    rooms = assert_valid_json(isecg_events.to_schedule_json(programme))["schedule"]["conference"]
    guids = [room["guid"] for room in rooms["rooms"]]
    assert len(set(guids)) == len(guids) == 2


def test_our_format_declares_tracks_and_rooms(tmp_path: Path) -> None:
    from tests.programmes import MINIMAL

    declarations = '[[tracks]]\nname = "Policy"\ncolor = "#336699"\n\n'
    declarations += '[[rooms]]\nname = "Room A"\nslug = "room-a"\n'
    text = MINIMAL + "\n" + declarations
    path = tmp_path / "p.toml"
    path.write_text(text, encoding="utf-8")
    programme = isecg_events.load(path)
    assert programme.conference.tracks == (isecg_events.Track("Policy", "#336699"),)
    assert programme.conference.rooms == (isecg_events.Room("Room A", "room-a"),)
    from isecg_events.exporters.native import to_json

    again = isecg_events.loads(to_json(programme), syntax="json")
    assert again == programme
    bad = text.replace('"#336699"', '"blue"').replace('slug = "room-a"', 'slug = "Room A"')
    path.write_text(bad + '\n[[rooms]]\nname = "Room A"\n', encoding="utf-8")
    with pytest.raises(isecg_events.ProgrammeError) as caught:
        isecg_events.load(path)
    messages = sorted(f"{p.path}: {p.message}" for p in caught.value.problems)
    assert messages == [
        "rooms[0].slug: 'Room A' is not a slug (lower-case letters, digits, '-', '_')",
        "rooms[1].name: 'Room A' is declared already at rooms[0]",
        "tracks[0].color: 'blue' is not a colour such as '#336699'",
    ]


# -- every source, one model ------------------------------------------------------

#: Each real export of tests/data/imports with the --timezone it needs.
EXPORTS = {
    "sessionize-globalazure-austria2024.json": "Europe/Vienna",
    "sessionize-qaorthehwy2026-excerpt.json": "America/New_York",
    "sessionize-scottishsummit2026-excerpt.json": "Europe/London",
    "voctosched-gpn11.csv": "Europe/Berlin",
    "gpn11-german-headers.mapping.toml": None,
    "indico-xdc2021-excerpt.json": None,
    "indico-docs-timetable.json": None,
    "indico-docs-event-sessions.json": None,
    "ical-pyconindia2021-excerpt.ics": "Asia/Kolkata",
    "ical-moca2024-excerpt.ics": None,
}


@pytest.mark.parametrize("name", list(EXPORTS))
def test_every_export_passes_the_checks_and_every_format(name: str, tmp_path: Path) -> None:
    """Each reader's programme renders to valid schedule.json and .xml and reads back."""
    programme = load(IMPORTS / name, EXPORTS[name])
    assert programme.events
    schedule = isecg_events.to_schedule_json(programme)
    assert_valid_json(schedule)
    assert_valid_xml(isecg_events.to_schedule_xml(programme))
    calendar = icalendar.Calendar.from_ical(isecg_events.to_ical(programme))
    assert len(calendar.walk("VEVENT")) == len(programme.occurrences)
    again = load_text(schedule)
    assert [(e.title, e.start, e.end) for e in again.events] == [
        (e.title, e.start, e.end) for e in programme.events
    ]
    # an event with no room is filed under the conference's venue in schedule.json
    assert [e.room for e in again.events if e.room in programme.rooms] == [
        e.room for e in programme.events if e.room
    ]


def load_text(raw: bytes) -> isecg_events.Programme:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", isecg_events.ProgrammeWarning)
        return isecg_events.loads(raw)


@pytest.mark.parametrize("name", list(EXPORTS))
def test_content_not_the_name_tells_the_format(name: str, tmp_path: Path) -> None:
    source = IMPORTS / name
    if name.endswith(".toml"):
        pytest.skip("a mapping names its table beside it")
    nameless = tmp_path / "export"
    nameless.write_bytes(b"\xef\xbb\xbf" + source.read_bytes().removeprefix(b"\xef\xbb\xbf"))
    # the same events; ids and guids may differ, as a conference's id may come from the name
    facts = [[(e.title, e.start, e.end, e.room, e.track) for e in load(path, EXPORTS[name]).events]
             for path in (nameless, source)]  # fmt: skip
    assert facts[0] == facts[1]


def test_richer_participants_survive_our_own_json(tmp_path: Path) -> None:
    from isecg_events.exporters.native import to_json

    programme = load(IMPORTS / "sessionize-qaorthehwy2026-excerpt.json", "America/New_York")
    assert any(p.bio and p.picture and p.links for p in programme.participants)
    assert isecg_events.loads(to_json(programme), syntax="json") == programme


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.binary(max_size=400),
    name=st.sampled_from(["x.csv", "x.ics", "x.json", "x.xlsx", "x", "x.toml"]),
)
def test_any_bytes_give_a_programme_or_a_programme_error(data: bytes, name: str) -> None:
    """Whatever the bytes and the name: a ProgrammeError, never another exception."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", isecg_events.ProgrammeWarning)
        try:
            isecg_events.loads(data, source=name, timezone="UTC")
        except isecg_events.ProgrammeError as error:
            assert error.problems and all(p.file == name for p in error.problems)


@settings(max_examples=40, deadline=None)
@given(
    prefix=st.sampled_from(
        [
            b"BEGIN:VCALENDAR\r\n",
            b'{"sessions": [',
            b"Title,Start,End\n",
            b'{"count": 1, "results": ',
        ]
    ),
    data=st.binary(max_size=300),
)
def test_broken_exports_of_each_kind_are_programme_errors(prefix: bytes, data: bytes) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", isecg_events.ProgrammeWarning)
        with contextlib.suppress(isecg_events.ProgrammeError):
            isecg_events.loads(prefix + data, source="export", timezone="UTC")


def test_pretalx_biographies_and_avatars_are_kept() -> None:
    path = Path(__file__).resolve().parents[2] / "shared" / "reference" / "examples"
    democon = path / "pretalx-democon.json"
    if not democon.is_file():
        pytest.skip("../shared/reference is not beside the repository")
    document = json.loads(democon.read_text("utf-8"))
    persons = {
        p.get("name") or p["public_name"]: p
        for e in entries(document)
        for p in e.get("persons", [])
    }
    programme = load(democon)
    kept = {p.name: p for p in programme.participants}
    with_bio = [name for name, p in persons.items() if (p.get("biography") or "").strip()]
    assert with_bio
    for name in with_bio:
        assert kept[name].bio == p_text(persons[name]["biography"])
    for name, person in persons.items():
        avatar = person.get("avatar") or ""
        assert kept[name].picture == (
            avatar if avatar.startswith(("http://", "https://")) else None
        )


def p_text(text: str) -> str:
    return text.replace("\r\n", "\n").strip()


def test_loads_takes_each_format_by_name_or_by_content() -> None:
    gpn = (IMPORTS / "voctosched-gpn11.csv").read_bytes()
    by_name = isecg_events.loads(gpn, syntax="csv", timezone="Europe/Berlin")
    assert by_name == isecg_events.loads(gpn, timezone="Europe/Berlin")
    feed = (IMPORTS / "ical-moca2024-excerpt.ics").read_bytes()
    assert len(load_text_as(feed, "ical").events) == 16
    with pytest.raises(ValueError, match="syntax must be one of toml, json, xml, ical, csv, xlsx"):
        isecg_events.loads(gpn, syntax="excel")
    # text that is nothing else is read as TOML, as loads() always did
    with pytest.raises(isecg_events.ProgrammeError, match="TOML syntax error"):
        isecg_events.loads("title = ")


def load_text_as(raw: bytes, syntax: str) -> isecg_events.Programme:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", isecg_events.ProgrammeWarning)
        return isecg_events.loads(raw, syntax=syntax)
