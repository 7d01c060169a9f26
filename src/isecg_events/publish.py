"""Keep a CalDAV calendar in step with the programme (``isecg-events publish``).

One resource per event, ``<uid>.ics``: the event's own calendar (its
VTIMEZONE included; a recurring event is one resource with its RRULE), as
the ``ics`` format renders it, with two lines added to the VEVENT:
``X-ISECG-EVENTS-CONFERENCE`` (whose resources these are) and
``X-ISECG-EVENTS-HASH`` (what was published, so an unchanged event is never
written again, whatever the server does to the text). A resource without
this conference's mark is never touched: a shared calendar holds other
people's events.

Requests go through python-caldav's client (``pip install
'isecg-events[caldav]'``). Creation is ``If-None-Match: *``, updates and
deletions carry the server's ETag (``If-Match``), so an event someone changed
meanwhile is not overwritten (``412``) but reported.

The password is given by the caller, or inside the URL
(``https://alice:pw@host/cal/``): it is taken out of the URL before any
request, and every message goes through :func:`~isecg_events.errors.redact`,
so it never appears in a message, whatever failed.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, Final
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

import attrs

from isecg_events import identity
from isecg_events.errors import IsecgEventsError, redact
from isecg_events.exporters import get_exporter, timezone_calendar
from isecg_events.exporters._text import clean
from isecg_events.programme import Programme

__all__ = ["PASSWORD_VARIABLE", "Outcome", "PublishError", "UnusableURL", "publish"]

#: The environment variable the command line reads the password from.
PASSWORD_VARIABLE: Final = "ISECG_EVENTS_CALDAV_PASSWORD"
_MARK: Final = "X-ISECG-EVENTS-CONFERENCE"
_HASH: Final = "X-ISECG-EVENTS-HASH"
_ACTIONS: Final = ("created", "updated", "deleted", "unchanged", "conflicts")
_XML: Final = {"Content-Type": "application/xml"}
_PROPERTY = re.compile(rf"^({_MARK}|{_HASH}):(.*)$", re.M)


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
    writes: int = 0
    requests: int = 0

    def summary(self) -> str:
        """``created 2, updated 1, deleted 0, unchanged 5``."""
        return (
            f"created {len(self.created)}, updated {len(self.updated)}, "
            f"deleted {len(self.deleted)}, unchanged {len(self.unchanged)}"
        )


@attrs.frozen
class _Existing:
    href: str
    etag: str | None
    digest: str | None
    title: str


def publish(
    programme: Programme,
    url: str,
    *,
    user: str | None = None,
    password: str | None = None,
    dry_run: bool = False,
    releases: Any = None,
    client: Any = None,
) -> Outcome:
    """Make the calendar collection at ``url`` hold exactly this programme's events.

    Args:
        programme: the programme.
        url: the calendar collection (created, named after the conference, if missing).
        user: the account's user name.
        password: its password (never shown in any message).
        dry_run: read only; the outcome says what would be done.
        releases: a release history: SEQUENCE and stamps follow it.
        client: a ``caldav.DAVClient`` to use (tests); else one is made.

    Raises:
        UnusableURL: ``url`` is no http(s) URL of a host (nothing was sent).
        PublishError: credentials, network, TLS, a URL that is no calendar,
            conflicts; the message says what was done before.
    """
    url, user, password = _credentials(url, user, password)
    collection = url if url.endswith("/") else url + "/"
    session = _Session(client or _client(collection, user, password), collection, password)
    wanted = _resources(programme, releases)
    outcome: dict[str, list[str]] = {
        k: [] for k in ("created", "updated", "deleted", "unchanged", "conflicts")
    }
    try:
        if not session.exists():
            if not dry_run:
                session.make_calendar(programme)
            existing: dict[str, _Existing] = {}
        else:
            existing = session.ours(programme.conference.id)
        for name, (title, body, digest) in wanted.items():
            found = existing.pop(name, None)
            if found is not None and found.digest == digest:
                outcome["unchanged"].append(title)
                continue
            kind = "created" if found is None else "updated"
            if not dry_run and not session.put(name, body, found.etag if found else None):
                outcome["conflicts"].append(found.title if found else title)  # as others see it
                continue
            outcome[kind].append(title)
        for name, found in existing.items():
            if not dry_run and not session.delete(name, found.etag):
                outcome["conflicts"].append(found.title)
                continue
            outcome["deleted"].append(found.title)
    except PublishError as error:
        done = _outcome(outcome, session)
        raise PublishError(f"{error} (done before it: {done.summary()})") from None
    result = _outcome(outcome, session)
    if result.conflicts:
        changed = "; ".join(result.conflicts)
        raise PublishError(
            f"changed on the server meanwhile, not overwritten: {changed} "
            f"(done: {result.summary()}); publish again to see them as they are now"
        )
    return result


def _outcome(lists: dict[str, list[str]], session: _Session) -> Outcome:
    return Outcome(
        created=tuple(lists["created"]),
        updated=tuple(lists["updated"]),
        deleted=tuple(lists["deleted"]),
        unchanged=tuple(lists["unchanged"]),
        conflicts=tuple(lists["conflicts"]),
        writes=session.writes,
        requests=session.requests,
    )


def _resources(programme: Programme, releases: Any) -> dict[str, tuple[str, bytes, str]]:
    """Each event's resource: name -> (title, body, digest)."""
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
        digest = hashlib.sha256(body).hexdigest()
        marks = f"{_MARK}:{effective.conference.id}\r\n{_HASH}:{digest}\r\n".encode()
        head, end, tail = body.partition(b"END:VEVENT\r\n")
        resources[f"{uid}.ics"] = (clean(event.display_title), head + marks + end + tail, digest)
    return resources


def _credentials(
    url: str, user: str | None, password: str | None
) -> tuple[str, str | None, str | None]:
    """``url`` without its user info, and the user and password it gave.

    A user or password given apart wins over the URL's. The URL is checked
    here, before any request: only http and https URLs of a host are taken.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 (raises ValueError for a port that is no number)
    except ValueError:
        host = None
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise UnusableURL(f"--caldav {url}: not an http:// or https:// URL of a CalDAV server")
    if "@" not in parts.netloc:
        return url, user, password
    userinfo, _, netloc = parts.netloc.rpartition("@")
    name, has_password, secret = userinfo.partition(":")
    clean = urlunsplit(parts._replace(netloc=netloc))
    return (
        clean,
        user if user is not None else (unquote(name) or None),
        password if password is not None else (unquote(secret) if has_password else None),
    )


def _client(url: str, user: str | None, password: str | None) -> Any:
    try:
        import caldav
    except ImportError:
        raise PublishError(
            "publishing needs python-caldav: pip install 'isecg-events[caldav]'"
        ) from None
    make: Any = caldav.DAVClient  # typed loosely by the library
    return make(url=url, username=user, password=password, timeout=30)


class _Session:
    """The requests of one publication, each turned into a clear error when it fails."""

    def __init__(self, client: Any, collection: str, password: str | None) -> None:
        self.client = client
        self.collection = collection
        self.secret = password
        self.writes = 0
        self.requests = 0

    def request(
        self, url: str, method: str, body: str = "", headers: dict[str, str] | None = None
    ) -> Any:
        self.requests += 1
        try:
            return self.client.request(url, method, body, headers or {})
        except Exception as error:
            raise PublishError(self._explain(error)) from None

    def _explain(self, error: Exception) -> str:
        host = urlsplit(self.collection).netloc.rsplit("@", 1)[-1]
        text = redact(f"{type(error).__name__}: {error}", [self.secret])
        lowered = text.lower()
        if "certificate" in lowered or "ssl" in lowered or "tls" in lowered:
            return f"TLS verification failed for {host}"
        if "unauthorized" in lowered or "401" in lowered or "authorization" in lowered:
            return f"wrong user name or password for {host}"
        if (
            "connect" in lowered
            or "refused" in lowered
            or "resolve" in lowered
            or "timed out" in lowered
        ):
            return f"cannot reach {host}"
        return f"the CalDAV request failed ({text})"

    def checked(self, response: Any, what: str, ok: tuple[int, ...]) -> Any:
        status = int(response.status)
        if status in ok:
            return response
        host = urlsplit(self.collection).netloc.rsplit("@", 1)[-1]
        if status == 401:
            raise PublishError(f"wrong user name or password for {host}")
        if status == 403:
            raise PublishError(f"{host} refuses {what}: no permission")
        raise PublishError(f"{what}: the server answered {status}")

    def exists(self) -> bool:
        body = (
            '<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:">'
            "<d:prop><d:resourcetype/></d:prop></d:propfind>"
        )
        response = self.request(self.collection, "PROPFIND", body, {"Depth": "0", **_XML})
        if int(response.status) == 404:
            return False
        self.checked(response, "reading the calendar", (207, 200))
        kind = _resource_kind(response.raw)
        if kind == "missing":  # some servers answer 207 with a 404 inside
            return False
        if kind != "calendar":
            raise PublishError(f"{self.collection} is not a calendar collection")
        return True

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
        response = self.request(self.collection, "MKCALENDAR", body, dict(_XML))
        self.checked(response, "creating the calendar", (201,))
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
        response = self.request(self.collection, "REPORT", body, {"Depth": "1", **_XML})
        self.checked(response, "listing the calendar", (207,))
        found = {}
        for href, props in _multistatus(response.raw).items():
            data = props.get("calendar-data", "")
            marks = dict(_PROPERTY.findall(data.replace("\r\n ", "").replace("\n ", "")))
            if marks.get(_MARK) != conference_id:
                continue  # not ours: never touched
            name = href.rstrip("/").rsplit("/", 1)[-1]
            summary = re.search(r"^SUMMARY[^:]*:(.*)$", data, re.M)
            title = summary.group(1).strip() if summary else name
            found[name] = _Existing(href, props.get("getetag"), marks.get(_HASH), title)
        return found

    def put(self, name: str, body: bytes, etag: str | None) -> bool:
        headers = {"Content-Type": "text/calendar; charset=utf-8"}
        headers.update({"If-Match": etag} if etag else {"If-None-Match": "*"})
        response = self.request(
            urljoin(self.collection, name), "PUT", body.decode("utf-8"), headers
        )
        self.writes += 1
        if int(response.status) == 412:
            return False
        self.checked(response, f"writing {name}", (200, 201, 204))
        return True

    def delete(self, name: str, etag: str | None) -> bool:
        headers = {"If-Match": etag} if etag else {}
        response = self.request(urljoin(self.collection, name), "DELETE", "", headers)
        self.writes += 1
        if int(response.status) == 412:
            return False
        self.checked(response, f"deleting {name}", (200, 204, 404))
        return True


def _resource_kind(raw: Any) -> str:
    """``calendar``, ``missing`` (a 404 inside the multistatus) or ``other``."""
    from defusedxml import ElementTree

    root = ElementTree.fromstring(raw if isinstance(raw, bytes) else str(raw).encode())
    if root.find(".//{urn:ietf:params:xml:ns:caldav}calendar") is not None:
        return "calendar"
    statuses = [s.text or "" for s in root.iter("{DAV:}status")]
    if statuses and all(" 404 " in f"{status} " for status in statuses):
        return "missing"
    return "other"


def _multistatus(raw: Any) -> dict[str, dict[str, str]]:
    """Href -> {getetag, calendar-data} of a multistatus body (defusedxml)."""
    from defusedxml import ElementTree

    root = ElementTree.fromstring(raw if isinstance(raw, bytes) else str(raw).encode())
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
