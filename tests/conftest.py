from __future__ import annotations

import os
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

import isecg_events
from isecg_events.readers import bundled_path
from tests.programmes import GOLDEN, MINIMAL, REFERENCE, ROOT, reference  # noqa: F401

# CI replays the same examples every run (a submission must not land or fail
# by chance); local runs explore new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(scope="session")
def plenary() -> isecg_events.Programme:
    return isecg_events.load()


@pytest.fixture
def bundled_document() -> dict[str, Any]:
    return tomllib.loads(bundled_path().read_text(encoding="utf-8"))


@pytest.fixture
def write_programme(tmp_path: Path) -> Callable[[str, str], Path]:
    def write(text: str, name: str = "programme.toml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
