"""Regenerate the screenshots of schedule.html in docs/images (run by hand after a change).

    python docs/make_screenshots.py

Renders the plenary and a FOSDEM-sized programme (the one the browser tests
use: tests/test_page_browser.py) with the html format and photographs each
page in Debian's chromium through Playwright, at a phone's width (375 px)
and a desktop's (1280 px).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import isecg_events

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.judges import CHROMIUM_ARGS  # noqa: E402
from tests.test_page_browser import fosdem_shaped  # noqa: E402

#: Each picture: the programme, the width, and what the page is asked for.
PICTURES = {
    "html-plenary": ("plenary", 1280, ""),
    "html-desktop": ("fosdem", 1280, ""),
    "html-phone": ("fosdem", 375, ""),
    "html-filtered": ("fosdem", 1280, "?track=devroom-22"),
}


def main() -> None:
    """Render the pages and photograph them."""
    from playwright.sync_api import sync_playwright

    images = ROOT / "docs" / "images"
    images.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        programmes = {
            "plenary": isecg_events.load(),
            "fosdem": isecg_events.load(fosdem_shaped(Path(folder)), timezone="Europe/Brussels"),
        }
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS
        )
        for name, (source, width, query) in PICTURES.items():
            page_file = Path(folder) / f"{source}.html"
            page_file.write_bytes(isecg_events.get_exporter("html").render(programmes[source]))
            page = browser.new_page(
                viewport={"width": width, "height": 900 if width > 400 else 800}
            )
            page.goto(page_file.as_uri() + query)
            page.screenshot(path=str(images / f"{name}.png"), full_page=False)
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
