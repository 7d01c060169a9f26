"""Regenerate the screenshots of schedule.html in docs/images (run by hand after a change).

    python docs/make_screenshots.py

Renders the plenary and a busy synthetic day (12 rooms) with the html
format and photographs each page in Debian's chromium through Playwright.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import isecg_events

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

from run import synthetic  # noqa: E402
from tests.judges import CHROMIUM_ARGS  # noqa: E402


def main() -> None:
    """Render both pages and photograph them."""
    from playwright.sync_api import sync_playwright

    images = ROOT / "docs" / "images"
    images.mkdir(exist_ok=True)
    busy = isecg_events.loads(synthetic(100))
    first_day = min(busy.occurrences_by_day())
    busy = busy.select(events=[o.event.id for o in busy.occurrences_by_day()[first_day]])
    pages = {"html-plenary": isecg_events.load(), "html-busy-day": busy}
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS
        )
        for name, programme in pages.items():
            page_file = Path(folder) / f"{name}.html"
            page_file.write_bytes(isecg_events.get_exporter("html").render(programme))
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(page_file.as_uri())
            page.screenshot(path=str(images / f"{name}.png"), full_page=False)
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
