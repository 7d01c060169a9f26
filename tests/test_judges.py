"""The helpers that start the servers tests talk to (tests/judges.py)."""

from __future__ import annotations

import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import judges


def _http_server(port: int) -> list[str]:
    return [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)]


def test_a_server_whose_port_was_taken_starts_again_on_another(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with judges.refusing_port() as taken:
        ports: Iterator[int] = iter([taken])
        real = judges.free_port
        monkeypatch.setattr(judges, "free_port", lambda: next(ports, None) or real())
        with (tmp_path / "log").open("wb") as log:
            process, port = judges.start_listening(_http_server, log, cwd=tmp_path)
        try:
            assert port != taken
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as answer:
                assert answer.status == 200
        finally:
            judges.stop(process)
    assert b"Address already in use" in (tmp_path / "log").read_bytes()  # the first attempt's


def test_a_server_that_never_starts_is_told_after_the_last_attempt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with judges.refusing_port() as taken:
        monkeypatch.setattr(judges, "free_port", lambda: taken)
        with (tmp_path / "log").open("wb") as log, pytest.raises(judges.ServerExited):
            judges.start_listening(_http_server, log, attempts=2)
    assert (tmp_path / "log").read_bytes().count(b"Address already in use") == 2
