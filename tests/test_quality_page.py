"""The data-quality page from audit.validation_results alone (a real DuckDB, rows recorded by
quality.record): failed and warning checks shown as such, observed text kept as text, the
index of runs, and the run a report links to."""

import duckdb
import pytest

from orchestration.quality import ExpectationOutcome, record
from orchestration.reports.quality_page import page_path, validated_run, write_run_page


def outcome(suite, success, severity="error", observed="4 rows, all as expected"):
    return ExpectationOutcome(
        suite=suite,
        batch=suite,
        expectation=f"expect_column_values_to_be_between(column={suite}_n, min_value=0)",
        target=f"marts/{suite}",
        severity=severity,
        success=success,
        observed=observed,
    )


@pytest.fixture
def audit():
    with duckdb.connect(":memory:") as con:
        record(con, [outcome("chat_activity", True)], "run-a", "2023-03-01", "2023-04-01")
        record(
            con,
            [
                outcome("chat_activity", True),
                outcome("chat_activity", False, observed="1 of 8 rows unexpected: <b>x</b>"),
                outcome("series_volume", False, severity="warn"),
                outcome("rejected_input", True, severity="warn"),
            ],
            "run-b",
            "2023-01-01",
            "2023-05-01",
        )
        yield con


def test_the_page_shows_every_expectation_with_its_status(audit, tmp_path):
    page = write_run_page(audit, tmp_path, "run-b")
    assert page == page_path(tmp_path, "run-b") == tmp_path / "quality" / "run-run-b.html"
    html = page.read_text()
    assert html.count('<tr class="check ') == 4
    assert html.count('<tr class="check failed"') == 1
    assert html.count('<tr class="check warning"') == 1
    assert "1 of 2 blocking expectations failed" in html and "1 warning</span>" in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html
    assert "2023-01 to 2023-04" in html
    # Nothing is fetched: no script, stylesheet link or remote address.
    assert "<script" not in html and "<link" not in html and "http" not in html


def test_the_index_lists_every_run_latest_first(audit, tmp_path):
    write_run_page(audit, tmp_path, "run-a")
    write_run_page(audit, tmp_path, "run-b")
    index = (tmp_path / "quality" / "index.html").read_text()
    assert index.index("run-b") < index.index("run-a")
    assert 'href="run-run-a.html"' in index and 'href="run-run-b.html"' in index


def test_a_report_links_its_own_run_else_the_latest_validated(audit):
    assert validated_run(audit, "run-a") == "run-a"
    assert validated_run(audit, "a-run-that-checked-nothing") == "run-b"
    assert validated_run(audit) == "run-b"
    with duckdb.connect(":memory:") as empty:
        assert validated_run(empty, "run-a") is None
