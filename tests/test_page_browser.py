"""schedule.html as attendees use it: Debian's chromium through Playwright, and axe-core.

Each point of the page is checked on three programmes: the plenary, a camp
across the spring change of time (tests/test_html.py's ``CAMP``) and a
FOSDEM-sized import (989 events in 30 rooms over two days, made from
the real pentabarf excerpt in tests/data/imports: its events, abstracts and
people repeated in FOSDEM's shape, read by the pentabarf reader). Real
frab and pretalx schedules from ../shared/reference are judged too, where
they are beside the checkout.

axe-core comes from npm: ``.ci/run`` installs it in ``.ci/node``; elsewhere
``ISECG_AXE_JS`` may name its ``axe.min.js``. Without chromium, Playwright or
axe-core the tests skip (CI, which installs them, fails instead).
"""

from __future__ import annotations

import copy
import os
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

import isecg_events
from isecg_events.programme import Programme
from tests.judges import require
from tests.programmes import model_text, reference
from tests.programmes import programmes as any_programme
from tests.test_html import CAMP

ROOT = Path(__file__).resolve().parents[1]
EXCERPT = ROOT / "tests" / "data" / "imports" / "pentabarf-fosdem2018-excerpt.xml"
WIDTHS = (375, 768, 1280)
#: A4's width less the print stylesheet's margins (2 × 12 mm) in CSS pixels, 96 to an inch.
A4_PX = round((210 - 2 * 12) / 25.4 * 96)

#: FOSDEM 2018's rooms (30 of them), each a devroom with its own track.
ROOMS = [
    "Janson", "K.1.105 (La Fontaine)", "H.2215 (Ferrer)", "H.1301 (Cornil)", "H.1302 (Depage)",
    "H.1308 (Rolin)", "H.1309 (Van Rijn)", "H.2213", "H.2214", "AW1.120", "AW1.121", "AW1.125",
    "AW1.126", "Ua2.114 (Baudoux)", "Ua2.118 (Henriot)", "Ua2.220 (Guillissen)",
    "UB2.252A (Lameere)", "UD2.119", "UD2.120 (Chavanne)", "UD2.208 (Decroly)", "UD2.218A",
    "K.3.201", "K.3.401", "K.4.201", "K.4.401", "K.4.601", "J.1.106", "H.3227", "H.3228", "H.3242",
]  # fmt: skip
DURATIONS = [50, 25, 30, 15, 20, 45, 25, 10, 30, 35]


def fosdem_shaped(folder: Path) -> Path:
    """A FOSDEM-sized pentabarf file: the excerpt's events repeated over 30 rooms and two days."""
    tree = ET.parse(EXCERPT)
    schedule = tree.getroot()
    templates = [copy.deepcopy(e) for e in schedule.iter("event")]
    for day in schedule.findall("day"):
        schedule.remove(day)
    number = 0
    for index, day_date in enumerate((date(2018, 2, 3), date(2018, 2, 4))):
        day = ET.SubElement(schedule, "day", index=str(index + 1), date=day_date.isoformat())
        for r, name in enumerate(ROOMS):
            room = ET.SubElement(day, "room", name=name)
            moment = datetime(2018, 2, 3, 9, 30) + timedelta(minutes=5 * (r % 4))
            while True:
                minutes = DURATIONS[(number + r) % len(DURATIONS)]
                end = moment + timedelta(minutes=minutes)
                if end.hour >= 19:
                    break
                event = copy.deepcopy(templates[number % len(templates)])
                event.set("id", str(10000 + number))
                event.find("start").text = f"{moment:%H:%M}"  # type: ignore[union-attr]
                event.find("duration").text = f"00:{minutes:02d}"  # type: ignore[union-attr]
                event.find("room").text = name  # type: ignore[union-attr]
                event.find("track").text = f"Devroom {r}" if r else "Keynotes"  # type: ignore[union-attr]
                slug = event.find("slug")
                slug.text = f"{slug.text}_{number}"  # type: ignore[union-attr]
                title = event.find("title")
                title.text = f"{title.text} ({number})"  # type: ignore[union-attr]
                for person in event.iter("person"):
                    person.set("id", str(int(person.get("id", "0")) + number % 7))
                room.append(event)
                number += 1
                moment = end + timedelta(minutes=5)
    path = folder / "fosdem-shaped.xml"
    tree.write(path, encoding="utf-8", xml_declaration=True)
    return path


@pytest.fixture(scope="module")
def programmes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Programme]:
    fosdem = isecg_events.load(
        fosdem_shaped(tmp_path_factory.mktemp("fosdem")), timezone="Europe/Brussels"
    )
    assert 850 <= len(fosdem.events) <= 1000 and len(fosdem.rooms) == 30
    return {"plenary": isecg_events.load(), "camp": isecg_events.loads(CAMP), "fosdem": fosdem}


@pytest.fixture(scope="module")
def pages(
    tmp_path_factory: pytest.TempPathFactory, programmes: dict[str, Programme]
) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("pages")
    found = {}
    for name, programme in programmes.items():
        found[name] = folder / f"{name}.html"
        found[name].write_bytes(isecg_events.get_exporter("html").render(programme))
    found["camp-published"] = folder / "camp-published.html"
    found["camp-published"].write_bytes(
        isecg_events.get_exporter("html").render(
            programmes["camp"], base_url="https://example.org/feeds"
        )
    )
    found["camp-zh"] = folder / "camp-zh.html"
    found["camp-zh"].write_bytes(
        isecg_events.get_exporter("html").render(
            isecg_events.loads(CAMP.replace('language = "en"', 'language = "zh-Hans"'))
        )
    )
    return found


@pytest.fixture(scope="module")
def axe() -> str:
    candidates = [
        os.environ.get("ISECG_AXE_JS", ""),
        str(ROOT / ".ci" / "node" / "node_modules" / "axe-core" / "axe.min.js"),
    ]
    found = next((c for c in candidates if c and Path(c).is_file()), None)
    require(found is not None, "axe-core (npm install --prefix .ci/node axe-core)")
    assert found is not None
    return found


class Opened:
    """A page opened in a fresh context, with what it logged and asked for."""

    def __init__(self, browser: Any, file: Path, width: int, query: str = "", **context: Any):
        self.context = browser.new_context(viewport={"width": width, "height": 900}, **context)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.goto(file.as_uri() + query)

    def close(self) -> None:
        assert self.errors == []
        assert all(url.startswith("file://") for url in self.requests), self.requests
        self.context.close()


@pytest.fixture
def opened(browser: Any) -> Iterator[Any]:
    pages: list[Opened] = []

    def open_page(file: Path, width: int = 1280, query: str = "", **context: Any) -> Any:
        pages.append(Opened(browser, file, width, query, **context))
        return pages[-1].page

    yield open_page
    for page in pages:
        page.close()


GEOMETRY = """() => {
  const boxes = [...document.querySelectorAll('article.ev')].filter(b => !b.hidden);
  const rects = boxes.map(b => b.getBoundingClientRect());
  const overlaps = [], clipped = [];
  boxes.forEach((box, i) => {
    if (box.scrollHeight > box.clientHeight + 1 || box.scrollWidth > box.clientWidth + 1) {
      clipped.push(box.id);
    }
    for (let j = i + 1; j < boxes.length; j++) {
      const a = rects[i], b = rects[j];
      if (a.left < b.right - 0.5 && b.left < a.right - 0.5
          && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5) {
        overlaps.push([box.id, boxes[j].id]);
      }
    }
  });
  const grid = getComputedStyle(document.querySelector('.grid')).display;
  return {overlaps, clipped, grid, count: boxes.length,
          width: document.documentElement.scrollWidth};
}"""


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", ["plenary", "camp", "fosdem"])
def test_no_box_overlaps_or_is_clipped(
    opened: Any, pages: dict[str, Path], programmes: dict[str, Programme], name: str, width: int
) -> None:
    page = opened(pages[name], width)
    found = page.evaluate(GEOMETRY)
    assert found["count"] == len(programmes[name].occurrences)
    assert found["overlaps"] == [] and found["clipped"] == []
    assert found["grid"] == ("block" if width < 768 else "grid")
    if width == 375:  # a list: nothing scrolls sideways, boxes in time order
        assert found["width"] <= 375
        tops = page.evaluate(
            "[...document.querySelectorAll('article.ev time:first-of-type')]"
            ".map(t => [t.getBoundingClientRect().top, Date.parse(t.dateTime)])"
        )
        assert [t for _, t in sorted(tops)] == sorted(t for _, t in tops)


@pytest.mark.parametrize("source", ["frab-camp2019.json", "pretalx-democon.json"])
def test_real_schedules_neither_overlap_nor_clip(opened: Any, tmp_path: Path, source: str) -> None:
    programme = isecg_events.load(reference(f"examples/{source}"))
    file = tmp_path / "schedule.html"
    file.write_bytes(isecg_events.get_exporter("html").render(programme))
    for width in WIDTHS:
        found = opened(file, width).evaluate(GEOMETRY)
        assert found["count"] == len(programme.occurrences)
        assert found["overlaps"] == [] and found["clipped"] == [], width


def test_a_longer_box_is_taller_and_rooms_keep_their_order(
    opened: Any, pages: dict[str, Path]
) -> None:
    page = opened(pages["camp"], 1280)
    box = {i: page.locator(f"#{i}").bounding_box() for i in ("parallel", "opening", "overlap")}
    assert box["parallel"]["height"] > box["opening"]["height"]  # 60 against 30 minutes
    assert box["parallel"]["x"] < box["opening"]["x"] < box["overlap"]["x"]  # Hall B declared first
    heads = page.locator("#day-2026-03-28 .rh").all_inner_texts()
    assert heads == ["Hall B", "Room A"]


def test_day_links_and_today(opened: Any, pages: dict[str, Path], browser: Any) -> None:
    page = opened(pages["camp"], 1280)
    links = page.locator("nav .days li:not([hidden]) a")
    assert links.count() == 3 and page.locator("#today").is_hidden()
    links.nth(1).click()
    assert page.evaluate("location.hash") == "#day-2026-03-29"
    top = page.evaluate("document.getElementById('day-2026-03-29').getBoundingClientRect().top")
    assert page.evaluate("window.scrollY") > 0 and -2 <= top < 900
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    during = context.new_page()
    during.clock.set_fixed_time(datetime.fromisoformat("2026-03-29T12:00:00+02:00"))
    during.goto(pages["camp"].as_uri())
    assert during.locator("#today").is_visible()
    assert during.locator("#today a").get_attribute("href") == "#day-2026-03-29"
    context.close()


def test_track_colours_legend_and_filters_kept_in_the_url(
    opened: Any, pages: dict[str, Path]
) -> None:
    page = opened(pages["camp"], 1280)
    swatch = page.evaluate(
        "getComputedStyle(document.querySelector('.legend .t0')).backgroundColor"
    )
    edge = page.evaluate("getComputedStyle(document.getElementById('night')).borderLeftColor")
    assert swatch == edge == "rgb(51, 102, 153)"  # Policy's declared #336699
    page.select_option("select[name=track]", "policy")
    visible = page.locator("article.ev:visible")
    assert sorted(visible.evaluate_all("l => l.map(e => e.id)")) == ["night", "opening"]
    assert "track=policy" in page.url
    assert page.evaluate("getComputedStyle(document.querySelector('.grid')).display") == "block"
    assert page.evaluate(GEOMETRY)["overlaps"] == []  # a filtered view is a list
    page.select_option("select[name=track]", "")
    page.select_option("select[name=room]", "hall-b")
    assert sorted(visible.evaluate_all("l => l.map(e => e.id)")) == ["closing", "night", "parallel"]
    page.fill("input[name=q]", "LOVELACE")  # a participant's name
    assert page.locator("article.ev:visible").count() == 0
    assert page.locator("#no-match").is_visible()
    page.select_option("select[name=room]", "")
    assert sorted(visible.evaluate_all("l => l.map(e => e.id)")) == ["opening", "short"]
    assert page.locator("#day-2026-03-29").is_hidden()  # a day with no match goes
    shared = page.url
    assert "q=LOVELACE" in shared and "room=" not in shared
    again = opened(
        Path(shared.split("?")[0].removeprefix("file://")), 375, "?" + shared.split("?")[1]
    )
    assert sorted(again.locator("article.ev:visible").evaluate_all("l => l.map(e => e.id)")) == [
        "opening", "short",
    ]  # fmt: skip
    assert again.input_value("input[name=q]") == "LOVELACE"


def _star(page: Any, anchor: str) -> None:
    page.locator(f"#{anchor} .star").click()


@pytest.mark.parametrize("published", [False, True])
def test_stars_and_my_picks(opened: Any, pages: dict[str, Path], published: bool) -> None:
    file = pages["camp-published" if published else "camp"]
    page = opened(file, 375)
    _star(page, "night")
    _star(page, "opening")
    assert page.locator("#night .star").get_attribute("aria-pressed") == "true"
    page.reload()
    assert page.locator("#night .star").get_attribute("aria-pressed") == "true"
    assert page.locator("#short .star").get_attribute("aria-pressed") == "false"
    page.check("input[name=picks]")
    assert sorted(page.locator("article.ev:visible").evaluate_all("l => l.map(e => e.id)")) == [
        "night", "opening",
    ]  # fmt: skip
    assert "picks=1" in page.url
    links = page.locator("#picks-list a")
    assert links.count() == 2
    assert page.locator("#picks-list li").all_inner_texts() == [
        "Opening of the camp and a rather long title that has to wrap in a narrow box"
        " · Sat 28 Mar 09:00–09:30",
        "Across the change of time · Sun 29 Mar 01:30–03:30",
    ]
    if published:
        subscribe = page.locator("#picks-subscribe a")
        assert subscribe.get_attribute("href") == (
            "webcal://example.org/feeds/feed.ics?event=opening&event=night"
        )
        assert links.nth(0).get_attribute("href") == "#opening"
    else:
        assert page.locator("#picks-subscribe").count() == 0
        assert page.locator("#picks-each").is_visible()
        assert [links.nth(i).get_attribute("href") for i in range(2)] == [
            "events/opening.ics", "events/night.ics",
        ]  # fmt: skip
    _star(page, "night")  # unstarred: it leaves my picks
    assert page.locator("article.ev:visible").count() == 1


def test_my_time_zone(opened: Any, pages: dict[str, Path]) -> None:
    page = opened(pages["camp"], 1280, timezone_id="America/New_York")
    start = page.locator("#opening time").first
    assert start.inner_text() == "09:00"
    page.check("input[name=tz]")
    assert start.inner_text() == "04:00"  # 09:00 CET is 04:00 EDT (New York changed on 8 March)
    assert "America/New_York" in page.locator("#day-2026-03-28 .zone").inner_text()
    assert "tz=local" in page.url
    page.uncheck("input[name=tz]")
    assert start.inner_text() == "09:00"
    assert page.locator("#day-2026-03-29 .zone").inner_text() == (
        "Times are Central European Standard Time, UTC+01:00 until 02:00, "
        "then Central European Summer Time, UTC+02:00."
    )


@pytest.mark.parametrize(
    ("tag", "search", "star"),
    [("de", "Titel und Namen durchsuchen", "Merken"), ("zh-Hans", "搜索标题和姓名", "收藏")],
)
def test_labels_in_the_conference_language(
    opened: Any, tmp_path: Path, tag: str, search: str, star: str
) -> None:
    file = tmp_path / "page.html"
    programme = isecg_events.loads(CAMP.replace('language = "en"', f'language = "{tag}"'))
    file.write_bytes(isecg_events.get_exporter("html").render(programme))
    page = opened(file, 1280)
    assert page.evaluate("document.documentElement.lang") == tag
    assert page.get_by_label(search).is_visible()
    assert page.locator("#opening .star").get_attribute("aria-pressed") == "false"
    assert page.get_by_role("button", name=f"{star}: Opening").first.is_visible()
    assert page.locator("#sunday h3").get_attribute("lang") == ("de" if tag != "de" else None)


@pytest.mark.parametrize("name", ["plenary", "camp", "fosdem"])
def test_print_on_a4(opened: Any, pages: dict[str, Path], name: str) -> None:
    page = opened(pages[name], A4_PX)
    page.emulate_media(media="print")
    widest = page.evaluate(
        "Math.max(...[...document.querySelectorAll('body *')]"
        ".map(e => e.getBoundingClientRect().right))"
    )
    assert widest <= A4_PX
    assert page.evaluate("getComputedStyle(document.querySelector('.grid')).display") == "block"
    assert page.locator(".filters").is_hidden() and page.locator(".star").first.is_hidden()
    if name == "camp":
        pdf = page.pdf(format="A4")
        assert pdf.startswith(b"%PDF-")


def test_a_large_page_opens_fast(opened: Any, pages: dict[str, Path]) -> None:
    page = opened(pages["fosdem"], 1280)
    loaded = page.evaluate("performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd")
    assert 0 < loaded < 2000
    assert page.locator("article.ev").count() >= 850


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("name", ["plenary", "camp", "camp-zh", "fosdem"])
def test_axe_finds_no_violation(
    opened: Any, pages: dict[str, Path], axe: str, name: str, width: int
) -> None:
    if name == "fosdem" and sys.version_info[:2] != (3, 11):
        pytest.skip("axe over 989 events takes half a minute: once, on Python 3.11")
    page = opened(pages[name], width)
    page.add_script_tag(path=axe)
    violations = page.evaluate(
        "async () => (await axe.run(document)).violations"
        ".map(v => [v.id, v.nodes.slice(0, 3).map(n => n.target.join(' '))])"
    )
    assert violations == []


def test_stars_and_filters_by_keyboard_with_visible_focus(
    opened: Any, pages: dict[str, Path]
) -> None:
    page = opened(pages["camp"], 1280)
    reached = []
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "(() => { const e = document.activeElement; const s = getComputedStyle(e);"
            " return [e.tagName, e.className, e.name || '', s.outlineStyle,"
            " parseFloat(s.outlineWidth)]; })()"
        )
        reached.append(focused)
        if focused[1] == "star":
            break
    names = {name for _, _, name, _, _ in reached}
    assert {"track", "room", "q", "picks", "tz"} <= names
    assert reached[-1][1] == "star"
    assert all(style != "none" and width >= 2 for _, _, _, style, width in reached)
    page.keyboard.press("Enter")
    assert page.locator("#opening .star").get_attribute("aria-pressed") == "true"


def test_reads_without_javascript_and_anchors_scroll(browser: Any, pages: dict[str, Path]) -> None:
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 500}
    )
    page = context.new_page()
    page.goto(pages["camp"].as_uri() + "#closing")
    text = page.inner_text("body")
    assert "Closing" in text and "Across the change of time" in text
    assert page.locator(".filters").is_hidden() and page.locator(".star").first.is_hidden()
    assert (
        0 <= page.evaluate("document.getElementById('closing').getBoundingClientRect().top") < 500
    )
    page.locator("#opening summary").click()  # details open without a script
    assert page.locator("#opening .abstract").is_visible()
    context.close()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(programme=any_programme(text=model_text(hazards=True)))
def test_any_programme_neither_overlaps_nor_clips(browser: Any, programme: Programme) -> None:
    # Random programmes with hostile text (long words, right-to-left marks,
    # emoji, markup characters): the grid at 1280 px and the list at 375 px.
    page = browser.new_page()
    try:
        for width in (375, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            page.set_content(isecg_events.get_exporter("html").render(programme).decode())
            found = page.evaluate(GEOMETRY)
            assert found["count"] == len(programme.occurrences)
            assert found["overlaps"] == [] and found["clipped"] == [], width
            assert width > 375 or found["width"] <= 375
    finally:
        page.close()
