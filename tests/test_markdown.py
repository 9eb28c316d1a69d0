"""The Markdown escaper: text renders as itself (CommonMark with GitHub's tables, by
markdown-it-py), hostile text stays text, and ordinary punctuation gets no backslash."""

import html
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration import markdown

markdown_it = pytest.importorskip("markdown_it", reason="markdown-it-py is a dev dependency")


def render(text: str) -> str:
    return markdown_it.MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(text)


def shown(rendered: str) -> str:
    """The text a reader sees: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", rendered)).strip()


@pytest.mark.parametrize(
    "text",
    [
        "32.5% of 3-5 tweetchats (window) had contributors.",
        "@PanelLead_demo and @QI_Chat_Host_demo replied",
        "Q1. What does improvement mean to you?",
        "#LeadingQI #QIHour",
        "see https://example.org/a_b?x=1&y=2 (link)",
        "100% + 50 = 150!",
        "~50 people, not 60",
        "a -> b > c",
    ],
)
def test_ordinary_text_gets_no_backslash(text):
    assert markdown.escape(text) == text
    assert markdown.cell(text) == text


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("*bold* and _it_", r"\*bold\* and \_it\_"),
        ("`code`", r"\`code\`"),
        ("[link](http://x)", r"\[link](http://x)"),
        ("<script>alert(1)</script>", r"\<script>alert(1)\</script>"),
        ("a &amp; b", r"a \&amp; b"),
        ("~~struck~~", r"\~\~struck\~\~"),
        ("back\\slash\\*", r"back\slash\\\*"),
        ("# not a heading", r"\# not a heading"),
        ("- not a list", r"\- not a list"),
        ("+ not a list", r"\+ not a list"),
        ("1. not a list", r"1\. not a list"),
        ("2) not a list", r"2\) not a list"),
        ("> not a quote", r"\> not a quote"),
        ("---", r"\---"),
        ("__init__", r"\_\_init\_\_"),
    ],
)
def test_what_would_change_the_rendering_is_escaped(text, escaped):
    assert markdown.escape(text) == escaped


def test_a_pipe_is_escaped_in_a_table_cell_only():
    assert markdown.escape("a | b") == "a | b"
    assert markdown.cell("a | b") == r"a \| b"


def test_a_closing_hash_run_stays_in_a_heading():
    assert markdown.heading(2, "Poll: are we #1 #") == r"## Poll: are we #1 \#"
    assert shown(render(markdown.heading(2, "Poll: are we #1 #"))) == "Poll: are we #1 #"


def test_hostile_text_renders_as_text():
    hostile = "<script>window.__owned = 1</script> A & B <b>bold</b> @x"
    rendered = render(markdown.escape(hostile))
    assert "<script" not in rendered and "<b>" not in rendered
    assert shown(rendered) == hostile
    rendered = render(markdown.table(["post"], [(hostile,)]))
    assert "<script" not in rendered and "<b>" not in rendered
    assert shown(rendered).endswith(hostile)


def test_numbers_are_right_aligned_in_tables():
    table = markdown.table(
        ["figure", "the hour", "published"],
        [("contributors", "1,234", "133 (window)"), ("share", "32.5%", "")],
    )
    assert table.splitlines()[1] == "|---|--:|--:|"


# Text as posts have it: words, handles, punctuation and the characters Markdown reads.
post_text = st.lists(
    st.sampled_from(
        list("ab AZ09_*`[]()<>&#;|~\\!-+.:/=@\"'é\u2019🙂") + ["&amp;", "<b>", "1. ", "www.x"]
    ),
    max_size=30,
).map(lambda pieces: " ".join("".join(pieces).split()))


@settings(max_examples=400, deadline=None)
@given(post_text)
def test_any_text_renders_as_itself(text):
    assert shown(render(markdown.escape(text))) == text.strip()


@settings(max_examples=400, deadline=None)
@given(st.lists(post_text, min_size=2, max_size=2))
def test_any_cell_stays_in_its_column_and_renders_as_itself(cells):
    rendered = render(markdown.table(["a", "b"], [cells]))
    body = re.search(r"<tbody>(.*)</tbody>", rendered, re.S)
    assert body is not None
    seen = [shown(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", body.group(1), re.S)]
    assert seen == [cell.strip() for cell in cells]
