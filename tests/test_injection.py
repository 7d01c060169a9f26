"""The injection matrix: hostile text in every field never escapes that field.

Every text field of our format and of an imported schedule.json and
schedule.xml is given each payload. The programme is then either refused
(with an error whose text holds no raw control or bidi character) or it
exports in every format, and each output is judged by a parser of its own:
icalendar finds exactly the expected VEVENTs with the expected UIDs, lxml
parses schedule.xml with its one event, json parses schedule.json, and
markdown-it-py finds no structure the data added.
"""

from __future__ import annotations

import json
import re
import tomllib
import uuid
from typing import Any

import attrs
import icalendar
import pytest
from lxml import etree
from markdown_it import MarkdownIt

import isecg_events
from isecg_events.cli import main
from isecg_events.errors import ProgrammeError
from isecg_events.exporters import EXPORTERS, event_to_ical, render
from tests.programmes import MINIMAL

FORGED_UID = "forged-uid-injected"

PAYLOADS = {
    "crlf component": f"en\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:{FORGED_UID}\r\nSUMMARY:x",
    "lf component": f"en\nEND:VEVENT\nBEGIN:VEVENT\nUID:{FORGED_UID}",
    "cr only": f"en\rUID:{FORGED_UID}",
    "parameter delimiters": 'en:x;X-A="b",c',
    "double quote": 'en"x',
    "escape sequence": "\x1b[2J\x1b[31mPWNED",
    "c1 csi": "\x9b31mPWNED",
    "bidi override": "abc\u202edef",
    "arabic letter mark": "abc\u061cdef",
    "line separator": "abc\u2028def",
    "xml markup": '<b x="1">&amp;</b>]]><!--',
    "markdown markup": "# Head\n\n* item\n\n[x](http://e.org)",
    "nul": "a\x00b",
    "lone surrogate": "a\ud800b",
}

#: Characters no message on a terminal may hold raw.
UNSAFE_OUTPUT = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def _markdown_structure(text: str) -> list[str]:
    return [token.type for token in MarkdownIt().parse(text) if token.nesting >= 0]


def _check_outputs(programme: isecg_events.Programme) -> None:
    """Every format renders, and each parser finds only what the programme holds."""
    names = list(EXPORTERS)
    outputs = render(programme, names)
    outputs["rich"] = render(programme, ["ics"], profile="rich")["ics"]
    expected = {str(o.guid) for o in programme.occurrences if o.index == 0}
    for name in ("ics", "rich"):
        calendar = icalendar.Calendar.from_ical(outputs[name])
        uids = {str(event["UID"]) for event in calendar.walk("VEVENT")}
        unfolded = outputs[name].decode().replace("\r\n ", "")
        assert f"\r\nUID:{FORGED_UID}" not in unfolded
        if name == "ics":
            assert uids == expected
        else:
            assert expected <= uids
        for line in outputs[name].split(b"\r\n"):
            assert b"\n" not in line and b"\r" not in line
    for event in programme.events:
        single = icalendar.Calendar.from_ical(event_to_ical(programme, event.id))
        assert len(single.walk("VEVENT")) == 1
    document = json.loads(outputs["json"])
    days = document["schedule"]["conference"]["days"]
    assert sum(len(entries) for day in days for entries in day["rooms"].values()) == len(
        programme.occurrences
    )
    root = etree.fromstring(outputs["xml"])
    assert len(root.findall(".//event")) == len(programme.occurrences)
    assert not UNSAFE_OUTPUT.search(outputs["text"].decode())
    baseline = isecg_events.to_markdown(_plain(programme))
    assert _markdown_structure(outputs["markdown"].decode()) == _markdown_structure(baseline)


def _words(text: str | None) -> str | None:
    """``text`` with each run of non-space characters replaced by a plain word."""
    return None if text is None else re.sub(r"\S+", "word", text)


def _plain(programme: isecg_events.Programme) -> isecg_events.Programme:
    """The same programme with every text's words made plain, its line breaks kept."""
    people = {
        p.id: attrs.evolve(p, name="Plain", position=None, given_name=None, family_name=None)
        for p in programme.participants
    }

    def plain(participations: tuple[isecg_events.Participation, ...]) -> tuple[Any, ...]:
        return tuple(
            attrs.evolve(p, participant=people[p.participant.id])  # a role is one of ROLES
            for p in participations
        )

    events = tuple(
        attrs.evolve(
            event,
            title="Plain",
            label=_words(event.label),
            subtitle=_words(event.subtitle),
            abstract=_words(event.abstract),
            description=_words(event.description),
            room=_words(event.room),
            track=_words(event.track),
            venue=_words(event.venue),
            participants=plain(event.participants),
            segments=tuple(
                attrs.evolve(
                    s,
                    title="Plain",
                    description=_words(s.description),
                    participants=plain(s.participants),
                )
                for s in event.segments
            ),
        )
        for event in programme.events
    )
    conference = programme.conference
    conference = attrs.evolve(
        conference,
        title="Plain",
        venue=_words(conference.venue),
        city=_words(conference.city),
        country=_words(conference.country),
        description=_words(conference.description),
    )
    return attrs.evolve(
        programme, conference=conference, events=events, participants=tuple(people.values())
    )


def _refused_or_safe(load: Any) -> None:
    try:
        programme = load()
    except ProgrammeError as error:
        for problem in error.problems:
            assert not UNSAFE_OUTPUT.search(str(problem)), str(problem)
        return
    _check_outputs(programme)


# -- our own format ---------------------------------------------------------

OWN_FIELDS = [
    ("conference", "title"),
    ("conference", "venue"),
    ("conference", "city"),
    ("conference", "description"),
    ("organization", "name"),
    ("organization", "acronym"),
    ("participant", "name"),
    ("participant", "position"),
    ("event", "title"),
    ("event", "label"),
    ("event", "subtitle"),
    ("event", "room"),
    ("event", "venue"),
    ("event", "abstract"),
    ("event", "description"),
    ("event", "language"),
    ("event", "track"),
    ("event", "url"),
    ("segment", "title"),
    ("segment", "description"),
    ("role", "role"),
]


def _own_document(where: str, field: str, payload: str) -> dict[str, Any]:
    document = tomllib.loads(MINIMAL)
    event = document["events"][0]
    event["segments"] = [{"title": "Part"}]
    target = {
        "conference": document["conference"],
        "organization": document["organizations"]["org"],
        "participant": document["participants"]["ada"],
        "event": event,
        "segment": event["segments"][0],
    }
    if where == "role":
        event["participants"][1]["role"] = payload
    else:
        target[where][field] = payload
    return document


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
@pytest.mark.parametrize("where,field", OWN_FIELDS, ids=[f"{w}.{f}" for w, f in OWN_FIELDS])
def test_own_format_field(where: str, field: str, payload: str) -> None:
    text = json.dumps(_own_document(where, field, payload), default=str)
    _refused_or_safe(lambda: isecg_events.loads(text, syntax="json"))


# -- imported schedule.json and schedule.xml ----------------------------------

IMPORT_FIELDS = [
    "title",
    "subtitle",
    "room",
    "type",
    "track",
    "abstract",
    "description",
    "language",
    "url",
    "slug",
    "person",
    "room key",
    "conference title",
]


def _schedule(field: str, payload: str) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "guid": "0b0b4c1e-64f8-4a39-9bd4-1b5a8a6f2d11",
        "id": 7,
        "date": "2026-05-01T10:00:00+02:00",
        "duration": "01:00",
        "room": "R",
        "title": "Talk",
        "type": "talk",
        "language": "en",
        "persons": [{"name": "Ada", "guid": str(uuid.UUID(int=5))}],
    }
    room = "R"
    conference = {"acronym": "demo2026", "title": "D", "start": "2026-05-01",
                  "end": "2026-05-01", "time_zone_name": "Europe/Paris"}  # fmt: skip
    if field == "person":
        entry["persons"][0]["name"] = payload
    elif field == "room key":
        room = payload
        del entry["room"]
    elif field == "conference title":
        conference["title"] = payload
    else:
        entry[field] = payload
    conference["days"] = [{"date": "2026-05-01", "rooms": {room: [entry]}}]
    return {"schedule": {"version": "1", "conference": conference}}


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
@pytest.mark.parametrize("field", IMPORT_FIELDS)
def test_imported_json_field(field: str, payload: str) -> None:
    text = json.dumps(_schedule(field, payload))
    _refused_or_safe(lambda: isecg_events.loads(text, syntax="json"))


def _xml_text(value: str) -> str:
    """``value`` as XML character data, control characters as references."""
    escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
    return "".join(f"&#{ord(c)};" if ord(c) < 32 else c for c in escaped)


def _schedule_xml(field: str, payload: str) -> bytes:
    values = {"title": "Talk", "language": "en", "room": "R", "person": "Ada"}
    if field in values:
        values[field] = payload
    value = {key: _xml_text(text) for key, text in values.items()}
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<schedule><version>1</version>
<conference><acronym>demo2026</acronym><title>D</title><start>2026-05-01</start>
<end>2026-05-01</end><time_zone_name>Europe/Paris</time_zone_name></conference>
<day date="2026-05-01"><room name="{value["room"]}">
<event guid="0b0b4c1e-64f8-4a39-9bd4-1b5a8a6f2d11" id="7">
<date>2026-05-01T10:00:00+02:00</date><duration>01:00</duration>
<title>{value["title"]}</title><language>{value["language"]}</language><type>talk</type>
<persons><person guid="{uuid.UUID(int=5)}">{value["person"]}</person></persons>
</event></room></day></schedule>""".encode()


XML_PAYLOADS = {
    key: value
    for key, value in PAYLOADS.items()
    if key not in ("nul", "lone surrogate")  # XML 1.0 cannot carry them at all
}


@pytest.mark.parametrize("payload", XML_PAYLOADS.values(), ids=XML_PAYLOADS.keys())
@pytest.mark.parametrize("field", ["title", "language", "room", "person"])
def test_imported_xml_field(field: str, payload: str) -> None:
    raw = _schedule_xml(field, payload)
    _refused_or_safe(lambda: isecg_events.loads(raw, syntax="xml"))


def test_the_reported_language_injection_is_refused() -> None:
    """The probe's case: a language that closes the VEVENT and forges another."""
    text = json.dumps(_schedule("language", PAYLOADS["crlf component"]))
    with pytest.raises(ProgrammeError) as caught:
        isecg_events.loads(text, syntax="json")
    assert [p.path for p in caught.value.problems] == [
        "schedule.conference.days[0].rooms['R'][0].language"
    ]
    colon = json.dumps(_schedule("language", "en:x"))
    with pytest.raises(ProgrammeError, match="is not a BCP 47 language tag"):
        isecg_events.loads(colon, syntax="json")


def test_an_imported_url_with_a_line_break_is_refused() -> None:
    text = json.dumps(_schedule("url", "https://e.org/\r\nATTACH:evil"))
    with pytest.raises(ProgrammeError) as caught:
        isecg_events.loads(text, syntax="json")
    assert caught.value.problems[0].path.endswith(".url")


def test_imported_ids_beyond_32_bits_are_refused() -> None:
    document = _schedule("title", "Talk")
    document["schedule"]["conference"]["days"][0]["rooms"]["R"][0]["id"] = 10**20
    with pytest.raises(ProgrammeError, match="out of range"):
        isecg_events.loads(json.dumps(document), syntax="json")


# -- the encoders themselves -----------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_the_parameter_encoder_never_breaks_a_line(payload: str) -> None:
    from isecg_events.exporters import _ics_writer

    encoded = _ics_writer.parameters({"LANGUAGE": payload})
    line = _ics_writer.content_line("SUMMARY", b"x", encoded)
    unfolded = line.replace(b"\r\n ", b"")
    assert b"\r" not in unfolded and b"\n" not in unfolded
    parsed = icalendar.Calendar.from_ical(
        b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n" + line + b"\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    (event,) = parsed.walk("VEVENT")
    assert str(event["SUMMARY"]) == "x"
    assert "UID" not in event


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_the_uri_encoder_never_breaks_a_line(payload: str) -> None:
    from isecg_events.exporters import _ics_writer

    value = _ics_writer.uri("https://e.org/" + payload)
    assert not re.search(rb"[\x00-\x20\x7f]", value)


# -- what the terminal shows ---------------------------------------------------------


def test_error_messages_show_hostile_keys_escaped(
    write_programme: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    hostile = MINIMAL + (
        '\n[organizations."\\u001b[2J\\u001b[31mPWNED"]\nname = "x"\n'
        '\n[participants."x\\nerror: forged.toml: conference: all good"]\nname = "y"\n'
        '\n[participants."p\\u202e\\u009b"]\nname = "z"\n'
    )
    assert main(["validate", str(write_programme(hostile))]) == 2
    err = capsys.readouterr().err
    assert not UNSAFE_OUTPUT.search(err)
    lines = err.splitlines()
    assert len(lines) == 4  # three problems and the count: nothing forged a line
    assert not any(line.startswith("error: forged") for line in lines)
    assert "\\x1b[2J" in err or "\\u001b[2J" in err


def test_validate_shows_an_acronym_with_bidi_controls_escaped(
    write_programme: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    text = MINIMAL.replace('title = "Demo Conference"', 'title = "Demo"\nacronym = "D\\u202eX"')
    assert main(["validate", str(write_programme(text))]) == 0
    out = capsys.readouterr().out
    assert "D\\u202eX" in out and "\u202e" not in out
