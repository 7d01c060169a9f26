"""The release history (releases.py) and what feeds make of it."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs
import feedparser
import icalendar
import pytest

import isecg_events
from isecg_events.cli import main
from isecg_events.programme import Programme
from isecg_events.releases import History, ReleaseError
from tests.programmes import (
    RECURRING,
    assert_valid_json,
    assert_valid_xml,
    entries,
    raw_checks,
    with_event,
)

T1 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
T2 = T1 + timedelta(days=1)
T3 = T2 + timedelta(days=1)


@pytest.fixture
def base() -> Programme:
    return isecg_events.loads(RECURRING)


def _vevents(feed: bytes) -> dict[str, bytes]:
    """Each VEVENT's bytes by its SUMMARY (the feed's own lines, unparsed)."""
    blocks = re.findall(rb"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", feed, re.S)
    return {re.search(rb"SUMMARY[^:]*:([^\r]*)", b).group(1).decode(): b for b in blocks}  # type: ignore[union-attr]


def _props(feed: bytes, summary: str) -> dict[str, str]:
    (event,) = [
        e for e in icalendar.Calendar.from_ical(feed).walk("VEVENT") if str(e["SUMMARY"]) == summary
    ]
    return {
        "SEQUENCE": str(event["SEQUENCE"]),
        "DTSTAMP": event["DTSTAMP"].to_ical().decode(),
        "LAST-MODIFIED": event["LAST-MODIFIED"].to_ical().decode(),
        "STATUS": str(event["STATUS"]),
    }


def test_record_read_and_load(tmp_path: Path, base: Programme) -> None:
    history = History.read(tmp_path / "hist")
    assert history.releases == () and history.latest is None
    history, first, changes = history.record(base, name="v1", at=T1, note="First")
    assert [c.kind for c in changes] == ["added"] * len(base.events)
    assert first.path.name == "0001-v1.json"
    document = json.loads(first.path.read_text(encoding="utf-8"))
    assert document["release"] == {"name": "v1", "at": "2026-03-01T09:00:00Z", "note": "First"}
    assert isecg_events.load(first.path) == base  # a release file is a programme
    moved = with_event(base, "opening", room="Room B")
    history, _, changes = history.record(moved, name="v2", at=T2)
    assert [c.kind for c in changes] == ["room"]
    again = History.read(tmp_path / "hist")
    assert [(r.number, r.name, r.at, r.note) for r in again.releases] == [
        (1, "v1", T1, "First"),
        (2, "v2", T2, None),
    ]
    assert again.releases[1].programme == moved


def test_refused_releases_write_nothing(tmp_path: Path, base: Programme) -> None:
    folder = tmp_path / "hist"
    history, _, _ = History.read(folder).record(base, name="v1", at=T1)
    before = sorted(folder.iterdir())
    with pytest.raises(ReleaseError, match="a release is named 'v1' already"):
        history.record(with_event(base, "opening", room="B"), name="v1", at=T2)
    with pytest.raises(ReleaseError, match="nothing changed since release 'v1'"):
        history.record(base, name="v2", at=T2)
    with pytest.raises(ReleaseError, match="before the latest release"):
        history.record(with_event(base, "opening", room="B"), name="v2", at=T1 - timedelta(1))
    with pytest.raises(ReleaseError, match="UTC offset"):
        history.record(with_event(base, "opening", room="B"), name="v2", at=datetime(2026, 3, 2))
    with pytest.raises(ReleaseError, match="--name: "):
        history.record(with_event(base, "opening", room="B"), name="a\nb", at=T2)
    assert sorted(folder.iterdir()) == before
    _, empty, changes = history.record(base, name="v2", at=T2, allow_empty=True)
    assert changes == () and empty.number == 2


def test_sequence_stamps_removal_and_reinstatement(tmp_path: Path, base: Programme) -> None:
    history, _, _ = History.read(tmp_path).record(base, name="v1", at=T1)
    v1 = isecg_events.to_ical(base, releases=history)
    hour = timedelta(hours=1)
    opening = next(e for e in base.events if e.id == "opening")
    v2_programme = with_event(base, "opening", start=opening.start + hour, end=opening.end + hour)
    v2_programme = attrs.evolve(
        v2_programme, events=tuple(e for e in v2_programme.events if e.id != "coffee")
    )
    history, _, _ = history.record(v2_programme, name="v2", at=T2)
    v2 = isecg_events.to_ical(v2_programme, releases=history)
    # moved: SEQUENCE 1, stamped with v2's time
    assert _props(v2, "Opening") == {
        "SEQUENCE": "1", "DTSTAMP": "20260302T090000Z", "LAST-MODIFIED": "20260302T090000Z",
        "STATUS": "CONFIRMED",
    }  # fmt: skip
    # unchanged: the same bytes as in v1's feed
    assert _vevents(v2)["Panel"] == _vevents(v1)["Panel"]
    # removed: still there, cancelled, with a raised SEQUENCE
    assert _props(v2, "Coffee break")["STATUS"] == "CANCELLED"
    assert _props(v2, "Coffee break")["SEQUENCE"] == "1"
    raw_checks(v2)
    # the apps' formats leave it out, and carry the release's name
    document = assert_valid_json(isecg_events.to_schedule_json(v2_programme, releases=history))
    assert document["schedule"]["version"] == "v2"
    assert "Coffee break" not in {e["title"] for e in entries(document)}
    assert_valid_xml(isecg_events.to_schedule_xml(v2_programme, releases=history))
    # reinstated in v3: back, SEQUENCE 2
    history, _, changes = history.record(
        attrs.evolve(
            v2_programme,
            events=(*v2_programme.events, *[e for e in base.events if e.id == "coffee"]),
        ),
        name="v3",
        at=T3,
    )
    assert [c.kind for c in changes] == ["reinstated"]
    v3 = isecg_events.to_ical(history.latest.programme, releases=history)  # type: ignore[union-attr]
    assert _props(v3, "Coffee break")["STATUS"] == "CONFIRMED"
    assert _props(v3, "Coffee break")["SEQUENCE"] == "2"
    assert _vevents(v3)["Panel"] == _vevents(v1)["Panel"]


def test_export_refuses_unreleased_changes(tmp_path: Path, base: Programme) -> None:
    history, _, _ = History.read(tmp_path / "hist").record(base, name="v1", at=T1)
    changed = with_event(base, "opening", room="Room Z")
    with pytest.raises(
        ReleaseError, match=r"(?s)no release holds.*room: Opening \(Room A → Room Z\)"
    ):
        isecg_events.to_ical(changed, releases=history)


def test_changes_atom_parses_as_atom(tmp_path: Path, base: Programme) -> None:
    history, _, _ = History.read(tmp_path).record(base, name="v1", at=T1, note="First")
    history, _, _ = history.record(with_event(base, "opening", room="Room B"), name="v2", at=T2)
    feed = isecg_events.get_exporter("atom").render(history.latest.programme, releases=history)  # type: ignore[union-attr]
    parsed = feedparser.parse(feed)
    assert not parsed.bozo, parsed.bozo_exception
    assert parsed.version == "atom10"
    assert [entry.title for entry in parsed.entries] == ["v2", "v1"]  # newest first
    assert parsed.entries[0].updated == "2026-03-02T09:00:00Z"
    assert "room: Opening (Room A → Room B)" in parsed.entries[0].content[0].value
    assert parsed.entries[1].summary == "First"
    ids = [entry.id for entry in parsed.entries]
    assert len(set(ids)) == 2 and all(i.startswith("urn:uuid:") for i in ids)
    assert parsed.feed.author == "Demo Conference"
    again = isecg_events.get_exporter("atom").render(history.latest.programme, releases=history)  # type: ignore[union-attr]
    assert again == feed  # no clock


def test_cli_release_diff_changes_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "p.toml"
    source.write_text(RECURRING, encoding="utf-8")
    hist, out = tmp_path / "hist", tmp_path / "out"
    release = ["release", str(source), "--releases", str(hist)]
    assert main([*release, "--name", "v1", "--at", "2026-03-01T09:00:00Z"]) == 0
    assert "release 'v1'" in capsys.readouterr().out
    assert main([*release, "--name", "v2", "--at", "2026-03-02T09:00:00Z"]) == 2
    assert "nothing changed since release 'v1'" in capsys.readouterr().err
    source.write_text(RECURRING.replace('room = "Foyer"', 'room = "Hall"'), encoding="utf-8")
    assert main(["export", str(source), "--releases", str(hist), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "run" not in err or "isecg-events release" in err
    assert "room: Coffee break (Foyer → Hall)" in err and not out.exists()
    assert main(["diff", str(hist / "0001-v1.json"), str(source)]) == 1
    assert capsys.readouterr().out == "room: Coffee break (Foyer → Hall)\n"
    assert main(["diff", str(source), str(source)]) == 0
    assert capsys.readouterr().out == "No changes.\n"
    assert (
        main([*release, "--name", "v2", "--note", "Coffee moves", "--at", "2026-03-02T09:00:00Z"])
        == 0
    )
    capsys.readouterr()
    assert main(["export", str(source), "--releases", str(hist), "-o", str(out)]) == 0
    capsys.readouterr()
    written = sorted(p.name for p in out.iterdir())
    assert written == [
        "agenda.md", "agenda.txt", "changes.atom", "demo2026.ics", "events", "schedule.html",
        "schedule.json", "schedule.xml", "sessionize.json",
    ]  # fmt: skip
    assert main(["changes", "--releases", str(hist)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("v2 (2026-03-02T09:00:00Z)\n  Coffee moves\n  room: Coffee break")
    assert main(["diff", str(source), "missing.toml"]) == 2
    capsys.readouterr()
    with pytest.raises(SystemExit) as caught:
        main(["release", str(source), "--releases", str(hist), "--name", "v3", "--at", "yesterday"])
    assert caught.value.code == 2
    assert "'yesterday' is not an ISO 8601 date-time" in capsys.readouterr().err


def test_an_invalid_file_is_not_released(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(RECURRING.replace('end = "10:00"', 'end = "08:00"', 1), encoding="utf-8")
    hist = tmp_path / "hist"
    code = main(
        [
            "release",
            str(bad),
            "--releases",
            str(hist),
            "--name",
            "v1",
            "--at",
            "2026-03-01T09:00:00Z",
        ]
    )
    assert code == 2
    assert "events[0].end" in capsys.readouterr().err
    assert not hist.exists()


def test_a_damaged_history_is_reported(tmp_path: Path, base: Programme) -> None:
    _, release, _ = History.read(tmp_path).record(base, name="v1", at=T1)
    document = json.loads(release.path.read_text(encoding="utf-8"))
    del document["release"]["at"]
    release.path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(isecg_events.ProgrammeError, match=r"0001-v1.json: release.at: must be"):
        History.read(tmp_path)
    for at, message in (
        ("yesterday", "'yesterday' is not a date-time"),
        ("2026-03-01T09:00:00", "2026-03-01T09:00:00 needs a UTC offset"),
    ):
        document["release"]["at"] = at
        release.path.write_text(json.dumps(document), encoding="utf-8")
        with pytest.raises(isecg_events.ProgrammeError, match=rf"release.at: {message}"):
            History.read(tmp_path)
    release.path.rename(tmp_path / "0003-gap.json")
    document["release"]["at"] = "2026-03-01T09:00:00Z"
    (tmp_path / "0003-gap.json").write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(ReleaseError, match="numbered 0001, 0002"):
        History.read(tmp_path)


def test_changes_atom_has_what_rfc_4287_requires(tmp_path: Path, base: Programme) -> None:
    import xml.etree.ElementTree as ET

    history, _, _ = History.read(tmp_path).record(base, name="v1", at=T1)
    history, _, _ = history.record(
        with_event(base, "opening", title="Opening day"), name="v2", at=T2
    )
    feed = ET.fromstring(
        isecg_events.get_exporter("atom").render(history.latest.programme, releases=history)
    )  # type: ignore[union-attr]
    atom = "{http://www.w3.org/2005/Atom}"
    assert feed.tag == f"{atom}feed"
    # atom:feed: exactly one id, title and updated; an author (4.1.1)
    for tag in ("id", "title", "updated"):
        assert len(feed.findall(f"{atom}{tag}")) == 1, tag
    assert feed.find(f"{atom}author/{atom}name") is not None
    for entry in feed.findall(f"{atom}entry"):  # 4.1.2
        for tag in ("id", "title", "updated"):
            assert len(entry.findall(f"{atom}{tag}")) == 1, tag
        assert datetime.fromisoformat(
            entry.findtext(f"{atom}updated", "").replace("Z", "+00:00")
        ).tzinfo
        assert entry.find(f"{atom}content").get("type") == "text"  # type: ignore[union-attr]
    newest = feed.find(f"{atom}entry/{atom}content")
    assert newest is not None and newest.text == "renamed: Opening day (Opening → Opening day)"


def test_changes_atom_links_itself_and_each_entry_when_its_url_is_known(
    tmp_path: Path, base: Programme, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without links the W3C validator warns and feed readers have nothing to open."""
    history, _, _ = History.read(tmp_path / "h").record(base, name="v1", at=T1)
    history, _, _ = history.record(with_event(base, "opening", room="Room B"), name="v2", at=T2)
    atom = isecg_events.get_exporter("atom")
    latest = history.latest.programme  # type: ignore[union-attr]
    parsed = feedparser.parse(atom.render(latest, releases=history, base_url="https://ex.org/glex"))
    assert not parsed.bozo, parsed.bozo_exception
    links = {(link.rel, link.href) for link in parsed.feed.links}
    assert ("self", "https://ex.org/glex/changes.atom") in links
    assert ("alternate", "https://ex.org/glex/schedule.html") in links
    assert [entry.link for entry in parsed.entries] == ["https://ex.org/glex/schedule.html"] * 2
    # Where the URL is not known, nothing is invented.
    assert b"<link" not in atom.render(latest, releases=history)
    with pytest.raises(ValueError, match="not an http"):
        atom.render(latest, releases=history, base_url="ftp://ex.org/")
    # The command line's --base_url reaches the page and the feed alike.
    out = tmp_path / "out"
    arguments = ["--releases", str(tmp_path / "h"), "--base_url", "https://ex.org/glex/"]
    programme = str(history.latest.path)  # type: ignore[union-attr]
    assert main(["export", programme, "-f", "atom", "-o", str(out), *arguments]) == 0
    served = feedparser.parse((out / "changes.atom").read_bytes())
    assert served.entries[0].link == "https://ex.org/glex/schedule.html"
