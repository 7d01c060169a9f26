from __future__ import annotations

import os
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

import isecg_events
from isecg_events.loader import bundled_path

# CI replays the same examples every run (a submission must not land or fail
# by chance); local runs explore new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT.parent / "shared" / "reference"
GOLDEN = Path(__file__).resolve().parent / "golden"


def reference(name: str) -> Path:
    path = REFERENCE / name
    if not path.exists():
        pytest.skip(f"shared reference file {name} is not beside this checkout")
    return path


@pytest.fixture(scope="session")
def plenary() -> isecg_events.Programme:
    return isecg_events.load()


@pytest.fixture
def bundled_document() -> dict[str, Any]:
    return tomllib.loads(bundled_path().read_text(encoding="utf-8"))


MINIMAL = """
[conference]
id = "demo2026"
title = "Demo Conference"
timezone = "Europe/Paris"
start = 2026-03-28
end = 2026-03-30
venue = "Centre"
published = 2026-01-01T00:00:00Z

[organizations.org]
name = "Organisation"
acronym = "ORG"

[participants.ada]
name = "Ada LOVELACE"
position = "Engineer"
organization = "org"

[participants.chair]
position = "Chair"
organization = "org"

[[events]]
id = "opening"
title = "Opening"
date = 2026-03-28
start = "09:00"
end = "10:00"
room = "Room A"
participants = ["ada", { id = "chair", role = "moderator" }]
"""


@pytest.fixture
def write_programme(tmp_path: Path) -> Callable[[str, str], Path]:
    def write(text: str, name: str = "programme.toml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
