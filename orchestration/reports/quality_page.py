"""The data-quality page of a run: every expectation checked, its target, what was observed
and whether it passed, read from `audit.validation_results` (and nothing else).

One self-contained HTML file per run, `<out>/quality/run-<run_id>.html`, and an index of
the runs, `<out>/quality/index.html`: no stylesheet, script or font is fetched, so the pages
open offline and send nothing to third parties (GX's Data Docs load theirs from CDNs).
The checks write the page as they record their results, so a run stopped by a failed
check has its page too; each report's "Data quality" section links to it.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from orchestration.warehouse import has_table

QUALITY_DIR = "quality"
STATUS = {
    (True, "error"): "passed",
    (True, "warn"): "passed",
    (False, "error"): "failed",
    (False, "warn"): "warning",
}

_environment = Environment(
    loader=PackageLoader("orchestration.reports", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def page_path(out_dir: Path, run_id: str) -> Path:
    return Path(out_dir) / QUALITY_DIR / f"run-{run_id}.html"


def _has_results(con) -> bool:
    return has_table(con, "audit", "validation_results")


def validated_run(con, run_id: str | None = None) -> str | None:
    """`run_id` if it validated anything, else the latest run that did (None if none)."""
    if not _has_results(con):
        return None
    row = con.execute(
        """
        select run_id from audit.validation_results
        order by run_id = coalesce(?, '') desc, validated_at desc limit 1
        """,
        [run_id],
    ).fetchone()
    return None if row is None else row[0]


def _months(month_start: date | None, month_end: date | None) -> str:
    if month_start is None or month_end is None:
        return "all"
    last = month_end - timedelta(days=1)
    if (month_start.year, month_start.month) == (last.year, last.month):
        return f"{month_start:%Y-%m}"
    return f"{month_start:%Y-%m} to {last:%Y-%m}"


def load_results(con, run_id: str) -> list[dict]:
    """The run's expectations in the order the checks ran, failures first within a suite."""
    rows = con.execute(
        """
        select validated_at, suite, batch, expectation, target, success, severity, observed,
               month_start, month_end
        from audit.validation_results
        where run_id = ?
        order by validated_at, suite, batch, success, expectation
        """,
        [run_id],
    ).fetchall()
    names = ("validated_at", "suite", "batch", "expectation", "target", "success", "severity")
    results = []
    for row in rows:
        result = dict(zip(names, row[:7], strict=True))
        result["observed"] = row[7]
        result["months"] = _months(row[8], row[9])
        result["status"] = STATUS[(bool(result["success"]), result["severity"])]
        results.append(result)
    return results


def _suites(results: list[dict]) -> list[dict]:
    suites: dict[str, dict] = {}
    for result in results:
        suite = suites.setdefault(
            result["suite"],
            {
                "name": result["suite"],
                "target": result["target"],
                "severity": result["severity"],
                "months": result["months"],
                "expectations": 0,
                "failed": 0,
            },
        )
        suite["expectations"] += 1
        suite["failed"] += not result["success"]
    for suite in suites.values():
        suite["status"] = STATUS[(suite["failed"] == 0, suite["severity"])]
    return list(suites.values())


def write_run_page(con, out_dir: Path, run_id: str) -> Path:
    """Write the run's page (and the index of runs); the page's path."""
    results = load_results(con, run_id)
    path = page_path(out_dir, run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    html = _environment.get_template("quality.html.j2").render(
        run_id=run_id,
        results=results,
        suites=_suites(results),
        failed=sum(r["status"] == "failed" for r in results),
        blocking=sum(r["severity"] == "error" for r in results),
        warnings=sum(r["status"] == "warning" for r in results),
        validated_at=max((r["validated_at"] for r in results), default=None),
    )
    path.write_text(html, encoding="utf-8")
    write_index(con, out_dir)
    return path


def write_index(con, out_dir: Path) -> Path:
    """`<out>/quality/index.html`: every validated run, latest first, linking its page."""
    runs = con.execute(
        """
        select run_id, max(validated_at) as validated_at, min(month_start), max(month_end),
               count(*) as expectations,
               count(*) filter (where not success and severity = 'error') as failed,
               count(*) filter (where not success and severity = 'warn') as warnings
        from audit.validation_results
        group by run_id
        order by validated_at desc
        """
    ).fetchall()
    path = Path(out_dir) / QUALITY_DIR / "index.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    html = _environment.get_template("quality_index.html.j2").render(
        runs=[
            {
                "run_id": run_id,
                "validated_at": validated_at,
                "months": _months(month_start, month_end),
                "expectations": expectations,
                "failed": failed,
                "warnings": warnings,
                "page": page_path(out_dir, run_id).name,
                "has_page": page_path(out_dir, run_id).exists(),
            }
            for run_id, validated_at, month_start, month_end, expectations, failed, warnings in runs
        ]
    )
    path.write_text(html, encoding="utf-8")
    return path
