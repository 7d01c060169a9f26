"""Publishing to a real CalDAV server (publish.py): Radicale on a loopback port."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import caldav
import icalendar
import pytest
from hypothesis import given, settings

import isecg_events
from isecg_events.cli import main
from isecg_events.programme import Programme
from isecg_events.publish import PASSWORD_VARIABLE, WORKERS, PublishError, publish
from tests.judges import Proxy, Radicale, Reply, refusing_port, start_proxy, start_radicale
from tests.programmes import RECURRING, large, model_text, programmes, with_event


@pytest.fixture
def programme() -> Programme:
    return isecg_events.loads(RECURRING)


@pytest.fixture
def calendar_url(radicale: Radicale) -> str:
    return f"{radicale.url}/{radicale.user}/{uuid.uuid4()}/"


def _large(count: int) -> str:
    """``large(count)`` without its one participant, who would be in twelve rooms at once."""
    return large(count).replace('participants = ["ada"]\n', "")


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
    from isecg_events import _caldav_session as module

    real = module.Session.ours

    def stale(self: Any, conference_id: str) -> Any:
        found = real(self, conference_id)
        return {name: attrs.evolve(item, etag='"stale"') for name, item in found.items()}

    monkeypatch.setattr(module.Session, "ours", stale)
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


# -- what servers do: CR written as &#13;, replies that are no WebDAV XML ------


@pytest.fixture
def proxied(radicale: Radicale) -> Any:
    """Start a proxy in front of Radicale whose replies ``edit`` changes."""
    started: list[Any] = []

    def start(edit: Any = None, delay: float = 0.0) -> Proxy:
        servers = start_proxy(radicale.url, edit=edit, delay=delay)
        started.append(servers)
        return next(servers)

    yield start
    for servers in started:
        servers.close()


def _cr_as_entity(method: str, path: str, reply: Reply) -> Reply:
    """What a libxml2-based server writes: every CR of the calendar data as ``&#13;``."""
    status, headers, body = reply
    if method == "REPORT":
        body = re.sub(
            rb"(calendar-data[^>]*>)(.*?)(</)",
            lambda m: m[1] + m[2].replace(b"\r\n", b"\n").replace(b"\n", b"&#13;\n") + m[3],
            body,
            flags=re.S,
        )
    return status, headers, body


def test_events_are_recognised_when_the_server_writes_cr_as_an_entity(
    radicale: Radicale, calendar_url: str, programme: Programme, proxied: Any
) -> None:
    _publish(radicale, programme, calendar_url)
    proxy = proxied(_cr_as_entity)
    url = calendar_url.replace(radicale.url, proxy.url)
    again = _publish(radicale, programme, url)
    assert b"A&#13;\nB" in _cr_as_entity("REPORT", "", (207, {}, b"<calendar-data>A\r\nB</"))[2]
    assert (again.summary(), again.writes) == ("created 0, updated 0, deleted 0, unchanged 3", 0)
    changed = with_event(programme, "opening", title="Opening words")
    outcome = _publish(radicale, changed, url)
    assert (outcome.updated, outcome.writes) == (("Opening words",), 1)


_HTML = (
    b"<!DOCTYPE html><html><head><meta charset=utf-8><title>Sign in</title></head>"
    b"<body><p>Please sign in<br></body></html>"
)
_DTD = (
    b'<?xml version="1.0"?><!DOCTYPE d:multistatus [<!ENTITY x "calendar">]>'
    b'<d:multistatus xmlns:d="DAV:"><d:response><d:href>&x;</d:href></d:response>'
    b"</d:multistatus>"
)


@pytest.mark.parametrize(
    ("method", "body", "kind", "said"),
    [
        ("PROPFIND", _HTML, "text/html", "not WebDAV XML"),
        ("REPORT", _HTML, "text/html", "not WebDAV XML"),
        ("REPORT", _HTML, "text/xml", "not WebDAV XML"),
        ("REPORT", b"", "text/xml", "an empty reply"),
        ("PROPFIND", _DTD, "application/xml", "a DTD"),
        ("REPORT", _DTD, "application/xml", "a DTD"),
        ("REPORT", b'<a xmlns="urn:x"/>', "application/xml", "not a WebDAV multistatus"),
    ],
    ids=[
        "html-propfind",
        "html-report",
        "html-said-xml",
        "empty",
        "dtd-propfind",
        "dtd-report",
        "other-xml",
    ],
)
def test_a_reply_that_is_no_webdav_xml_is_one_line_exit_1(
    radicale: Radicale,
    calendar_url: str,
    programme: Programme,
    proxied: Any,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    method: str,
    body: bytes,
    kind: str,
    said: str,
) -> None:
    _publish(radicale, programme, calendar_url)

    def odd(request: str, path: str, reply: Reply) -> Reply:
        return (207, {"Content-Type": kind}, body) if request == method else reply

    proxy = proxied(odd)
    source = tmp_path / "p.toml"
    source.write_text(RECURRING, encoding="utf-8")
    url = calendar_url.replace(radicale.url, proxy.url)
    monkeypatch.setenv(PASSWORD_VARIABLE, radicale.password)
    assert main(["publish", str(source), "--caldav", url, "--user", radicale.user]) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith("error: ") and said in captured.err, captured.err
    assert len(captured.err.splitlines()) == 1
    for name in ("ParseError", "EntitiesForbidden", "XMLSyntaxError", "Traceback"):
        assert name not in captured.err
    assert captured.out == ""


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("http://[::1/cal/", "host"),
        ("https://alice:pw@[zz]/cal/", "host"),
        ("http://example.org:99999/cal/", "port"),
        ("http://example.org:0/cal/", "port"),
        ("http://example.org:-1/cal/", "port"),
        ("http://exa mple.org/cal/", "space"),
        ("http://example.org/c\nal/", "character"),
        ("http://example.org/cal/\x00", "character"),
        ("", "http"),
        ("example.org/cal/", "http"),
    ],
)
def test_a_malformed_url_is_bad_input_before_any_request(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    url: str,
    said: str,
) -> None:
    from isecg_events import publish as module

    def no_request(*_: object) -> None:
        raise AssertionError("no client may be made for an unusable URL")

    monkeypatch.setattr(module, "_client", no_request)
    source = tmp_path / "p.toml"
    source.write_text(RECURRING, encoding="utf-8")
    assert main(["publish", str(source), "--caldav", url]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --caldav ") and len(err.splitlines()) == 1, err
    assert said in err.split(":", 2)[-1] and "pw" not in err


# -- a republish writes exactly the events that changed ------------------------


def test_a_release_rewrites_only_the_events_it_changed(
    radicale: Radicale,
    calendar_url: str,
    programme: Programme,
    tmp_path: Path,
    proxied: Any,
) -> None:
    from isecg_events.releases import History

    at = datetime(2026, 2, 1, tzinfo=UTC)
    history, _, _ = History.read(tmp_path / "history").record(programme, name="v1", at=at)
    _publish(radicale, programme, calendar_url, releases=history)
    changed = with_event(programme, "opening", title="Opening words")
    history, _, _ = history.record(changed, name="v2", at=at + timedelta(days=3))
    proxy = proxied()
    url = calendar_url.replace(radicale.url, proxy.url)
    outcome = _publish(radicale, changed, url, releases=history)
    assert outcome.summary() == "created 0, updated 1, deleted 0, unchanged 2"
    puts = [path for method, path, _ in proxy.requests if method == "PUT"]
    assert len(puts) == outcome.writes == 1
    assert sorted(_read(radicale, calendar_url)) == ["Coffee break", "Opening words", "Panel"]


def test_without_a_history_a_new_published_stamp_rewrites_nothing(
    radicale: Radicale, calendar_url: str, programme: Programme
) -> None:
    _publish(radicale, programme, calendar_url)
    before = _read(radicale, calendar_url)
    later = attrs.evolve(
        programme,
        conference=attrs.evolve(
            programme.conference, published=datetime(2026, 3, 1, 12, tzinfo=UTC)
        ),
    )
    again = _publish(radicale, later, calendar_url)
    assert (again.summary(), again.writes) == ("created 0, updated 0, deleted 0, unchanged 3", 0)
    moved = with_event(later, "panel", room="Room C")
    outcome = _publish(radicale, moved, calendar_url)
    assert (outcome.updated, outcome.writes) == (("Panel",), 1)
    after = _read(radicale, calendar_url)
    assert after["Panel"]["DTSTAMP"].dt == datetime(2026, 3, 1, 12, tzinfo=UTC)
    assert after["Opening"]["DTSTAMP"].dt == before["Opening"]["DTSTAMP"].dt


# -- an event edited on the server is put back ----------------------------------


def _edit_on_server(radicale: Radicale, calendar_url: str, title: str, edit: Any) -> None:
    """What a calendar client does: read the event, change it, PUT it back (our marks kept)."""
    calendar = _client(radicale).calendar(url=calendar_url)
    for item in calendar.events():
        parsed = icalendar.Calendar.from_ical(item.data)
        event = next(e for e in parsed.walk("VEVENT"))
        if str(event["SUMMARY"]) == title:
            edit(event)
            event["X-MOZ-GENERATION"] = "2"  # what Thunderbird adds
            item.data = parsed.to_ical().decode()
            item.save()
            return
    raise AssertionError(title)


def test_an_event_edited_on_the_server_is_restored(
    radicale: Radicale,
    calendar_url: str,
    programme: Programme,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _publish(radicale, programme, calendar_url)

    def move(event: Any) -> None:
        event["SUMMARY"] = "Opening (moved to the bar)"
        event["LOCATION"] = "The bar"

    _edit_on_server(radicale, calendar_url, "Opening", move)
    _edit_on_server(radicale, calendar_url, "Panel", lambda e: e.add("ATTENDEE", "mailto:x@y"))
    dry = _publish(radicale, programme, calendar_url, dry_run=True)
    assert (sorted(dry.restored), dry.writes) == (["Opening", "Panel"], 0)
    source = tmp_path / "p.toml"
    source.write_text(RECURRING, encoding="utf-8")
    monkeypatch.setenv(PASSWORD_VARIABLE, radicale.password)
    command = ["publish", str(source), "--caldav", calendar_url, "--user", radicale.user]
    assert main([*command, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "would be restored: Opening\n" in out and out.endswith(
        "would be created 0, updated 0, deleted 0, unchanged 1, restored 2\n"
    )
    outcome = _publish(radicale, programme, calendar_url)
    assert outcome.summary() == "created 0, updated 0, deleted 0, unchanged 1, restored 2"
    assert sorted(outcome.restored) == ["Opening", "Panel"]
    events = _read(radicale, calendar_url)
    assert sorted(events) == ["Coffee break", "Opening", "Panel"]
    assert "ATTENDEE" not in events["Panel"]
    assert str(events["Opening"]["LOCATION"]) == "Room A, Centre"
    again = _publish(radicale, programme, calendar_url)
    assert (again.summary(), again.writes) == ("created 0, updated 0, deleted 0, unchanged 3", 0)


def test_what_a_server_adds_or_rewrites_is_not_an_edit(
    radicale: Radicale, calendar_url: str, programme: Programme, proxied: Any
) -> None:
    """Folding, line ends, PRODID, X- properties and defaults a server adds: not edits."""
    _publish(radicale, programme, calendar_url)

    def normalise(method: str, path: str, reply: Reply) -> Reply:
        status, headers, body = reply
        if method != "REPORT":
            return status, headers, body

        def rewrite(match: re.Match[bytes]) -> bytes:
            text = match[2].replace(b"\r\n ", b"").replace(b"\r\n", b"\n")
            text = re.sub(rb"PRODID:[^\n]*", b"PRODID:-//Server//EN", text)
            text = text.replace(
                b"END:VEVENT",
                b"TRANSP:OPAQUE\nX-SERVER-SEEN:1\nCREATED:20260102T000000Z\nEND:VEVENT",
            )
            return match[1] + text + match[3]

        return (
            status,
            headers,
            re.sub(rb"(calendar-data[^>]*>)(.*?)(</)", rewrite, body, flags=re.S),
        )

    proxy = proxied(normalise)
    url = calendar_url.replace(radicale.url, proxy.url)
    again = _publish(radicale, programme, url)
    assert (again.summary(), again.writes) == ("created 0, updated 0, deleted 0, unchanged 3", 0)


# -- errors say what happened and what to do ------------------------------------


def test_a_missing_password_says_how_to_give_one(
    radicale: Radicale,
    calendar_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = tmp_path / "p.toml"
    source.write_text(RECURRING, encoding="utf-8")
    monkeypatch.delenv(PASSWORD_VARIABLE, raising=False)  # and no terminal to ask on
    assert main(["publish", str(source), "--caldav", calendar_url, "--user", radicale.user]) == 1
    err = capsys.readouterr().err
    assert f"asks for the password of {radicale.user} and none was given" in err, err
    assert PASSWORD_VARIABLE in err and "wrong" not in err
    assert main(["publish", str(source), "--caldav", calendar_url]) == 1
    err = capsys.readouterr().err
    assert "asks for a user name and password: give --user NAME" in err, err
    monkeypatch.setenv(PASSWORD_VARIABLE, radicale.password)
    assert main(["publish", str(source), "--caldav", calendar_url]) == 1
    err = capsys.readouterr().err
    assert "asks for a user name with the password: give --user NAME" in err, err


def test_access_denied_is_not_a_wrong_password(radicale: Radicale, programme: Programme) -> None:
    someone_elses = f"{radicale.url}/someone-else/{uuid.uuid4()}/"
    with pytest.raises(PublishError) as caught:
        _publish(radicale, programme, someone_elses)
    message = str(caught.value)
    assert f"refuses reading the calendar to user {radicale.user}" in message, message
    assert "no permission" in message and "wrong" not in message


def test_a_missing_parent_collection_says_it_must_exist(
    tmp_path: Path, programme: Programme
) -> None:
    servers = start_radicale(tmp_path, auth=False)
    server = next(servers)
    try:
        url = f"{server.url}/events-team/glex-2017/"
        with pytest.raises(PublishError) as caught:
            publish(programme, url)
        message = str(caught.value)
        assert f"{server.url}/events-team/, does not exist" in message, message
        assert f"curl -X MKCOL {server.url}/events-team/" in message
        assert message.endswith("(nothing was written)")
        # what the message says to do, done: the calendar is made in it
        status, _ = server.request("MKCOL", "/events-team/")
        assert status == 201
        assert publish(programme, url).summary() == "created 3, updated 0, deleted 0, unchanged 0"
    finally:
        servers.close()


# -- a few writes at a time, progress on a terminal, Ctrl-C --------------------


def test_writes_go_a_few_at_a_time_each_with_its_precondition(
    radicale: Radicale, proxied: Any
) -> None:
    many = isecg_events.loads(_large(24))
    proxy = proxied(delay=0.05)
    base = f"{proxy.url}/{radicale.user}"
    outcome = _publish(radicale, many, f"{base}/{uuid.uuid4()}/", workers=1)
    assert (proxy.most_at_once, len(outcome.created)) == (1, 24)
    proxy.requests.clear()
    url = f"{base}/{uuid.uuid4()}/"
    outcome = _publish(radicale, many, url)
    assert len(outcome.created) == 24
    assert 1 < proxy.most_at_once <= WORKERS  # the time it saves: benchmarks/publish.py
    puts = [headers for method, _, headers in proxy.requests if method == "PUT"]
    assert len(puts) == 24 and all(h.get("If-None-Match") == "*" for h in puts)
    proxy.requests.clear()
    renamed = attrs.evolve(
        many, events=tuple(attrs.evolve(e, title=e.title + " (new)") for e in many.events)
    )
    assert len(_publish(radicale, renamed, url).updated) == 24
    puts = [headers for method, _, headers in proxy.requests if method == "PUT"]
    assert len(puts) == 24 and all(h.get("If-Match", "").startswith('"') for h in puts)


def test_progress_is_shown_on_a_terminal_only(
    radicale: Radicale, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pty

    source = tmp_path / "p.toml"
    source.write_text(_large(30), encoding="utf-8")
    url = f"{radicale.url}/{radicale.user}/{uuid.uuid4()}/"
    command = [sys.executable, "-m", "isecg_events", "publish", str(source), "--caldav", url]
    command += ["--user", radicale.user]
    env = {**os.environ, PASSWORD_VARIABLE: radicale.password}
    main_side, terminal = pty.openpty()
    try:
        done = subprocess.run(
            command, stderr=terminal, stdout=subprocess.PIPE, env=env, timeout=120, check=False
        )
        os.close(terminal)
        shown = b""
        with contextlib.suppress(OSError):  # EIO: the terminal's other side is closed
            while chunk := os.read(main_side, 4096):
                shown += chunk
    finally:
        os.close(main_side)
    assert (
        done.returncode == 0 and done.stdout == b"created 30, updated 0, deleted 0, unchanged 0\n"
    )
    assert b"publishing: " in shown and b" of 30 writes" in shown, shown
    assert shown.endswith(b"\r"), shown  # wiped at the end
    quiet = subprocess.run(
        [*command[:-4], "--caldav", url.replace(url[-37:-1], str(uuid.uuid4())), *command[-2:]],
        capture_output=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert (quiet.returncode, quiet.stderr) == (0, b"")


def _calendar_titles(radicale: Radicale, url: str) -> list[str]:
    """The SUMMARY of every resource, each read whole as iCalendar (marks included)."""
    titles = []
    for item in _client(radicale).calendar(url=url).events():
        event = icalendar.Calendar.from_ical(item.data).walk("VEVENT")[0]
        assert "X-ISECG-EVENTS-HASH" in event and item.data.rstrip().endswith("END:VCALENDAR")
        titles.append(str(event["SUMMARY"]))
    return titles


@pytest.mark.parametrize("after", [1, 18])
def test_ctrl_c_leaves_every_event_old_or_new_and_a_rerun_completes(
    radicale: Radicale, tmp_path: Path, proxied: Any, after: int
) -> None:
    count = 40
    old = tmp_path / "old.toml"
    old.write_text(_large(count), encoding="utf-8")
    new = tmp_path / "new.toml"
    new.write_text(_large(count).replace('title = "Session', 'title = "Talk'), encoding="utf-8")
    proxy = proxied(delay=0.1)
    url = f"{proxy.url}/{radicale.user}/{uuid.uuid4()}/"
    env = {**os.environ, PASSWORD_VARIABLE: radicale.password}

    def command(source: Path) -> list[str]:
        return [sys.executable, "-m", "isecg_events", "publish", str(source), "--caldav", url,
                "--user", radicale.user]  # fmt: skip

    def interrupted(source: Path) -> str:
        proxy.requests.clear()
        running = subprocess.Popen(
            command(source), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
        )
        deadline = time.monotonic() + 60
        while sum(m == "PUT" for m, _, _ in proxy.requests) < after:
            assert time.monotonic() < deadline and running.poll() is None
            time.sleep(0.005)
        running.send_signal(signal.SIGINT)
        out, err = running.communicate(timeout=60)
        assert (running.returncode, out) == (130, b""), err
        text = err.decode()
        assert text.startswith("interrupted after: ") and "publish again" in text, text
        assert len(text.splitlines()) == 1 and "Traceback" not in text
        return text

    said = interrupted(old)
    created = int(re.search(r"created (\d+)", said)[1])  # type: ignore[index]
    titles = _calendar_titles(radicale, url.replace(proxy.url, radicale.url))
    assert 0 < created < count and len(titles) == created
    rerun = subprocess.run(command(old), capture_output=True, env=env, timeout=120, check=False)
    assert rerun.stdout.decode() == (
        f"created {count - created}, updated 0, deleted 0, unchanged {created}\n"
    )
    said = interrupted(new)
    updated = int(re.search(r"updated (\d+)", said)[1])  # type: ignore[index]
    titles = _calendar_titles(radicale, url.replace(proxy.url, radicale.url))
    assert len(titles) == count and 0 < updated < count
    assert sum(t.startswith("Talk") for t in titles) == updated
    assert all(t.startswith(("Talk", "Session")) for t in titles)
    rerun = subprocess.run(command(new), capture_output=True, env=env, timeout=120, check=False)
    assert rerun.stdout.decode() == (
        f"created 0, updated {count - updated}, deleted 0, unchanged {updated}\n"
    )


# -- the comparison, on any programme -----------------------------------------


@given(programmes(text=model_text(hazards=True, max_size=30)))
@settings(max_examples=40, deadline=None)
def test_every_resource_reads_back_as_itself_and_its_hash_ignores_stamps(
    drawn: Programme,
) -> None:
    from isecg_events import publish as module
    from isecg_events._ical_content import HASH, read_events, same

    later = attrs.evolve(
        drawn, conference=attrs.evolve(drawn.conference, published=datetime(2026, 9, 9, tzinfo=UTC))
    )
    again = module._resources(later, None)
    for name, (_, body, content) in module._resources(drawn, None).items():
        text = body.decode("utf-8")
        events = read_events(text)
        assert events and same(events, body)
        assert {str(e[HASH]) for e in events} == {content} == {again[name][2]}
        # a server that writes LF only, or CR as &#13; (read back as CR LF), changes nothing
        assert same(read_events(text.replace("\r\n", "\n")) or (), body)
        # what changed in the event is seen
        edited = text.replace("\r\nSUMMARY:", "\r\nSUMMARY:X ", 1)
        assert not same(read_events(edited) or (), body)


def test_xandikos_which_takes_one_write_at_a_time(xandikos: str) -> None:
    """Xandikos answers 423 Locked to concurrent writes: each is sent again, none lost."""
    many = isecg_events.loads(_large(30))
    url = f"{xandikos}/user/calendars/{uuid.uuid4()}/"
    outcome = publish(many, url)
    assert (len(outcome.created), outcome.conflicts) == (30, ())
    fewer = attrs.evolve(many, events=many.events[:20])
    renamed = with_event(fewer, "e0", title="First")
    outcome = publish(renamed, url)
    assert (outcome.updated, len(outcome.deleted), len(outcome.unchanged)) == (("First",), 10, 19)
    again = publish(renamed, url)
    assert (again.writes, len(again.unchanged)) == (0, 20)


def test_the_counter_is_wiped_however_the_writes_end(
    radicale: Radicale, programme: Programme, proxied: Any
) -> None:
    import io

    from isecg_events.publish import terminal_progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert terminal_progress(io.StringIO()) is None
    screen = Terminal()
    counter = terminal_progress(screen)
    assert counter is not None
    counter(1, 3)
    counter(3, 3)
    counter.end()  # type: ignore[attr-defined]
    width = len("publishing: 3 of 3 writes")
    assert screen.getvalue().endswith("\rpublishing: 3 of 3 writes\r" + " " * width + "\r")

    puts = []

    def failing(method: str, path: str, reply: Reply) -> Reply:
        puts.append(method == "PUT")
        return (500, {}, b"") if method == "PUT" and sum(puts) == 3 else reply

    proxy = proxied(failing)
    screen = Terminal()
    with pytest.raises(PublishError, match="the server answered 500"):
        publish(
            programme,
            f"{proxy.url}/{radicale.user}/{uuid.uuid4()}/",
            user=radicale.user,
            password=radicale.password,
            progress=terminal_progress(screen),
        )
    shown = screen.getvalue()
    assert shown.startswith("\rpublishing: 1 of 3 writes") and shown.endswith(" \r"), shown
