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

import re
import time
from collections.abc import Callable
from typing import Any, Final, TextIO
from urllib.parse import unquote, urlsplit, urlunsplit

import attrs

from isecg_events import identity
from isecg_events._caldav_session import PASSWORD_VARIABLE, Existing, Job, Session, SessionError
from isecg_events._ical_content import HASH, MARK, digest, same
from isecg_events.errors import IsecgEventsError, redact
from isecg_events.exporters import get_exporter
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

# PASSWORD_VARIABLE is defined in _caldav_session, whose messages name it.
#: How many writes are sent at the same time (a browser's share of one host).
WORKERS: Final = 6


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

    session = Session(make, collection, user, password)
    wanted = _resources(programme, releases)
    lists: dict[str, list[str]] = {
        k: [] for k in ("created", "updated", "deleted", "unchanged", "conflicts", "restored")
    }
    try:
        if not session.exists():
            if not dry_run:
                session.make_calendar(programme)
            existing: dict[str, Existing] = {}
        else:
            existing = session.ours(programme.conference.id)
        jobs = []
        for name, (title, body, content) in wanted.items():
            found = existing.pop(name, None)
            if found is None:
                jobs.append(Job("created", name, title, body, None, title))
            elif same(found.events, body):
                lists["unchanged"].append(title)
            else:
                kind = "restored" if found.digest == content else "updated"
                jobs.append(Job(kind, name, title, body, found.etag, found.title))
        for name, found in existing.items():
            jobs.append(Job("deleted", name, found.title, None, found.etag, found.title))
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
    except (PublishError, SessionError) as error:
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


def _outcome(lists: dict[str, list[str]], session: Session) -> Outcome:
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
