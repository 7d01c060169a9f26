"""What the errors module shows of user text (errors.py)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from isecg_events.errors import printable, printable_lines, redact


def test_printable_shows_what_could_move_the_cursor_as_escapes() -> None:
    assert printable("Opening — 开幕") == "Opening — 开幕"  # printable text is left alone
    assert printable("a\x1b[2Jb") == "a\\x1b[2Jb"
    assert printable("left\u202eright") == "left\\u202eright"
    assert printable("one\ntwo") == "one\\ntwo"


def test_printable_lines_keeps_line_breaks_and_nothing_else() -> None:
    assert printable_lines("one\ntwo") == "one\ntwo\n"
    assert printable_lines("bell\x07\nok\n") == "bell\\x07\nok\n"
    # A carriage return or another break Python counts as a line's end
    # becomes a plain line break: it cannot return to overwrite a line.
    assert printable_lines("over\rwrite\u2028x") == "over\nwrite\nx\n"
    assert printable_lines("") == ""


@given(
    user=st.text(alphabet=st.characters(blacklist_categories=["Zs", "Cc", "Zl", "Zp"]), max_size=8),
    password=st.text(
        alphabet=st.characters(blacklist_categories=["Zs", "Cc", "Zl", "Zp"]),
        min_size=1,
        max_size=16,
    ).filter(lambda p: "*" not in p),
    scheme=st.sampled_from(["https://", "http://", "https//", "htp://", "//"]),
)
def test_redact_hides_whatever_stands_between_slashes_and_at(
    user: str, password: str, scheme: str
) -> None:
    text = f"error: {scheme}{user}:{password}@host.example/cal/ is not a calendar"
    shown = redact(text)
    assert f"{user}:{password}@" not in shown
    assert shown.endswith("@host.example/cal/ is not a calendar")
    assert password not in redact(f"it failed: {password}", [password])
    assert redact("https://host.example/cal/ is fine") == "https://host.example/cal/ is fine"
