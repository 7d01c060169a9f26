"""The fast TOML parser (rtoml) and ``tomllib`` give the same programme; errors are tomllib's."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import isecg_events
from isecg_events.errors import ProgrammeError
from isecg_events.readers import bundled_path, document
from tests.programmes import CASES, MINIMAL, RECURRING, ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from run import synthetic

rtoml = pytest.importorskip("rtoml")


def _both(text: str) -> tuple[object, object]:
    """What each parser makes of ``text``: the document, or the error message."""
    outcomes = []
    for fast in (True, False):
        try:
            outcomes.append(document.parse_toml(text, "f.toml", fast=fast))
        except ProgrammeError as error:
            outcomes.append(str(error))
    return outcomes[0], outcomes[1]


TEXTS = {
    "bundled": bundled_path().read_text(encoding="utf-8"),
    "minimal": MINIMAL,
    "recurring": RECURRING,
    "synthetic": synthetic(300),
    **{name: mutate(MINIMAL) for name, mutate, _ in CASES},
}


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_the_same_document_and_the_same_programme(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = TEXTS[name]
    fast, plain = _both(text)
    assert fast == plain

    def outcome() -> object:
        try:
            return isecg_events.loads(text)
        except ProgrammeError as error:
            return str(error)

    with_fast = outcome()
    monkeypatch.setattr(document, "_rtoml", None)
    assert outcome() == with_fast


@pytest.mark.parametrize(
    ("text", "fast"),
    [
        ('a = "at 10:00"', True),  # a time in a one-line string: the fast parser
        ("a = 'at 10:00'", True),
        ("a = 10:00:00", True),
        ('a = """\nat 10:00\n"""', False),  # perhaps bare: tomllib
        ('a = "it\'s 10:00"', False),
        ('a = "x\\" 10:00"', False),
        ("a = 1 # at 10:00", False),
    ],
)
def test_which_parser_reads_a_time(text: str, fast: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(rtoml, "loads", lambda text: calls.append(text) or tomllib.loads(text))
    fast_result, plain = _both(text)
    assert fast_result == plain
    assert bool(calls) is fast


def test_the_fast_parser_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    assert document._rtoml is rtoml
    calls: list[str] = []
    monkeypatch.setattr(rtoml, "loads", lambda text: calls.append(text) or tomllib.loads(text))
    document.parse_toml(MINIMAL, "f.toml")
    assert calls == [MINIMAL]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a = 07:30", "TOML syntax error: Expected"),  # TOML 1.1 times: refused, as tomllib does
        ('a = "\\e"', "TOML syntax error: Unescaped"),
        ("a = {\n b = 1 }", "TOML syntax error: "),
        ("a = { b = 1, }", "TOML syntax error: "),
        ('a = "\\x41"', "TOML syntax error: Unescaped"),
        ("a = [\n  # a comment\n  07:30:00,\n  07:30 ]", "TOML syntax error: "),
        ("a = 2026-01-01T07:30Z", "TOML syntax error: "),
        ("a = 2026-01-01 07:30", "TOML syntax error: "),
        ('a = { b = "it\'s", c = 10:00 }', "TOML syntax error: "),
        ('a = { b = "\\"", c = 10:00 }', "TOML syntax error: "),
        ("a = 1\na = 2", "TOML syntax error: Cannot overwrite a value"),
    ],
)
def test_errors_are_tomllibs(text: str, message: str) -> None:
    with pytest.raises(ProgrammeError) as caught:
        document.parse_toml(text, "f.toml")
    with pytest.raises(ProgrammeError) as plain:
        document.parse_toml(text, "f.toml", fast=False)
    assert str(caught.value) == str(plain.value)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    "text", ["a = 99999999999999999999", "a = 1e400", "a = " + "[" * 300 + "]" * 300]
)
def test_what_rtoml_refuses_tomllib_may_accept(text: str) -> None:
    fast, plain = _both(text)
    assert fast == plain
    assert isinstance(fast, dict)


_HAZARDS = [*"=[]{}\"'.,#\n\r\t :-+TZ0123456789aeuxé\\\x00\x7f", "\ufeff", "07:30", "nan", "\\e"]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    edits=st.lists(
        st.tuples(st.integers(0, len(MINIMAL)), st.integers(0, 3), st.sampled_from(_HAZARDS)),
        min_size=1,
        max_size=4,
    )
)
def test_damaged_texts_get_the_same_outcome(edits: list[tuple[int, int, str]]) -> None:
    text = MINIMAL
    for at, cut, insert in edits:
        text = text[:at] + insert + text[at + cut :]
    fast, plain = _both(text)
    assert fast == plain


def test_large_file_is_parsed_alike(tmp_path: Path) -> None:
    text = synthetic(2_000)
    assert document.parse_toml(text, "f", fast=True) == tomllib.loads(text)
