from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from wcwidth import wcswidth

import isecg_events
from isecg_events import Event, Programme, Segment, to_agenda, to_markdown
from isecg_events.exporters._prepared import Prepared
from isecg_events.exporters.agenda import (
    Detail,
    _safe,
    _text_blocks,
    _width,
    _word_tokens,
    _wrap,
    render_text,
)
from tests.programmes import GOLDEN, RECURRING, model_text, paris_conference

VARIANTS = [
    ("text", 60, None, "full"),
    ("text", 78, None, "full"),
    ("text", 100, None, "full"),
    ("text", 60, None, "brief"),
    ("text", 78, None, "brief"),
    ("text", 100, None, "brief"),
    ("text", 78, "Europe/Paris", "full"),
    ("markdown", 78, None, "full"),
    ("markdown", 78, None, "brief"),
]


def golden_name(kind: str, width: int, tz: str | None, detail: str) -> str:
    zone = f"-{tz.replace('/', '_')}" if tz else ""
    return f"plenary-{kind}-{width}-{detail}{zone}.{'md' if kind == 'markdown' else 'txt'}"


@pytest.mark.parametrize(("kind", "width", "tz", "detail"), VARIANTS)
def test_golden(
    plenary: isecg_events.Programme, kind: str, width: int, tz: str | None, detail: str
) -> None:
    render = to_markdown if kind == "markdown" else to_agenda
    text = render(plenary, width=width, tz=tz, detail=detail)  # type: ignore[arg-type]
    golden = GOLDEN / golden_name(kind, width, tz, detail)
    assert text == golden.read_text(encoding="utf-8")


def test_plenary_layout(plenary: isecg_events.Programme) -> None:
    text = to_agenda(plenary)
    assert "Wednesday 7 June 2017" in text
    assert "09:30–10:30  PLENARY 3: Fostering International Cooperation" in text
    assert text.rstrip().endswith("Times are China Standard Time, UTC+08:00.")
    assert "1. Introduction to the work of ISECG" in text
    assert "Director for International Cooperation, CNSA" in text
    brief = to_agenda(plenary, detail="brief")
    assert "15 Space Agencies" not in brief and "15 Space Agencies" in text


def test_other_zone_regroups_days(plenary: isecg_events.Programme) -> None:
    text = to_agenda(plenary, tz="America/Los_Angeles")
    assert "Tuesday 6 June 2017" in text
    assert "18:30–19:30" in text
    assert "Pacific Daylight Time, UTC-07:00" in text


def test_bad_options(plenary: isecg_events.Programme) -> None:
    with pytest.raises(ValueError, match="40 to 1,000, not 20"):
        to_agenda(plenary, width=20)
    with pytest.raises(ValueError, match="not 1,000,000,000,000"):  # no MemoryError
        to_agenda(plenary, width=10**12)
    with pytest.raises(ValueError, match="detail"):
        to_agenda(plenary, detail="some")  # type: ignore[arg-type]
    with pytest.raises(isecg_events.timezones.UnknownTimeZone):
        to_agenda(plenary, tz="Mars/Olympus")


def test_recurring_and_cancelled(write_programme: Callable[..., Path]) -> None:
    programme = isecg_events.load(write_programme(RECURRING))
    text = to_agenda(programme)
    assert text.count("Coffee break") == 3
    assert "CANCELLED: Panel" in text
    assert (
        "Times are Central European Standard Time, UTC+01:00 and "
        "Central European Summer Time, UTC+02:00." in " ".join(text.split())
    )


title_strategy = model_text(max_size=200)
text_strategy = model_text(lines=True, max_size=200)


def hostile_programme(
    plenary: isecg_events.Programme, title: str, abstract: str
) -> isecg_events.Programme:
    event = attrs.evolve(plenary.events[0], title=title, abstract=abstract)
    return attrs.evolve(plenary, events=(event,))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=title_strategy, abstract=text_strategy, width=st.integers(40, 120))
def test_width_and_no_control_characters(
    plenary: isecg_events.Programme, title: str, abstract: str, width: int
) -> None:
    text = to_agenda(hostile_programme(plenary, title, abstract), width=width)
    for line in text.splitlines():
        assert line == line.rstrip()
        if wcswidth(line) > width:
            # only one unbreakable token may overflow, after the indent
            assert len(line.split()) == 1 or (line.startswith(" " * 13) and len(line.split()) == 1)
        assert "\x1b" not in line
        assert all(ch in "\t" or (ord(ch) >= 0x20 and not 0x7F <= ord(ch) <= 0x9F) for ch in line)
    words = [w for w in title.split() if w.isalnum() and w.isascii()]
    for word in words:
        assert word in text
    assert to_agenda(hostile_programme(plenary, title, abstract), width=width) == text


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=title_strategy)
def test_markdown_cannot_gain_structure(plenary: isecg_events.Programme, title: str) -> None:
    text = to_markdown(hostile_programme(plenary, title, "x"))
    tokens = MarkdownIt("commonmark").parse(text)
    kinds = {t.type for t in tokens}
    assert "html_block" not in kinds
    headings = [t.tag for t in tokens if t.type == "heading_open"]
    assert headings == ["h1", "h2", "h3"]
    inline = [t for t in tokens if t.type == "inline"]
    children = [c.type for t in inline for c in (t.children or [])]
    assert "link_open" not in children and "html_inline" not in children
    event_heading = tokens[[t.tag for t in tokens].index("h3") + 1]
    rendered = "".join(c.content for c in event_heading.children or [])
    shown = " ".join(_safe(title).split())  # documented: control characters removed
    assert rendered == f"09:30–10:30 · PLENARY 3: {shown}".strip()


# -- wrapping by display width ------------------------------------------------

WRAP_ALPHABET = st.sampled_from(
    ["a", "b", "é", " ", " ", "宇", "探", "🚀", "Ａ", "\u3000", "\u0301", "\u200b", "-"]
)
wrap_text = st.lists(WRAP_ALPHABET, max_size=120).map("".join)
prefix = st.sampled_from(["", " " * 13, "09:30–10:30  ", " " * 16, "x" * 50, "宇宙 "])


@settings(max_examples=400, deadline=None)
@given(text=wrap_text, width=st.integers(1, 40), first=prefix, rest=prefix)
def test_wrapping_keeps_every_word_within_the_width(
    text: str, width: int, first: str, rest: str
) -> None:
    lines = _wrap(text, width, first, rest)
    if not text.split():
        assert lines == [first.rstrip()]
        return
    assert all(line == line.rstrip() for line in lines)  # no trailing space
    bodies = [lines[0].removeprefix(first), *(line.removeprefix(rest) for line in lines[1:])]
    assert lines[0].startswith(first) and all(line.startswith(rest) for line in lines[1:])
    assert "".join("".join(body.split()) for body in bodies) == "".join(text.split())
    for line, body, prefix in zip(lines, bodies, [first] + [rest] * len(lines), strict=False):
        # Wider than the line only when the body is one token it cannot break.
        if _width(line) > width:
            assert " " not in body and len(_word_tokens(body)) == 1, (line, prefix)


@settings(max_examples=200, deadline=None)
@given(text=wrap_text.filter(str.split), width=st.integers(1, 40))
def test_wrapped_lines_fit_and_keep_every_token(text: str, width: int) -> None:
    lines = _wrap(text, width)
    for line in lines:
        assert wcswidth(line) <= width or len(line.split()) == 1 or wcswidth(line) < 0
    assert "".join("".join(lines).split()) == "".join(text.split())


def test_wide_characters_break_without_spaces() -> None:
    assert _wrap("ab宇宙探索cd", 6) == ["ab宇宙", "探索cd"]
    assert _wrap("ab 宇宙", 6, "> ", "  ") == ["> ab", "  宇宙"]
    # a combining mark has no width of its own: the word is measured whole
    assert _wrap("e\u0301e\u0301 abc", 3) == ["e\u0301e\u0301", "abc"]


def test_repeated_hour_keeps_both_readings_apart() -> None:
    """Times and parts are formatted once per distinct value, folds included.

    Python compares 02:30 (first reading) and 02:30 (second reading) of one
    zone as equal, and hashes them alike; shown in UTC they are an hour apart.
    """
    paris = ZoneInfo("Europe/Paris")

    def night(number: int, fold: int) -> Event:
        start = datetime(2026, 10, 25, 2, 30, fold=fold, tzinfo=paris)
        end = datetime(2026, 10, 25, 2, 50, fold=fold, tzinfo=paris)
        part_end = datetime(2026, 10, 25, 2, 45, fold=fold, tzinfo=paris)
        return Event(
            f"night{number}",
            "Night",
            start,
            end,
            segments=(Segment("Part", None, start, part_end),),
        )

    conference = paris_conference(date(2026, 10, 24), date(2026, 10, 26))
    programme = Programme(conference, events=(night(1, 0), night(2, 1)))
    text = to_agenda(programme, tz="UTC")
    assert "00:30–00:50  Night" in text
    assert "01:30–01:50  Night" in text
    assert "1. Part (00:30–00:45)" in text
    assert "1. Part (01:30–01:45)" in text
    footer = " ".join(to_agenda(programme).split("\n\n")[-1].split())
    assert footer.startswith("Times are ")
    assert "UTC+02:00" in footer and "UTC+01:00" in footer


@pytest.mark.parametrize(
    ("width", "tz", "detail"), [(78, None, "full"), (60, "Europe/Paris", "brief")]
)
def test_utf8_rendering_is_the_encoded_text(
    plenary: isecg_events.Programme, width: int, tz: str | None, detail: Detail
) -> None:
    events = tuple(
        attrs.evolve(event, title=f"{event.title} 🚀 宇宙探索", abstract="é " * 50 + "👩‍🚀 x")
        for event in plenary.events
    )
    for programme in (plenary, attrs.evolve(plenary, events=events)):
        # Encoded block by block, equal to the whole text encoded at once.
        text = "\n".join(_text_blocks(Prepared(programme), width, tz, detail)) + "\n"
        assert render_text(Prepared(programme), width=width, tz=tz, detail=detail) == text.encode()
        assert "\x00" not in text
