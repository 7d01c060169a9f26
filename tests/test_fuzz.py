"""The fuzzer, bounded: 2,000 mutated programmes through the command line's oracle."""

from __future__ import annotations

import collections
import os
from pathlib import Path

import pytest

from tests.fuzz.harness import cases, check_case
from tests.programmes import REFERENCE

CASES = int(os.environ.get("ISECG_FUZZ_CASES", "2000"))


def test_mutated_programmes_keep_every_promise(tmp_path: Path) -> None:
    if not REFERENCE.exists():
        pytest.skip("the reference schedules are not beside this checkout")
    outcomes: collections.Counter[str] = collections.Counter()
    for number, (name, build) in enumerate(cases(REFERENCE, CASES, seed=2017)):
        folder = tmp_path / str(number)
        folder.mkdir()
        file_name, content = build()
        outcome = check_case(folder, file_name, content)  # raises OracleError
        outcomes[outcome] += 1
        outcomes[name] += 1
    # Both branches of the oracle ran often: the mutations are neither all
    # fatal nor all harmless.
    assert outcomes["refused"] >= CASES // 10, outcomes
    assert outcomes["exported"] >= CASES // 20, outcomes


def test_the_oracle_catches_a_forged_vevent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the old raw LANGUAGE parameter back, the reported injection is caught."""
    import json

    from isecg_events import rules
    from isecg_events.exporters import _ics_writer
    from tests.fuzz.harness import OracleError

    text_problem = rules.text_problem
    monkeypatch.setattr(rules, "language_problem", lambda tag: None)
    monkeypatch.setattr(
        rules, "text_problem", lambda v, **k: None if "VEVENT" in v else text_problem(v, **k)
    )
    monkeypatch.setattr(
        _ics_writer,
        "parameters",
        lambda values: _ics_writer.EncodedParameters(
            ";".join(f"{k}={v}" for k, v in values.items())
        ),
    )
    entry = {
        "guid": "0b0b4c1e-64f8-4a39-9bd4-1b5a8a6f2d11", "id": 7, "room": "R", "title": "Talk",
        "date": "2026-05-01T10:00:00+02:00", "duration": "01:00", "type": "talk",
        "language": "en:x\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:injected\r\nSUMMARY:x",
    }  # fmt: skip
    schedule = {"schedule": {"version": "1", "conference": {
        "acronym": "demo2026", "title": "D", "start": "2026-05-01", "end": "2026-05-01",
        "time_zone_name": "Europe/Paris", "days": [{"rooms": {"R": [entry]}}]}}}  # fmt: skip
    with pytest.raises(OracleError, match="VEVENTs"):
        check_case(tmp_path, "case.json", json.dumps(schedule).encode())
