"""Third-party programs that judge our outputs, and the servers tests start.

Each judge is a real program: Radicale (a CalDAV server, from PyPI) started on
a free loopback port and stopped by its PID; calcurse and libical's GObject
bindings from Debian (``.ci/run`` installs them). Where a program is missing
a local run skips its tests; CI (``CI`` set) fails them instead, so a judge
cannot silently stop judging.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import attrs
import pytest

#: Debian's own Python, which has the GObject bindings of libical 3.
SYSTEM_PYTHON = "/usr/bin/python3"


def require(available: bool, what: str) -> None:
    """Skip when a judge is missing here; fail in CI, which installs every judge."""
    if available:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing: .ci/run installs it")
    pytest.skip(f"{what} is not installed here")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def refusing_port() -> Iterator[int]:
    """A loopback port that refuses connections while the block runs.

    The port is bound here and never listened on, so nothing else can take
    it in the meantime (a port merely free now may be taken by another
    server before it is used).
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as held:
        held.bind(("127.0.0.1", 0))
        yield int(held.getsockname()[1])


class ServerExited(RuntimeError):
    """The server ended before it listened (its port taken meanwhile, say)."""


def wait_for_port(port: int, process: subprocess.Popen[bytes], seconds: float = 20.0) -> None:
    """Wait (bounded) until ``port`` accepts connections, or the process has died."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerExited(f"the server exited with {process.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listened on 127.0.0.1:{port} within {seconds} s")


def start_listening(
    command: Callable[[int], list[str]],
    log: IO[bytes] | None,
    attempts: int = 3,
    **popen: Any,
) -> tuple[subprocess.Popen[bytes], int]:
    """Start ``command(port)`` on a free loopback port and wait until it listens.

    Its output goes to ``log`` (None: this process's; ``popen`` may say
    otherwise). A port free when chosen may be taken before the server
    binds it (by any connection's own port): a server that exits before it
    listens is started again on a new port, ``attempts`` times in all.
    """
    output: dict[str, Any] = {"stdout": log, "stderr": subprocess.STDOUT if log else None}
    while True:
        attempts -= 1
        port = free_port()
        process = subprocess.Popen(command(port), **{**output, **popen})
        try:
            wait_for_port(port, process)
        except ServerExited:
            if attempts:
                continue
            raise
        except BaseException:
            stop(process)
            raise
        return process, port


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a server by its PID: SIGTERM, then SIGKILL if it lingers."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@attrs.frozen
class Radicale:
    """A running Radicale server and the account the tests use."""

    url: str
    user: str
    password: str
    pid: int

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, bytes]:
        """One HTTP request as the test user: (status, body), errors included."""
        token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        request = urllib.request.Request(
            self.url + path,
            data=body,
            method=method,
            headers={"Authorization": f"Basic {token}", **(headers or {})},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def make_calendar(self, path: str) -> None:
        """Create a calendar collection at ``path`` (``/user/name/``)."""
        body = (
            b'<?xml version="1.0" encoding="utf-8"?>'
            b'<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
            b"<D:set><D:prop><D:displayname>test</D:displayname></D:prop></D:set>"
            b"</C:mkcalendar>"
        )
        status, reply = self.request("MKCALENDAR", path, body)
        assert status == 201, reply


def start_radicale(folder: Path, *, auth: bool = True) -> Iterator[Radicale]:
    """Run Radicale on a free loopback port with one htpasswd user; stop it by PID.

    ``auth=False``: without authentication (``auth none``), as many first installs run.
    """
    require(_has_module("radicale"), "Radicale (pip install radicale)")
    user, password = "tester", base64.urlsafe_b64encode(os.urandom(12)).decode()
    htpasswd = folder / "users"
    htpasswd.write_text(f"{user}:{password}\n", encoding="utf-8")

    def command(port: int) -> list[str]:
        return [
            sys.executable, "-m", "radicale", "--config", "",
            "--server-hosts", f"127.0.0.1:{port}",
            "--storage-filesystem-folder", str(folder / "collections"),
            "--auth-type", "htpasswd",
            "--auth-htpasswd-filename", str(htpasswd),
            "--auth-htpasswd-encryption", "plain",
            "--rights-type", "owner_only",
            "--logging-level", "warning",
        ] if auth else [
            sys.executable, "-m", "radicale", "--config", "",
            "--server-hosts", f"127.0.0.1:{port}",
            "--storage-filesystem-folder", str(folder / "collections"),
            "--auth-type", "none",
            "--logging-level", "warning",
        ]  # fmt: skip

    with (folder / "radicale.log").open("wb") as log:
        process, port = start_listening(command, log)
    try:
        yield Radicale(f"http://127.0.0.1:{port}", user, password, process.pid)
    finally:
        stop(process)


def _has_module(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def calcurse_import(ics: Path, home: Path, zone: str) -> list[str]:
    """Import ``ics`` into an empty calcurse and return the appointments it stored.

    Each line is calcurse's own record, ``MM/DD/YYYY @ HH:MM -> MM/DD/YYYY @
    HH:MM [{recurrence}] |title``, with times read in ``zone`` (calcurse shows
    local time, so ``TZ`` is set to the zone the programme is in).
    """
    require(shutil.which("calcurse") is not None, "calcurse (apt-get install calcurse)")
    data, config = home / "data", home / "config"
    data.mkdir(parents=True, exist_ok=True)
    config.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        ["calcurse", "-D", str(data), "-C", str(config), "-i", str(ics)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "TZ": zone},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "0 skipped" in result.stdout, result.stdout
    apts = data / "apts"
    lines = apts.read_text(encoding="utf-8").splitlines() if apts.exists() else []
    # A note's hash (">abc123") sits between the times and the title; drop it.
    return [_without_note(line) for line in lines]


def _without_note(line: str) -> str:
    head, bar, title = line.partition("|")
    if ">" in head.rsplit("@", 1)[-1]:
        head = head[: head.rindex(">")].rstrip() + " "
    return f"{head.rstrip()} {bar}{title}"


_LIBICAL_SCRIPT = """
import json, sys
import gi
gi.require_version("ICalGLib", "3.0")
from gi.repository import ICalGLib

def errors(component, found):
    kind = ICalGLib.PropertyKind.XLICERROR_PROPERTY
    prop = component.get_first_property(kind)
    while prop is not None:
        found.append(prop.get_xlicerror())
        prop = component.get_next_property(kind)
    child = component.get_first_component(ICalGLib.ComponentKind.ANY_COMPONENT)
    while child is not None:
        errors(child, found)
        child = component.get_next_component(ICalGLib.ComponentKind.ANY_COMPONENT)
    return found

for path in sys.argv[1:]:
    calendar = ICalGLib.Component.new_from_string(open(path, encoding="utf-8").read())
    events = []
    child = calendar.get_first_component(ICalGLib.ComponentKind.VEVENT_COMPONENT)
    while child is not None:
        start = child.get_dtstart()
        events.append({
            "uid": child.get_uid(),
            "summary": child.get_summary(),
            "start": start.as_ical_string(),
            "zone": start.get_tzid(),
        })
        child = calendar.get_next_component(ICalGLib.ComponentKind.VEVENT_COMPONENT)
    print(json.dumps({"errors": errors(calendar, []), "events": events}))
"""


def libical_read(*paths: Path) -> list[dict[str, object]]:
    """What libical 3 (its GObject bindings, in Debian's Python) reads from each file.

    Each result has ``errors`` (the X-LIC-ERROR texts libical attaches where
    it could not parse) and ``events`` (uid, summary, start and its TZID).
    """
    available = Path(SYSTEM_PYTHON).exists() and (
        subprocess.run(
            [SYSTEM_PYTHON, "-c", "import gi; gi.require_version('ICalGLib', '3.0')"],
            capture_output=True,
            timeout=60,
            check=False,
        ).returncode
        == 0
    )
    require(available, "libical's GObject bindings (apt-get install gir1.2-ical-3.0 python3-gi)")
    result = subprocess.run(
        [SYSTEM_PYTHON, "-c", _LIBICAL_SCRIPT, *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return [json.loads(line) for line in result.stdout.splitlines()]


@attrs.frozen
class Server:
    """Our feed server (``isecg-events serve``) running on a loopback port."""

    url: str
    file: Path
    pid: int

    def get(
        self, path: str, headers: Mapping[str, str] | None = None, method: str = "GET"
    ) -> tuple[int, dict[str, str], bytes]:
        """One request: (status, headers with lower-case names, raw body)."""
        import http.client

        connection = http.client.HTTPConnection(self.url.split("//")[1], timeout=10)
        try:
            connection.request(method, path, headers=dict(headers or {}))
            response = connection.getresponse()
            body = response.read()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, body
        finally:
            connection.close()


def start_server(file: Path, *arguments: str) -> Iterator[Server]:
    """Run ``isecg-events serve FILE`` on a free loopback port; stop it by its PID."""

    def command(port: int) -> list[str]:
        return [
            sys.executable, "-m", "isecg_events", "serve", str(file),
            "--port", str(port), *arguments,
        ]  # fmt: skip

    with (file.parent / "serve.log").open("wb") as log:
        process, port = start_listening(command, log, cwd=file.parent)
    try:
        yield Server(f"http://127.0.0.1:{port}", file, process.pid)
    finally:
        stop(process)


#: Chromium's flags for a closed network (no background connections).
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def start_browser() -> Iterator[Any]:
    """Debian's chromium driven by Playwright (which cannot download its own here)."""
    require(shutil.which("chromium") is not None, "chromium (apt-get install chromium)")
    require(_has_module("playwright"), "playwright (pip install playwright)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


def start_xandikos(folder: Path) -> Iterator[str]:
    """Run Xandikos (a second CalDAV server, from PyPI) on a free loopback port; yield its URL."""
    require(_has_module("xandikos"), "Xandikos (pip install xandikos)")

    def command(port: int) -> list[str]:
        return [
            sys.executable, "-m", "xandikos", "serve", "-d", str(folder / "dav"), "--defaults",
            "-l", "127.0.0.1", "-p", str(port), "--state-dir", str(folder / "state"),
        ]  # fmt: skip

    with (folder / "xandikos.log").open("wb") as log:
        process, port = start_listening(command, log)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)


#: What a proxy's ``edit`` may change in a reply: (status, headers, body).
Reply = tuple[int, dict[str, str], bytes]


@attrs.define
class Proxy:
    """A loopback HTTP proxy in front of a server: its URL and what passed through it.

    ``requests`` holds (method, path, headers) of every request, in order;
    ``most_at_once`` the most requests it was answering at the same moment.
    """

    url: str
    requests: list[tuple[str, str, dict[str, str]]] = attrs.Factory(list)
    most_at_once: int = 0
    at_once: int = 0


def start_proxy(
    target: str,
    *,
    delay: float = 0.0,
    edit: Callable[[str, str, Reply], Reply] | None = None,
) -> Iterator[Proxy]:
    """Forward every request to ``target`` (``http://127.0.0.1:port``) from a free loopback port.

    Each request waits ``delay`` seconds first (a network's latency);
    ``edit(method, path, reply)`` may change each reply (a server's quirks:
    CR written as ``&#13;``, an HTML page, a DTD). The proxy runs in threads
    of this process and stops at the end.
    """
    import http.client
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import urlsplit

    host, port = urlsplit(target).hostname or "127.0.0.1", urlsplit(target).port or 80
    lock = threading.Lock()
    proxy = Proxy("")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_: Any) -> None:
            pass

        def __getattr__(self, name: str) -> Any:
            if name.startswith("do_"):
                return self.forward
            raise AttributeError(name)

        def forward(self) -> None:
            with lock:
                proxy.requests.append((self.command, self.path, dict(self.headers)))
                proxy.at_once += 1
                proxy.most_at_once = max(proxy.most_at_once, proxy.at_once)
            try:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                time.sleep(delay)
                headers = {
                    k: v
                    for k, v in self.headers.items()
                    if k.lower() not in ("host", "connection", "accept-encoding")
                }  # identity replies, which ``edit`` can read
                connection = http.client.HTTPConnection(host, port, timeout=30)
                try:
                    connection.request(self.command, self.path, body, headers)
                    answer = connection.getresponse()
                    reply: Reply = (
                        answer.status,
                        {
                            k: v
                            for k, v in answer.getheaders()
                            if k.lower()
                            not in ("content-length", "transfer-encoding", "connection")
                        },
                        answer.read(),
                    )
                finally:
                    connection.close()
                if edit is not None:
                    reply = edit(self.command, self.path, reply)
                status, reply_headers, content = reply
                self.send_response(status)
                for key, value in reply_headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)
            finally:
                with lock:
                    proxy.at_once -= 1

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    proxy.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
