"""Great Expectations over the dbt `checks` relations: the suites, and how one is run.

Every check query is a dbt model in dbt_project/models/checks/ (schema `checks`, views with
the chat month); a suite names the asset it checks, a severity and, per checks relation, the
GX expectations its rows must meet. GX 1.x validates pandas frames of those relations (its
SQL data source does not work on DuckDB). An error stops the charts, the report and the
publish; a warning is shown and stored but never blocks. Rules about one column of one model
are dbt data_tests in that model's .yml, not here.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from orchestration.warehouse import insert_many

ERROR = "error"
WARN = "warn"
COUNTS = ("posts", "originals", "retweets", "replies", "quotes", "contributors")
# Rows of failing values quoted in a result; the checks.<relation> view holds them all.
QUOTED_FAILURES = 5


@dataclass(frozen=True)
class Expect:
    """One GX expectation by class name, with its arguments (built fresh for every run)."""

    kind: str
    kwargs: dict[str, Any]

    def build(self):
        import great_expectations.expectations as gxe

        return getattr(gxe, self.kind)(**self.kwargs)


def expect(kind: str, **kwargs) -> Expect:
    return Expect(kind, kwargs)


@dataclass(frozen=True)
class Check:
    """A relation of the dbt `checks` schema (dbt_project/models/checks/) and what its rows
    must meet. The relation does the lining up in SQL; GX only compares its columns."""

    relation: str
    key: tuple[str, ...]
    expectations: tuple[Expect, ...]
    # The raw tables are not partitioned: a relation over them has no chat_month.
    partitioned: bool = True
    schema: str = "checks"


@dataclass(frozen=True)
class Suite:
    """The checks of one asset at one severity: a Dagster asset check, a GX suite per relation."""

    name: str
    target: tuple[str, ...]
    severity: str
    description: str
    checks: tuple[Check, ...]


@dataclass
class ExpectationOutcome:
    suite: str
    batch: str
    expectation: str
    target: str
    severity: str
    success: bool
    observed: str


def _at_least(bigger: str, smaller: str) -> Expect:
    return expect(
        "ExpectColumnPairValuesAToBeGreaterThanB", column_A=bigger, column_B=smaller, or_equal=True
    )


def _equal(column_a: str, column_b: str) -> Expect:
    return expect("ExpectColumnPairValuesToBeEqual", column_A=column_a, column_B=column_b)


def _all_true(column: str) -> Expect:
    return expect("ExpectColumnValuesToBeInSet", column=column, value_set=[True])


# Single-column rules (not null, accepted values, keys, not negative) are data_tests in the
# marts' .yml; these are the rules that relate columns, rows or marts.
SUITES: tuple[Suite, ...] = (
    Suite(
        name="chat_activity",
        target=("marts", "chat_activity"),
        severity=ERROR,
        description="posts = originals + retweets; replies + quotes <= originals; "
        "1 <= contributors <= posts; hour <= window; one row per chat and scope.",
        checks=(
            Check(
                relation="chat_activity_counts",
                key=("chat_id", "scope"),
                expectations=(
                    _equal("posts", "originals_plus_retweets"),
                    _at_least("originals", "replies_plus_quotes"),
                    expect(
                        "ExpectColumnValuesToBeBetween", column="contributors_if_posts", min_value=1
                    ),
                    _at_least("posts", "contributors"),
                ),
            ),
            Check(
                relation="chat_activity_hour_within_window",
                key=("chat_id",),
                expectations=(
                    expect("ExpectColumnValuesToBeInSet", column="scope_rows", value_set=[2]),
                    *(_at_least(f"window_{c}", f"hour_{c}") for c in COUNTS),
                ),
            ),
        ),
    ),
    Suite(
        name="monthly_activity",
        target=("marts", "monthly_activity"),
        severity=ERROR,
        description="Each month's originals and retweets equal the sums over its chats; "
        "contributors <= the chats' contributors; new_contributors <= contributors.",
        checks=(
            Check(
                relation="monthly_activity_sums",
                key=("month",),
                expectations=(
                    _equal("originals", "chats_originals"),
                    _equal("retweets", "chats_retweets"),
                    _at_least("chats_contributors", "contributors"),
                    _at_least("contributors", "new_contributors"),
                ),
            ),
        ),
    ),
    Suite(
        name="posts",
        target=("marts", "posts"),
        severity=ERROR,
        description="created_at inside the chat window; in_hour consistent with the chat's "
        "hour; question_id only on originals by non-hosts.",
        checks=(
            Check(
                relation="posts_in_chat",
                key=("chat_id", "post_id"),
                expectations=(
                    _all_true("inside_window"),
                    _all_true("in_hour_consistent"),
                    _all_true("question_only_on_non_host_original"),
                ),
            ),
        ),
    ),
    Suite(
        name="poll_results",
        target=("marts", "poll_results"),
        severity=ERROR,
        description="total_votes = sum of votes; pct = round(100 * votes / total, 1); pct "
        "sums to 100 within rounding (0.1, or 0.05 per option when more).",
        checks=(
            Check(
                relation="poll_options_pct",
                key=("chat_id", "poll_id", "option_position"),
                expectations=(_equal("pct", "expected_pct"),),
            ),
            Check(
                relation="polls_totals",
                key=("chat_id", "poll_id"),
                expectations=(
                    _equal("total_votes", "sum_of_votes"),
                    _equal("total_votes", "smallest_total_votes"),
                    _at_least("rounding_tolerance", "pct_sum_off_by"),
                ),
            ),
        ),
    ),
    Suite(
        name="question_responses",
        target=("marts", "question_responses"),
        severity=ERROR,
        description="Responses sum to the originals of posts that have a question; "
        "responders <= responses.",
        checks=(
            Check(
                relation="question_responses",
                schema="marts",
                key=("chat_id", "question_id"),
                expectations=(_at_least("responses", "responders"),),
            ),
            Check(
                relation="question_responses_per_chat",
                key=("chat_id",),
                expectations=(_equal("responses", "assigned_originals"),),
            ),
        ),
    ),
    Suite(
        name="published_figures",
        target=("marts", "chat_activity"),
        severity=WARN,
        description="Where chats.yaml gives a report's published figures, the computed figure "
        "equals it (a warning: the report shows both; a published figure can be the wrong one).",
        checks=(
            Check(
                relation="published_figures",
                key=("chat_id", "measure"),
                expectations=(_equal("computed_value", "published_value"),),
            ),
        ),
    ),
    Suite(
        name="series_volume",
        target=("marts", "chat_activity"),
        severity=WARN,
        description="A chat's window posts within a factor of 5 of the series median "
        "(a missing or doubled export shows here).",
        checks=(
            Check(
                relation="series_volume",
                key=("chat_id",),
                expectations=(
                    expect(
                        "ExpectColumnValuesToBeBetween",
                        column="ratio_to_median",
                        min_value=0.2,
                        max_value=5,
                    ),
                ),
            ),
        ),
    ),
    Suite(
        name="rejected_input",
        target=("raw", "rejected_records"),
        severity=WARN,
        description="No input was rejected (a warning with the count: see raw.rejected_records "
        "for file, line, field and reason).",
        checks=(
            Check(
                relation="rejected_input",
                key=(),
                expectations=(
                    expect("ExpectColumnValuesToBeBetween", column="rejected_records", max_value=0),
                ),
                partitioned=False,
            ),
        ),
    ),
)


def check_frame(con, check: Check, month_start: str | None, month_end: str | None):
    """The check relation's rows for chats of months [month_start, month_end), as pandas."""
    relation = f"{check.schema}.{check.relation}"
    if not check.partitioned:
        return con.execute(f"select * from {relation}").df()
    return con.execute(
        f"select * from {relation} "
        "where chat_month >= cast(? as date) and chat_month < cast(? as date)",
        [month_start, month_end],
    ).df()


def preload_great_expectations() -> None:
    """Start importing Great Expectations (about 4 s of CPU) in a background thread, once a
    process. The dbt steps call it: they mostly wait on dbt's own process, so by the time the
    first check runs GX is loaded (an import already under way is waited for, not repeated)."""
    global _preloading
    with _preloading_lock:
        if _preloading is None:
            _preloading = threading.Thread(
                target=importlib.import_module,
                args=("great_expectations",),
                name="preload-great-expectations",
                daemon=True,
            )
            _preloading.start()


_preloading: threading.Thread | None = None
_preloading_lock = threading.Lock()


def _gx_context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    # Ephemeral: results live in audit.validation_results and the run's quality page
    # (orchestration/reports/quality_page.py), not in GX's Data Docs, which need CDNs.
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def run_suite(suite: Suite, frames: dict[str, Any]) -> list[ExpectationOutcome]:
    """Validate each check relation's frame with GX; return one outcome per expectation."""
    import great_expectations as gx

    context = _gx_context()
    source = context.data_sources.add_or_update_pandas("tweetchat_marts")
    outcomes: list[ExpectationOutcome] = []
    for check in suite.checks:
        name = f"{suite.name}.{check.relation}"
        try:
            asset = source.get_asset(name)
        except LookupError:
            asset = source.add_dataframe_asset(name=name)
        try:
            definition = asset.get_batch_definition("partition")
        except KeyError:
            definition = asset.add_batch_definition_whole_dataframe("partition")
        expectation_suite = context.suites.add_or_update(
            gx.ExpectationSuite(
                name=name,
                expectations=[e.build() for e in check.expectations],
                meta={"severity": suite.severity, "target": "/".join(suite.target)},
            )
        )
        validation = context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=name, data=definition, suite=expectation_suite)
        )
        checkpoint = context.checkpoints.add_or_update(
            gx.Checkpoint(
                name=name,
                validation_definitions=[validation],
                actions=[],
                result_format={
                    "result_format": "COMPLETE",
                    "unexpected_index_column_names": list(check.key),
                    "partial_unexpected_count": QUOTED_FAILURES,
                },
            )
        )
        result = checkpoint.run(batch_parameters={"dataframe": frames[check.relation]})
        for run_result in result.run_results.values():
            for expectation_result in run_result.results:
                outcomes.append(_outcome(suite, check, expectation_result))
    return outcomes


def _outcome(suite: Suite, check: Check, expectation_result) -> ExpectationOutcome:
    config = expectation_result.expectation_config
    kwargs = {k: v for k, v in config.kwargs.items() if k not in ("batch_id",)}
    described = f"{config.type}({', '.join(f'{k}={v}' for k, v in kwargs.items())})"
    result = expectation_result.result or {}
    return ExpectationOutcome(
        suite=suite.name,
        batch=check.relation,
        expectation=described,
        target="/".join(suite.target),
        severity=suite.severity,
        success=bool(expectation_result.success),
        observed=observed_text(result, bool(expectation_result.success)),
    )


def observed_text(result: dict, success: bool) -> str:
    """What GX saw, in a line: the failing rows with their key, or the observed value."""
    if "observed_value" in result:
        return f"observed {result['observed_value']}"
    checked = result.get("element_count", 0)
    failing = result.get("unexpected_count", 0) or 0
    if success or not failing:
        return f"{checked} rows, all as expected"
    rows = result.get("partial_unexpected_index_list") or result.get("partial_unexpected_list")
    quoted = "; ".join(_row_text(row) for row in (rows or [])[:QUOTED_FAILURES])
    return f"{failing} of {checked} rows unexpected: {quoted}"


def _row_text(row) -> str:
    if isinstance(row, dict):
        return ", ".join(f"{k}={v}" for k, v in row.items())
    return str(row)


AUDIT_TABLE = """
create table if not exists audit.validation_results (
    run_id varchar, validated_at timestamp, suite varchar, batch varchar,
    expectation varchar, target varchar, success boolean, severity varchar,
    observed varchar, month_start date, month_end date
)
"""


def record(
    con,
    outcomes: Sequence[ExpectationOutcome],
    run_id: str,
    month_start: str | None,
    month_end: str | None,
) -> None:
    """Append outcomes to audit.validation_results (parameters only, never interpolated)."""
    con.execute("create schema if not exists audit")
    con.execute(AUDIT_TABLE)
    validated_at = datetime.now(UTC).replace(tzinfo=None)
    insert_many(
        con,
        "audit.validation_results",
        [
            (run_id, validated_at, o.suite, o.batch, o.expectation, o.target, o.success,
             o.severity, o.observed, month_start, month_end)
            for o in outcomes
        ],
    )  # fmt: skip
