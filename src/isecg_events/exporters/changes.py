"""What changed, for people: a changelog in text, Markdown or JSON, and an Atom feed.

The release history (:mod:`isecg_events.releases`) reaches the exporters as
the render's ``releases`` parameter: the render applies it to the programme
before any format renders (SEQUENCE, stamps, removed events, version), and
the ``atom`` format writes its releases as an Atom 1.0 feed (RFC 4287).
This module knows the history only by the :class:`ReleaseHistory` protocol.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from isecg_events import identity
from isecg_events.diff import Change
from isecg_events.exporters._markup import escape_markdown
from isecg_events.exporters._prepared import Prepared, ReleaseHistory
from isecg_events.exporters._registry import Option
from isecg_events.exporters._text import checked_base_url, clean

if TYPE_CHECKING:
    from xml.sax.saxutils import XMLGenerator

__all__ = [
    "ATOM_NS",
    "OPTIONS",
    "ReleaseHistory",
    "render_atom",
    "render_changes",
    "render_history",
]

ATOM_NS = "http://www.w3.org/2005/Atom"


#: The options of the ``atom`` format.
OPTIONS = (
    Option(
        name="base_url",
        default=None,
        parse=checked_base_url,
        help="where the export is published (https://…/): the feed links itself and the page",
    ),
)


def render_changes(changes: Sequence[Change], syntax: Literal["text", "markdown", "json"]) -> str:
    """The changes as text (one line each), a Markdown list, or a JSON array."""
    if syntax == "json":
        records = [
            {"kind": c.kind, "event": c.key, "title": c.title, "old": c.old, "new": c.new}
            for c in changes
        ]
        return json.dumps(records, ensure_ascii=False, indent=2) + "\n"
    if not changes:
        return "No changes.\n"
    if syntax == "markdown":
        return "".join(f"- {escape_markdown(clean(change.describe()))}\n" for change in changes)
    return "".join(f"{clean(change.describe())}\n" for change in changes)


def render_history(history: ReleaseHistory, syntax: Literal["text", "markdown"]) -> str:
    """Every release, newest first, with its time, note and changes, as text or Markdown."""
    out = []
    for release, changes in reversed(history.changes()):
        stamp = release.at.isoformat().replace("+00:00", "Z")
        if syntax == "markdown":
            out.append(f"## {escape_markdown(release.name)} ({stamp})\n")
            if release.note:
                out.append(f"{escape_markdown(release.note)}\n")
            out.append(render_changes(changes, "markdown"))
        else:
            out.append(f"{release.name} ({stamp})\n")
            if release.note:
                out.append(f"  {release.note}\n")
            out.append(
                "".join(f"  {line}\n" for line in render_changes(changes, "text").splitlines())
            )
        out.append("\n")
    return "".join(out).rstrip("\n") + "\n"


def render_atom(prepared: Prepared, *, base_url: str | None = None) -> bytes:
    """The render's releases as an Atom 1.0 feed, newest first, each listing its changes.

    Without a history (``--releases DIR``) the feed has no entries yet. With
    ``base_url``, where the export is published, the feed links itself
    (``rel="self"``) and the schedule page, and so does each entry: a feed
    reader has a page to open. Without it no link is invented.

    Raises:
        ValueError: ``base_url`` is not an http(s) URL.
    """
    base = checked_base_url(base_url) if base_url else None
    conference = prepared.programme.conference
    releases = prepared.releases
    history = list(releases.changes()) if releases is not None else []
    stream = io.StringIO()
    from xml.sax.saxutils import XMLGenerator  # imported here, as in frab/schedule_xml.py

    xml = XMLGenerator(stream, encoding="utf-8", short_empty_elements=True)
    xml.startDocument()
    xml.startElement("feed", {"xmlns": ATOM_NS})  # type: ignore[arg-type]
    _leaf(xml, "id", _urn(conference.id, "changes"))
    if base:
        _link(xml, rel="self", href=f"{base}changes.atom", type="application/atom+xml")
        _link(xml, rel="alternate", href=f"{base}schedule.html", type="text/html")
    _leaf(xml, "title", clean(f"{conference.display_title}: programme changes"))
    updated = history[-1][0].at if history else conference.published
    _leaf(xml, "updated", _time(updated))
    xml.startElement("author", {})  # type: ignore[arg-type]
    _leaf(xml, "name", clean(conference.display_title))
    xml.endElement("author")
    _leaf(xml, "generator", "isecg-events")
    for release, changes in reversed(history):
        xml.startElement("entry", {})  # type: ignore[arg-type]
        _leaf(xml, "id", _urn(conference.id, "release", release.name))
        if base:
            _link(xml, rel="alternate", href=f"{base}schedule.html", type="text/html")
        _leaf(xml, "title", clean(release.name))
        _leaf(xml, "updated", _time(release.at))
        if release.note:
            _leaf(xml, "summary", clean(release.note))
        _leaf(xml, "content", _content(changes), type="text")
        xml.endElement("entry")
    xml.endElement("feed")
    return (stream.getvalue() + "\n").encode("utf-8")


def _content(changes: tuple[Change, ...]) -> str:
    if changes and all(change.kind == "added" and change.old is None for change in changes):
        titles = "\n".join(f"- {change.title}" for change in changes)
        count = f"{len(changes)} event{'' if len(changes) == 1 else 's'}"
        return clean(f"First release, {count}:\n{titles}")
    return render_changes(changes, "text").rstrip("\n")


def _leaf(xml: XMLGenerator, tag: str, text: str, **attributes: str) -> None:
    xml.startElement(tag, attributes)  # type: ignore[arg-type]
    xml.characters(text)
    xml.endElement(tag)


def _link(xml: XMLGenerator, **attributes: str) -> None:
    xml.startElement("link", attributes)  # type: ignore[arg-type]
    xml.endElement("link")


def _urn(*parts: str) -> str:
    return f"urn:uuid:{identity.derive_guid(*parts)}"


def _time(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
