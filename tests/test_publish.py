"""Publishing to a real CalDAV server (publish.py): Radicale on a loopback port."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import caldav
import icalendar
import pytest

import isecg_events
from isecg_events.cli import main
from isecg_events.programme import Programme
from isecg_events.publish import PASSWORD_VARIABLE, PublishError, publish
from tests.judges import Radicale, refusing_port
from tests.programmes import RECURRING, with_event


@pytest.fixture
def programme() -> Programme:
    return isecg_events.loads(RECURRING)


@pytest.fixture
def calendar_url(radicale: Radicale) -> str:
    return f"{radicale.url}/{radicale.user}/{uuid.uuid4()}/"


def _client(radicale: Radicale) -> Any:
    return caldav.DAVClient(url=radicale.url, username=radicale.user, password=radicale.password)


def _read(radicale: Radicale, url: str) -> dict[str, icalendar.Event]:
    """Every VEVENT in the collection, read back with python-caldav, by SUMMARY."""
    calendar = _client(radicale).calendar(url=url)
    events = {}
    for item in calendar.events():
        parsed = icalendar.Calendar.from_ical(item.data)
        for event in parsed.walk("VEVENT"):
            events[str(event["SUMMARY"])] = event
    return events


def _publish(radicale: Radicale, programme: Programme, url: str, **options: Any) -> Any:
    return publish(programme, url, user=radicale.user, password=radicale.password, **options)


def test_publish_creates_the_calendar_and_one_resource_per_event(
    radicale: Radicale, calendar_url: str, programme: Programme
) -> None:
    outcome = _publish(radicale, programme, calendar_url)
    assert outcome.summary() == "created 3, updated 0, deleted 0, unchanged 0"
    calendar = _client(radicale).calendar(url=calendar_url)
    assert calendar.get_display_name() == "Demo Conference"
    events = _read(radicale, calendar_url)
    assert sorted(events) == ["Coffee break", "Opening", "Panel"]
    opening = events["Opening"]
    assert opening["DTSTART"].dt.isoformat() == "2026-03-28T09:00:00+01:00"
    assert str(opening["DTSTART"].params["TZID"]) == "Europe/Paris"
    assert str(events["Panel"]["STATUS"]) == "CANCELLED"
    # the server's own expansion of the daily break, across the DST change
    found = calendar.search(
        start=datetime(2026, 3, 27), end=datetime(2026, 4, 1), event=True, expand=True
    )
    breaks = sorted(
        e.dt.astimezone().isoformat()
        for item in found
        for v in icalendar.Calendar.from_ical(item.data).walk("VEVENT")
        if str(v["SUMMARY"]) == "Coffee break"
        for e in [v["DTSTART"]]
    )
    assert [b[11:16] for b in breaks] == ["09:30", "08:30", "08:30"]  # 10:30 local, UTC+1 then +2


def test_republish_writes_nothing(
    radicale: Radicale, calendar_url: str, programme: Programme
) -> None:
    _publish(radicale, programme, calendar_url)
    again = _publish(radicale, programme, calendar_url)
    assert again.summary() == "created 0, updated 0, deleted 0, unchanged 3"
    assert again.writes == 0
    assert again.requests == 2  # PROPFIND the collection, REPORT its events


def test_a_changed_programme(radicale: Radicale, calendar_url: str, programme: Programme) -> None:
    _publish(radicale, programme, calendar_url)
    opening = next(e for e in programme.events if e.id == "opening")
    hour = timedelta(hours=1)
    changed = with_event(programme, "opening", start=opening.start + hour, end=opening.end + hour)
    changed = with_event(changed, "coffee", title="Coffee")
    changed = with_event(changed, "panel", status="confirmed")
    outcome = _publish(radicale, changed, calendar_url)
    assert sorted(outcome.updated) == ["Coffee", "Opening", "Panel"]
    events = _read(radicale, calendar_url)
    assert events["Opening"]["DTSTART"].dt.isoformat() == "2026-03-28T10:00:00+01:00"
    assert str(events["Panel"]["STATUS"]) == "CONFIRMED"
    fewer = attrs.evolve(changed, events=tuple(e for e in changed.events if e.id != "coffee"))
    added = attrs.evolve(
        fewer,
        events=(*fewer.events, attrs.evolve(opening, id="closing", title="Closing", room="Room C")),
    )
    outcome = _publish(radicale, added, calendar_url)
    assert (outcome.created, outcome.deleted) == (("Closing",), ("Coffee",))
    assert sorted(_read(radicale, calendar_url)) == ["Closing", "Opening", "Panel"]


def test_a_foreign_event_is_left_alone(
    radicale: Radicale, calendar_url: str, programme: Programme
) -> None:
    _publish(radicale, programme, calendar_url)
    foreign = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//someone//EN\r\nBEGIN:VEVENT\r\n"
        "UID:someone-else-1\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260328T120000Z\r\n"
        "SUMMARY:Lunch with the team\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    status, _ = radicale.request(
        "PUT", f"{calendar_url.split(radicale.url)[1]}lunch.ics", foreign.encode(),
        {"Content-Type": "text/calendar"},
    )  # fmt: skip
    assert status == 201
    fewer = attrs.evolve(programme, events=programme.events[:1])
    outcome = _publish(radicale, fewer, calendar_url)
    assert len(outcome.deleted) == 2
    assert "Lunch with the team" in _read(radicale, calendar_url)


def test_dry_run_writes_nothing(
    radicale: Radicale, calendar_url: str, programme: Programme
) -> None:
    outcome = _publish(radicale, programme, calendar_url, dry_run=True)
    assert outcome.summary() == "created 3, updated 0, deleted 0, unchanged 0"
    assert outcome.writes == 0
    status, _ = radicale.request(
        "PROPFIND", calendar_url.split(radicale.url)[1], headers={"Depth": "0"}
    )
    assert status == 404  # not even the calendar


def test_a_conflict_is_not_overwritten(
    radicale: Radicale, calendar_url: str, programme: Programme, monkeypatch: pytest.MonkeyPatch
) -> None:
    _publish(radicale, programme, calendar_url)
    from isecg_events import publish as module

    real = module._Session.ours

    def stale(self: Any, conference_id: str) -> Any:
        found = real(self, conference_id)
        return {name: attrs.evolve(item, etag='"stale"') for name, item in found.items()}

    monkeypatch.setattr(module._Session, "ours", stale)
    changed = with_event(programme, "opening", title="Renamed opening")
    with pytest.raises(
        PublishError, match="changed on the server meanwhile, not overwritten: Opening"
    ):
        _publish(radicale, changed, calendar_url)
    assert "Opening" in _read(radicale, calendar_url)


def test_errors_are_one_line_and_keep_the_password_secret(
    radicale: Radicale, calendar_url: str, programme: Programme
) -> None:
    with pytest.raises(PublishError, match="wrong user name or password") as caught:
        publish(programme, calendar_url, user=radicale.user, password="hunter2-wrong")
    assert "hunter2" not in str(caught.value) and "\n" not in str(caught.value)
    with refusing_port() as port, pytest.raises(PublishError, match=r"cannot reach 127\.0\.0\.1"):
        publish(
            programme, f"http://127.0.0.1:{port}/calendar/", user="x", password="hunter2-secret"
        )
    not_calendar = f"{radicale.url}/{radicale.user}/"
    with pytest.raises(PublishError, match="is not a calendar collection"):
        _publish(radicale, programme, not_calendar)


def test_the_command(
    radicale: Radicale,
    calendar_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = tmp_path / "p.toml"
    source.write_text(RECURRING, encoding="utf-8")
    command = ["publish", str(source), "--caldav", calendar_url, "--user", radicale.user]
    monkeypatch.setenv(PASSWORD_VARIABLE, radicale.password)
    assert main([*command, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "would be created: Opening" in out and out.rstrip().endswith(
        "dry run, nothing written: would be created 3, updated 0, deleted 0, unchanged 0"
    )
    assert main(command) == 0
    assert capsys.readouterr().out == "created 3, updated 0, deleted 0, unchanged 0\n"
    monkeypatch.setenv(PASSWORD_VARIABLE, "not-it-at-all")
    assert main(command) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith("error: wrong user name or password")
    assert "not-it-at-all" not in captured.err + captured.out


def test_a_second_server_xandikos(xandikos: str, programme: Programme) -> None:
    url = f"{xandikos}/user/calendars/{uuid.uuid4()}/"
    assert publish(programme, url).summary() == "created 3, updated 0, deleted 0, unchanged 0"
    again = publish(programme, url)
    assert (again.summary(), again.writes) == ("created 0, updated 0, deleted 0, unchanged 3", 0)
    changed = with_event(programme, "opening", room="Room Z")
    changed = attrs.evolve(changed, events=tuple(e for e in changed.events if e.id != "coffee"))
    outcome = publish(changed, url)
    assert (outcome.updated, outcome.deleted) == (("Opening",), ("Coffee break",))
    calendar = caldav.DAVClient(url=xandikos).calendar(url=url)
    summaries = sorted(
        str(v["SUMMARY"])
        for item in calendar.events()
        for v in icalendar.Calendar.from_ical(item.data).walk("VEVENT")
    )
    assert summaries == ["Opening", "Panel"]
