"""Abstracts and descriptions in their markup (plain, Markdown, HTML), rendered per format.

Markdown is parsed by markdown-it-py (CommonMark, raw HTML off); HTML is
sanitized (nh3, an allowlist) and read by the standard library's parser.
Both become :class:`Block` s, each carried both as plain text (links as
``text (url)``) and as escaped one-line CommonMark. The iCalendar
DESCRIPTION and the text agenda take the plain form, the Markdown agenda
the other; :func:`to_html` gives sanitized HTML for a web page. Plain text
(our own) is left as it is.
"""

from __future__ import annotations

import functools
import html
import re
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Literal

import attrs
import nh3

from isecg_events.rules import FORBIDDEN_CHARACTERS, Markup

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

__all__ = [
    "Block",
    "blocks",
    "blocks_of_html",
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
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "ol": {"start"}}
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
    parser = MarkdownIt("commonmark", {"html": False})
    # An image (which no page of ours shows) is its description.
    parser.add_render_rule("image", lambda _, tokens, at, *__: html.escape(tokens[at].content))
    return parser


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
    return blocks_of_html(to_html(text, markup))


def blocks_of_html(sanitized: str) -> tuple[Block, ...]:
    """The blocks of HTML that :func:`to_html` gave (a Markdown or HTML text's)."""
    walker = _HtmlWalker()
    walker.feed(sanitized)
    walker.close()
    return tuple(walker.result)


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


#: Elements that begin and end a block of text (what is not here is inline).
_HTML_BLOCKS = frozenset(
    {
        "blockquote", "dd", "dl", "dt", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "li", "ol",
        "p", "ul",
    }
)  # fmt: skip


class _HtmlWalker(HTMLParser):
    """Reads sanitized HTML (only :data:`ALLOWED_TAGS`) into :class:`Block` s.

    As a browser shows it: whitespace collapses, a heading, quote or term
    is a paragraph, ``pre`` keeps its lines. As an author means it: a blank
    line in the text, or two line breaks in a row, also end a paragraph.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.result: list[Block] = []
        self.lists: list[list[int]] = []  # per open list: [next number] or [] for bullets
        self.item_marker: str | None = None
        self.first_item = False
        self.line = _Line()
        self.pre: list[str] | None = None  # the text of an open ``pre``
        self.code: list[str] | None = None  # the text of an open inline ``code``
        self.titles: list[str] = []  # open ``abbr`` elements' titles
        self.breaks = 0  # line breaks since the last words

    def open_list(self, start: int | None) -> None:
        """A list begins: numbered from ``start``, or bulleted (None)."""
        self.lists.append([] if start is None else [start])
        self.first_item = True

    def close_list(self) -> None:
        if self.lists:
            self.lists.pop()

    def open_item(self) -> None:
        if not self.lists:  # items outside any list: one list of those in a row
            self.first_item = not self.result or self.result[-1].kind != "item"
        numbering = self.lists[-1] if self.lists else []
        if numbering:
            self.item_marker = f"{numbering[0]}."
            numbering[0] += 1
        else:
            self.item_marker = "-"

    def add_line(self, plain: str, markdown: str) -> None:
        """A paragraph, or an open item's first paragraph; a line without words is none."""
        if not plain.strip():
            return
        if self.item_marker is not None:
            self.result.append(Block("item", plain, markdown, self.item_marker, self.first_item))
            self.item_marker = None  # later paragraphs of the item are paragraphs
            self.first_item = False
        else:
            self.result.append(Block("paragraph", plain, markdown))

    def add_code(self, code: str) -> None:
        self.result.append(Block("code", code, escape_markdown(code)))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.pre is not None or self.code is not None:
            if tag == "br":  # a code block's or span's markup is its text's only
                self.handle_data("\n")
            return
        if tag == "pre":
            self.end_line()
            self.pre = []
        elif tag in _HTML_BLOCKS:
            self.end_line()
            if tag in ("ul", "ol"):
                self.open_list(_start(dict(attrs).get("start")) if tag == "ol" else None)
            elif tag == "li":
                self.open_item()
        elif tag == "br":
            if self.breaks:
                self.end_line()
            else:
                self.line.space()
            self.breaks += 1
        elif tag == "code":
            self.code = []
        elif tag in _MARKERS:
            self.line.open(_MARKERS[tag])
        elif tag == "a":
            self.line.link(_normal_url(dict(attrs).get("href") or ""))
        elif tag == "q":
            self.line.text('"')
        elif tag == "abbr":
            self.titles.append(" ".join((dict(attrs).get("title") or "").split()))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)  # ``<br/>``: no end to handle

    def handle_endtag(self, tag: str) -> None:
        if self.pre is not None:
            if tag == "pre":
                code = "".join(self.pre)
                code = code[1:] if code.startswith("\n") else code  # as HTML reads ``pre``
                self.pre = None
                if code.strip():
                    self.add_code(code.rstrip("\n"))
            return
        if self.code is not None:
            if tag == "code":
                self.line.code("".join(self.code))
                self.code = None
            return
        if tag in _HTML_BLOCKS:
            self.end_line()
            if tag in ("ul", "ol"):
                self.close_list()
            if tag in ("li", "ul", "ol"):
                self.item_marker = None  # an item without words: what follows is no item
        elif tag in _MARKERS or tag == "a":
            self.line.close()
        elif tag == "q":
            self.line.text('"')
        elif tag == "abbr" and self.titles:
            title = self.titles.pop()
            if title:
                self.line.text(f" ({title})")

    def handle_data(self, data: str) -> None:
        # A character reference (``&#27;``) may give what the source's text could not hold.
        data = FORBIDDEN_CHARACTERS.sub("", data)
        if self.pre is not None:
            self.pre.append(data)
        elif self.code is not None:
            self.code.append(data)
        else:
            for index, part in enumerate(_BLANK_LINE.split(data)):
                if index:
                    self.end_line(split=True)
                if part.strip():
                    self.breaks = 0
                self.line.text(part)

    def end_line(self, split: bool = False) -> None:
        """The line read so far becomes a block (``split``: open emphasis and links go on)."""
        following = self.line.split() if split else _Line()
        self.add_line(*self.line.finish())
        self.line = following
        self.breaks = 0

    def close(self) -> None:
        super().close()
        if self.pre is not None:
            self.handle_endtag("pre")
        if self.code is not None:
            self.handle_endtag("code")
        self.end_line()


_MARKERS = {"em": "*", "i": "*", "strong": "**", "b": "**"}


class _Line:
    """A paragraph's inline content as it is read: plain text and escaped CommonMark.

    Emphasis and links are closed in the order they were opened (the
    markdown-it tokens and sanitized HTML both nest). An emphasis keeps its
    markers only where CommonMark reads them as emphasis (its flanking
    rules): one holding no text, or whose markers would stand against
    punctuation on one side and a word on the other, is shown as its text.
    """

    def __init__(self) -> None:
        self.plain: list[str] = []
        self.markdown: list[str] = []
        # What is open: (emphasis marker or None for a link, href, plain start, markdown start).
        self.opened: list[tuple[str | None, str, int, int]] = []
        # An emphasis whose closing marker ends in punctuation: it stands only if
        # what follows is no word (its index in ``markdown``, its text unmarked).
        self.pending: tuple[int, str] | None = None

    def _add(self, plain: str, markdown: str) -> None:
        if self.pending is not None and markdown:
            index, unmarked = self.pending
            if markdown[0].isalnum():
                self.markdown[index] = unmarked
            self.pending = None
        self.plain.append(plain)
        self.markdown.append(markdown)

    def text(self, text: str) -> None:
        self._add(text, _escape_inline(text))

    def space(self) -> None:
        self._add(" ", " ")

    def code(self, code: str) -> None:
        words = code.strip()
        if not words:  # an empty span shows nothing (and "``" would open one)
            if code:
                self.space()
            return
        # Spaces at its edges go outside (the line's spaces collapse).
        lead = " " if code[0].isspace() else ""
        trail = " " if code[-1].isspace() else ""
        if lead or not (self.markdown and self.markdown[-1].endswith("`")):
            span = _code_span(" ".join(words.split()))
        else:  # "`a``b`" would be one span
            span = _escape_inline(words)
        self._add(code, f"{lead}{span}{trail}")

    def open(self, marker: str) -> None:
        self.opened.append((marker, "", len(self.plain), len(self.markdown)))

    def link(self, href: str) -> None:
        if any(marker is None for marker, *_ in self.opened):
            self.open("")  # a link inside a link (HTML's error recovery makes them): its text
        else:
            self.opened.append((None, href, len(self.plain), len(self.markdown)))

    def close(self) -> None:
        """Close what was opened last: an emphasis, or a link (shown as ``text (url)``)."""
        if not self.opened:
            return
        marker, href, plain_start, markdown_start = self.opened.pop()
        if marker == "":
            return
        self.pending = None  # what follows it is this closing marker or bracket
        inner = "".join(self.markdown[markdown_start:])
        if marker is not None:
            self._emphasis(marker, markdown_start, inner)
            return
        label = "".join(self.plain[plain_start:]).strip()
        if not _safe_href(href):
            return
        if label and label != href and f"mailto:{label}" != href:
            self.plain.append(f" ({href})")
        elif not label:
            self.plain.append(href)
        inner = inner or _escape_inline(href)
        self.markdown[markdown_start:] = [f"[{inner}](<{_escape_url(href)}>)"]

    def _emphasis(self, marker: str, start: int, inner: str) -> None:
        words = inner.strip()
        if not words:
            return
        lead = inner[: len(inner) - len(inner.lstrip())]
        trail = inner[len(inner.rstrip()) :]
        before = lead[-1:] or self._last_character(start)
        if "*" in (before, words[0], words[-1]) and not _strong_emphasis(marker, words, before):
            return  # "*a**b*": markers side by side run together, and pair otherwise
        if not words[0].isalnum() and before.isalnum():
            return  # "a*(b)*": the opening marker opens nothing
        if _AMBIGUOUS.search(words):
            return  # "*a.*(b)* c*": an inner marker that could close this one
        self.markdown[start:] = [f"{lead}{marker}{words}{marker}{trail}"]
        if not words[-1].isalnum() and not trail:
            self.pending = (start, inner)

    def _last_character(self, end: int) -> str:
        """The last character of the CommonMark before ``markdown[end]``, a space if none."""
        for index in range(end - 1, -1, -1):  # no copy of the line: it may be long
            if self.markdown[index]:
                return self.markdown[index][-1]
        return " "

    def split(self) -> _Line:
        """End this line where a paragraph breaks inside open emphasis or links.

        What is open is closed here and opened again on the line returned.
        """
        still = [(marker, href) for marker, href, _, _ in self.opened]
        while self.opened:
            self.close()
        following = _Line()
        for marker, href in still:
            if marker is None:
                following.link(href)
            else:
                following.open(marker)
        return following

    def finish(self) -> tuple[str, str]:
        """The line's plain text and its CommonMark, whitespace collapsed."""
        while self.opened:
            self.close()
        plain_text = " ".join("".join(self.plain).split())
        markdown_text = " ".join("".join(self.markdown).split())
        return plain_text, _LINE_START.sub(_escape_block_marker, markdown_text)


#: A marker inside an emphasis that could both open and close one: between two
#: letters or digits, or between two punctuation characters (CommonMark's flanking).
_AMBIGUOUS = re.compile(r"(?<![\\*])(?:(?<=[^\W_])\*+(?=[^\W_])|(?<=[^\w\s])\*+(?=[^\w\s*]))")


def _normal_url(href: str) -> str:
    """An href as markdown-it writes a Markdown link's (percent-encoded, the host in punycode).

    Bidirectional controls, spaces, backslashes and angle brackets cannot
    then reorder, break or end the link in either form.
    """
    return str(_parser().normalizeLink(FORBIDDEN_CHARACTERS.sub("", href)))


def _start(value: str | None) -> int:
    """An ordered list's first number (``start``), 1 when there is none that makes sense."""
    return int(value) if value and value.isdigit() and len(value) < 10 else 1


def _strong_emphasis(marker: str, words: str, before: str) -> bool:
    """Whether ``marker`` around ``words`` is ``***both***`` (one emphasis inside the other)."""
    run = len(words) - len(words.lstrip("*"))
    return (
        before != "*"
        and run + len(marker) == 3
        and len(words) > 2 * run
        and words.endswith("*" * run)
        and words[-run - 1] not in "*\\"  # the closing run as long as the opening one
    )


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
