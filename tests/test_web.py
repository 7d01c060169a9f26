"""The feed server (web.py, ``isecg-events serve``), started for real and spoken to over HTTP."""

from __future__ import annotations

import gzip
import json
import os
import threading
import time
from pathlib import Path

import pytest

from isecg_events import ProgrammeError
from isecg_events.cli import main
from isecg_events.web import create_app
from tests.judges import Server
from tests.programmes import MINIMAL, RECURRING


def _exported(tmp_path: Path, file: Path) -> dict[str, bytes]:
    out = tmp_path / "exported"
    assert main(["export", str(file), "--format", "all", "--feeds", "-o", str(out)]) == 0
    return {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()}


def _wait_for(server: Server, path: str, needle: bytes, seconds: float = 10.0) -> bytes:
    """Poll (bounded) until ``path`` holds ``needle``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        _, _, body = server.get(path)
        if needle in body:
            return body
        time.sleep(0.2)
    raise AssertionError(f"{path} never held {needle!r}")


def test_every_path_is_byte_identical_to_the_export(
    feed_server: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exported = _exported(tmp_path, feed_server.file)
    capsys.readouterr()
    assert {"demo2026.ics", "schedule.json", "tracks/policy.ics", "people/ada.ics"} <= set(exported)
    for name, content in exported.items():
        status, headers, body = feed_server.get(f"/{name}")
        assert status == 200, name
        assert body == content, name
        assert headers["etag"].startswith('"') and "last-modified" in headers
        assert headers["vary"] == "Accept-Encoding"
    assert feed_server.get("/demo2026.ics")[1]["content-type"] == "text/calendar; charset=utf-8"
    assert feed_server.get("/schedule.json")[1]["access-control-allow-origin"] == "*"
    assert "access-control-allow-origin" not in feed_server.get("/demo2026.ics")[1]


def test_conditional_requests_head_and_gzip(feed_server: Server) -> None:
    status, headers, body = feed_server.get("/demo2026.ics")
    assert status == 200
    etag, modified = headers["etag"], headers["last-modified"]
    assert feed_server.get("/demo2026.ics", {"If-None-Match": etag})[0] == 304
    assert feed_server.get("/demo2026.ics", {"If-None-Match": etag})[2] == b""
    assert feed_server.get("/demo2026.ics", {"If-None-Match": '"other"'})[0] == 200
    assert feed_server.get("/demo2026.ics", {"If-Modified-Since": modified})[0] == 304
    old = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert feed_server.get("/demo2026.ics", {"If-Modified-Since": old})[0] == 200
    head = feed_server.get("/demo2026.ics", method="HEAD")
    assert head[0] == 200 and head[2] == b"" and head[1]["content-length"] == str(len(body))
    _, headers, packed = feed_server.get("/demo2026.ics", {"Accept-Encoding": "gzip"})
    assert headers["content-encoding"] == "gzip" and gzip.decompress(packed) == body
    assert headers["etag"] != etag  # another representation, another strong tag
    assert (
        feed_server.get(
            "/demo2026.ics", {"If-None-Match": headers["etag"], "Accept-Encoding": "gzip"}
        )[0]
        == 304
    )


def test_errors_and_traversal(feed_server: Server) -> None:
    assert feed_server.get("/demo2026.ics", method="POST")[0] == 405
    assert feed_server.get("/demo2026.ics", method="POST")[1]["allow"] == "GET, HEAD"
    assert feed_server.get("/demo2026.ics", method="DELETE")[0] == 405
    for path in (
        "/nothing.ics", "/../programme.toml", "/%2e%2e/programme.toml", "/programme.toml",
        "/events/..%2fprogramme.toml", "/events%2f..%2f..%2fprogramme.toml", "/serve.log",
        "//etc/passwd", "/events/%2e%2e/%2e%2e/programme.toml",
    ):  # fmt: skip
        status, _, body = feed_server.get(path)
        assert status == 404, path
        assert b"[tool" not in body and b"Opening" not in body, path


def test_index_status_and_personal_feeds(feed_server: Server) -> None:
    status, headers, page = feed_server.get("/", {"Host": "feeds.example.org"})
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    assert b'href="webcal://feeds.example.org/rooms/room-a.ics"' in page
    assert b'href="http://feeds.example.org/tracks/policy.ics"' in page
    state = json.loads(feed_server.get("/status")[2])
    assert state["problems"] == [] and state["events"] == 3
    status, _, mine = feed_server.get("/feed.ics?event=coffee&track=policy&person=ada")
    assert status == 200
    assert mine.count(b"BEGIN:VEVENT") == 3  # coffee, the panel (policy), the opening (ada)
    assert b"X-WR-CALNAME:Demo Conference \xe2\x80\x93 my 3 sessions" in mine
    again = feed_server.get("/feed.ics?person=ada&track=policy&event=coffee")
    assert again[2] == mine  # the union, whatever the order
    # one track, room or person: named as its own feed
    for query, name in (
        ("track=policy", "Policy"),
        ("room=room-a", "Room A"),
        ("person=ada", "Ada Lovelace"),
        ("event=coffee", "my 1 session"),
    ):
        body = feed_server.get(f"/feed.ics?{query}")[2]
        assert f"X-WR-CALNAME:Demo Conference \u2013 {name}\r\n".encode() in body, query
    unknown = b"unknown parameter 'colour': one or more of event=, track=, room=, person="
    for query, message in (
        ("event=nope", b"no event 'nope'"),
        ("track=none", b"no track 'none'"),
        ("person=adda", b"did you mean 'ada'"),
        ("colour=red", unknown),
        ("", b"a personal feed needs one or more of event=, track=, room=, person="),
        ("type=talk", b"unknown parameter 'type'"),
        ("participant=ada", b"unknown parameter 'participant'"),
    ):
        status, _, body = feed_server.get(f"/feed.ics?{query}")
        assert status == 404 and message in body, query


def test_follows_the_file_and_keeps_the_last_good_version(feed_server: Server) -> None:
    feed_server.file.write_text(
        RECURRING.replace('room = "Foyer"', 'room = "Hall"'), encoding="utf-8"
    )
    _wait_for(feed_server, "/demo2026.ics", b"LOCATION:Hall")
    assert feed_server.get("/rooms/hall.ics")[0] == 200
    assert feed_server.get("/rooms/foyer.ics")[0] == 404
    broken = RECURRING.replace('end = "10:00"', 'end = "08:00"', 1)
    feed_server.file.write_text(broken, encoding="utf-8")
    deadline = time.monotonic() + 10
    while not json.loads(feed_server.get("/status")[2])["problems"] and time.monotonic() < deadline:
        time.sleep(0.2)
    state = json.loads(feed_server.get("/status")[2])
    index = broken.index('"08:00"')
    line, column = broken.count("\n", 0, index) + 1, index - broken.rfind("\n", 0, index)
    assert state["problems"] == [
        f"{feed_server.file}:{line}:{column}: events[0].end: 08:00 is not after start 09:00"
    ]
    assert b"LOCATION:Hall" in feed_server.get("/demo2026.ics")[2]  # still the last good one
    log = (feed_server.file.parent / "serve.log").read_text(encoding="utf-8")
    assert log.count("events[0].end: 08:00 is not after start 09:00") == 1  # reported once


def test_concurrent_requests_during_reloads_get_one_version_whole(feed_server: Server) -> None:
    versions = [RECURRING.replace('room = "Foyer"', f'room = "Foyer {n}"') for n in range(4)]
    seen: list[bytes] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def client() -> None:
        while not stop.is_set():
            try:
                status, _, body = feed_server.get("/demo2026.ics")
                assert status == 200
                seen.append(body)
            except BaseException as error:
                errors.append(error)
                return

    threads = [threading.Thread(target=client) for _ in range(6)]
    for thread in threads:
        thread.start()
    try:
        for text in versions:
            feed_server.file.write_text(text, encoding="utf-8")
            os.utime(feed_server.file)
            time.sleep(1.3)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=20)
    assert not errors
    feeds = set(seen)
    assert 2 <= len(feeds) <= len(versions) + 1
    for body in feeds:  # each whole: one Foyer, a complete calendar
        assert body.endswith(b"END:VCALENDAR\r\n")
        assert (
            len({line for line in body.split(b"\r\n") if line.startswith(b"LOCATION:Foyer")}) == 1
        )


def test_the_wsgi_application_directly(tmp_path: Path) -> None:
    file = tmp_path / "p.toml"
    file.write_text(RECURRING, encoding="utf-8")
    app = create_app(file, profile="rich")
    captured: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        captured.append(status)

    body = b"".join(app({"REQUEST_METHOD": "GET", "PATH_INFO": "/demo2026.ics"}, start_response))
    assert captured == ["200 OK"] and b"PARTICIPANT" in body
    file.write_text("not = [valid", encoding="utf-8")
    with pytest.raises(Exception, match=r"p\.toml"):
        create_app(file)


def test_ctrl_c_stops_the_server_cleanly(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import urllib.request

    from tests.judges import start_listening

    file = tmp_path / "p.toml"
    file.write_text(RECURRING, encoding="utf-8")
    # As a terminal starts it: a job started in the background by a script
    # (as CI may run the tests) inherits SIGINT ignored, and Python then
    # installs no KeyboardInterrupt handler.
    serve = [sys.executable, "-m", "isecg_events", "serve", str(file), "--port"]
    process, port = start_listening(
        lambda port: [*serve, str(port)],
        None,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        # Ctrl-C while serving: once a request has been answered, the loop runs.
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/status", timeout=30) as answer:
            assert answer.status == 200
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)  # waitress lets running requests finish
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    assert process.returncode == 0
    assert b"Traceback" not in err and b"serving" in err


# -- hostile conditions (issue 33.4, 33.9, 33.14; 36.8) -------------------------


def _status(server: Server) -> dict[str, object]:
    state: dict[str, object] = json.loads(server.get("/status")[2])
    return state


def _wait_for_status(server: Server, key: str, wanted: object, seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if _status(server)[key] == wanted:
            return
        time.sleep(0.2)
    raise AssertionError(f"/status {key} never became {wanted!r}: {_status(server)}")


def test_a_fifo_at_the_watched_path_never_blocks_a_request(feed_server: Server) -> None:
    feed_server.file.unlink()
    os.mkfifo(feed_server.file)
    time.sleep(1.1)  # past the check interval: the next request looks at the path
    began = time.monotonic()
    status, _, body = feed_server.get("/demo2026.ics")  # would hang on open() before
    assert status == 200 and b"BEGIN:VCALENDAR" in body  # the last good version
    assert time.monotonic() - began < 5
    _wait_for_status(
        feed_server,
        "problems",
        [f"{feed_server.file}: is not a regular file (a FIFO or a device); not read"],
    )
    feed_server.file.unlink()  # the lock was released: the next edit is served
    feed_server.file.write_text(RECURRING.replace('room = "Foyer"', 'room = "Hall"'), "utf-8")
    _wait_for(feed_server, "/demo2026.ics", b"LOCATION:Hall")
    assert _status(feed_server)["problems"] == []


def test_a_deleted_file_is_one_clear_problem_and_its_return_clears_it(
    feed_server: Server,
) -> None:
    text = feed_server.file.read_text(encoding="utf-8")
    stamp = feed_server.file.stat()
    feed_server.file.unlink()
    _wait_for_status(
        feed_server, "problems", [f"{feed_server.file}: no such file (deleted or moved?)"]
    )
    assert feed_server.get("/demo2026.ics")[0] == 200  # the last good version stays online
    feed_server.file.write_text(text, encoding="utf-8")
    os.utime(feed_server.file, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))  # as it was
    _wait_for_status(feed_server, "problems", [])
    log = (feed_server.file.parent / "serve.log").read_text(encoding="utf-8")
    assert "[Errno" not in log and log.count("no such file") == 1


def test_serving_a_missing_file_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.toml"
    assert main(["serve", str(missing), "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert err.splitlines()[0] == f"error: {missing}: no such file (deleted or moved?)"
    assert "[Errno" not in err


def test_a_failed_reload_releases_the_lock_and_shows_in_status(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from isecg_events import web

    file = tmp_path / "p.toml"
    file.write_text(RECURRING, encoding="utf-8")
    lines: list[str] = []
    app = create_app(file, check_interval=0, log=lines.append)

    def get(path: str) -> tuple[str, bytes]:
        captured: list[str] = []
        body = b"".join(
            app({"REQUEST_METHOD": "GET", "PATH_INFO": path}, lambda s, h: captured.append(s))
        )
        return captured[0], body

    def broken(*args: object, **kwargs: object) -> dict[str, bytes]:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(web, "site_files", broken)
    file.write_text(RECURRING.replace('room = "Foyer"', 'room = "Hall"'), encoding="utf-8")
    assert get("/demo2026.ics")[0] == "200 OK"  # the last good version
    problems = json.loads(get("/status")[1])["problems"]
    assert problems == [
        f"{file}: cannot be served (RecursionError: maximum recursion depth exceeded)"
    ]
    assert not app._reload_lock.locked()
    monkeypatch.undo()
    file.write_text(RECURRING.replace('room = "Foyer"', 'room = "Hall 2"'), encoding="utf-8")
    assert b"LOCATION:Hall 2" in get("/demo2026.ics")[1]
    assert json.loads(get("/status")[1])["problems"] == []


def test_a_release_recorded_after_an_edit_is_served(tmp_path: Path) -> None:
    """The documented workflow: serve --releases, edit the file, then record a release."""
    from tests.judges import start_server

    file = tmp_path / "p.toml"
    file.write_text(RECURRING, encoding="utf-8")
    history = tmp_path / "hist"
    release = ["release", str(file), "--releases", str(history)]
    assert main([*release, "--name", "v1", "--at", "2026-03-01T09:00:00Z"]) == 0
    servers = start_server(file, "--releases", str(history))
    server = next(servers)
    try:
        assert _status(server)["version"] == "v1"
        file.write_text(RECURRING.replace('room = "Foyer"', 'room = "Hall"'), encoding="utf-8")
        deadline = time.monotonic() + 15
        while not _status(server)["problems"] and time.monotonic() < deadline:
            time.sleep(0.2)  # unreleased changes: refused until a release holds them
        assert "no release holds" in str(_status(server)["problems"])
        assert main([*release, "--name", "v2", "--at", "2026-03-02T09:00:00Z"]) == 0
        _wait_for_status(server, "version", "v2")
        assert _status(server)["problems"] == []
        assert b"LOCATION:Hall" in server.get("/demo2026.ics")[2]
        assert b"<title>v2</title>" in server.get("/changes.atom")[2]
    finally:
        servers.close()


@pytest.mark.parametrize(
    ("header", "gzipped"),
    [
        ("gzip", True),
        ("gzip, deflate, br", True),
        ("GZIP;Q=1", True),
        ("x-gzip", True),
        ("*", True),
        ("br;q=1.0, gzip;q=0.8, *;q=0.1", True),
        ("gzip;q=0, identity", False),
        ("gzip; q=0", False),
        ("gzip;q=0.000", False),
        ("nogzip", False),
        ("gzipped", False),
        ("", False),
        ("identity", False),
        ("*;q=0", False),
        ("*, gzip;q=0", False),
        ("gzip;q=0.5, identity", False),  # identity preferred (q=1)
        ("gzip;q=0.5, identity;q=0.4", True),
        ("gzip;q=2", False),  # not a qvalue: the element counts for nothing
        ("gzip;q=abc", False),
        ("deflate, *;q=0.5", True),
    ],
)
def test_accept_encoding_is_read_with_its_weights(header: str, gzipped: bool) -> None:
    from isecg_events.web import accepts_gzip

    assert accepts_gzip(header) is gzipped


def test_gzip_is_never_sent_to_a_client_that_refused_it(feed_server: Server) -> None:
    for header in ("gzip;q=0, identity", "nogzip", "identity;q=1, gzip;q=0"):
        _, headers, body = feed_server.get("/demo2026.ics", {"Accept-Encoding": header})
        assert "content-encoding" not in headers and body.startswith(b"BEGIN:VCALENDAR"), header
    _, headers, _ = feed_server.get("/demo2026.ics", {"Accept-Encoding": "identity;q=0.5, gzip"})
    assert headers["content-encoding"] == "gzip"


# -- the index page (issue 35.9) -----------------------------------------------


def test_the_index_lists_feeds_by_name_grouped_under_tracks_rooms_speakers(
    feed_server: Server,
) -> None:
    import html5lib

    _, _, page = feed_server.get("/", {"Host": "feeds.example.org"})
    tree = html5lib.parse(page, namespaceHTMLElements=False)
    meta = {m.get("name"): m.get("content") for m in tree.iter("meta") if m.get("name")}
    assert meta["viewport"] == "width=device-width, initial-scale=1"
    assert tree.get("lang") == "en"
    (main_,) = tree.iter("main")
    body = next(tree.iter("body"))
    assert list(body) == [main_]  # every part of the page inside a landmark
    groups: dict[str, list[tuple[str, str]]] = {}
    heading = ""
    for element in main_:
        if element.tag == "h2":
            heading = element.text or ""
        elif element.tag == "ul":
            groups[heading] = [
                (li.find("a").text or "", li.find("a").get("href")) for li in element.iter("li")
            ]
    assert list(groups) == [
        "The whole programme", "Tracks", "Rooms", "Speakers", "Sessions", "Other formats",
    ]  # fmt: skip
    assert groups["Tracks"] == [("Policy", "webcal://feeds.example.org/tracks/policy.ics")]
    assert groups["Rooms"] == [
        ("Foyer", "webcal://feeds.example.org/rooms/foyer.ics"),
        ("Room A", "webcal://feeds.example.org/rooms/room-a.ics"),
    ]
    assert [label for label, _ in groups["Speakers"]] == ["Ada Lovelace", "Chair, ORG"]
    assert [label for label, _ in groups["Sessions"]] == ["Coffee break", "Opening", "Panel"]
    assert b'href="http://feeds.example.org/tracks/policy.ics"' in page  # the web address too


def _axe_script() -> Path:
    from tests.judges import require
    from tests.programmes import ROOT

    candidates = [
        os.environ.get("ISECG_AXE_JS", ""),
        str(ROOT / ".ci" / "node" / "node_modules" / "axe-core" / "axe.min.js"),
    ]
    found = next((Path(c) for c in candidates if c and Path(c).is_file()), None)
    require(found is not None, "axe-core (npm install --prefix .ci/node axe-core)")
    assert found is not None
    return found


@pytest.mark.parametrize("width", [375, 1280])
def test_the_index_page_passes_axe(feed_server: Server, browser: object, width: int) -> None:
    axe = _axe_script()
    context = browser.new_context(viewport={"width": width, "height": 900})  # type: ignore[attr-defined]
    try:
        page = context.new_page()
        page.goto(f"{feed_server.url}/")
        page.add_script_tag(path=str(axe))
        violations = page.evaluate(
            "async () => (await axe.run(document, {runOnly: {type: 'tag', values: "
            "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}}))"
            ".violations.map(v => [v.id, v.nodes.slice(0, 3).map(n => n.target.join(' '))])"
        )
        assert violations == []
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        assert not overflow  # nothing wider than a phone's screen
    finally:
        context.close()


def test_serve_takes_the_timezone_a_programme_needs(tmp_path: Path) -> None:
    # A Sessionize export's times carry no zone: serve takes --timezone as every reader does.
    source = (
        Path(__file__).parent / "data" / "imports" / "sessionize-scottishsummit2026-excerpt.json"
    )
    with pytest.raises(ProgrammeError, match="--timezone"):
        create_app(source)
    app = create_app(source, timezone="Europe/London")
    captured: list[str] = []
    body = b"".join(
        app(
            {"REQUEST_METHOD": "GET", "PATH_INFO": "/status"},
            lambda status, headers: captured.append(status),
        )
    )
    assert captured == ["200 OK"] and json.loads(body)["problems"] == []
    from isecg_events.cli._arguments import parser

    args = parser().parse_args(["serve", str(source), "--timezone", "Europe/London"])
    assert args.timezone == "Europe/London"


def test_the_servers_warnings_are_lines_like_the_command_lines(tmp_path: Path) -> None:
    file = tmp_path / "p.toml"
    clash = (
        '\n[[events]]\nid = "panel2"\ntitle = "Panel 2"\ndate = 2026-03-28\nstart = "09:30"\n'
        'end = "10:30"\nroom = "Room B"\nparticipants = ["chair"]\n'
    )
    file.write_text(MINIMAL + clash, encoding="utf-8")
    lines: list[str] = []
    create_app(file, check_interval=0, log=lines.append)
    (warning,) = [line for line in lines if line.startswith("warning: ")]
    assert warning.startswith(f"warning: {file}:") and "at once" in warning
