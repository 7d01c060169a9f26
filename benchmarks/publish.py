"""CalDAV benchmark: the first publication of 1,000 events, and a republication with no change.

    python benchmarks/publish.py            # 1,000 events
    python benchmarks/publish.py --smoke    # 50 events, for CI

Two measures:

- Latency: behind a loopback proxy that adds 50 ms to every request (a
  real network's round trip), the first publication one write at a time
  (``workers=1``) and as ``publish`` does it (:data:`WORKERS` at a time). The
  server behind the proxy is an in-memory CalDAV stand-in that answers at
  once, so the figure is the client's own: it must take at most a third of
  the one-at-a-time time.
- Radicale (from PyPI) on a free loopback port, with htpasswd
  authentication, its storage in a temporary folder, stopped by its PID: the
  first publication and a republication with no change (expected: no
  writes, two requests). Radicale takes one write at a time and checks each
  new UID against the collection, so its own time bounds the first
  publication whatever the client does.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import isecg_events  # noqa: E402
from isecg_events.publish import WORKERS, publish  # noqa: E402
from run import synthetic  # noqa: E402
from tests.judges import start_proxy, start_radicale  # noqa: E402

#: What the proxy adds to each request, in seconds.
LATENCY = 0.05


def main() -> None:
    """Publish, republish, print the tables."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="50 events, for CI")
    args = parser.parse_args()
    n = 50 if args.smoke else 1_000
    programme = isecg_events.loads(synthetic(n))
    rows = []
    with _Serving() as target:
        proxies = start_proxy(target, delay=LATENCY)
        proxy = next(proxies)
        try:
            for label, workers in (("one at a time", 1), (f"{WORKERS} at a time", WORKERS)):
                url = f"{proxy.url}/calendars/{workers}/"
                rows.append((label, *_timed(programme, url, workers=workers)))
            rows.append(("republication, no change", *_timed(programme, url)))
        finally:
            proxies.close()
    _table(f"{n:,} events, {LATENCY * 1000:.0f} ms added to every request", rows)
    sequential, concurrent = rows[0][1], rows[1][1]
    print(f"\n{WORKERS} at a time: {concurrent / sequential:.0%} of the one-at-a-time time\n")
    assert concurrent <= sequential / 3, "the first publication must take at most a third"
    assert rows[2][2].writes == 0, "a republication with no change must write nothing"

    rows = []
    with tempfile.TemporaryDirectory() as folder:
        servers = start_radicale(Path(folder))
        server = next(servers)
        try:
            url = f"{server.url}/{server.user}/bench/"
            for label in ("first publication", "republication, no change"):
                rows.append(
                    (label, *_timed(programme, url, user=server.user, password=server.password))
                )
        finally:
            servers.close()
    _table(f"{n:,} events to Radicale on loopback", rows)
    assert rows[1][2].writes == 0, "a republication with no change must write nothing"
    assert rows[1][2].requests == 2, "a republication with no change sends two requests"


def _timed(*args: Any, **options: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    outcome = publish(*args, **options)
    return time.perf_counter() - started, outcome


def _table(title: str, rows: list[tuple[str, float, Any]]) -> None:
    print(f"{title}\n")
    print("| run | seconds | requests | writes | result |")
    print("|---|---|---|---|---|")
    for label, seconds, outcome in rows:
        print(
            f"| {label} | {seconds:.2f} | {outcome.requests} | {outcome.writes} | "
            f"{outcome.summary()} |"
        )
    print()


class _StandIn(BaseHTTPRequestHandler):
    """Just enough CalDAV for ``publish``, in memory: calendars, PUT, DELETE, REPORT."""

    protocol_version = "HTTP/1.1"
    calendars: set[str]
    items: dict[str, tuple[str, bytes]]
    lock: threading.Lock

    def log_message(self, *_: Any) -> None:
        pass

    def _reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def do_PROPFIND(self) -> None:
        self._body()
        if self.path not in self.calendars:
            return self._reply(404)
        xml = (
            '<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" '
            'xmlns:c="urn:ietf:params:xml:ns:caldav"><d:response>'
            f"<d:href>{escape(self.path)}</d:href><d:propstat><d:prop><d:resourcetype>"
            "<d:collection/><c:calendar/></d:resourcetype></d:prop>"
            "<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>"
        )
        self._reply(207, xml.encode(), {"Content-Type": "application/xml"})

    def do_MKCALENDAR(self) -> None:
        self._body()
        with self.lock:
            self.calendars.add(self.path)
        self._reply(201)

    def do_REPORT(self) -> None:
        self._body()
        with self.lock:
            found = sorted((p, v) for p, v in self.items.items() if p.startswith(self.path))
        parts = [
            f"<d:response><d:href>{escape(path)}</d:href><d:propstat><d:prop>"
            f"<d:getetag>{escape(etag)}</d:getetag>"
            f"<c:calendar-data>{escape(data.decode())}</c:calendar-data>"
            "</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>"
            for path, (etag, data) in found
        ]
        xml = (
            '<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" '
            f'xmlns:c="urn:ietf:params:xml:ns:caldav">{"".join(parts)}</d:multistatus>'
        )
        self._reply(207, xml.encode(), {"Content-Type": "application/xml"})

    def _allowed(self) -> bool:
        held = self.items.get(self.path)
        if self.headers.get("If-None-Match") == "*" and held is not None:
            return False
        wanted = self.headers.get("If-Match")
        return wanted is None or (held is not None and held[0] == wanted)

    def do_PUT(self) -> None:
        body = self._body()
        with self.lock:
            if not self._allowed():
                return self._reply(412)
            existed = self.path in self.items
            etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'
            self.items[self.path] = (etag, body)
        self._reply(204 if existed else 201, headers={"ETag": etag})

    def do_DELETE(self) -> None:
        self._body()
        with self.lock:
            if not self._allowed():
                return self._reply(412)
            self.items.pop(self.path, None)
        self._reply(204)


class _Serving:
    """The stand-in on a free loopback port, in a thread of this process; its URL."""

    def __enter__(self) -> str:
        handler = type(
            "Handler",
            (_StandIn,),
            {"calendars": set(), "items": {}, "lock": threading.Lock()},
        )
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


if __name__ == "__main__":
    main()
