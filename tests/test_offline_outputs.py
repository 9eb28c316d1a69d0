"""The outputs an analyst opens, as the analyst opens them, offline: the April sample chat's
DOCX read back and printed to PDF by LibreOffice, its Markdown as raw text, and the run's
data-quality page in headless Chromium with every network request refused."""

import collections
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn

from orchestration.markdown import is_number
from orchestration.reports.docx_layout import TABLE_STYLE
from tests.test_reports import APRIL, ARTIFACTS, browser, chat_dir  # noqa: F401 (fixture)

HANDLE = re.compile(r"@[A-Za-z0-9_]+")


def _alignment(paragraph):
    """The paragraph's alignment as Word resolves it: direct, else from its style chain."""
    if paragraph.alignment is not None:
        return paragraph.alignment
    style = paragraph.style
    while style is not None:
        if style.paragraph_format.alignment is not None:
            return style.paragraph_format.alignment
        style = style.base_style
    return None


@pytest.fixture(scope="module")
def april_docx(sample_run):
    return chat_dir(sample_run) / "report.docx"


@pytest.fixture(scope="module")
def april_pdf(april_docx, tmp_path_factory):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.fail("LibreOffice is not installed: `make system-packages` installs it")
    folder = tmp_path_factory.mktemp("pdf")
    # A profile of its own: another LibreOffice running on the machine would hold the default.
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={(folder / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(april_docx),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    pdf = folder / "report.pdf"
    assert pdf.exists()
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(pdf, ARTIFACTS / "april_report_docx.pdf")
    return pdf


def test_docx_columns_are_sized_to_their_content_and_numbers_right_aligned(april_docx):
    document = Document(str(april_docx))
    assert document.tables
    for table in document.tables:
        header = [cell.text for cell in table.rows[0].cells]
        widths = [column.width for column in table.columns]
        assert all(widths), header
        body = [[cell.text for cell in row.cells] for row in table.rows[1:]]
        for index, title in enumerate(header):
            numbers = [row[index] for row in body if row[index]]
            aligned = {_alignment(row.cells[index].paragraphs[0]) for row in table.rows[1:]}
            if numbers and all(is_number(value) for value in numbers):
                assert aligned == {WD_ALIGN_PARAGRAPH.RIGHT}, title
            else:
                assert WD_ALIGN_PARAGRAPH.RIGHT not in aligned, title
        # Every row stays on one page; the header row repeats on each.
        for number, row in enumerate(table.rows):
            properties = row._tr.trPr
            assert properties is not None and properties.find(qn("w:cantSplit")) is not None
            repeats = properties.find(qn("w:tblHeader")) is not None
            assert repeats == (number == 0), header
    by_header = {tuple(c.text for c in t.rows[0].cells): t for t in document.tables}
    participants = [
        column.width
        for column in by_header[
            ("#", "account", "originals", "retweets", "replies", "likes received")
        ].columns
    ]
    # A rank takes less than a count, a count less than a handle.
    assert participants[0] < participants[3] < participants[1]
    assert len(set(participants)) >= 4
    # The link takes the room the handle and the count leave.
    links = [column.width for column in by_header[("shared by", "resource", "shares")].columns]
    assert links[1] > links[0] > links[2]


def test_docx_formatting_is_in_styles_an_analyst_can_change(april_docx):
    document = Document(str(april_docx))
    # The "Data quality" section links the run's quality page, beside the reports' folders.
    links = [r.target_ref for r in document.part.rels.values() if r.reltype.endswith("hyperlink")]
    assert len([link for link in links if link.startswith("../quality/run-")]) == 1
    styles = {style.name for style in document.styles}
    assert {"Table Text", "Table Number", "Table Heading"} <= styles
    for table in document.tables:
        assert table.style.name == TABLE_STYLE
        for row in table.rows:
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    assert paragraph.style.name.startswith("Table ")
                    # No direct run formatting: size, weight and colour come from the styles.
                    for run in paragraph.runs:
                        assert run._r.rPr is None, cell.text


def test_docx_printed_by_libreoffice_breaks_no_handle(april_docx, april_pdf):
    document = Document(str(april_docx))
    written = [p.text for p in document.paragraphs]
    written += [c.text for t in document.tables for row in t.rows for c in row.cells]
    expected = collections.Counter(HANDLE.findall("\n".join(written)))
    assert expected["@PanelLead_demo"] > 0
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(april_pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    printed = collections.Counter(HANDLE.findall(text))
    broken = {h: (n, printed[h]) for h, n in expected.items() if printed[h] < n}
    assert broken == {}


# Where the escaper may put a backslash in the sample's Markdown, and before what.
ANYWHERE = set("*_`[<&~\\")
LINE_START = re.compile(r"^(?:[-+>#]|\d{1,9}[.)])")


def test_sample_markdown_has_backslashes_only_where_markdown_needs_them(sample_run):
    text = (chat_dir(sample_run) / "report.md").read_text()
    for figure in ("32.5%", "(window)", "contributors.", "@PanelLead_demo", "3-5 tweetchats"):
        assert figure in text
    for number, line in enumerate(text.splitlines(), start=1):
        for match in re.finditer(r"\\(.)", line):
            escaped = match.group(1)
            in_table = line.startswith("|")
            at_line_start = match.start() == 0 or re.fullmatch(r"- |#+ ", line[: match.start()])
            allowed = (
                escaped in ANYWHERE
                or (escaped == "|" and in_table)
                or (at_line_start and LINE_START.match(line[match.start() + 1 :]))
                or (escaped in ".)" and re.fullmatch(r"(- |#+ )?\d{1,9}", line[: match.start()]))
            )
            assert allowed, f"report.md line {number}: {line!r}"
            if escaped == "_":
                before, after = line[match.start() - 1 : match.start()], line[match.end() :][:1]
                assert not (before.isalnum() and after.isalnum()), f"line {number}: {line!r}"


def test_quality_page_shows_every_check_of_the_run_offline(sample_run, browser):  # noqa: F811
    root = sample_run["root"]
    run_id = sample_run["result"].run_id
    with duckdb.connect(str(root / "warehouse" / "tweetchat.duckdb"), read_only=True) as con:
        checks = con.execute(
            "select suite, batch, expectation, target, success, severity, observed "
            "from audit.validation_results where run_id = ?",
            [run_id],
        ).fetchall()
    assert len(checks) >= 12
    # GX's Data Docs (CSS and scripts from CDNs) are no longer written.
    assert not (root / "output" / "quality" / "gx").exists()
    report = chat_dir(sample_run) / "report.html"
    page = browser.new_page()
    requested = []

    def refuse_the_network(route):
        if not route.request.url.startswith(("file:", "data:")):
            requested.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    page.route("**/*", refuse_the_network)
    page.goto(report.as_uri())
    link = page.locator("#data-quality a#quality-page")
    assert link.count() == 1
    link.click()
    page.wait_for_load_state()
    assert Path(page.url.removeprefix("file://")).name == f"run-{run_id}.html"
    rows = page.locator("#checks tbody tr")
    assert rows.count() == len(checks)
    shown = collections.Counter(
        tuple(cells)
        for cells in page.eval_on_selector_all(
            "#checks tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.innerText))"
        )
    )
    status = {True: "passed", False: "failed"}
    recorded = collections.Counter(
        (status[success] if severity == "error" or success else "warning", suite, batch, target,
         expectation, observed)
        for suite, batch, expectation, target, success, severity, observed in checks
    )  # fmt: skip
    assert shown == recorded
    assert "All" in page.inner_text("#summary") and "passed" in page.inner_text("#summary")
    # Laid out by its own stylesheet, not the browser's default (nothing was fetched).
    assert page.eval_on_selector("td.status", "c => getComputedStyle(c).fontWeight") == "600"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "quality_page.png"), full_page=True)
    page.goto((root / "output" / "quality" / "index.html").as_uri())
    assert run_id in page.inner_text("#runs")
    assert requested == []
    page.close()
