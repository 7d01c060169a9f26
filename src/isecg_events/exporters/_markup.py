"""Abstracts and descriptions in their markup (plain, Markdown, HTML), rendered per format.

Every kind goes one way: HTML is sanitized (nh3, an allowlist) and turned
into Markdown (html-to-markdown); Markdown is parsed by markdown-it-py (CommonMark,
raw HTML off) into :class:`Block` s, each carried both as plain text (links
as ``text (url)``) and as escaped one-line CommonMark. The iCalendar
DESCRIPTION and the text agenda take the plain form, the Markdown agenda
the other; :func:`to_html` gives sanitized HTML for a web page. Plain text
(our own) is left as it is.
"""

from __future__ import annotations

import functools
import html
import re
from typing import TYPE_CHECKING, Literal

import attrs
import nh3

from isecg_events.rules import Markup

if TYPE_CHECKING:
    import html_to_markdown
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

__all__ = [
    "Block",
    "blocks",
    "escape_markdown",
    "plain_of",
    "to_html",
    "to_plain",
    "without_bidi_controls",
]

#: The HTML a description may keep on a web page (and that is read from HTML sources).
ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "code", "dd", "dl", "dt", "em", "h1", "h2",
        "h3", "h4", "h5", "h6", "hr", "i", "li", "ol", "p", "pre", "q", "s", "strong",
        "sub", "sup", "u", "ul",
    }
)  # fmt: skip
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}}
_URL_SCHEMES = frozenset({"http", "https", "mailto"})


@attrs.frozen
class Block:
    """One paragraph, list item or code block of a text, in both target forms.

    Attributes:
        kind: ``paragraph``, ``item`` (of a list) or ``code``.
        plain: the text as plain text on one line (a code block keeps its lines).
        markdown: the text as CommonMark on one line, every literal character escaped.
        marker: an item's marker: ``-``, or ``3.`` in a numbered list.
        first: whether an item is the first of its list.
    """

    kind: Literal["paragraph", "item", "code"]
    plain: str
    markdown: str
    marker: str = "-"
    first: bool = False


@functools.cache
def _parser() -> MarkdownIt:
    # Imported here: only Markdown and HTML texts need it, not the command's start.
    from markdown_it import MarkdownIt

    # Raw HTML off: inside Markdown it is shown as text, never passed on.
    return MarkdownIt("commonmark", {"html": False})


def blocks(text: str, markup: Markup) -> tuple[Block, ...]:
    """The blocks of ``text``: paragraphs by blank lines for plain text, else parsed.

    ``text`` is cleaned of control characters already (``_text.clean``).
    """
    if markup == "plain":
        return tuple(
            Block("paragraph", " ".join(words), escape_markdown(" ".join(words)))
            for part in _BLANK_LINE.split(text)
            if (words := part.split())
        )
    source = _html_to_markdown(text) if markup == "html" else text
    return _Walker().walk(_parser().parse(source))


def to_plain(text: str, markup: Markup) -> str:
    """Plain text: paragraphs separated by blank lines, list items as ``- item``.

    Plain text comes back as it is; Markdown and HTML lose their markup, keep
    their words, show links as ``text (url)`` and decode entities.
    """
    return text if markup == "plain" else plain_of(blocks(text, markup))


def plain_of(found: tuple[Block, ...]) -> str:
    """The plain text of a Markdown or HTML text's blocks (see :func:`to_plain`)."""
    chunks: list[str] = []
    previous = None
    for block in found:
        if block.kind == "item":
            line = f"{block.marker} {block.plain}"
            if previous == "item" and not block.first:  # a list's items stay together
                chunks[-1] += "\n" + line
            else:
                chunks.append(line)
        else:
            chunks.append(block.plain)
        previous = block.kind
    return "\n\n".join(chunks)


def to_html(text: str, markup: Markup) -> str:
    """Sanitized HTML for a web page: only :data:`ALLOWED_TAGS`, links that cannot run code.

    ``text`` is cleaned of control characters already.
    """
    if markup == "plain":
        paragraphs = [part.strip() for part in _BLANK_LINE.split(text) if part.strip()]
        text = "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)
    elif markup == "markdown":
        text = _parser().render(text)
    return _sanitize(text)


def _sanitize(markup_text: str) -> str:
    return nh3.clean(
        markup_text,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in _ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(_URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
    )


def _html_to_markdown(source: str) -> str:
    """Sanitize HTML, then write it as Markdown (its literal characters escaped).

    By html-to-markdown (Rust), chosen over markdownify by measurement (see
    docs/performance.md): the same blocks for all but a few abstracts, whose
    whitespace it reads as a browser does.
    """
    # Imported here: only HTML abstracts (imports) need it.
    import html_to_markdown

    result = html_to_markdown.convert(_sanitize(source), _h2m_options())
    return str(result.content or "")


@functools.cache
def _h2m_options() -> html_to_markdown.ConversionOptions:
    import dataclasses

    import html_to_markdown

    options = html_to_markdown.ConversionOptions(
        heading_style="atx",
        bullets="-",
        escape_asterisks=True,
        escape_underscores=True,
        escape_misc=True,
        autolinks=False,
    )
    # Each choice as the library's own enum member, not its name: given a
    # name, the library looks it up again on every call.
    members = {}
    for field in dataclasses.fields(options):
        value = getattr(options, field.name)
        kind = getattr(html_to_markdown, field.name.title().replace("_", ""), None)
        if isinstance(value, str) and isinstance(kind, type) and hasattr(kind, value.upper()):
            members[field.name] = getattr(kind, value.upper())
    return dataclasses.replace(options, **members)


class _Walker:
    """Turns markdown-it's token stream into :class:`Block` s."""

    def __init__(self) -> None:
        self.result: list[Block] = []
        self.lists: list[list[int]] = []  # per open list: [next number] or [] for bullets
        self.item_marker: str | None = None
        self.first_item = False

    def walk(self, tokens: list[Token]) -> tuple[Block, ...]:
        for token in tokens:
            kind = token.type
            if kind == "bullet_list_open":
                self.lists.append([])
                self.first_item = True
            elif kind == "ordered_list_open":
                self.lists.append([int(token.attrGet("start") or 1)])
                self.first_item = True
            elif kind in ("bullet_list_close", "ordered_list_close"):
                self.lists.pop()
            elif kind == "list_item_open":
                numbering = self.lists[-1] if self.lists else []
                if numbering:
                    self.item_marker = f"{numbering[0]}."
                    numbering[0] += 1
                else:
                    self.item_marker = "-"
            elif kind == "inline":
                self.inline(token)
            elif kind in ("fence", "code_block"):
                code = token.content.rstrip("\n")
                self.result.append(Block("code", code, escape_markdown(code)))
        return tuple(self.result)

    def inline(self, token: Token) -> None:
        plain, markdown = _inline(token.children or [])
        if not plain.strip():
            return
        if self.item_marker is not None:
            self.result.append(Block("item", plain, markdown, self.item_marker, self.first_item))
            self.item_marker = None  # later paragraphs of the item are paragraphs
            self.first_item = False
        else:
            self.result.append(Block("paragraph", plain, markdown))


def _inline(children: list[Token]) -> tuple[str, str]:
    """One line of plain text and of escaped CommonMark from inline tokens."""
    plain: list[str] = []
    markdown: list[str] = []
    links: list[tuple[int, int, str]] = []  # (plain start, markdown start, href)
    for child in children:
        kind = child.type
        if kind == "text":
            plain.append(child.content)
            markdown.append(_escape_inline(child.content))
        elif kind in ("softbreak", "hardbreak"):
            plain.append(" ")
            markdown.append(" ")
        elif kind == "code_inline":
            plain.append(child.content)
            markdown.append(_code_span(child.content))
        elif kind in ("em_open", "em_close"):
            markdown.append("*")
        elif kind in ("strong_open", "strong_close"):
            markdown.append("**")
        elif kind == "image":
            alt = child.content or ""
            plain.append(alt)
            markdown.append(_escape_inline(alt))
        elif kind == "link_open":
            links.append((len(plain), len(markdown), str(child.attrGet("href") or "")))
        elif kind == "link_close" and links:
            plain_start, markdown_start, href = links.pop()
            label = "".join(plain[plain_start:]).strip()
            if not _safe_href(href):
                continue
            if label and label != href and f"mailto:{label}" != href:
                plain.append(f" ({href})")
            elif not label:
                plain.append(href)
            inner = "".join(markdown[markdown_start:]) or _escape_inline(href)
            del markdown[markdown_start:]
            markdown.append(f"[{inner}](<{_escape_url(href)}>)")
    plain_text = " ".join("".join(plain).split())
    markdown_text = " ".join("".join(markdown).split())
    return plain_text, _LINE_START.sub(_escape_block_marker, markdown_text)


def _safe_href(href: str) -> bool:
    scheme, colon, _ = href.partition(":")
    return bool(colon) and scheme.lower() in _URL_SCHEMES


def _escape_url(url: str) -> str:
    """A URL inside ``<…>``: no angle brackets, spaces or line breaks can end it."""
    return url.replace("<", "%3C").replace(">", "%3E").replace(" ", "%20").replace("\n", "")


def _code_span(code: str) -> str:
    fence = "`"
    while fence in code:
        fence += "`"
    padding = " " if code.startswith("`") or code.endswith("`") else ""
    return f"{fence}{padding}{code}{padding}{fence}"


# -- Escaping ---------------------------------------------------------------------

_BLANK_LINE = re.compile(r"\n\s*\n")
#: What CommonMark could read as markup: escaped wherever it stands.
_SPECIAL = r"\\`*_\[\]<>!|~{}#&"
_ALWAYS = re.compile(f"([{_SPECIAL}])")
_LINE_START = re.compile(r"^(\s*)([-+=>]|\d+[.)])")
# Bidirectional marks, overrides and isolates: a terminal or a Markdown
# viewer would reorder the line around them.
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_BIDI_CONTROLS = re.compile(f"[{_BIDI}]")


def without_bidi_controls(text: str) -> str:
    """``text`` without the characters that reorder a line (see :data:`_BIDI_CONTROLS`)."""
    return _BIDI_CONTROLS.sub("", text) if _BIDI_CONTROLS.search(text) else text


def _escape_inline(text: str) -> str:
    return _ALWAYS.sub(r"\\\1", without_bidi_controls(text))


def escape_markdown(text: str) -> str:
    """Escape ``text`` (cleaned already) so CommonMark shows it literally, on one line."""
    escaped = _ALWAYS.sub(r"\\\1", " ".join(without_bidi_controls(text).split()))
    return _LINE_START.sub(_escape_block_marker, escaped)


def _escape_block_marker(match: re.Match[str]) -> str:
    """Escape a list, quote, heading-underline or numbered-list marker."""
    indent, marker = match.group(1), match.group(2)
    if marker[0].isdigit():
        return f"{indent}{marker[:-1]}\\{marker[-1]}"
    return f"{indent}\\{marker}"
