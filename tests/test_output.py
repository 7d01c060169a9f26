from __future__ import annotations

from pathlib import Path

import pytest

from isecg_events import output
from isecg_events.errors import ExportError


def test_write_all_refuses_a_file_as_folder(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ExportError):
        output.write_all([(tmp_path / "ok.txt", b"1"), (blocker / "inner.txt", b"2")])
    assert not (tmp_path / "ok.txt").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["file"]
