from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from xml.sax.saxutils import XMLGenerator
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import isecg_events
from isecg_events import to_schedule_json, to_schedule_xml
from isecg_events.exporters._prepared import Prepared
from isecg_events.exporters._text import clean
from isecg_events.exporters.frab import _entries as _frab
from isecg_events.exporters.frab import schedule_xml
from isecg_events.timezones import UnknownTimeZone
from tests.programmes import (
    RECURRING,
    assert_valid_json,
    assert_valid_xml,
    entries,
    model_text,
    paris_conference,
    reference,
)


def test_plenary_schedule_json(plenary: isecg_events.Programme) -> None:
    output = to_schedule_json(plenary)
    document = assert_valid_json(output)
    assert document["$schema"] == "https://c3voc.de/schedule/schema.json"
    assert document["generator"]["name"] == "isecg-events"
    conference = document["schedule"]["conference"]
    assert conference["acronym"] == "glex2017"
    assert conference["time_zone_name"] == "Asia/Shanghai"
    assert conference["daysCount"] == 3
    assert [d["date"] for d in conference["days"]] == ["2017-06-06", "2017-06-07", "2017-06-08"]
    (event,) = entries(document)
    assert event["date"] == "2017-06-07T09:30:00+08:00"
    assert event["duration"] == "01:00"
    assert event["room"] == "Hall 2"
    assert event["type"] == "plenary"
    assert len(event["persons"]) == 9
    assert event["persons"][8]["name"] == "Director for International Cooperation, CNSA"
    assert event["persons"][1]["name"] == "Lionel Baize"
    description = event["description"]
    assert description.index("15 Space Agencies") < description.index("1. Introduction")
    assert description.index("3. Panel discussion") < description.index("Participants:")
    assert to_schedule_json(plenary) == output


def test_plenary_schedule_xml(plenary: isecg_events.Programme) -> None:
    output = to_schedule_xml(plenary)
    assert_valid_xml(output)
    text = output.decode()
    assert "<date>2017-06-07T09:30:00+08:00</date>" in text
    assert "<duration>01:00</duration>" in text
    assert text.count("<person ") == 9
    assert to_schedule_xml(plenary) == output


def test_recurring_items_are_one_entry_per_occurrence(
    write_programme: Callable[..., Path],
) -> None:
    programme = isecg_events.load(write_programme(RECURRING))
    document = assert_valid_json(to_schedule_json(programme))
    assert_valid_xml(to_schedule_xml(programme))
    coffee = [e for e in entries(document) if e["title"] == "Coffee break"]
    assert [e["date"] for e in coffee] == [
        "2026-03-28T10:30:00+01:00",
        "2026-03-29T10:30:00+02:00",
        "2026-03-30T10:30:00+02:00",
    ]
    # The only event of track "Policy" is cancelled: neither it nor its track is listed.
    assert "tracks" not in document["schedule"]["conference"]


def test_cancelled_events_leave_the_app_formats_but_stay_marked_in_feeds(
    write_programme: Callable[..., Path],
) -> None:
    programme = isecg_events.load(write_programme(RECURRING))
    (panel,) = [e for e in programme.events if e.status == "cancelled"]
    document = json.loads(to_schedule_json(programme))
    assert panel.title not in {e["title"] for e in entries(document)}
    live = [o for o in programme.occurrences if o.event.status != "cancelled"]
    assert len(entries(document)) == len(live) == len(programme.occurrences) - 1
    xml = to_schedule_xml(programme).decode()
    assert f"<title>{panel.title}</title>" not in xml and "<track name=" not in xml
    assert xml.count("<event ") == len(live)
    feed = isecg_events.to_ical(programme).decode()
    assert "SUMMARY:Panel" in feed and "STATUS:CANCELLED" in feed
    assert "CANCELLED: Panel" in isecg_events.to_agenda(programme)


def test_ids_are_stable_when_events_are_added(write_programme: Callable[..., Path]) -> None:
    from tests.programmes import MINIMAL

    before = entries(json.loads(to_schedule_json(isecg_events.load(write_programme(MINIMAL)))))
    grown = entries(json.loads(to_schedule_json(isecg_events.load(write_programme(RECURRING)))))
    opening = next(e for e in grown if e["title"] == "Opening")
    assert (opening["id"], opening["guid"], opening["slug"]) == (
        before[0]["id"],
        before[0]["guid"],
        before[0]["slug"],
    )


@pytest.mark.parametrize("syntax", ["json", "xml"])
def test_round_trip_is_byte_identical(
    syntax: str, write_programme: Callable[..., Path], plenary: isecg_events.Programme
) -> None:
    for programme in (plenary, isecg_events.load(write_programme(RECURRING))):
        render = to_schedule_json if syntax == "json" else to_schedule_xml
        first = render(programme)
        again = isecg_events.loads(first, syntax=syntax)
        assert render(again) == first
        assert to_schedule_json(again) == to_schedule_json(programme)


@pytest.mark.parametrize("name", ["pretalx-democon.json", "frab-camp2019.json"])
def test_import_real_schedules(name: str) -> None:
    programme = isecg_events.load(reference(f"examples/{name}"))
    original = json.loads(reference(f"examples/{name}").read_text())
    assert len(programme.occurrences) == len(entries(original))
    first = entries(original)[0]
    imported = next(o for o in programme.occurrences if str(o.guid) == first["guid"])
    assert imported.number == first["id"]
    assert imported.start == datetime.fromisoformat(first["date"])
    names = [p.get("name") or p.get("public_name") for p in first["persons"]]
    assert [p.participant.name for p in imported.event.participants] == names
    # ours is stricter than theirs: what we write from it validates
    assert_valid_json(to_schedule_json(programme))
    assert_valid_xml(to_schedule_xml(programme))
    icalendar_feed = isecg_events.to_ical(programme)
    assert icalendar_feed.count(b"BEGIN:VEVENT") == len(programme.events)


def test_import_frab_style_fields(tmp_path: Path) -> None:
    document = {
        "schedule": {
            "version": "v1",
            "conference": {
                "acronym": "Demo2026",
                "title": "Demo",
                "start": "2026-05-01",
                "end": "2026-05-01",
                "time_zone_name": "Europe/Berlin",
                "days": [
                    {
                        "index": 1,
                        "date": "2026-05-01",
                        "rooms": {
                            "Main": [
                                {
                                    "id": 7,
                                    "guid": "0b8d4bc3-6c25-4a4c-bd0b-7c4b1d0d0d3f",
                                    "date": "2026-05-01T10:00:00+02:00",
                                    "duration": "0:30",
                                    "title": "Talk",
                                    "persons": [{"id": 3, "public_name": "Someone"}],
                                }
                            ]
                        },
                    }
                ],
            },
        }
    }
    path = tmp_path / "their.json"
    path.write_text(json.dumps(document))
    programme = isecg_events.load(path)
    (occurrence,) = programme.occurrences
    assert occurrence.end.isoformat() == "2026-05-01T10:30:00+02:00"
    assert occurrence.event.room == "Main"
    assert programme.conference.id == "demo2026"
    assert occurrence.event.participants[0].participant.name == "Someone"


def test_import_reports_bad_entries(tmp_path: Path) -> None:
    document = {
        "schedule": {
            "conference": {
                "acronym": "demo",
                "title": "Demo",
                "start": "2026-05-01",
                "end": "2026-05-01",
                "days": [
                    {"rooms": {"Main": [{"title": "x", "date": "tomorrow", "duration": "1:00"}]}}
                ],
            }
        }
    }
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    with pytest.raises(isecg_events.ProgrammeError) as caught:
        isecg_events.load(path)
    column = _column_of(path, "tomorrow")
    assert str(caught.value) == (
        f"{path}:1:{column}: schedule.conference.days[0].rooms['Main'][0].date: "
        "'tomorrow' is not a date-time with a UTC offset"
    )


def _column_of(path: Path, value: str) -> int:
    """The column of ``"value"`` on the one line of a compact JSON file."""
    return path.read_text(encoding="utf-8").index(f'"{value}"') + 1


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 '
            b'"&lol;&lol;&lol;&lol;">]><schedule><version>&lol2;</version></schedule>',
            "XML with a DTD or entity declarations is refused (unsafe)",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b"<schedule><version>&x;</version></schedule>",
            "XML with a DTD or entity declarations is refused (unsafe)",
        ),
        (b"<schedule><version>1</schedule>", "XML syntax error: mismatched tag"),
    ],
)
def test_unsafe_or_broken_xml_is_refused(content: bytes, expected: str, tmp_path: Path) -> None:
    path = tmp_path / "schedule.xml"
    path.write_bytes(content)
    with pytest.raises(isecg_events.ProgrammeError) as caught:
        isecg_events.load(path)
    assert caught.value.problems[0].message == expected


# -- the fast writers against the standard library's ---------------------------

hostile = (
    st.just("")
    | model_text(hazards=True, max_size=40)
    | st.sampled_from(["a&b", "<x>", "]]>", "'\"", "&amp;"])
)


def reference_event_xml(entry: _frab.FrabEvent, numbers: dict[str, int]) -> str:
    """The ``<event>`` element as XMLGenerator writes it, the way it was first written."""
    stream = io.StringIO()
    xml = XMLGenerator(stream, encoding="utf-8", short_empty_elements=True)

    def leaf(depth: int, tag: str, text: object, **attributes: str) -> None:
        xml.ignorableWhitespace("  " * depth)
        xml.startElement(tag, attributes)  # type: ignore[arg-type]
        if text is not None and text != "":
            xml.characters(clean(str(text)))
        xml.endElement(tag)
        xml.ignorableWhitespace("\n")

    xml.ignorableWhitespace("      ")
    xml.startElement("event", {"guid": entry["guid"], "id": str(entry["id"])})  # type: ignore[arg-type]
    xml.ignorableWhitespace("\n")
    for key in ("date", "start", "duration", "room"):
        leaf(4, key, entry[key])  # type: ignore[literal-required]
    if _frab.xml_slug(entry):
        leaf(4, "slug", entry["slug"])
    if _frab.web_url(entry):
        leaf(4, "url", entry["url"])
    for key in ("title", "subtitle", "track", "type"):
        leaf(4, key, entry[key])  # type: ignore[literal-required]
    if entry["language"]:
        leaf(4, "language", entry["language"])
    leaf(4, "abstract", entry["abstract"])
    if entry["description"]:
        leaf(4, "description", entry["description"])
    if entry["persons"]:
        xml.ignorableWhitespace("        ")
        xml.startElement("persons", {})  # type: ignore[arg-type]
        xml.ignorableWhitespace("\n")
        for person in entry["persons"]:
            leaf(5, "person", person["name"], id=str(numbers[person["guid"]]), guid=person["guid"])
        xml.ignorableWhitespace("        ")
        xml.endElement("persons")
        xml.ignorableWhitespace("\n")
    else:
        leaf(4, "persons", None)
    if entry["links"]:
        xml.ignorableWhitespace("        ")
        xml.startElement("links", {})  # type: ignore[arg-type]
        xml.ignorableWhitespace("\n")
        for link in entry["links"]:
            leaf(5, "link", link.get("title"), href=link["url"])
        xml.ignorableWhitespace("        ")
        xml.endElement("links")
        xml.ignorableWhitespace("\n")
    else:
        leaf(4, "links", None)
    xml.ignorableWhitespace("      ")
    xml.endElement("event")
    xml.ignorableWhitespace("\n")
    return stream.getvalue()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=hostile,
    subtitle=hostile,
    room=hostile,
    track=hostile,
    abstract=hostile,
    url=st.sampled_from(
        [None, "https://example.org/a?b=1&c=2", "https://x.org/é'(x)", "http://x/;a,b"]
    ),
    language=st.sampled_from([None, "en", "zh-Hans", "x-private"]),
    label=hostile,
)
def test_event_xml_is_what_xmlgenerator_writes(
    plenary: isecg_events.Programme,
    title: str,
    subtitle: str,
    room: str,
    track: str,
    abstract: str,
    url: str | None,
    language: str | None,
    label: str,
) -> None:
    event = plenary.events[0]
    first = event.participants[0]
    person = attrs.evolve(first.participant, name=None, position=label or "Chair")
    event = attrs.evolve(
        event,
        title=title or "t",
        subtitle=subtitle or None,
        room=room or None,
        track=track or None,
        abstract=abstract or None,
        url=url,
        language=language,
        participants=(attrs.evolve(first, participant=person), *event.participants[1:]),
        links=(isecg_events.Link(url, title or None),) if url else (),
    )
    others = tuple(p for p in plenary.participants if p.id != person.id)
    programme = attrs.evolve(plenary, events=(event,), participants=(person, *others))
    (day,) = [day for day in _frab.days(Prepared(programme)) if day.rooms]
    ((_, (entry,)),) = day.rooms
    numbers = _frab.person_numbers(Prepared(programme))
    out = schedule_xml._Writer()
    schedule_xml._event(out, entry, numbers)
    assert out.getvalue().decode() == reference_event_xml(entry, numbers)


@pytest.mark.parametrize("source", ["plenary", "recurring", "pretalx-democon.json"])
def test_json_is_what_the_standard_library_writes(
    source: str, plenary: isecg_events.Programme, write_programme: Callable[..., Path]
) -> None:
    programme = {
        "plenary": lambda: plenary,
        "recurring": lambda: isecg_events.load(write_programme(RECURRING)),
        "pretalx-democon.json": lambda: isecg_events.load(reference("examples/" + source)),
    }[source]()
    output = to_schedule_json(programme)
    again = json.dumps(json.loads(output), ensure_ascii=False, separators=(",", ":")) + "\n"
    assert output == again.encode("utf-8")


def test_duration_is_elapsed_time_across_a_dst_change() -> None:
    """01:30 to 03:30 in Paris on 29 March 2026 lasts one hour: clocks skip 02:00-03:00."""
    paris = ZoneInfo("Europe/Paris")
    conference = paris_conference(date(2026, 3, 28), date(2026, 3, 30))
    night = isecg_events.Event(
        "night",
        "Night",
        datetime(2026, 3, 29, 1, 30, tzinfo=paris),
        datetime(2026, 3, 29, 3, 30, tzinfo=paris),
    )
    programme = isecg_events.Programme(conference, events=(night,))
    document = json.loads(to_schedule_json(programme))
    (entry,) = [
        entry
        for day in document["schedule"]["conference"]["days"]
        for entries in day["rooms"].values()
        for entry in entries
    ]
    assert entry["duration"] == "01:00"
    assert document["schedule"]["conference"]["timeslot_duration"] == "00:30"
    xml = to_schedule_xml(programme)
    assert b"<duration>01:00</duration>" in xml
    # An app adds the duration to the start: the end read back is the real one.
    for text, syntax in ((xml, "xml"), (to_schedule_json(programme), "json")):
        (event,) = isecg_events.loads(text, syntax=syntax).events
        assert event.end == night.end


def _xml_persons(output: bytes) -> list[dict[str, str]]:
    import xml.etree.ElementTree as ET

    root = ET.fromstring(output)
    return [{**p.attrib, "name": p.text or ""} for p in root.iter("person")]


def test_persons_have_stable_numeric_ids(plenary: isecg_events.Programme) -> None:
    xml_persons = _xml_persons(to_schedule_xml(plenary))
    assert len(xml_persons) == 9
    ids = [int(p["id"]) for p in xml_persons]
    assert len(set(ids)) == 9  # schedule-convert keys speakers on <person id>
    assert all(1 <= n < 2**31 for n in ids)
    by_guid = {p["guid"]: p["id"] for p in xml_persons}
    # the same person keeps their id in every event, and in another export
    # whose other events and people differ
    first = plenary.events[0]
    second = attrs.evolve(first, id="encore", guid=None, number=None, slug=None, room="Hall 3")
    extra = attrs.evolve(plenary.participants[0], id="newcomer", name="Ada Newcomer", guid=None)
    joined = attrs.evolve(first.participants[0], participant=extra)
    grown = attrs.evolve(second, participants=(*first.participants, joined))
    bigger = attrs.evolve(
        plenary, events=(first, grown), participants=(*plenary.participants, extra)
    )
    again = _xml_persons(to_schedule_xml(bigger))
    assert len(again) == 19
    for person in again:
        if person["guid"] in by_guid:
            assert person["id"] == by_guid[person["guid"]]
    assert_valid_xml(to_schedule_xml(bigger))


def test_json_person_styles(plenary: isecg_events.Programme) -> None:
    default = assert_valid_json(to_schedule_json(plenary))
    (event,) = entries(default)
    for person in event["persons"]:
        assert set(person) == {"guid", "name", "public_name"}
        assert person["public_name"] == person["name"]  # pyfahrplan reads public_name
    frab = assert_valid_json(to_schedule_json(plenary, persons="frab"))
    (event,) = entries(frab)
    xml_ids = {p["guid"]: int(p["id"]) for p in _xml_persons(to_schedule_xml(plenary))}
    for person in event["persons"]:
        assert set(person) == {"guid", "id", "public_name"}
        assert person["id"] == xml_ids[person["guid"]]
    with pytest.raises(ValueError, match="persons must be one of pretalx, frab"):
        to_schedule_json(plenary, persons="both")  # type: ignore[arg-type]


def test_json_with_both_person_forms_is_what_the_schema_refuses() -> None:
    # Why the styles are a choice: a person with name, id and public_name
    # matches both branches of the schema's oneOf.
    import jsonschema

    from tests.programmes import validator

    guid = "8c0e3c43-8d8a-5b44-a5d1-5fd7d4e80c55"
    person = {"guid": guid, "name": "A", "id": 1, "public_name": "A"}
    schema = validator().schema["definitions"]["Person"]
    with pytest.raises(jsonschema.ValidationError, match="valid under each of"):
        jsonschema.validate(person, schema | {"definitions": validator().schema["definitions"]})


@pytest.mark.parametrize("syntax", ["json", "xml"])
def test_imported_persons_keep_their_source_ids(syntax: str) -> None:
    original = json.loads(reference("examples/frab-camp2019.json").read_text())
    source = {p["id"] for e in entries(original) for p in e["persons"] if "id" in p}
    assert len(source) > 10
    programme = isecg_events.load(reference("examples/frab-camp2019.json"))
    assert {p.number for p in programme.participants} == source
    if syntax == "xml":  # through schedule.xml, which carries both id and guid
        programme = isecg_events.loads(to_schedule_xml(programme), syntax="xml")
        assert {p.number for p in programme.participants} == source
    numbers = {str(p.guid): p.number for p in programme.participants}
    written = _xml_persons(to_schedule_xml(programme))
    assert written
    assert all(int(p["id"]) == numbers[p["guid"]] for p in written)


def _schedule(dates: list[str], zone: str | None = None) -> str:
    """A small schedule.json with one event per date in room Main."""
    conference: dict[str, object] = {
        "acronym": "demo2019",
        "title": "Demo",
        "start": dates[0][:10],
        "end": dates[-1][:10],
        "days": [
            {
                "index": 1,
                "date": dates[0][:10],
                "rooms": {
                    "Main": [
                        {
                            "title": f"Talk {index}",
                            "date": value,
                            "duration": "00:30",
                            "room": "Main",
                            "persons": [],
                        }
                        for index, value in enumerate(dates)
                    ]
                },
            }
        ],
    }
    if zone is not None:
        conference["time_zone_name"] = zone
    return json.dumps({"schedule": {"version": "1", "conference": conference}})


def test_a_schedule_without_zone_keeps_its_printed_local_times() -> None:
    # older pretalx: "UTC" stated while every time carries +01:00
    with pytest.warns(isecg_events.ProgrammeWarning, match=r"is 'UTC', which does not fit"):
        programme = isecg_events.load(reference("examples/pretalx-democon.json"))
    original = entries(json.loads(reference("examples/pretalx-democon.json").read_text()))
    printed = {e["guid"]: e["date"] for e in original}
    assert programme.conference.timezone == "Etc/GMT-1"
    for occurrence in programme.occurrences:
        assert occurrence.start.isoformat() == printed[str(occurrence.guid)]
    assert b"X-WR-TIMEZONE:Etc/GMT-1" in isecg_events.to_ical(programme)
    agenda = isecg_events.to_agenda(programme)
    first = min(original, key=lambda e: e["date"])
    assert f"{first['start']}–" in agenda  # 09:00, as the source printed it
    document = assert_valid_json(to_schedule_json(programme))
    assert "time_zone_name" not in document["schedule"]["conference"]  # its pattern has no Etc/
    assert {e["guid"]: e["date"] for e in entries(document)} == printed


def test_an_absent_zone_is_inferred_across_a_dst_change_and_after_midnight() -> None:
    dates = ["2019-03-30T23:30:00+01:00", "2019-03-31T01:30:00+01:00", "2019-03-31T10:00:00+02:00"]
    with pytest.warns(isecg_events.ProgrammeWarning) as caught:
        programme = isecg_events.loads(_schedule(dates), syntax="json", source="old.json")
    # pytest.warns records every warning of the block: a ResourceWarning of an
    # earlier test's garbage, collected here, too
    (warning,) = [w for w in caught if issubclass(w.category, isecg_events.ProgrammeWarning)]
    message = str(warning.message)
    assert message.startswith("old.json:1:45: schedule.conference.time_zone_name: is absent;")
    assert "(+01:00, +02:00) fit Africa/Ceuta (so do " in message
    assert "--timezone NAME" in message
    assert sorted(o.start.isoformat() for o in programme.occurrences) == dates


def test_given_zone_that_fits_or_utc_times_warn_nothing() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fits = isecg_events.loads(
            _schedule(["2019-03-31T10:00:00+02:00"], "Europe/Berlin"), syntax="json"
        )
        in_utc = isecg_events.loads(
            _schedule(["2019-03-31T08:00:00Z"], "Europe/Berlin"), syntax="json"
        )
    assert fits.conference.timezone == in_utc.conference.timezone == "Europe/Berlin"
    assert in_utc.occurrences[0].start.isoformat() == "2019-03-31T10:00:00+02:00"


def test_timezone_argument_overrides_inference_and_warns_when_it_does_not_fit() -> None:
    import warnings

    text = _schedule(["2019-03-30T10:00:00+01:00"], "UTC")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        berlin = isecg_events.loads(text, syntax="json", timezone="Europe/Berlin")
    assert berlin.occurrences[0].start.isoformat() == "2019-03-30T10:00:00+01:00"
    with pytest.warns(isecg_events.ProgrammeWarning, match="--timezone Asia/Tokyo does not fit"):
        tokyo = isecg_events.loads(text, syntax="json", timezone="Asia/Tokyo")
    assert tokyo.occurrences[0].start.isoformat() == "2019-03-30T18:00:00+09:00"  # same instant
    with pytest.raises(UnknownTimeZone, match="Europe/Berlin"):
        isecg_events.loads(text, syntax="json", timezone="Europe/Berln")
    xml = to_schedule_xml(berlin)
    again = isecg_events.loads(xml, syntax="xml", timezone="Europe/Paris")
    assert again.conference.timezone == "Europe/Paris"


def test_timezone_argument_sets_our_format_zone(plenary: isecg_events.Programme) -> None:
    from isecg_events.readers import bundled_path

    moved = isecg_events.load(bundled_path(), timezone="Europe/Paris")
    assert moved.conference.timezone == "Europe/Paris"
    # our format's times are local: 09:30 is now 09:30 in Paris
    assert moved.events[0].start.isoformat() == "2017-06-07T09:30:00+02:00"
    assert plenary.events[0].start.isoformat() == "2017-06-07T09:30:00+08:00"


def test_each_days_rooms_come_in_declared_order_then_in_order_of_use() -> None:
    """Hall B's talk is earlier, but Hall A is declared first; Annex is not declared."""
    from tests.programmes import MINIMAL

    text = (
        MINIMAL.replace('start = "09:00"', 'start = "11:00"')
        .replace('end = "10:00"', 'end = "12:00"')
        .replace('room = "Room A"', 'room = "Hall A"')
        + "\n".join(
            f'[[events]]\nid = "{id}"\ntitle = "{id}"\ndate = {day}\nstart = "{start}"\n'
            f'end = "{end}"\nroom = "{room}"\n'
            for id, day, start, end, room in [
                ("early", "2026-03-28", "09:00", "10:00", "Hall B"),
                ("annex", "2026-03-28", "08:00", "08:30", "Annex"),
                ("second", "2026-03-29", "09:00", "10:00", "Annex"),
                ("third", "2026-03-29", "10:00", "11:00", "Hall B"),
            ]
        )
        + '\n[[rooms]]\nname = "Hall A"\n\n[[rooms]]\nname = "Hall B"\n'
    )
    programme = isecg_events.loads(text)
    document = json.loads(to_schedule_json(programme))
    days = document["schedule"]["conference"]["days"]
    assert [list(day["rooms"]) for day in days] == [
        ["Hall A", "Hall B", "Annex"],
        ["Hall B", "Annex"],
        [],
    ]
    conference_rooms = [room["name"] for room in document["schedule"]["conference"]["rooms"]]
    assert conference_rooms == ["Hall A", "Hall B", "Annex"]  # the same order as before
    xml = to_schedule_xml(programme).decode()
    assert xml.index('name="Hall A"') < xml.index('name="Hall B"') < xml.index('name="Annex"')


def test_a_speakers_bio_picture_and_links_reach_schedule_json() -> None:
    # Sessionize gives them; schedule.json has the pretalx person's places for them.
    source = (
        Path(__file__).parent / "data" / "imports" / "sessionize-scottishsummit2026-excerpt.json"
    )
    programme = isecg_events.load(source, timezone="Europe/London")
    document = assert_valid_json(to_schedule_json(programme))
    persons = [p for e in entries(document) for p in e["persons"]]
    given = {p.id: p for p in programme.participants}
    with_bio = [p for p in persons if "biography" in p]
    assert with_bio and len(with_bio) == sum(1 for p in given.values() if p.bio)
    assert all(p["avatar"].startswith("https://") for p in persons if "avatar" in p)
    assert any(p.get("links") for p in persons)
    assert all(set(link) <= {"url", "title"} for p in persons for link in p.get("links", []))
    # the plenary's panel, several known only by position, gets none of them made up
    plenary = json.loads(to_schedule_json(isecg_events.load()))
    assert all(
        set(p) == {"guid", "name", "public_name"} for e in entries(plenary) for p in e["persons"]
    )
