"""The feed server: a WSGI application serving what ``export --format all --feeds`` writes.

``create_app(path, **options)`` returns the application; any WSGI server runs
it (``gunicorn 'isecg_events.web:create_app("programme.toml")'``), and
``isecg-events serve`` runs it with waitress. Each URL maps to a rendered
output, never to the file system. The programme file is watched (at most
once a second): a new version is rendered once and swapped in whole, and an
edit that does not validate leaves the last good version online, its
problems logged and shown at ``/status``.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import json
import os
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import attrs

from isecg_events.errors import IsecgEventsError, ProgrammeError, printable
from isecg_events.exporters import EXPORTERS, get_exporter
from isecg_events.exporters.feeds import FOLDERS, feed_name, named_feed, site_files
from isecg_events.identity import feed_slug
from isecg_events.programme import Programme
from isecg_events.readers import load
from isecg_events.releases import History

__all__ = ["FeedApp", "create_app"]

StartResponse = Callable[[str, list[tuple[str, str]]], Any]

#: Seconds between two looks at the programme file.
CHECK_INTERVAL = 1.0
#: Personal feeds kept rendered per version (least recently used go first).
PERSONAL_CACHE = 256
#: How long clients and proxies may keep a response (at most the feed's refresh).
MAX_AGE = 300
_CALENDAR = "text/calendar; charset=utf-8"
_CORS = {"schedule.json", "schedule.xml"}


@attrs.frozen
class _File:
    """One response body, with what its headers need, computed once per version."""

    body: bytes
    media_type: str
    etag: str
    gzipped: bytes


def _file(body: bytes, media_type: str) -> _File:
    digest = hashlib.sha256(body).hexdigest()[:32]
    # mtime=0: the same body always compresses to the same bytes.
    return _File(body, media_type, f'"{digest}"', gzip.compress(body, mtime=0))


class _Version:
    """One loaded version of the programme and everything rendered from it."""

    def __init__(self, programme: Programme, files: dict[str, bytes], modified: datetime) -> None:
        self.programme = programme
        self.modified = modified
        self.loaded = datetime.now(UTC)
        self.files = {name: _file(body, _media_type(name)) for name, body in files.items()}
        self.personal: OrderedDict[tuple[tuple[str, str], ...], _File] = OrderedDict()
        self.lock = threading.Lock()
        self.slugs = {
            "track": {feed_slug(name): name for name in programme.tracks},
            "room": {feed_slug(name): name for name in programme.rooms},
        }


def _media_type(name: str) -> str:
    extension = name.rsplit(".", 1)[-1]
    for exporter in EXPORTERS.values():
        if exporter.extension == extension:
            return exporter.media_type
    return "application/octet-stream"


class FeedApp:
    """The WSGI application: see the module. Build it with :func:`create_app`."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        releases: str | os.PathLike[str] | None = None,
        check_interval: float = CHECK_INTERVAL,
        log: Callable[[str], None] | None = None,
        **options: Any,
    ) -> None:
        self.path = Path(path)
        self.releases = Path(releases) if releases is not None else None
        self.options = options
        self.check_interval = check_interval
        self.log = log or (lambda line: print(printable(line), file=sys.stderr, flush=True))
        self.problems: list[str] = []
        self._stamp: tuple[int, int] | None = None
        self._failed: tuple[int, int] | None = None  # a broken edit, reported once
        self._checked = 0.0
        self._reload_lock = threading.Lock()
        version = self._load()
        if version is None:
            raise ProgrammeError.single(str(self.path), "", "; ".join(self.problems))
        self.version = version

    # -- the file, watched -----------------------------------------------------

    def _file_stamp(self) -> tuple[int, int]:
        stat = self.path.stat()
        return stat.st_mtime_ns, stat.st_size

    def _load(self) -> _Version | None:
        """Load and render the file once; None (problems kept and logged) if it fails."""
        stamp: tuple[int, int] | None = None
        try:
            stamp = self._file_stamp()
            programme = load(self.path)
            options = dict(self.options)
            names = [name for name in EXPORTERS if name != "atom"]
            history = None
            if self.releases is not None:
                history = History.read(self.releases)
                names.append("atom")
            files = site_files(programme, names, options, feeds=True, releases=history)
            shown = history.apply(programme) if history is not None else programme
        except ProgrammeError as error:
            self.problems = [str(problem) for problem in error.problems]
        except (OSError, IsecgEventsError, ValueError) as error:
            self.problems = [str(error)]
        else:
            self._stamp = stamp
            self.problems = []
            modified = datetime.fromtimestamp(stamp[0] // 1_000_000_000, UTC)
            return _Version(shown, files, modified)
        self._failed = stamp
        for line in self.problems:
            self.log(f"error: {line}")
        self.log(f"{self.path}: the last good version stays online")
        return None

    def _current(self) -> _Version:
        """The version to serve, after a look at the file at most once per interval."""
        now = time.monotonic()
        if now - self._checked >= self.check_interval and self._reload_lock.acquire(blocking=False):
            try:
                self._checked = now
                try:
                    stamp = self._file_stamp()
                except OSError:
                    stamp = None
                if stamp not in (self._stamp, self._failed):
                    version = self._load()
                    if version is not None:
                        self.version = version  # one assignment: old or new, whole
            finally:
                self._reload_lock.release()
        return self.version

    # -- WSGI --------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Answer one request (WSGI)."""
        method = environ.get("REQUEST_METHOD", "GET")
        if method not in ("GET", "HEAD"):
            return _plain(start_response, "405 Method Not Allowed", "GET and HEAD only", allow=True)
        version = self._current()
        path = environ.get("PATH_INFO", "/")
        if path == "/":
            found: _File | None = _file(
                _index(version, environ).encode("utf-8"), "text/html; charset=utf-8"
            )
        elif path == "/status":
            found = _file(self._status(version), "application/json")
        elif path == "/feed.ics":
            found, message = self._personal(version, environ.get("QUERY_STRING", ""))
            if found is None:
                return _plain(start_response, "404 Not Found", message)
        else:
            found = version.files.get(path.removeprefix("/"))
        if found is None:
            return _plain(start_response, "404 Not Found", "no such feed")
        return self._respond(environ, start_response, found, version, path)

    def _respond(
        self,
        environ: dict[str, Any],
        start_response: StartResponse,
        found: _File,
        version: _Version,
        path: str,
    ) -> Iterable[bytes]:
        gzipped = "gzip" in environ.get("HTTP_ACCEPT_ENCODING", "").lower()
        body = found.gzipped if gzipped else found.body
        etag = f'{found.etag[:-1]}-gzip"' if gzipped else found.etag
        headers = [
            ("Content-Type", found.media_type),
            ("ETag", etag),
            ("Last-Modified", format_datetime(version.modified, usegmt=True)),
            ("Cache-Control", f"public, max-age={MAX_AGE}"),
            ("Vary", "Accept-Encoding"),
        ]
        if path.removeprefix("/") in _CORS:
            headers.append(("Access-Control-Allow-Origin", "*"))
        if _not_modified(environ, etag, version.modified):
            start_response("304 Not Modified", headers)
            return [b""]
        if gzipped:
            headers.append(("Content-Encoding", "gzip"))
        headers.append(("Content-Length", str(len(body))))
        start_response("200 OK", headers)
        return [b""] if environ.get("REQUEST_METHOD") == "HEAD" else [body]

    def _status(self, version: _Version) -> bytes:
        conference = version.programme.conference
        status = {
            "file": str(self.path),
            "version": conference.version or conference.published.isoformat(),
            "loaded": version.loaded.isoformat().replace("+00:00", "Z"),
            "events": len(version.programme.events),
            "problems": self.problems,
        }
        return (json.dumps(status, ensure_ascii=False, indent=2) + "\n").encode("utf-8")

    def _personal(self, version: _Version, query: str) -> tuple[_File | None, str]:
        """A calendar of any mix of events, tracks, rooms and people (their union)."""
        asked = parse_qs(query, keep_blank_values=True)
        wanted: dict[str, list[str]] = {"events": [], "tracks": [], "rooms": [], "participants": []}
        for key, values in asked.items():
            for value in values:
                if key == "event":
                    wanted["events"].append(value)
                elif key == "person":
                    wanted["participants"].append(value)
                elif key in ("track", "room"):
                    name = version.slugs[key].get(value)
                    if name is None:
                        return None, f"no {key} {value!r}"
                    wanted[f"{key}s"].append(name)
                else:
                    return None, f"unknown parameter {key!r}: use event, track, room or person"
        cache_key = tuple(sorted((k, v) for k, values in wanted.items() for v in values))
        with version.lock:
            cached = version.personal.get(cache_key)
            if cached is not None:
                version.personal.move_to_end(cache_key)
                return cached, ""
        try:
            selected = version.programme.select(**wanted)
        except ValueError as error:
            return None, str(error)
        options = {k: v for k, v in self.options.items() if k in get_exporter("ics").option_names}
        body = named_feed(selected, feed_name(version.programme, "my sessions"), **options)
        found = _file(body, _CALENDAR)
        with version.lock:
            version.personal[cache_key] = found
            while len(version.personal) > PERSONAL_CACHE:
                version.personal.popitem(last=False)
        return found, ""


def _not_modified(environ: dict[str, Any], etag: str, modified: datetime) -> bool:
    """RFC 9110: If-None-Match decides when present, else If-Modified-Since."""
    match = environ.get("HTTP_IF_NONE_MATCH")
    if match is not None:
        tags = [tag.strip().removeprefix("W/") for tag in match.split(",")]
        return "*" in tags or etag in tags
    since = environ.get("HTTP_IF_MODIFIED_SINCE")
    if since:
        try:
            return modified <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


def _plain(
    start_response: StartResponse, status: str, message: str, *, allow: bool = False
) -> Iterable[bytes]:
    body = (printable(message) + "\n").encode("utf-8")
    headers = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))]
    if allow:
        headers.append(("Allow", "GET, HEAD"))
    start_response(status, headers)
    return [body]


def _index(version: _Version, environ: dict[str, Any]) -> str:
    """A small page with a subscribe link (webcal:// and https://) for every feed."""
    host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "localhost")
    scheme = environ.get("wsgi.url_scheme", "http")
    conference = version.programme.conference
    rows = []
    for name in sorted(version.files, key=lambda n: (n.count("/"), n)):
        if not name.endswith(".ics"):
            link = html.escape(f"/{name}")
            rows.append(f'<li><a href="{link}">{html.escape(name)}</a></li>')
            continue
        web = html.escape(f"{scheme}://{host}/{name}", quote=True)
        webcal = html.escape(f"webcal://{host}/{name}", quote=True)
        links = f'<a href="{webcal}">subscribe</a> · <a href="{web}">{web}</a>'
        rows.append(f"<li>{html.escape(name)}: {links}</li>")
    title = html.escape(conference.display_title)
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{title}: feeds</title></head><body><h1>{title}</h1>"
        f"<p>Subscribe to the whole programme or to part of it. Folders: "
        f"{', '.join(FOLDERS)}.</p><ul>{''.join(rows)}</ul></body></html>\n"
    )


def create_app(path: str | os.PathLike[str], **options: Any) -> FeedApp:
    """The feed server's WSGI application for a programme file.

    Args:
        path: the programme file, watched for changes.
        **options: ``releases`` (a history folder), ``check_interval``, and
            the ``ics`` format's options (``profile``, ``refresh``).

    Raises:
        ProgrammeError: the file cannot be served at all at the start.
    """
    return FeedApp(path, **options)
