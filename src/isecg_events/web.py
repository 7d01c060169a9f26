"""The feed server: a WSGI application serving what ``export --format all --feeds`` writes.

``create_app(path, **options)`` returns the application; any WSGI server runs
it (``gunicorn 'isecg_events.web:create_app("programme.toml")'``), and
``isecg-events serve`` runs it with waitress. Each URL maps to a rendered
output, never to the file system. The programme file, and the release
history folder when there is one, are watched (at most once a second): a new
version (an edit, a release recorded) is rendered once and swapped in whole,
and an edit that does not validate leaves the last good version online, its
problems logged and shown at ``/status``. A watched path that is not a
regular file (a FIFO, a device) is refused, never opened, so a reload never
blocks; a reload that fails for any reason keeps the last good version and
says why at ``/status``.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import json
import os
import re
import stat
import sys
import threading
import time
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qs

import attrs

from isecg_events.errors import IsecgEventsError, ProgrammeError, ProgrammeWarning, printable
from isecg_events.exporters import EXPORTERS, get_exporter
from isecg_events.exporters.feeds import feed_name, named_feed, site_files
from isecg_events.identity import feed_slug
from isecg_events.programme import Programme
from isecg_events.readers import load
from isecg_events.releases import History

__all__ = ["PERSONAL_PARAMETERS", "FeedApp", "accepts_gzip", "create_app"]

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


#: What a watched file's look gives: its (mtime, size, type) and the history's fingerprint.
_Stamp = tuple[tuple[int, int, int], tuple[tuple[str, int, int], ...]]


def _os_reason(error: OSError) -> str:
    """An operating system error in the words of the readers' messages (no ``[Errno 2]``)."""
    if isinstance(error, FileNotFoundError):
        return "no such file (deleted or moved?)"
    if isinstance(error, PermissionError):
        return "permission denied"
    return f"cannot be read ({error.strerror or error})"


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
        timezone: str | None = None,
        check_interval: float = CHECK_INTERVAL,
        log: Callable[[str], None] | None = None,
        **options: Any,
    ) -> None:
        self.path = Path(path)
        self.timezone = timezone
        self.releases = Path(releases) if releases is not None else None
        self.options = options
        self.check_interval = check_interval
        self.log = log or (lambda line: print(printable(line), file=sys.stderr, flush=True))
        self.problems: list[str] = []
        self._stamp: _Stamp | None = None
        self._failed: _Stamp | None = None  # a broken edit, reported once
        self._checked = 0.0
        self._reload_lock = threading.Lock()
        self._error: ProgrammeError | None = None  # the last failed load's
        version = self._load()
        if version is None:
            assert self._error is not None
            raise self._error
        self.version = version

    # -- the file, watched -----------------------------------------------------

    def _file_stamp(self) -> _Stamp:
        """What changes when the file is edited or a release is recorded.

        Raises:
            OSError: the file is missing or cannot be looked at.
        """
        status = self.path.stat()
        file = (status.st_mtime_ns, status.st_size, stat.S_IFMT(status.st_mode))
        history = History.fingerprint(self.releases) if self.releases is not None else ()
        return file, history

    def _load(self) -> _Version | None:
        """Load and render the file once; None (problems kept and logged) if it fails.

        Whatever fails (the file, the history, a format) is a problem at
        ``/status``; the last good version stays online.
        """
        stamp: _Stamp | None = None
        try:
            stamp = self._file_stamp()
            if not stat.S_ISREG(stamp[0][2]):
                raise ProgrammeError.single(
                    str(self.path), "", "is not a regular file (a FIFO or a device); not read"
                )
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ProgrammeWarning)
                programme = load(self.path, timezone=self.timezone)
            for warning in caught:  # as the command line shows them: one line each
                self.log(f"warning: {warning.message}")
            options = dict(self.options)
            names = [name for name in EXPORTERS if name != "atom"]
            history = None
            if self.releases is not None:
                history = History.read(self.releases)
                names.append("atom")
            files = site_files(programme, names, options, feeds=True, releases=history)
            shown = history.apply(programme) if history is not None else programme
        except ProgrammeError as error:
            self._error = error
        except OSError as error:
            self._error = ProgrammeError.single(str(self.path), "", _os_reason(error))
        except (IsecgEventsError, ValueError) as error:
            self._error = ProgrammeError.single("", "", str(error))
        except Exception as error:  # a failed reload must never take the server down
            reason = f"cannot be served ({type(error).__name__}: {error})"
            self._error = ProgrammeError.single(str(self.path), "", reason)
        else:
            self._stamp = stamp
            self.problems = []
            modified = datetime.fromtimestamp(stamp[0][0] // 1_000_000_000, UTC)
            return _Version(shown, files, modified)
        self.problems = [str(problem) for problem in self._error.problems]
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
                    stamp: _Stamp | None = self._file_stamp()
                except OSError as error:
                    stamp = None
                    problem = f"{self.path}: {_os_reason(error)}"
                    if self.problems != [problem]:  # a deleted file: said once, at /status too
                        self.problems = [problem]
                        self._failed = None
                        self.log(f"error: {problem}")
                        self.log(f"{self.path}: the last good version stays online")
                if stamp is not None and stamp == self._stamp:
                    self.problems = []  # back as it was (a file deleted, then put back)
                elif stamp is not None and stamp != self._failed:
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
        gzipped = accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING", ""))
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
        """A calendar of any mix of events, tracks, rooms and people (their union).

        Named after what it holds: the track, room or person's own feed name
        when it is one of them, else "my N sessions".
        """
        asked = parse_qs(query, keep_blank_values=True)
        wanted: dict[str, list[str]] = {"events": [], "tracks": [], "rooms": [], "participants": []}
        for key, values in asked.items():
            if key not in PERSONAL_PARAMETERS:
                return None, f"unknown parameter {key!r}: {_PARAMETERS_HELP}"
            for value in values:
                if key == "event":
                    wanted["events"].append(value)
                elif key == "person":
                    wanted["participants"].append(value)
                else:
                    name = version.slugs[key].get(value)
                    if name is None:
                        return None, f"no {key} {value!r}"
                    wanted[f"{key}s"].append(name)
        if not any(wanted.values()):
            return None, f"a personal feed needs {_PARAMETERS_HELP}"
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
        body = named_feed(selected, _personal_name(version.programme, selected, wanted), **options)
        found = _file(body, _CALENDAR)
        with version.lock:
            version.personal[cache_key] = found
            while len(version.personal) > PERSONAL_CACHE:
                version.personal.popitem(last=False)
        return found, ""


#: The parameters of ``/feed.ics``, each given once or more (their union).
PERSONAL_PARAMETERS: Final = ("event", "track", "room", "person")
_PARAMETERS_HELP = "one or more of " + ", ".join(f"{p}=" for p in PERSONAL_PARAMETERS)


def _personal_name(whole: Programme, selected: Programme, wanted: dict[str, list[str]]) -> str:
    """What a personal feed holds, as its calendar's name (``GLEX 2017 – Hall 2``)."""
    given = [(kind, values) for kind, values in wanted.items() if values]
    if len(given) == 1 and len(set(given[0][1])) == 1 and given[0][0] != "events":
        kind, (value,) = given[0][0], set(given[0][1])
        if kind == "participants":
            person = next(p for p in whole.participants if p.id == value)
            value = person.display_name or person.label
        return feed_name(whole, value)
    count = len(selected.events)
    return feed_name(whole, f"my {count} session{'s' if count != 1 else ''}")


_CODING = re.compile(r"^\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*(?:;(.*))?$")
_QVALUE = re.compile(r"^\s*q\s*=\s*(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)\s*$", re.IGNORECASE)


def accepts_gzip(header: str) -> bool:
    """Whether an ``Accept-Encoding`` header lets the response be gzip (RFC 9110, 12.5.3).

    Each coding has a weight (``q``, 1 when not given); ``q=0`` refuses it.
    ``gzip`` (or its alias ``x-gzip``) is chosen when its weight, or that
    of ``*`` when it is not named, is above 0 and at least the weight of
    ``identity`` (no coding). An element that does not parse counts for
    nothing; so does a coding merely containing ``gzip`` (``nogzip``).
    """
    weights: dict[str, float] = {}
    for element in header.split(","):
        if not element.strip():
            continue
        match = _CODING.match(element)
        if match is None:
            continue
        coding, parameters = match.group(1).lower(), match.group(2)
        weight: float | None = 1.0
        for part in (parameters or "").split(";"):
            if part.strip().lower().startswith("q"):
                found = _QVALUE.match(part)
                weight = float(found.group(1)) if found else None
        if weight is None:
            continue  # a weight that is not a qvalue: the element is not understood
        weights.setdefault("gzip" if coding == "x-gzip" else coding, weight)
    gzip_weight = weights.get("gzip", weights.get("*", 0.0))
    identity_weight = weights.get("identity", weights.get("*", 1.0))
    return gzip_weight > 0 and gzip_weight >= identity_weight


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


#: The index page's groups of sub-feeds: folder, heading, and what each file is named after.
_GROUPS = (("tracks", "Tracks"), ("rooms", "Rooms"), ("people", "Speakers"), ("events", "Sessions"))

#: The index page's style: links at least 24 by 24 CSS pixels (WCAG 2.2's
#: target size), readable on a phone without zooming.
_INDEX_STYLE = (
    "body{font-family:system-ui,sans-serif;line-height:1.5;margin:0 auto;max-width:48rem;"
    "padding:0 1rem}ul{padding-left:1.25rem}li{margin:.25rem 0}"
    "a{display:inline-block;min-height:24px;min-width:24px;padding:2px 0}"
    ".web{font-size:.9em;overflow-wrap:anywhere}"
)


def _feed_names(version: _Version) -> dict[str, dict[str, str]]:
    """What each sub-feed is named after, by folder and file: the track, room, person or session."""
    programme = version.programme
    people = {
        p.participant.id: p.participant.display_name or p.participant.label
        for e in programme.events
        for p in e.participations
    }
    return {
        "tracks": {f"{slug}.ics": name for slug, name in version.slugs["track"].items()},
        "rooms": {f"{feed_slug(e.room)}.ics": e.room for e in programme.events if e.room},
        "people": {f"{key}.ics": name for key, name in people.items()},
        "events": {f"{e.id}.ics": e.display_title for e in programme.events},
    }


def _index(version: _Version, environ: dict[str, Any]) -> str:
    """The server's page: each feed by the name of what it holds, with a subscribe link.

    The whole programme first, then the sub-feeds grouped under Tracks,
    Rooms, Speakers and Sessions (link text: the track's, room's, person's
    or session's name; ``webcal://`` to subscribe, the ``http(s)://``
    address beside it), then the other files.
    """
    host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "localhost")
    scheme = environ.get("wsgi.url_scheme", "http")
    conference = version.programme.conference
    names = _feed_names(version)

    def feed(name: str, label: str) -> str:
        web = html.escape(f"{scheme}://{host}/{name}", quote=True)
        webcal = html.escape(f"webcal://{host}/{name}", quote=True)
        return (
            f'<li><a href="{webcal}">{html.escape(label)}</a> '
            f'<span class="web">(<a href="{web}">{web}</a>)</span></li>'
        )

    whole: list[str] = []
    others: list[str] = []
    grouped: dict[str, list[tuple[str, str]]] = {folder: [] for folder, _ in _GROUPS}
    for name in sorted(version.files):
        folder, _, file = name.rpartition("/")
        if folder in grouped:
            grouped[folder].append((names[folder].get(file, file.removesuffix(".ics")), name))
        elif name.endswith(".ics"):
            whole.append(feed(name, conference.display_title))
        else:
            link = html.escape(f"/{name}", quote=True)
            others.append(f'<li><a href="{link}">{html.escape(name)}</a></li>')
    sections = []
    if whole:
        sections.append(f"<h2>The whole programme</h2><ul>{''.join(whole)}</ul>")
    for folder, heading in _GROUPS:
        entries = sorted(grouped[folder], key=lambda pair: (pair[0].casefold(), pair[1]))
        if entries:
            items = "".join(feed(name, label) for label, name in entries)
            sections.append(f"<h2>{heading}</h2><ul>{items}</ul>")
    if others:
        sections.append(f"<h2>Other formats</h2><ul>{''.join(others)}</ul>")
    title = html.escape(conference.display_title)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}: calendar feeds</title><style>{_INDEX_STYLE}</style></head>"
        f"<body><main><h1>{title}</h1>"
        "<p>Subscribe to the whole programme, or to a track, a room, a speaker or a "
        "session: each link opens your calendar application; the address beside it is "
        "the same feed for applications that ask for one.</p>"
        f"{''.join(sections)}</main></body></html>\n"
    )


def create_app(path: str | os.PathLike[str], **options: Any) -> FeedApp:
    """The feed server's WSGI application for a programme file.

    Args:
        path: the programme file, watched for changes.
        **options: ``releases`` (a history folder), ``timezone`` (as
            :func:`isecg_events.load`'s), ``check_interval``, and the ``ics``
            format's options (``profile``, ``refresh``).

    Raises:
        ProgrammeError: the file cannot be served at all at the start.
    """
    return FeedApp(path, **options)
