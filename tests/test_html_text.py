"""Mastodon's HTML content to text and links in SQL gives what Python's HTMLParser gives.

The reference here is the standard library's parser (text nodes joined, <br> a line break,
<p> a blank line, character references decoded, the ends stripped; the hrefs of anchors
that are neither mentions nor hashtags), run on many generated contents.
"""

from __future__ import annotations

from html.parser import HTMLParser

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestration.readers.html_text import stage_html_text, stage_reference_tables


class Reference(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "br":
            self.parts.append("\n")
        elif tag == "p" and self.parts:
            self.parts.append("\n\n")
        elif tag == "a":
            classes = (attributes.get("class") or "").split()
            if attributes.get("href") and not {"mention", "hashtag"} & set(classes):
                self.links.append(attributes["href"])

    def handle_data(self, data):
        self.parts.append(data)


def reference(content: str) -> tuple[str, list[str]]:
    parser = Reference()
    parser.feed(content)
    parser.close()
    return "".join(parser.parts).strip(), parser.links


def in_sql(contents: list[str]) -> list[tuple[str, list[str]]]:
    with duckdb.connect() as con:
        con.execute(
            "create temp table contents as select unnest(range(?)) as k, unnest(?) as content",
            [len(contents), contents],
        )
        stage_reference_tables(con)
        stage_html_text(con, "contents")
        return [
            (text, links)
            for _, text, links in con.execute("select * from html_texts order by k").fetchall()
        ]


WORDS = st.sampled_from(
    ["Q1", "A1", "hello", "café", "🎉", " ", "  ", "\n", "\u00a0", "x", "#QIChat", "@amy", "a<3",
     "a < b", "1 > 0", ";", "&", "#"]
)  # fmt: skip
REFERENCES = st.sampled_from(
    ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;", "&apos;", "&nbsp;", "&amp", "&ampx", "&notit;",
     "&copy", "&#8217;", "&#x1F600;", "&#128;", "&#0;", "&#xD800;", "&#1114112;", "&#65535;",
     "&#x41", "&unknown;", "&#;", "&#x;", "&", "&CounterClockwiseContourIntegral;"]
)  # fmt: skip
HREFS = st.sampled_from(
    ["https://example.org/qi", "https://example.org/?a=1&amp;b=2", "", "https://m.example/@amy"]
)
CLASSES = st.sampled_from([None, "mention", "mention hashtag", "u-url mention", "external", ""])


@st.composite
def anchors(draw, inner):
    href, classes = draw(HREFS), draw(CLASSES)
    quote = draw(st.sampled_from(['"', "'"]))
    attributes = f" href={quote}{href}{quote}"
    if classes is not None:
        attributes += f' class="{classes}"'
    if draw(st.booleans()):
        attributes += ' rel="nofollow noopener" target="_blank"'
    return f"<a{attributes}>{draw(inner)}</a>"


def contents():
    text = st.lists(st.one_of(WORDS, REFERENCES), max_size=6).map("".join)
    inline = st.one_of(
        text,
        anchors(text),
        text.map(lambda t: f"<span>{t}</span>"),
        st.sampled_from(["<br>", "<br />", "<BR/>", "<!-- a <br> comment -->"]),
    )
    paragraph = st.lists(inline, max_size=5).map(lambda parts: "<p>" + "".join(parts) + "</p>")
    return st.lists(st.one_of(paragraph, inline), max_size=5).map("".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(contents(), min_size=1, max_size=20))
def test_sql_gives_what_htmlparser_gives(batch):
    assert in_sql(batch) == [reference(content) for content in batch]


def test_a_typical_status():
    content = (
        '<p><span class="h-card"><a href="https://m.example/@amy" class="u-url mention">'
        "@<span>amy</span></a></span> What&#39;s next? "
        '<a href="https://m.example/tags/QIChat" class="mention hashtag" rel="tag">'
        '#<span>QIChat</span></a></p><p>See <a href="https://example.org/?a=1&amp;b=2">'
        "this</a><br />&amp; reply</p>"
    )
    assert in_sql([content, ""]) == [
        ("@amy What's next? #QIChat\n\nSee this\n& reply", ["https://example.org/?a=1&b=2"]),
        ("", []),
    ]
