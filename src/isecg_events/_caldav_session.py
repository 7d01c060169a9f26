"""The requests of one publication to a CalDAV server, each turned into a clear error.

:mod:`isecg_events.publish` decides what to write; this module says it to
the server: whether the collection is a calendar (PROPFIND), making it
(MKCALENDAR), listing the conference's resources with their ETags (REPORT),
and the writes, each with its precondition (``If-None-Match: *`` or
``If-Match``), a few at a time, ``423 Locked`` answered by one at a time.
A request that fails raises :class:`SessionError`, whose message says why in
the user's words (credentials, permissions, network, TLS, a reply that is no
WebDAV) and holds no secret; ``publish`` adds what was done before it.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import Callable
from typing import Any, Final
from urllib.parse import urljoin, urlsplit

import attrs

from isecg_events._bounded import Gate, drain
from isecg_events._ical_content import HASH, MARK, read_events, title_of
from isecg_events.errors import redact
from isecg_events.exporters import timezone_calendar
from isecg_events.exporters._text import clean
from isecg_events.programme import Programme

__all__ = ["PASSWORD_VARIABLE", "Existing", "Job", "Session", "SessionError"]

#: The environment variable the command line reads the password from.
PASSWORD_VARIABLE: Final = "ISECG_EVENTS_CALDAV_PASSWORD"
_XML: Final = {"Content-Type": "application/xml"}
#: How many times a write the server answered ``423 Locked`` is sent (about 20 s in all).
_LOCKED_ATTEMPTS: Final = 16
#: what in a library's error text names a place, not a reason: URLs, host:port, port=N
_ADDRESS: Final = re.compile(r"\S+://\S*|\S+:\d+\S*|\bport\s*=\s*\d+", re.IGNORECASE)


class SessionError(Exception):
    """A request of the publication failed; the message says why, with no secret in it.

    :func:`isecg_events.publish.publish` raises it again as a ``PublishError``
    that says what was done before it.
    """

    def __init__(self, message: str) -> None:
        super().__init__(redact(message))


@attrs.frozen
class Existing:
    href: str
    etag: str | None
    digest: str | None
    title: str
    events: tuple[Any, ...]  # the resource's VEVENTs, as icalendar read them


@attrs.frozen
class Job:
    kind: str  # created, updated, restored, deleted
    name: str
    title: str  # as it will be reported
    body: bytes | None  # None: a deletion
    etag: str | None
    theirs: str  # the title as others see it now, named in a conflict


class Session:
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
            raise SessionError(self._explain(error, what)) from None

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
            raise SessionError(self._refused(status, what))
        raise SessionError(f"{what}: the server answered {status}")

    def multistatus(self, response: Any, what: str) -> Any:
        """The root of a 207 reply, read safely (defusedxml); a clear error when it is no WebDAV."""
        from defusedxml import DefusedXmlException, ElementTree

        raw = response.raw
        raw = raw if isinstance(raw, bytes) else str(raw).encode("utf-8")
        status = int(response.status)
        if not raw.strip():
            raise SessionError(
                f"{what}: the server answered {status} with an empty reply, not WebDAV XML"
            )
        kind = str((getattr(response, "headers", None) or {}).get("Content-Type", "") or "")
        try:
            root = ElementTree.fromstring(raw, forbid_dtd=True)
        except DefusedXmlException:
            raise SessionError(
                f"{what}: the server's reply is not WebDAV XML: it declares a DTD "
                "(refused: a CalDAV reply needs none)"
            ) from None
        except ElementTree.ParseError:
            given = f" ({kind.split(';')[0].strip()})" if kind else ""
            raise SessionError(
                f"{what}: the server answered {status} with a reply that is not WebDAV XML"
                f"{given}: is {self.collection} a CalDAV calendar, not a web page or a "
                "login form?"
            ) from None
        if root.tag != "{DAV:}multistatus":
            raise SessionError(f"{what}: the server's reply is not a WebDAV multistatus")
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
        raise SessionError(f"{self.collection} is not a calendar collection")

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
            raise SessionError(
                f"cannot create the calendar {self.collection}: the collection it goes in, "
                f"{parent}, does not exist (the server answered 409); create it first, "
                "or give the URL of a calendar inside an existing one (on Radicale, a "
                "user's collection /USER/ is made when USER first signs in; without "
                f"authentication, make it with: curl -X MKCOL {parent})"
            )
        self.checked(response, what, (201,))
        self.writes += 1

    def ours(self, conference_id: str) -> dict[str, Existing]:
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
            found[name] = Existing(
                href,
                props.get("getetag"),
                digests[0] if digests else None,
                title_of(events, name),
                events,
            )
        return found

    def run(
        self,
        jobs: list[Job],
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

        def send(job: Job) -> None:
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

    def write(self, job: Job) -> bool:
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
