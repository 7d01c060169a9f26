"""schedule.html (exporters/html.py): its markup, by html5lib; in a browser: test_page_browser."""

from __future__ import annotations

import tomllib
from datetime import date
from importlib import resources
from typing import Any

import html5lib
import pytest
from babel import Locale
from hypothesis import HealthCheck, given, settings
from markupsafe import escape as html_escape

import isecg_events
from isecg_events.exporters import html
from isecg_events.exporters._prepared import Prepared
from isecg_events.programme import Programme
from tests.programmes import MINIMAL, RECURRING, model_text, programmes, reference

hostile_text = model_text(hazards=True)

#: Every element the template writes, and what a plain abstract becomes.
TEMPLATE_TAGS = {
    "html", "head", "meta", "title", "style", "body", "header", "h1", "p", "nav", "ul", "li",
    "a", "main", "section", "h2", "h3", "div", "span", "ol", "footer", "br", "form", "label",
    "select", "option", "input", "article", "time", "button", "details", "summary", "script",
}  # fmt: skip
ATTRIBUTES = {
    "lang", "charset", "name", "content", "aria-label", "aria-labelledby", "aria-hidden",
    "aria-pressed", "id", "href", "class", "style", "hidden", "role", "value", "type",
    "datetime", "data-store", "data-zone", "data-date", "data-event", "data-track", "data-room",
    "data-feed", "data-your-zone", "open",
}  # fmt: skip

#: Three days across the spring change in Paris (02:00 becomes 03:00 on
#: 29 March 2026), declared rooms in an order unlike first use, two tracks
#: (one colour declared), an overlap (a cancelled talk) in one room, long texts
#: (a five-minute talk whose title is one long word).
CAMP = (
    MINIMAL.replace("end = 2026-03-30", 'end = 2026-03-30\nlanguage = "en"').split("[[events]]")[0]
    + """
[[tracks]]
name = "Policy"
color = "#336699"

[[rooms]]
name = "Hall B"

[[rooms]]
name = "Room A"

[[events]]
id = "opening"
title = "Opening of the camp and a rather long title that has to wrap in a narrow box"
date = 2026-03-28
start = "09:00"
end = "09:30"
room = "Room A"
track = "Policy"
abstract = "Why we meet. **Everyone** is welcome."
participants = ["ada", { id = "chair", role = "moderator" }]

[[events]]
id = "parallel"
title = "Parallel in Hall B"
date = 2026-03-28
start = "09:00"
end = "10:00"
room = "Hall B"
track = "Robotics"

[[events]]
id = "overlap"
title = "An overlapping talk in Room A, cancelled"
date = 2026-03-28
start = "09:15"
end = "09:45"
room = "Room A"
track = "Robotics"
status = "cancelled"

[[events]]
id = "short"
title = "Five minutes"
date = 2026-03-28
start = "10:00"
end = "10:05"
room = "Room A"
participants = ["ada", "chair"]

[[events]]
id = "night"
title = "Across the change of time"
date = 2026-03-29
start = "01:30"
end = "03:30"
room = "Hall B"
track = "Policy"

[[events]]
id = "sunday"
title = "Sunday morning"
date = 2026-03-29
start = "10:00"
end = "11:00"
room = "Room A"
language = "de"

[[events]]
id = "closing"
title = "Closing"
date = 2026-03-30
start = "16:00"
end = "17:00"
room = "Hall B"

[[events]]
id = "unbroken"
title = "Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
date = 2026-03-30
start = "17:00"
end = "17:05"
room = "Room A"
"""
)


def render(programme: Programme, **options: Any) -> bytes:
    return isecg_events.get_exporter("html").render(programme, **options)


def structure(page: bytes) -> list[tuple[str, list[str]]]:
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    document = parser.parse(page)
    assert parser.errors == []
    return [(element.tag, sorted(element.attrib)) for element in document.iter()]


@pytest.mark.parametrize("source", ["plenary", "recurring", "camp", "pretalx-democon.json"])
def test_the_page_is_strict_html(source: str, plenary: Programme) -> None:
    programme = {
        "plenary": lambda: plenary,
        "recurring": lambda: isecg_events.loads(RECURRING),
        "camp": lambda: isecg_events.loads(CAMP),
        "pretalx-democon.json": lambda: isecg_events.load(reference(f"examples/{source}")),
    }[source]()
    for tag, attributes in structure(render(programme)):
        assert tag in TEMPLATE_TAGS | {"em", "code", "b", "i", "strong", "ol"}, tag
        assert set(attributes) <= ATTRIBUTES | {"rel", "title"}, attributes


def test_what_the_page_shows(plenary: Programme) -> None:
    page = render(plenary).decode()
    assert page.count("<h1>") == 1 and '<html lang="en"' in page
    assert 'id="plenary-3"' in page and 'href="events/plenary-3.ics"' in page
    assert "Director for International Cooperation, CNSA" in page
    assert "Times are China Standard Time, UTC+08:00." in page
    assert '<a href="glex2017.ics">Subscribe' in page
    assert 'href="#day-2017-06-07"' in page and "Wednesday 7 June 2017" in page
    assert "<script>" in page and "http" not in page.split("<script>")[1]  # no external request
    published = render(plenary, base_url="https://example.org/feeds").decode()
    assert '<a href="webcal://example.org/feeds/glex2017.ics">Subscribe' in published
    assert 'data-feed="webcal://example.org/feeds/feed.ics"' in published
    assert "data-feed=" not in page and 'id="picks-each"' in page
    recurring = render(isecg_events.loads(RECURRING)).decode()
    assert (
        'id="coffee"' in recurring and 'id="coffee-2"' in recurring and 'id="coffee-3"' in recurring
    )
    assert '<span class="flag">Cancelled</span>' in recurring


def test_each_day_names_only_the_offset_in_force() -> None:
    page = render(isecg_events.loads(CAMP)).decode()
    notes = [line for line in page.splitlines() if line.startswith('<p class="zone">')]
    assert notes == [
        '<p class="zone">Times are Central European Standard Time, UTC+01:00.</p>',
        '<p class="zone">Times are Central European Standard Time, UTC+01:00 until 02:00, '
        "then Central European Summer Time, UTC+02:00.</p>",
        '<p class="zone">Times are Central European Summer Time, UTC+02:00.</p>',
    ]
    assert '<time datetime="2026-03-29T01:30:00+01:00">01:30</time>' in page
    assert '<time datetime="2026-03-29T03:30:00+02:00">03:30</time>' in page


def test_declared_rooms_come_first_then_the_others_in_first_use() -> None:
    camp = isecg_events.loads(CAMP)
    assert html.room_order(camp) == ["Hall B", "Room A"]  # Room A is used first
    page = render(camp).decode()
    assert page.index(">Hall B</div>") < page.index(">Room A</div>")
    undeclared = isecg_events.loads(CAMP.replace('[[rooms]]\nname = "Hall B"\n', ""))
    assert html.room_order(undeclared) == ["Room A", "Hall B"]
    # An overlap in one room gets a lane of its own: Room A spans two columns.
    assert 'style="grid-column: 3 / span 2">Room A</div>' in page
    assert 'id="opening" style="grid-area: 2 / 3 / span 6"' in page
    assert 'id="overlap" style="grid-area: 5 / 4 / span 6"' in page


def test_a_long_empty_stretch_is_folded() -> None:
    page = render(isecg_events.loads(CAMP)).decode()
    # Sunday: 01:30 to 03:30 (12 rows of 5 minutes: 02:00 to 03:00 never was), then
    # nothing until 10:00 (78 rows, folded to 1.5rem), then an hour.
    assert (
        "--rows: repeat(12, minmax(10.0px, auto)) repeat(1, 1.5rem) repeat(77, 0px) "
        "repeat(12, minmax(10.0px, auto))" in page
    )
    assert '<div class="tk gap" aria-hidden="true" style="grid-row: 92"><span>10:00' in page
    assert ">04:00<" not in page  # no label inside the fold


def test_a_box_stops_at_the_end_of_its_day() -> None:
    fair = (
        '\n[[events]]\nid = "fair"\ntitle = "Fair"\ndate = 2026-03-28\nstart = "09:00"\n'
        'duration = "PT50H"\nroom = "Hall C"\n'
    )
    page = render(isecg_events.loads(CAMP + fair)).decode()
    assert '<time datetime="2026-03-30T12:00:00+02:00">12:00 (+2)</time>' in page
    first_day = page.split('id="day-2026-03-28"')[1].split("</section>")[0]
    # 09:00 to midnight in rows of 5 minutes: 180, not the 51 hours' 612.
    assert "repeat(180, minmax(10.0px, auto))" in first_day
    assert 'id="fair" style="grid-area: 2 / 5 / span 180"' in first_day


def test_track_colours_declared_or_from_the_palette() -> None:
    page = render(isecg_events.loads(CAMP)).decode()
    assert ".t0 { --tc: #336699; }" in page and f".t1 {{ --tc: {html.PALETTE[1]}; }}" in page
    assert '<li><span class="sw t0"></span>Policy</li>' in page
    assert '<option value="robotics">Robotics</option>' in page


def test_every_label_language_says_every_word() -> None:
    text = resources.files("isecg_events.exporters").joinpath("templates/labels.toml")
    catalogue = tomllib.loads(text.read_text("utf-8"))
    assert set(catalogue) == set(html.LANGUAGES)
    for language, words in catalogue.items():
        assert set(words) == set(catalogue["en"]), language
        for name, word in words.items():
            assert word.strip() and "{" not in word.replace("{zone}", "").replace(
                "{name}", ""
            ).replace("{version}", "").replace("{before}", "").replace("{after}", "").replace(
                "{time}", ""
            ), (language, name)


@pytest.mark.parametrize(
    ("tag", "language"),
    [
        (None, "en"), ("en-US", "en"), ("de", "de"), ("de-AT", "de"), ("fr-CA", "fr"),
        ("es", "es"), ("zh", "zh-Hans"), ("zh-Hans-CN", "zh-Hans"), ("zh-CN", "zh-Hans"),
        ("zh-Hant", "en"), ("zh-TW", "en"), ("it", "en"), ("pt-BR", "en"),
    ],
)  # fmt: skip
def test_label_language(tag: str | None, language: str) -> None:
    assert html.label_language(tag) == language


@pytest.mark.parametrize(
    ("tag", "words"),
    [
        ("de", ["Zum Kalender hinzufügen", "Samstag, 28. März 2026", "Mitteleuropäische"]),
        ("fr", ["Ajouter à l’agenda", "samedi 28 mars 2026", "heure normale d’Europe centrale"]),
        ("es", ["Añadir al calendario", "sábado, 28 de marzo de 2026", "hora estándar"]),
        ("zh-Hans", ["添加到日历", "2026年3月28日星期六", "中欧标准时间"]),
        ("it", ["Add to calendar", "Saturday 28 March 2026", "Central European"]),
    ],
)
def test_the_page_speaks_the_conference_language(tag: str, words: list[str]) -> None:
    camp = isecg_events.loads(CAMP.replace('language = "en"', f'language = "{tag}"'))
    page = render(camp).decode()
    language = html.label_language(tag)
    assert f'<html lang="{language}"' in page
    for word in words:
        assert word in page, word
    # The data's own language is marked where it differs from the labels'.
    if language == "en" and tag != "en":
        assert f'<h1 lang="{tag}">' in page
    assert '<h3 lang="de">Sunday morning</h3>' in page or language == "de"


def test_dates_come_from_babel() -> None:
    locale = Locale.parse("de")
    camp = isecg_events.loads(CAMP)
    assert html.zone_note(camp, date(2026, 3, 30), html.labels("de"), locale) == (
        "Zeitangaben: Mitteleuropäische Sommerzeit, UTC+02:00."
    )


def test_noncharacters_leave_the_page(plenary: Programme) -> None:
    from tests.programmes import with_event

    odd = "Opening\ufdd0 \U0010ffff talk \U0001fffe \u0ffe"  # the model refuses U+FFFE
    event = plenary.events[0]
    page = render(with_event(plenary, event.id, title=odd, abstract=odd))
    structure(page)  # strict: no parse error
    text = page.decode()
    assert "Opening talk" not in text and "Opening  talk" in text
    assert not any(c in text for c in "\ufdd0\U0010ffff\U0001fffe")
    assert "talk  \u0ffe" in text  # ends in BF BE in UTF-8 too, but is a character
    for character in map(chr, (0xFDD0, 0xFDEF, 0xFFFE, 0xFFFF, 0x1FFFE, 0x10FFFF)):
        assert any(form in character.encode() for form in html._NONCHARACTER_BYTES)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(programme=programmes(text=hostile_text))
def test_hostile_text_adds_no_element_or_attribute(programme: Programme) -> None:
    for tag, attributes in structure(render(programme)):
        assert tag in TEMPLATE_TAGS, tag
        assert set(attributes) <= ATTRIBUTES, attributes


def test_the_same_programme_gives_the_same_bytes(plenary: Programme) -> None:
    camp = isecg_events.loads(CAMP)
    assert html.render_prepared(Prepared(camp)) == html.render_prepared(Prepared(camp))


def test_a_base_url_must_be_http(plenary: Programme) -> None:
    with pytest.raises(ValueError, match="is not an http"):
        render(plenary, base_url="javascript:alert(1)//")
    page = render(plenary, base_url="http://example.org/glex").decode()
    assert 'data-feed="webcal://example.org/glex/feed.ics"' in page


def test_feed_links_in_the_conference_language(plenary: Programme) -> None:
    german = isecg_events.loads(CAMP.replace('language = "en"', 'language = "de"'))
    page = html.render_prepared(Prepared(german, feeds=True)).decode()  # export --feeds
    assert '<a href="tracks/policy.ics">Track: Policy</a>' in page
    assert '<a href="rooms/hall-b.ics">Raum: Hall B</a>' in page
    assert '<a href="people/ada.ics">Person: Ada Lovelace</a>' in page


def test_speakers_bio_photo_and_links_in_the_details_without_a_request() -> None:
    from tests.programmes import ROOT

    source = ROOT / "tests" / "data" / "imports" / "sessionize-scottishsummit2026-excerpt.json"
    programme = isecg_events.load(source, timezone="Europe/London")
    page = render(programme)
    tags = structure(page)  # strict HTML
    assert "img" not in {tag for tag, _ in tags}  # the photo is a link: no request elsewhere
    text = page.decode()
    person = next(p for p in programme.participants if p.bio and p.links and p.picture)
    first = person.bio.split("\n\n")[0].strip()
    assert f'<p class="bio">{html_escape(first)}' in text
    assert f'<a href="{html_escape(person.picture)}" rel="noopener nofollow">Photo</a>' in text
    assert all(
        f'href="{html_escape(link.url)}" rel="noopener nofollow"' in text for link in person.links
    )
    # the plenary's panel, known by position, gets no speakers' list made up
    assert 'class="speakers"' not in render(isecg_events.load()).decode()
