"""Abstracts in their markup, rendered per format (exporters/_markup.py)."""

from __future__ import annotations

import re

import html5lib
from hypothesis import example, given, settings
from hypothesis import strategies as st

from isecg_events.exporters._markup import (
    ALLOWED_TAGS,
    blocks,
    escape_markdown,
    to_html,
    to_plain,
)
from isecg_events.exporters._text import clean


def test_markdown_to_plain_text() -> None:
    source = (
        "Firmware basiert auf [Gluon](https://gluon.readthedocs.io/).\r\n"
        "Zweite *Zeile* mit `code`.\r\n\r\n- eins\r\n- zwei\r\n\r\n3. drei\r\n4. vier\r\n\r\nEnde"
    )
    assert to_plain(source, "markdown") == (
        "Firmware basiert auf Gluon (https://gluon.readthedocs.io/). Zweite Zeile mit code."
        "\n\n- eins\n- zwei\n\n3. drei\n4. vier\n\nEnde"
    )


def test_html_to_plain_text() -> None:
    source = (
        "<p>Q&amp;A and &lt;tags&gt; &#8217;quoted&#8217;</p>\n<ul><li>one "
        '<a href="https://example.org/a_b">link</a></li><li>two</li></ul>'
        '<p><a href="https://example.org">https://example.org</a> '
        '<a href="mailto:a@example.org">a@example.org</a></p>'
    )
    assert to_plain(source, "html") == (
        "Q&A and <tags> \u2019quoted\u2019\n\n- one link (https://example.org/a_b)\n- two"
        "\n\nhttps://example.org a@example.org"
    )


def test_plain_text_is_left_alone() -> None:
    text = "*not emphasis* <p>not html</p> [not](a link)\n\nsecond"
    assert to_plain(text, "plain") == text
    assert [b.plain for b in blocks(text, "plain")] == [
        "*not emphasis* <p>not html</p> [not](a link)",
        "second",
    ]
    assert blocks(text, "plain")[0].markdown.startswith("\\*not emphasis\\*")


def test_markdown_form_escapes_text_and_keeps_structure() -> None:
    (first, item) = blocks("# Heading with *em*\n\n- [x](https://e.org/?a=1&b=2) #1", "markdown")
    assert first.markdown == "Heading with *em*"  # a heading cannot break the agenda's
    assert item.kind == "item"
    assert item.markdown == "[x](<https://e.org/?a=1&b=2>) \\#1"


def test_unsafe_links_and_scripts_go() -> None:
    source = (
        '<p onclick="x()">a <a href="javascript:alert(1)">bad</a> '
        "<img src=x onerror=alert(1)><script>alert(2)</script></p>"
    )
    assert to_plain(source, "html") == "a bad"
    page = to_html(source, "html")
    assert "script" not in page and "onerror" not in page and "javascript" not in page
    markdown = "[bad](javascript:alert(1)) <script>alert(1)</script>"
    assert "(javascript:" not in to_plain(markdown, "markdown").replace("[bad](javascript", "")
    assert "<script" not in to_html(markdown, "markdown")  # shown as text: &lt;script&gt;


def _elements(page: str) -> list[tuple[str, dict[str, str]]]:
    fragment = html5lib.parseFragment(page, namespaceHTMLElements=False)
    return [
        (element.tag, dict(element.attrib))
        for element in fragment.iter()
        if element is not fragment
    ]


_PIECES = st.sampled_from(
    [
        "<p>", "</p>", "<ul><li>", "</li></ul>", "<a href='https://e.org'>", "</a>",
        "<a href='javascript:x()'>", "<script>", "</script>", "<img src=x onerror=y>",
        "<div style='x'>", "<b>", "&amp;", "&lt;", "text", " ", "\n", "*", "[l](https://e.org)",
        "<iframe src=x>", '<a href="data:text/html,x">',
    ]
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(pieces=st.lists(_PIECES, max_size=30), markup=st.sampled_from(["html", "markdown", "plain"]))
def test_html_of_any_text_is_only_allowed_elements(pieces: list[str], markup: str) -> None:
    page = to_html("".join(pieces), markup)  # type: ignore[arg-type]
    for tag, attributes in _elements(page):
        assert tag in ALLOWED_TAGS, page
        assert set(attributes) <= {"href", "title", "rel", "start"}, page
        href = attributes.get("href", "https:")
        assert href.split(":", 1)[0] in {"http", "https", "mailto"}, page
    # Plain text is text: what it shows literally ("<script>" typed in
    # Markdown) is no markup, but no link of an unsafe scheme becomes "(url)".
    plain = to_plain("".join(pieces), markup)  # type: ignore[arg-type]
    if markup != "plain":
        assert "(javascript:" not in plain and "(data:" not in plain


_PLAIN = st.lists(
    st.one_of(
        st.sampled_from(
            [*"&<>\"'\xa0\n\t\r ;#x", "&amp;", "&#39;", "<br>", "\n\n", "\ufdd0", "\x00"]
        ),
        st.characters(codec="utf-8", exclude_categories=("Cs",)),
    ),
    max_size=40,
).map("".join)


@settings(max_examples=500, deadline=None)
@given(text=_PLAIN)
def test_plain_html_shows_the_text_in_paragraphs(text: str) -> None:
    from html.parser import HTMLParser

    cleaned = clean(text)
    shown: list[str] = []
    tags: list[str] = []

    class Reader(HTMLParser):
        def handle_starttag(self, tag: str, attrs: object) -> None:
            tags.append(tag)
            shown.append("\n" if tag == "br" else "\n\n" if tag == "p" and shown else "")

        def handle_data(self, data: str) -> None:
            shown.append(data)

    Reader(convert_charrefs=True).feed(to_html(cleaned, "plain"))
    assert set(tags) <= {"p", "br"}
    paragraphs = [part.strip() for part in re.split(r"\n\s*\n", cleaned) if part.strip()]
    assert "".join(shown) == "\n\n".join(paragraphs)


def test_plain_html_escapes_what_the_sanitizer_escapes() -> None:
    text = "Q&A <b>not bold</b> \"quoted\" 'single' a\xa0b\nnext line\n\n  second  "
    expected = (
        "<p>Q&amp;A &lt;b&gt;not bold&lt;/b&gt; \"quoted\" 'single' a&nbsp;b<br>next line</p>"
        "<p>second</p>"
    )
    assert to_html(text, "plain") == expected


def test_markdown_escaping_leaves_plain_words_and_escapes_the_rest() -> None:
    assert escape_markdown("Delegate, ORG 08:00–08:45") == "Delegate, ORG 08:00–08:45"
    assert escape_markdown("1. item") == "1\\. item"
    assert escape_markdown("- dash") == "\\- dash"
    assert escape_markdown("two  spaces\nand\ta tab") == "two spaces and a tab"
    assert escape_markdown("a*b_c") == "a\\*b\\_c"
    assert escape_markdown("bidi\u202ehere") == "bidihere"
    assert escape_markdown(" edge ") == "edge"


_HTML_CASES = [
    # an author's blank line ends a paragraph, inside emphasis too (closed and opened again)
    (
        "<p>one\n\ntwo <em>lo\n\nng</em> end</p>",
        [("paragraph", "one", "one"), ("paragraph", "two lo", "two *lo*"),
         ("paragraph", "ng end", "*ng* end")],
    ),
    # a stray </br> before a blank line (a real frab export) does not join the paragraphs
    (
        "first.</br>\n\nsecond <a href='https://e.org'>link</a>",
        [("paragraph", "first.", "first."),
         ("paragraph", "second link (https://e.org)", "second [link](<https://e.org>)")],
    ),
    ("a<br>b<br><br>c", [("paragraph", "a b", "a b"), ("paragraph", "c", "c")]),
    (
        "<pre>\n  keep\n    lines\n</pre><p>x <code>a<b>*</b>b</code></p>",
        [("code", "  keep\n    lines", "keep lines"), ("paragraph", "x a*b", "x `a*b`")],
    ),
    (
        "<q>quoted</q>, <abbr title='Global Exploration Roadmap'>GER</abbr>, <s>gone</s> <u>u</u>",
        [("paragraph", '"quoted", GER (Global Exploration Roadmap), gone u',
          '"quoted", GER (Global Exploration Roadmap), gone u')],
    ),
    (
        "<p><em> spaced </em>and<strong> </strong>empty<em></em></p>",
        [("paragraph", "spaced and empty", "*spaced* and empty")],
    ),
    (
        "<dl><dt>Term</dt><dd>Meaning</dd></dl><blockquote>Quote</blockquote><h3>Head</h3>",
        [("paragraph", "Term", "Term"), ("paragraph", "Meaning", "Meaning"),
         ("paragraph", "Quote", "Quote"), ("paragraph", "Head", "Head")],
    ),
    # an item without words ends with its element: what follows is a paragraph
    (
        "<ul><li>a</li><li></li></ul><p>Closing.</p><ol><li><pre>x</pre></li></ol><p>b</p>",
        [("item", "a", "a"), ("paragraph", "Closing.", "Closing."), ("code", "x", "x"),
         ("paragraph", "b", "b")],
    ),
    # a line break inside code is a line of the block, a space in a span
    ("<pre>a<br>b</pre>x<code>c<br>d</code>y",
     [("code", "a\nb", "a b"), ("paragraph", "xc dy", "x`c d`y")]),
    # a character reference cannot bring a terminal control or a bidi override into a link
    (
        "a&#27;[31mred&#x7;b <a href='http://x/&#x202e;evil'>t</a> <a href='http://a/b\\'>u</a>",
        [("paragraph", "a[31mredb t (http://x/%E2%80%AEevil) u (http://a/b%5C)",
          "a\\[31mredb [t](<http://x/%E2%80%AEevil>) [u](<http://a/b%5C>)")],
    ),
    # an inner marker CommonMark could pair with the outer one: the outer is its text
    ("<em>a.<em>(b)</em> c</em>", [("paragraph", "a.(b) c", "a.*(b)* c")]),
    ("<strong>Note: <em>this</em> one</strong>",
     [("paragraph", "Note: this one", "**Note: *this* one**")]),
    (
        "<p>1. not a list *nor* [a](link)</p>",
        [("paragraph", "1. not a list *nor* [a](link)", "1\\. not a list \\*nor\\* \\[a\\](link)")],
    ),
]  # fmt: skip


def test_html_is_read_into_the_blocks_a_reader_sees() -> None:
    for source, expected in _HTML_CASES:
        found = [(b.kind, b.plain, b.markdown) for b in blocks(source, "html")]
        assert found == expected, source


def test_html_lists_number_and_group_their_items() -> None:
    nested = blocks("<ol><li>x<ol><li>y</li></ol></li><li>z</li></ol>", "html")
    assert [(b.kind, b.marker, b.first) for b in nested] == [
        ("item", "1.", True),
        ("item", "1.", True),
        ("item", "2.", False),
    ]
    # items outside any list: those in a row are one list
    orphans = blocks("<li>one</li><li>two</li><p>text</p><li>again</li>", "html")
    assert [(b.kind, b.first) for b in orphans] == [
        ("item", True),
        ("item", False),
        ("paragraph", False),
        ("item", True),
    ]
    assert to_plain("<li>one</li><li>two</li><p>text</p><li>again</li>", "html") == (
        "- one\n- two\n\ntext\n\n- again"
    )


_HTML_PIECES = st.sampled_from(
    [
        "<p>", "</p>", "<ul><li>", "</li></ul>", "<ol><li>", "</li></ol>", "<em>", "</em>",
        "<strong>", "</strong>", "<code>", "</code>", "<pre>", "</pre>", "<br>", "\n\n",
        "<a href='https://e.org/x'>", "</a>", "word", "other words", " ", "*", "_", "`",
        "[", "]", "1.", "- ", "#", "&lt;", "&amp;", "<h2>", "</h2>", "<blockquote>", ".", "(",
        ")", "&#27;", "<a href='http://x/\\&#x202e;'>", "<li>", "</li>",
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(pieces=st.lists(_HTML_PIECES, max_size=25))
@example(pieces=["<a href='https://e.org/x'>", *["<ul><li>"] * 4, "<a href='https://e.org/x'>"])
def test_the_markdown_form_of_html_reads_back_as_its_plain_form(pieces: list[str]) -> None:
    # Each block's CommonMark, read by our Markdown reader, shows the block's plain text.
    for block in blocks("".join(pieces), "html"):
        if block.kind == "code":
            continue
        again = blocks(block.markdown, "markdown")
        assert " ".join(b.plain for b in again) == block.plain, block
