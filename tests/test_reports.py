"""The charts and reports of the sample run: every section with the right figures, the HTML in
headless Chromium (the system package), the DOCX read back, user text shown as text."""

import re
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from docx import Document

from orchestration.reports import existing_charts
from orchestration.reports.content import load_chat_report
from orchestration.reports.render import write_docx, write_html, write_markdown
from tests.conftest import PROJECT_ROOT

APRIL = "leadingqi-2023-04"
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
SECTIONS = [
    "summary",
    "polls",
    "activity",
    "popular",
    "participants",
    *[f"question-{q}" for q in "12345"],
    "key-themes",
    "responses-by-theme",
    "resources",
    "series",
    "data-quality",
]
HOSTILE = "<script>window.__owned = 1</script> A & B <b>bold</b> @x"


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("chromium is not installed: `make install` installs the system package")
    return path


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium_path(),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield launched
        launched.close()


def open_page(browser, path: Path, width=1000):
    """Open a file; console errors, page errors and any network request are recorded."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on(
        "request",
        lambda r: (
            problems.append(f"network: {r.url}")
            if not r.url.startswith(("file:", "data:"))
            else None
        ),
    )
    page.goto(path.as_uri())
    return page, problems


def chat_dir(sample_run, chat_id=APRIL) -> Path:
    return sample_run["root"] / "output" / chat_id


def test_every_chat_has_its_report_and_charts(sample_run):
    for month in ("01", "02", "03", "04"):
        folder = chat_dir(sample_run, f"leadingqi-2023-{month}")
        for name in (
            "report.html",
            "report.docx",
            "report.md",
            "timeline.png",
            "participants.png",
            "series.png",
            "network.png",
            "q1_wordcloud.png",
        ):
            assert (folder / name).stat().st_size > 1000, folder / name
    assert (sample_run["root"] / "output" / "series" / "monthly_activity.png").exists()
    # Drawn once, as the reports show it: no SVG beside the PNG.
    assert not list((sample_run["root"] / "output").rglob("*.svg"))
    assert len(list(chat_dir(sample_run).glob("poll_*.png"))) == 2


def test_html_sections_and_figures_in_chromium(sample_run, browser):
    page, problems = open_page(browser, chat_dir(sample_run) / "report.html")
    ids = page.eval_on_selector_all("section", "nodes => nodes.map(n => n.id)")
    assert ids == SECTIONS
    summary = page.inner_text("#summary")
    assert "133 contributors posted 356 original posts and 417 retweets" in summary
    polls = page.inner_text("#polls")
    for figure in ("40", "32.5%", "35.0%", "177", "164", "92.7%", "6.2%", "0.6%"):
        assert figure in polls
    popular = page.inner_text("#popular")
    assert "151 retweets" in popular and "452 likes" in popular and "71,342 views" in popular
    assert "an answer to Q4" in popular
    assert "@QIChatHost_demo" not in page.inner_text("#participants table")
    assert page.locator("img").count() >= 14
    assert all(
        src.startswith("data:image/png;base64,")
        for src in page.eval_on_selector_all("img", "nodes => nodes.map(n => n.src)")
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "april_report.png"), full_page=True)
    phone, phone_problems = open_page(browser, chat_dir(sample_run) / "report.html", width=390)
    # Readable on a phone: nothing wider than the screen but the scrolling tables.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(ARTIFACTS / "april_report_phone.png"))
    assert problems == [] and phone_problems == []


def test_docx_has_headings_tables_and_charts(sample_run):
    document = Document(str(chat_dir(sample_run) / "report.docx"))
    headings = [
        p.text for p in document.paragraphs if p.style.name.startswith(("Heading", "Title"))
    ]
    assert headings[0].startswith("Why social networks")
    for expected in (
        "Summary",
        "Activity",
        "Most popular post",
        "Participants",
        "Shared resources",
        "Monthly series",
        "Data quality",
    ):
        assert expected in headings
    questions = [
        p.text for p in document.paragraphs if p.style.name == "Heading 1" and p.text[:1] == "Q"
    ]
    assert len(questions) == 5
    assert "Key themes" in headings and "Responses by theme" in headings
    assert sum(h.startswith("Poll") for h in headings) == 2
    assert len(document.tables) >= 6
    # 2 polls, timeline, participants, network, 5 word clouds, series, and a theme chart for
    # each question with themes.
    theme_charts = len(list(chat_dir(sample_run).glob("q*_themes.png")))
    assert theme_charts == 5
    assert len(document.inline_shapes) == 11 + theme_charts
    summary = document.tables[0]
    rows = {row.cells[0].text: [c.text for c in row.cells[1:]] for row in summary.rows}
    assert rows["contributors"][1] == "133" and rows["retweets"][1] == "417"


def test_markdown_tables(sample_run):
    text = (chat_dir(sample_run) / "report.md").read_text()
    assert "| contributors | 112 | 133 | 133 (window) |" in text
    assert "| Very important | 164 | 92.7% |" in text


def test_user_text_is_text_in_html_markdown_and_docx(sample_run, browser, tmp_path):
    with duckdb.connect(
        str(sample_run["root"] / "warehouse" / "tweetchat.duckdb"), read_only=True
    ) as con:
        report = load_chat_report(con, APRIL)
    report.popular.loc[0, "text"] = HOSTILE
    report.participants.loc[0, "username"] = "<img src=x onerror=alert(1)>"
    charts = existing_charts(report, chat_dir(sample_run))
    html = write_html(report, charts, tmp_path / "report.html")
    page, problems = open_page(browser, html)
    assert HOSTILE in page.inner_text("#popular")
    assert page.evaluate("window.__owned") is None
    assert page.locator("#popular script, #popular b").count() == 0
    assert problems == []
    raw = html.read_text()
    assert "&lt;script&gt;" in raw and "A &amp; B" in raw
    md = write_markdown(report, charts, tmp_path / "report.md").read_text()
    # Only the `<` that would open a tag is escaped (test_markdown.py renders it back).
    assert "\\<script>" in md and "\\<b>bold\\</b>" in md and "\\<img src=x" in md
    assert re.search(r"(?<!\\)<(/?script|/?b\b|img)", md) is None
    docx = Document(str(write_docx(report, charts, tmp_path / "report.docx")))
    assert any(p.text == HOSTILE for p in docx.paragraphs)


def test_ui_shows_chart_previews_and_key_figures(sample_run):
    instance = sample_run["instance"]
    charts = instance.get_latest_materialization_event(dg.AssetKey(["reports", "charts"]))
    metadata = charts.asset_materialization.metadata
    assert "data:image/png;base64," in metadata["preview"].value
    assert "leadingqi-2023-04" in metadata["key_figures"].value
    reports = instance.get_latest_materialization_event(dg.AssetKey(["reports", "chat_reports"]))
    assert "report.html" in reports.asset_materialization.metadata["files"].value.replace("\\", "")


def test_charts_drawn_in_worker_processes_equal_charts_drawn_here(sample_run, tmp_path):
    """The charts asset draws chats in a process per core; the files are those drawn in-process."""
    from orchestration.reports import draw_charts_of_chats

    database = sample_run["root"] / "warehouse" / "tweetchat.duckdb"
    with duckdb.connect(str(database), read_only=True) as con:
        reports = [load_chat_report(con, f"leadingqi-2023-{month}") for month in ("03", "04")]
    drawn = {}
    for workers in (1, 2):
        jobs = [(report, tmp_path / str(workers) / report.chat_id) for report in reports]
        results = list(draw_charts_of_chats(jobs, workers=workers))
        assert [report.chat_id for report, _ in results] == [r.chat_id for r in reports]
        drawn[workers] = {
            path.relative_to(tmp_path / str(workers)).as_posix(): path.read_bytes()
            for path in (tmp_path / str(workers)).rglob("*.png")
        }
    assert len(drawn[1]) >= 20 and "leadingqi-2023-04/poll_1.png" in drawn[1]
    assert drawn[1].keys() == drawn[2].keys()
    assert all(drawn[1][name] == drawn[2][name] for name in drawn[1])


def test_a_report_tables_its_latest_chats_of_the_series(sample_run):
    from orchestration.reports.content import load_series

    database = sample_run["root"] / "warehouse" / "tweetchat.duckdb"
    with duckdb.connect(str(database), read_only=True) as con:
        up_to_march = load_series(con, "leadingqi-2023-03")
        latest_two = load_series(con, "leadingqi-2023-04", latest=2)
        whole = load_series(con)
    assert list(up_to_march["chat_id"]) == [f"leadingqi-2023-0{m}" for m in (1, 2, 3)]
    assert list(latest_two["chat_id"]) == ["leadingqi-2023-03", "leadingqi-2023-04"]
    assert list(whole["contributors"]) == [168, 124, 188, 133]


def test_a_report_says_when_its_series_table_is_the_latest_chats_only(sample_run, tmp_path):
    database = sample_run["root"] / "warehouse" / "tweetchat.duckdb"
    with duckdb.connect(str(database), read_only=True) as con:
        report = load_chat_report(con, APRIL)
    path = write_markdown(report, existing_charts(report, tmp_path), tmp_path / "whole.md")
    assert "The chart and table show" not in path.read_text()
    # As if the series had 40 chats: the report's table keeps its latest and says so.
    report.series_summary = {**report.series_summary, "chats": 40}
    path = write_markdown(report, existing_charts(report, tmp_path), tmp_path / "cut.md")
    assert "The chart and table show the last 4 chats, up to this one." in path.read_text()
