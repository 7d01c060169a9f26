"""Keep a CalDAV calendar in step with the programme (``isecg-events publish``).

One resource per event, ``<uid>.ics``: the event's own calendar (its
VTIMEZONE included; a recurring event is one resource with its RRULE), as
the ``ics`` format renders it, with two lines added to the VEVENT:
``X-ISECG-EVENTS-CONFERENCE`` (whose resources these are) and
``X-ISECG-EVENTS-HASH`` (what was published). A resource without this
conference's mark is never touched: a shared calendar holds other people's
events.

What is written is decided by content, never by stamps: the server's copy
of each event is read as iCalendar and compared, property by property, with
what would be written, leaving out DTSTAMP, LAST-MODIFIED, CREATED, the
calendar-level properties (PRODID, the calendar's own LAST-MODIFIED, ...),
folding and line ends, and the properties a server or client adds (``X-``
ones, and standard ones at their default value). An unchanged event is never
written again, whatever a release did to its stamps; an event edited on the
server while the programme kept it as it was (its hash still ours) is put
back, and counted as *restored*.

Requests go through python-caldav's client (``pip install
'isecg-events[caldav]'``). Creation is ``If-None-Match: *``, updates and
deletions carry the server's ETag (``If-Match``), so an event someone changed
meanwhile is not overwritten (``412``) but reported. Writes go a few at a
time (:data:`WORKERS`), each with its own precondition, each whole: a server
stores a PUT completely or not at all, so an interrupted publication leaves
every event old or new, and running it again completes it.

The password is given by the caller, or inside the URL
(``https://alice:pw@host/cal/``): it is taken out of the URL before any
request, and every message goes through :func:`~isecg_events.errors.redact`,
so it never appears in a message, whatever failed.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import Callable
from typing import Any, Final, TextIO
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

import attrs

from isecg_events import identity
from isecg_events._bounded import Gate, drain
from isecg_events._ical_content import HASH, MARK, digest, read_events, same, title_of
from isecg_events.errors import IsecgEventsError, redact
from isecg_events.exporters import get_exporter, timezone_calendar
from isecg_events.exporters._text import clean
from isecg_events.programme import Programme

__all__ = [
    "PASSWORD_VARIABLE",
    "WORKERS",
    "Interrupted",
    "Outcome",
    "PublishError",
    "UnusableURL",
    "publish",
    "terminal_progress",
]

#: The environment variable the command line reads the password from.
PASSWORD_VARIABLE: Final = "ISECG_EVENTS_CALDAV_PASSWORD"
#: How many writes are sent at the same time (a browser's share of one host).
WORKERS: Final = 6
_XML: Final = {"Content-Type": "application/xml"}
#: How many times a write the server answered ``423 Locked`` is sent (about 20 s in all).
_LOCKED_ATTEMPTS: Final = 16
#: what in a library's error text names a place, not a reason: URLs, host:port, port=N
_ADDRESS: Final = re.compile(r"\S+://\S*|\S+:\d+\S*|\bport\s*=\s*\d+", re.IGNORECASE)


class PublishError(IsecgEventsError):
    """The calendar could not be brought in step; the message says what was done.

    The message never holds a URL's user info (:func:`~isecg_events.errors.redact`).
    """

    def __init__(self, message: str) -> None:
        super().__init__(redact(message))


class UnusableURL(PublishError, ValueError):
    """The URL given is no http(s) URL of a host: the caller's input, refused before any request."""


@attrs.frozen
class Outcome:
    """What a publication did (or, dry, would do), by event title.

    Attributes:
        created, updated, deleted, unchanged: titles of the events, per action.
        restored: titles of events edited on the server (by a calendar
            client) that the programme kept as they were: put back.
        conflicts: titles of events someone changed on the server meanwhile
            (not overwritten).
        writes: the PUT and DELETE requests sent.
        requests: every request sent.
    """

    created: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    conflicts: tuple[str, ...] = ()
    restored: tuple[str, ...] = ()
    writes: int = 0
    requests: int = 0

    def summary(self) -> str:
        """``created 2, updated 1, deleted 0, unchanged 5`` (and ``, restored N`` when N > 0)."""
        text = (
            f"created {len(self.created)}, updated {len(self.updated)}, "
            f"deleted {len(self.deleted)}, unchanged {len(self.unchanged)}"
        )
        return text + (f", restored {len(self.restored)}" if self.restored else "")


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during a publication: the writes under way were finished, no other was sent.

    ``outcome`` says what was done; every event is either as it was or as
    published, and publishing again completes the calendar.
    """

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.summary())
        self.outcome = outcome


@attrs.frozen
class _Existing:
    href: str
    etag: str | None
    digest: str | None
    title: str
    events: tuple[Any, ...]  # the resource's VEVENTs, as icalendar read them


@attrs.frozen
class _Job:
    kind: str  # created, updated, restored, deleted
    name: str
    title: str  # as it will be reported
    body: bytes | None  # None: a deletion
    etag: str | None
    theirs: str  # the title as others see it now, named in a conflict


def publish(
    programme: Programme,
    url: str,
    *,
    user: str | None = None,
    password: str | None = None,
    dry_run: bool = False,
    releases: Any = None,
    client: Any = None,
    workers: int = WORKERS,
    progress: Callable[[int, int], None] | None = None,
) -> Outcome:
    """Make the calendar collection at ``url`` hold exactly this programme's events.

    Args:
        programme: the programme.
        url: the calendar collection (created, named after the conference, if missing).
        user: the account's user name.
        password: its password (never shown in any message).
        dry_run: read only; the outcome says what would be done.
        releases: a release history: SEQUENCE and stamps follow it.
        client: a ``caldav.DAVClient`` to use (tests), shared by every write;
            else one is made per writer.
        workers: how many writes are sent at the same time (1: one after another).
        progress: called with (writes done, writes to do) after each write;
            its ``end()``, if it has one, when the writes end, however they end.

    Raises:
        UnusableURL: ``url`` is no http(s) URL of a host (nothing was sent).
        PublishError: credentials, permissions, network, TLS, a URL that is
            no calendar, a reply that is no WebDAV, conflicts; the message says
            what was done before.
        Interrupted: Ctrl-C; the writes under way were finished first.
    """
    url, user, password = _credentials(url, user, password)
    collection = url if url.endswith("/") else url + "/"

    def make(first: Any) -> Any:
        if client is not None:
            return client
        return _client(collection, user, password, getattr(first, "auth", None))

    session = _Session(make, collection, user, password)
    wanted = _resources(programme, releases)
    lists: dict[str, list[str]] = {
        k: [] for k in ("created", "updated", "deleted", "unchanged", "conflicts", "restored")
    }
    try:
        if not session.exists():
            if not dry_run:
                session.make_calendar(programme)
            existing: dict[str, _Existing] = {}
        else:
            existing = session.ours(programme.conference.id)
        jobs = []
        for name, (title, body, content) in wanted.items():
            found = existing.pop(name, None)
            if found is None:
                jobs.append(_Job("created", name, title, body, None, title))
            elif same(found.events, body):
                lists["unchanged"].append(title)
            else:
                kind = "restored" if found.digest == content else "updated"
                jobs.append(_Job(kind, name, title, body, found.etag, found.title))
        for name, found in existing.items():
            jobs.append(_Job("deleted", name, found.title, None, found.etag, found.title))
        if dry_run:
            for job in jobs:
                lists[job.kind].append(job.title)
        else:
            try:
                session.run(jobs, lists, max(1, workers), progress)
            finally:
                end = getattr(progress, "end", None)
                if end is not None:
                    end()
    except PublishError as error:
        done = _outcome(lists, session)
        if not done.writes:
            raise PublishError(f"{error} (nothing was written)") from None
        raise PublishError(f"{error} (done before it: {done.summary()})") from None
    except KeyboardInterrupt:
        raise Interrupted(_outcome(lists, session)) from None
    result = _outcome(lists, session)
    if result.conflicts:
        changed = "; ".join(result.conflicts)
        raise PublishError(
            f"changed on the server meanwhile, not overwritten: {changed} "
            f"(done: {result.summary()}); publish again to see them as they are now"
        )
    return result


def terminal_progress(stream: TextIO) -> Callable[[int, int], None] | None:
    """A counter of writes done, kept on one line of ``stream``; None when it is no terminal.

    It is redrawn at most ten times a second, and wiped when the publication
    ends, however it ends (its ``end()``, which :func:`publish` calls), so
    that the summary or the error that follows stands alone.
    """
    isatty = getattr(stream, "isatty", None)
    if not (isatty and isatty()):
        return None
    return _Counter(stream)


class _Counter:
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.shown = 0.0
        self.width = 0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.shown < 0.1 and done < total:
            return
        self.shown = now
        line = f"publishing: {done:,} of {total:,} writes"
        self.width = max(self.width, len(line))
        self.stream.write("\r" + line)
        self.stream.flush()

    def end(self) -> None:
        if self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()


def _outcome(lists: dict[str, list[str]], session: _Session) -> Outcome:
    return Outcome(
        **{kind: tuple(titles) for kind, titles in lists.items()},
        writes=session.writes,
        requests=session.requests,
    )


def _resources(programme: Programme, releases: Any) -> dict[str, tuple[str, bytes, str]]:
    """Each event's resource: name -> (title, body, digest of its content)."""
    ics = get_exporter("ics")
    files = (
        ics.render_events(programme, releases=releases)
        if releases
        else ics.render_events(programme)
    )
    effective = releases.apply(programme) if releases else programme
    resources = {}
    for event in effective.events:
        body = files[event.id]
        uid = identity.event_guid(effective.conference.id, event.id, event.guid)
        content = digest(body)
        marks = f"{MARK}:{effective.conference.id}\r\n{HASH}:{content}\r\n".encode()
        head, end, tail = body.partition(b"END:VEVENT\r\n")
        resources[f"{uid}.ics"] = (clean(event.display_title), head + marks + end + tail, content)
    return resources


def _credentials(
    url: str, user: str | None, password: str | None
) -> tuple[str, str | None, str | None]:
    """``url`` without its user info, and the user and password it gave.

    A user or password given apart wins over the URL's. The URL is checked
    here, before any request: only http and https URLs of a host are taken.
    """
    problem = _unusable(url)
    if problem:
        raise UnusableURL(f"--caldav {url}: {problem}")
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, user, password
    userinfo, _, netloc = parts.netloc.rpartition("@")
    name, has_password, secret = userinfo.partition(":")
    clean_url = urlunsplit(parts._replace(netloc=netloc))
    return (
        clean_url,
        user if user is not None else (unquote(name) or None),
        password if password is not None else (unquote(secret) if has_password else None),
    )


def _unusable(url: str) -> str | None:
    """What makes ``url`` no URL to send a request to, or None."""
    usable = "not an http:// or https:// URL of a CalDAV server"
    if any(ord(c) < 0x21 or c == "\x7f" for c in url):
        return f"a space or control character in the URL; {usable}"
    try:
        parts = urlsplit(url)
    except ValueError:
        return f"the host cannot be read (a bracket too many or too few); {usable}"
    if parts.scheme.lower() not in ("http", "https"):
        return usable
    try:
        host = parts.hostname
    except ValueError:
        host = None
    if not host or host.startswith("[") or not re.fullmatch(r"[\w.:%-]+", host):
        return f"no host name or address; {usable}"
    try:
        port = parts.port
    except ValueError:
        return f"the port is not a number from 1 to 65535; {usable}"
    if port == 0 or parts.netloc.rsplit("@", 1)[-1].endswith(":"):
        return f"the port is not a number from 1 to 65535; {usable}"
    return None


def _client(url: str, user: str | None, password: str | None, auth: Any = None) -> Any:
    """A python-caldav client; ``auth``: the authentication another one negotiated."""
    try:
        import caldav
    except ImportError:
        raise PublishError(
            "publishing needs python-caldav: pip install 'isecg-events[caldav]'"
        ) from None
    make: Any = caldav.DAVClient  # typed loosely by the library
    return make(url=url, username=user, password=password, timeout=30, auth=auth)


class _Session:
    """The requests of one publication, each turned into a clear error when it fails.

    The thread that reads uses one client; each writer thread has its own,
    made from the first (its negotiated authentication included).
    """

    def __init__(
        self,
        make: Callable[[Any], Any],
        collection: str,
        user: str | None,
        password: str | None,
    ) -> None:
        self.make = make
        self.first = make(None)
        self.reader = threading.get_ident()
        self.local = threading.local()
        self.collection = collection
        self.user = user
        self.secret = password
        self.host = urlsplit(collection).netloc.rsplit("@", 1)[-1]
        self.lock = threading.Lock()
        self.writes = 0
        self.requests = 0
        self.gate = Gate(1)

    def client(self) -> Any:
        if threading.get_ident() == self.reader:
            return self.first
        made = getattr(self.local, "client", None)
        if made is None:
            made = self.local.client = self.make(self.first)
        return made

    def request(
        self,
        url: str,
        method: str,
        what: str,
        body: str = "",
        headers: dict[str, str] | None = None,
    ) -> Any:
        with self.lock:
            self.requests += 1
        try:
            return self.client().request(url, method, body, headers or {})
        except Exception as error:
            raise PublishError(self._explain(error, what)) from None

    def _explain(self, error: Exception, what: str) -> str:
        status = getattr(error, "status", None)
        if isinstance(status, int) and status in (401, 403):
            return self._refused(status, what)
        text = redact(f"{type(error).__name__}: {error}", [self.secret])
        # words only: a URL, host or port may hold "403" (port 40395) or "ssl"
        lowered = _ADDRESS.sub(" ", text).lower()
        if type(error).__name__ == "XMLSyntaxError":  # lxml's, in python-caldav
            return (
                f"{what}: the server's reply is not WebDAV XML, though it says it is XML: "
                f"is {self.collection} a CalDAV calendar, not a web page or a login form?"
            )
        if "certificate" in lowered or "ssl" in lowered or "tls" in lowered:
            return f"TLS verification failed for {self.host}"
        if "unauthorized" in lowered or re.search(r"\b401\b", lowered):
            return self._refused(401, what)
        if "forbidden" in lowered or re.search(r"\b403\b", lowered):
            return self._refused(403, what)
        if (
            "connect" in lowered
            or "refused" in lowered
            or "resolve" in lowered
            or "timed out" in lowered
        ):
            return f"cannot reach {self.host}"
        return f"{what}: the CalDAV request failed ({text})"

    def _refused(self, status: int, what: str) -> str:
        """What a 401 or 403 means with the credentials given, and what to do."""
        asked = f"set {PASSWORD_VARIABLE}, or run on a terminal to be asked for it"
        if status == 403 and self.user is None:
            return (
                f"{self.host} refuses {what} without a user name (no permission on "
                f"{self.collection} for anonymous users): give --user NAME"
            )
        if status == 403:
            return (
                f"{self.host} refuses {what} to user {self.user}: signed in, but no permission "
                f"on {self.collection}; check the URL, or ask for write access to it"
            )
        if self.user is None and self.secret is not None:
            return f"{self.host} asks for a user name with the password: give --user NAME"
        if self.user is None:
            return f"{self.host} asks for a user name and password: give --user NAME and {asked}"
        if self.secret is None:
            return f"{self.host} asks for the password of {self.user} and none was given: {asked}"
        return f"wrong user name or password for {self.host} (user {self.user})"

    def checked(self, response: Any, what: str, ok: tuple[int, ...]) -> Any:
        status = int(response.status)
        if status in ok:
            return response
        if status in (401, 403):
            raise PublishError(self._refused(status, what))
        raise PublishError(f"{what}: the server answered {status}")

    def multistatus(self, response: Any, what: str) -> Any:
        """The root of a 207 reply, read safely (defusedxml); a clear error when it is no WebDAV."""
        from defusedxml import DefusedXmlException, ElementTree

        raw = response.raw
        raw = raw if isinstance(raw, bytes) else str(raw).encode("utf-8")
        status = int(response.status)
        if not raw.strip():
            raise PublishError(
                f"{what}: the server answered {status} with an empty reply, not WebDAV XML"
            )
        kind = str((getattr(response, "headers", None) or {}).get("Content-Type", "") or "")
        try:
            root = ElementTree.fromstring(raw, forbid_dtd=True)
        except DefusedXmlException:
            raise PublishError(
                f"{what}: the server's reply is not WebDAV XML: it declares a DTD "
                "(refused: a CalDAV reply needs none)"
            ) from None
        except ElementTree.ParseError:
            given = f" ({kind.split(';')[0].strip()})" if kind else ""
            raise PublishError(
                f"{what}: the server answered {status} with a reply that is not WebDAV XML"
                f"{given}: is {self.collection} a CalDAV calendar, not a web page or a "
                "login form?"
            ) from None
        if root.tag != "{DAV:}multistatus":
            raise PublishError(f"{what}: the server's reply is not a WebDAV multistatus")
        return root

    def exists(self) -> bool:
        body = (
            '<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:">'
            "<d:prop><d:resourcetype/></d:prop></d:propfind>"
        )
        what = "reading the calendar"
        response = self.request(self.collection, "PROPFIND", what, body, {"Depth": "0", **_XML})
        if int(response.status) == 404:
            return False
        self.checked(response, what, (207, 200))
        root = self.multistatus(response, what)
        if root.find(".//{urn:ietf:params:xml:ns:caldav}calendar") is not None:
            return True
        statuses = [s.text or "" for s in root.iter("{DAV:}status")]
        if statuses and all(" 404 " in f"{status} " for status in statuses):
            return False  # some servers answer 207 with a 404 inside
        raise PublishError(f"{self.collection} is not a calendar collection")

    def make_calendar(self, programme: Programme) -> None:
        conference = programme.conference
        from xml.sax.saxutils import escape

        name = escape(clean(conference.display_title))
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
            f"<d:set><d:prop><d:displayname>{name}</d:displayname>"
            f"<c:calendar-timezone>{escape(timezone_calendar(programme).decode())}</c:calendar-timezone>"
            '<c:supported-calendar-component-set><c:comp name="VEVENT"/>'
            "</c:supported-calendar-component-set>"
            "</d:prop></d:set></c:mkcalendar>"
        )
        what = "creating the calendar"
        response = self.request(self.collection, "MKCALENDAR", what, body, dict(_XML))
        if int(response.status) == 409:
            parent = urljoin(self.collection, "..")
            raise PublishError(
                f"cannot create the calendar {self.collection}: the collection it goes in, "
                f"{parent}, does not exist (the server answered 409); create it first, "
                "or give the URL of a calendar inside an existing one (on Radicale, a "
                "user's collection /USER/ is made when USER first signs in; without "
                f"authentication, make it with: curl -X MKCOL {parent})"
            )
        self.checked(response, what, (201,))
        self.writes += 1

    def ours(self, conference_id: str) -> dict[str, _Existing]:
        """The resources this conference published, by name, with their ETags."""
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
            "<d:prop><d:getetag/><c:calendar-data/></d:prop>"
            '<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"/>'
            "</c:comp-filter></c:filter></c:calendar-query>"
        )
        what = "listing the calendar"
        response = self.request(self.collection, "REPORT", what, body, {"Depth": "1", **_XML})
        self.checked(response, what, (207,))
        found = {}
        for href, props in _responses(self.multistatus(response, what)).items():
            events = read_events(props.get("calendar-data", ""))
            if not events:
                continue  # no event we can read: never ours to touch
            marks = {str(e.get(MARK, "")).strip() for e in events}
            if conference_id not in marks:
                continue  # not ours: never touched
            name = href.rstrip("/").rsplit("/", 1)[-1]
            digests = [str(e[HASH]).strip() for e in events if HASH in e]
            found[name] = _Existing(
                href,
                props.get("getetag"),
                digests[0] if digests else None,
                title_of(events, name),
                events,
            )
        return found

    def run(
        self,
        jobs: list[_Job],
        lists: dict[str, list[str]],
        workers: int,
        progress: Callable[[int, int], None] | None,
    ) -> None:
        """Send the writes, ``workers`` at a time, then the deletions one at a time.

        A server that answers ``423 Locked`` takes one write at a time: from
        then on, one is sent at a time. On a failure or Ctrl-C the writes under
        way are finished, no other is sent; ``lists`` holds what was done
        whatever happens.
        """
        self.gate = Gate(workers)
        counted = [0, len(jobs)]

        def send(job: _Job) -> None:
            # Recorded by the thread that sent it, as soon as the server answered:
            # Ctrl-C (which only the main thread sees) cannot come in between.
            written = self.write(job)
            with self.lock:
                counted[0] += 1
                kind, title = (job.kind, job.title) if written else ("conflicts", job.theirs)
                lists[kind].append(title)
                if progress is not None:
                    progress(*counted)

        drain([job for job in jobs if job.body is not None], send, workers)
        self.gate.narrow()
        drain([job for job in jobs if job.body is None], send, 1)

    def write(self, job: _Job) -> bool:
        """One PUT or DELETE with its precondition; False when the server answered 412.

        A ``423 Locked`` (a server that takes one write at a time, as
        Xandikos does) is sent again after a pause, a bounded number of times:
        the server did nothing with it.
        """
        url = urljoin(self.collection, job.name)
        if job.body is None:
            what = f"deleting {job.name}"
            method, body, ok = "DELETE", "", (200, 204, 404)
            headers = {"If-Match": job.etag} if job.etag else {}
        else:
            what = f"writing {job.name}"
            method, body, ok = "PUT", job.body.decode("utf-8"), (200, 201, 204)
            headers = {"Content-Type": "text/calendar; charset=utf-8"}
            headers.update({"If-Match": job.etag} if job.etag else {"If-None-Match": "*"})
        with self.gate:
            for attempt in range(_LOCKED_ATTEMPTS):
                response = self.request(url, method, what, body, headers)
                if int(response.status) != 423:
                    break
                self.gate.narrow()
                time.sleep(random.uniform(0.5, 1.5) * min(2.0, 0.02 * 2**attempt))
        with self.lock:
            self.writes += 1
        if int(response.status) == 412:
            return False
        self.checked(response, what, ok)
        return True


def _responses(root: Any) -> dict[str, dict[str, str]]:
    """Href -> {getetag, calendar-data} of a multistatus."""
    result: dict[str, dict[str, str]] = {}
    for response in root.iter("{DAV:}response"):
        href = response.findtext("{DAV:}href") or ""
        props: dict[str, str] = {}
        for prop in response.iter("{DAV:}prop"):
            for child in prop:
                local = child.tag.rsplit("}", 1)[-1]
                props[local] = child.text or ""
        result[href] = props
    return result
