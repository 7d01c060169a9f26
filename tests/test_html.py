"""schedule.html (exporters/html.py): judged by html5lib and by a real browser."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import html5lib
import pytest
from hypothesis import HealthCheck, given, settings

import isecg_events
from isecg_events.exporters import html
from isecg_events.exporters._prepared import Prepared
from isecg_events.programme import Programme
from tests.programmes import MINIMAL, RECURRING, model_text, programmes, reference

hostile_text = model_text(hazards=True)

#: Every element the template writes, and what a plain abstract becomes.
TEMPLATE_TAGS = {
    "html", "head", "meta", "title", "style", "body", "header", "h1", "p", "nav", "ul", "li",
    "a", "main", "section", "h2", "div", "table", "caption", "thead", "tr", "th", "tbody", "td",
    "span", "ol", "strong", "footer", "br",
}  # fmt: skip
ATTRIBUTES = {
    "lang", "charset", "name", "content", "aria-label", "aria-labelledby", "id", "href", "class",
    "style", "scope", "rowspan",
}  # fmt: skip

#: A day with a 1-hour and a 2-hour event in two rooms, over two days.
GRID = (
    MINIMAL.replace("end = 2026-03-30", "end = 2026-03-31")
    + """
[[events]]
id = "long"
title = "Two hours"
date = 2026-03-28
start = "11:00"
end = "13:00"
room = "Room B"

[[events]]
id = "b-again"
title = "Room B on day two"
date = 2026-03-31
start = "09:00"
end = "10:00"
room = "Room B"

[[events]]
id = "a-again"
title = "Room A on day two"
date = 2026-03-31
start = "11:00"
end = "12:00"
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


@pytest.mark.parametrize("source", ["plenary", "recurring", "pretalx-democon.json"])
def test_the_page_is_strict_html(source: str, plenary: Programme) -> None:
    programme = {
        "plenary": lambda: plenary,
        "recurring": lambda: isecg_events.loads(RECURRING),
        "pretalx-democon.json": lambda: isecg_events.load(reference(f"examples/{source}")),
    }[source]()
    for tag, attributes in structure(render(programme)):
        assert tag in TEMPLATE_TAGS | {"em", "code", "b", "i", "strong", "ol"}, tag
        assert set(attributes) <= ATTRIBUTES | {"rel", "title"}, attributes


def test_what_the_page_shows(plenary: Programme) -> None:
    page = render(plenary).decode()
    assert page.count("<h1>") == 1 and '<html lang="en">' in page
    assert 'id="plenary-3"' in page and 'href="events/plenary-3.ics"' in page
    assert "Director for International Cooperation, CNSA" in page
    assert "Times are China Standard Time, UTC+08:00." in page
    assert '<a href="glex2017.ics">Subscribe' in page
    published = render(plenary, base_url="https://example.org/feeds").decode()
    assert '<a href="webcal://example.org/feeds/glex2017.ics">Subscribe' in published
    recurring = render(isecg_events.loads(RECURRING)).decode()
    assert (
        'id="coffee"' in recurring and 'id="coffee-2"' in recurring and 'id="coffee-3"' in recurring
    )
    assert '<span class="flag">Cancelled</span>' in recurring


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


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(programme=programmes(text=hostile_text))
def test_the_lean_grid_writes_what_the_template_writes(programme: Programme) -> None:
    # The grid rows and session lists are written in Python (a third of the
    # page's render saved); the template's loops are the reference.
    assert html.render_prepared(Prepared(programme)) == html.render_reference(Prepared(programme))


def test_the_lean_grid_on_real_programmes(plenary: Programme) -> None:
    overlapping = GRID + (
        '\n[[events]]\nid = "gone"\ntitle = "Cancelled <b>&\\"quoted\\" \'x\'"\n'
        'date = 2026-03-28\nstart = "11:00"\nend = "12:00"\nroom = "Room B"\n'
        'status = "cancelled"\n'
    )
    for programme in (
        plenary,
        isecg_events.loads(GRID),
        isecg_events.loads(overlapping),
        isecg_events.loads(RECURRING),
        isecg_events.load(reference("examples/pretalx-democon.json")),
        isecg_events.load(reference("examples/frab-camp2019.json")),
    ):
        for feeds, base_url in ((False, None), (True, "https://example.org/glex/")):
            lean = html.render_prepared(Prepared(programme, feeds=feeds), base_url=base_url)
            oracle = html.render_reference(Prepared(programme), base_url=base_url, feeds=feeds)
            assert lean == oracle
    assert b"cancelled" in html.render_prepared(Prepared(isecg_events.loads(overlapping)))


def _page(
    browser: Any, tmp_path: Path, programme: Programme, width: int = 1200, **context: Any
) -> Any:
    file = tmp_path / "schedule.html"
    file.write_bytes(render(programme))
    page = browser.new_page(viewport={"width": width, "height": 900}, **context)
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(file.as_uri())
    page.errors = errors
    return page


def test_box_heights_follow_durations(browser: Any, tmp_path: Path) -> None:
    page = _page(browser, tmp_path, isecg_events.loads(GRID))
    one = page.locator("#opening").bounding_box()
    two = page.locator("#long").bounding_box()
    assert two["height"] == pytest.approx(2 * one["height"], rel=0.02)
    assert page.errors == []
    page.close()


def test_a_room_keeps_its_column_on_every_day(browser: Any, tmp_path: Path) -> None:
    page = _page(browser, tmp_path, isecg_events.loads(GRID))
    a1, a2 = page.locator("#opening").bounding_box(), page.locator("#a-again").bounding_box()
    b1, b2 = page.locator("#long").bounding_box(), page.locator("#b-again").bounding_box()
    assert a1["x"] == pytest.approx(a2["x"], abs=1) and b1["x"] == pytest.approx(b2["x"], abs=1)
    assert b1["x"] > a1["x"]
    page.close()


def test_no_sideways_scroll_at_375_px(browser: Any, tmp_path: Path, plenary: Programme) -> None:
    for programme in (plenary, isecg_events.loads(GRID)):
        page = _page(browser, tmp_path, programme, width=375)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        assert page.locator("#plenary-3, #opening").first.is_visible()
        assert page.errors == []
        page.close()


def test_reads_without_javascript_and_anchors_scroll(browser: Any, tmp_path: Path) -> None:
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1200, "height": 500}
    )
    page = context.new_page()
    file = tmp_path / "schedule.html"
    file.write_bytes(render(isecg_events.loads(GRID)))
    page.goto(file.as_uri() + "#a-again")
    assert "Room A on day two" in page.inner_text("body")
    top = page.evaluate("document.getElementById('a-again').getBoundingClientRect().top")
    assert 0 <= top < 500  # scrolled to it
    assert page.evaluate("window.scrollY") > 0
    context.close()
