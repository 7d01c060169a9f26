"""What the errors module shows of user text (errors.py)."""

from __future__ import annotations

from isecg_events.errors import printable, printable_lines


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
