"""Great Expectations suites over the marts: what each validates, and how a suite is run.

GX 1.x validates pandas frames of the (small) mart tables: its SQL data source does not
work on DuckDB. Each suite names the asset it checks and a severity: an error stops the
charts, the report and the publish; a warning is shown and stored but never blocks. The
frames' SQL only lines figures up side by side; the counting itself stays in dbt.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from orchestration.warehouse import insert_many

ERROR = "error"
WARN = "warn"
COUNTS = ("posts", "originals", "retweets", "replies", "quotes", "contributors")
# Rows of failing values quoted in a result; the data docs keep the full list.
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
class Batch:
    """A frame to validate: SQL with a `{months}` placeholder for the partition's chats."""

    name: str
    sql: str
    key: tuple[str, ...]
    expectations: tuple[Expect, ...]
    month_column: str = "chat_month"


@dataclass(frozen=True)
class Suite:
    name: str
    target: tuple[str, ...]
    severity: str
    description: str
    batches: tuple[Batch, ...]


@dataclass
class ExpectationOutcome:
    suite: str
    batch: str
    expectation: str
    target: str
    severity: str
    success: bool
    observed: str


def _not_negative(*columns: str) -> tuple[Expect, ...]:
    return tuple(expect("ExpectColumnValuesToBeBetween", column=c, min_value=0) for c in columns)


def _at_least(bigger: str, smaller: str) -> Expect:
    return expect(
        "ExpectColumnPairValuesAToBeGreaterThanB", column_A=bigger, column_B=smaller, or_equal=True
    )


def _equal(column_a: str, column_b: str) -> Expect:
    return expect("ExpectColumnPairValuesToBeEqual", column_A=column_a, column_B=column_b)


def _all_true(column: str) -> Expect:
    return expect("ExpectColumnValuesToBeInSet", column=column, value_set=[True])


SUITES: tuple[Suite, ...] = (
    Suite(
        name="chat_activity",
        target=("marts", "chat_activity"),
        severity=ERROR,
        description="posts = originals + retweets; replies + quotes <= originals; "
        "1 <= contributors <= posts; hour <= window; one row per chat and scope; no negatives.",
        batches=(
            Batch(
                name="chat_activity",
                sql="""
                    select chat_id, scope, posts, originals, retweets, replies, quotes,
                           contributors,
                           originals + retweets as originals_plus_retweets,
                           replies + quotes as replies_plus_quotes,
                           case when posts > 0 then contributors end as contributors_if_posts
                    from marts.chat_activity where {months}
                """,
                key=("chat_id", "scope"),
                expectations=(
                    _equal("posts", "originals_plus_retweets"),
                    _at_least("originals", "replies_plus_quotes"),
                    expect(
                        "ExpectColumnValuesToBeBetween", column="contributors_if_posts", min_value=1
                    ),
                    _at_least("posts", "contributors"),
                    expect("ExpectCompoundColumnsToBeUnique", column_list=["chat_id", "scope"]),
                    *_not_negative(*COUNTS),
                ),
            ),
            Batch(
                name="chat_activity_hour_within_window",
                sql="""
                    select chats.chat_id, count(activity.scope) as scope_rows,
                    {pivot}
                    from staging.stg_registry__chats as chats
                    left join marts.chat_activity as activity on chats.chat_id = activity.chat_id
                    where {months}
                    group by chats.chat_id
                """.replace(
                    "{pivot}",
                    ",\n".join(
                        f"max(case when activity.scope = '{scope}' then activity.{c} end) "
                        f"as {scope}_{c}"
                        for c in COUNTS
                        for scope in ("hour", "window")
                    ),
                ),
                key=("chat_id",),
                expectations=(
                    expect("ExpectColumnValuesToBeInSet", column="scope_rows", value_set=[2]),
                    *(_at_least(f"window_{c}", f"hour_{c}") for c in COUNTS),
                ),
                month_column="chats.chat_month",
            ),
        ),
    ),
    Suite(
        name="monthly_activity",
        target=("marts", "monthly_activity"),
        severity=ERROR,
        description="Each month's originals and retweets equal the sums over its chats; "
        "contributors <= the chats' contributors; new_contributors <= contributors.",
        batches=(
            Batch(
                name="monthly_activity",
                sql="""
                    with chat_months as (
                        select chat_month,
                               cast(sum(originals) as bigint) as chats_originals,
                               cast(sum(retweets) as bigint) as chats_retweets,
                               cast(sum(contributors) as bigint) as chats_contributors
                        from marts.chat_activity where scope = 'window'
                        group by chat_month
                    )
                    select cast(months.month as varchar) as month, months.originals,
                           months.retweets, months.contributors, months.new_contributors,
                           chat_months.chats_originals, chat_months.chats_retweets,
                           chat_months.chats_contributors
                    from marts.monthly_activity as months
                    left join chat_months on months.month = chat_months.chat_month
                    where {months}
                """,
                key=("month",),
                expectations=(
                    _equal("originals", "chats_originals"),
                    _equal("retweets", "chats_retweets"),
                    _at_least("chats_contributors", "contributors"),
                    _at_least("contributors", "new_contributors"),
                    *_not_negative("new_contributors"),
                ),
                month_column="months.month",
            ),
        ),
    ),
    Suite(
        name="posts",
        target=("marts", "posts"),
        severity=ERROR,
        description="post_id unique per chat; created_at inside the chat window; in_hour "
        "consistent with the chat's hour; question_id only on originals by non-hosts.",
        batches=(
            Batch(
                name="posts",
                sql="""
                    select posts.chat_id, posts.platform, posts.post_id,
                           posts.created_at >= chats.window_starts_at
                               and posts.created_at < chats.window_ends_at as inside_window,
                           posts.in_hour = (posts.created_at >= chats.starts_at
                               and posts.created_at < chats.hour_ends_at) as in_hour_consistent,
                           posts.question_id is null
                               or (not posts.is_retweet and not posts.is_host)
                               as question_only_on_non_host_original
                    from marts.posts as posts
                    inner join staging.stg_registry__chats as chats
                        on posts.chat_id = chats.chat_id
                    where {months}
                """,
                key=("chat_id", "post_id"),
                expectations=(
                    expect(
                        "ExpectCompoundColumnsToBeUnique",
                        column_list=["chat_id", "platform", "post_id"],
                    ),
                    _all_true("inside_window"),
                    _all_true("in_hour_consistent"),
                    _all_true("question_only_on_non_host_original"),
                ),
                month_column="posts.chat_month",
            ),
        ),
    ),
    Suite(
        name="poll_results",
        target=("marts", "poll_results"),
        severity=ERROR,
        description="total_votes = sum of votes; pct = round(100 * votes / total, 1); pct "
        "sums to 100 within rounding (0.1, or 0.05 per option when more).",
        batches=(
            Batch(
                name="poll_options",
                sql="""
                    select chat_id, poll_id, option_position, votes, total_votes, pct,
                           round(100.0 * votes / nullif(total_votes, 0), 1) as expected_pct
                    from marts.poll_results where {months}
                """,
                key=("chat_id", "poll_id", "option_position"),
                expectations=(_equal("pct", "expected_pct"), *_not_negative("votes")),
            ),
            Batch(
                name="polls",
                sql="""
                    select chat_id, poll_id, max(total_votes) as total_votes,
                           min(total_votes) as smallest_total_votes,
                           cast(sum(votes) as bigint) as sum_of_votes,
                           round(abs(sum(pct) - 100), 2) as pct_sum_off_by,
                           greatest(0.1, 0.05 * count(*)) as rounding_tolerance
                    from marts.poll_results where {months}
                    group by chat_id, poll_id
                    having max(total_votes) > 0
                """,
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
        batches=(
            Batch(
                name="question_responses",
                sql="""
                    select chat_id, question_id, responses, responders
                    from marts.question_responses where {months}
                """,
                key=("chat_id", "question_id"),
                expectations=(
                    _at_least("responses", "responders"),
                    *_not_negative("responses", "responders"),
                ),
            ),
            Batch(
                name="question_responses_per_chat",
                sql="""
                    with responses as (
                        select chat_id, cast(sum(responses) as bigint) as responses
                        from marts.question_responses group by chat_id
                    ),
                    assigned as (
                        select chat_id, count(*) as assigned_originals
                        from marts.posts where question_id is not null group by chat_id
                    )
                    select chats.chat_id, coalesce(responses.responses, 0) as responses,
                           coalesce(assigned.assigned_originals, 0) as assigned_originals
                    from staging.stg_registry__chats as chats
                    left join responses on chats.chat_id = responses.chat_id
                    left join assigned on chats.chat_id = assigned.chat_id
                    where {months}
                """,
                key=("chat_id",),
                expectations=(_equal("responses", "assigned_originals"),),
                month_column="chats.chat_month",
            ),
        ),
    ),
    Suite(
        name="published_figures",
        target=("marts", "chat_activity"),
        severity=WARN,
        description="Where chats.yaml gives a report's published figures, the computed figure "
        "equals it (a warning: the report shows both; a published figure can be the wrong one).",
        batches=(
            Batch(
                name="published_figures",
                sql="""
                    with figures as (
                        select chat_id,
                               case scope when 'hour' then 'hour_' else '' end || measure
                                   as measure,
                               value
                        from (
                            select chat_id, scope, posts, originals, retweets, replies,
                                   quotes, contributors
                            from marts.chat_activity where {months}
                        ) unpivot (value for measure in
                            (posts, originals, retweets, replies, quotes, contributors))
                    )
                    select published.chat_id, published.measure,
                           published.published_value, figures.value as computed_value
                    from staging.stg_registry__chat_published as published
                    inner join figures
                        on published.chat_id = figures.chat_id
                        and published.measure = figures.measure
                """,
                key=("chat_id", "measure"),
                expectations=(_equal("computed_value", "published_value"),),
                month_column="chat_month",
            ),
        ),
    ),
    Suite(
        name="series_volume",
        target=("marts", "chat_activity"),
        severity=WARN,
        description="A chat's window posts within a factor of 5 of the series median "
        "(a missing or doubled export shows here).",
        batches=(
            Batch(
                name="series_volume",
                sql="""
                    with series as (
                        select median(posts) as median_posts
                        from marts.chat_activity where scope = 'window' and posts > 0
                    )
                    select chat_id, posts, series.median_posts,
                           round(posts / nullif(series.median_posts, 0), 3) as ratio_to_median
                    from marts.chat_activity cross join series
                    where scope = 'window' and {months}
                """,
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
        batches=(
            Batch(
                name="rejected_input",
                sql="""
                    select count(*) as rejected_records,
                           count(distinct source_file) as files_with_rejections
                    from raw.rejected_records
                """,
                key=(),
                expectations=(
                    expect("ExpectColumnValuesToBeBetween", column="rejected_records", max_value=0),
                ),
                month_column="",
            ),
        ),
    ),
)


def batch_frame(con, batch: Batch, month_start: str | None, month_end: str | None):
    """The batch's frame for chats of months [month_start, month_end)."""
    sql = batch.sql
    params: list[str] = []
    if batch.month_column:
        months = (
            f"{batch.month_column} >= cast(? as date) and {batch.month_column} < cast(? as date)"
        )
        sql = sql.replace("{months}", months)
        params = [month_start, month_end] * batch.sql.count("{months}")
    return con.execute(sql, params).df()


def _gx_context(docs_dir: Path | None):
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    if docs_dir is None:
        context = gx.get_context(mode="ephemeral")
    else:
        # A file context keeps every run's results, so the data docs show the history.
        docs_dir.mkdir(parents=True, exist_ok=True)
        context = gx.get_context(mode="file", project_root_dir=str(docs_dir))
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def run_suite(
    suite: Suite, frames: dict[str, Any], docs_dir: Path | None = None
) -> list[ExpectationOutcome]:
    """Validate each batch's frame with GX; return one outcome per expectation."""
    import great_expectations as gx

    context = _gx_context(docs_dir)
    source = context.data_sources.add_or_update_pandas("tweetchat_marts")
    outcomes: list[ExpectationOutcome] = []
    for batch in suite.batches:
        name = f"{suite.name}.{batch.name}"
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
                expectations=[e.build() for e in batch.expectations],
                meta={"severity": suite.severity, "target": "/".join(suite.target)},
            )
        )
        validation = context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=name, data=definition, suite=expectation_suite)
        )
        actions = [gx.checkpoint.UpdateDataDocsAction(name="data_docs")] if docs_dir else []
        checkpoint = context.checkpoints.add_or_update(
            gx.Checkpoint(
                name=name,
                validation_definitions=[validation],
                actions=actions,
                result_format={
                    "result_format": "COMPLETE",
                    "unexpected_index_column_names": list(batch.key),
                    "partial_unexpected_count": QUOTED_FAILURES,
                },
            )
        )
        result = checkpoint.run(batch_parameters={"dataframe": frames[batch.name]})
        for run_result in result.run_results.values():
            for expectation_result in run_result.results:
                outcomes.append(_outcome(suite, batch, expectation_result))
    return outcomes


def _outcome(suite: Suite, batch: Batch, expectation_result) -> ExpectationOutcome:
    config = expectation_result.expectation_config
    kwargs = {k: v for k, v in config.kwargs.items() if k not in ("batch_id",)}
    described = f"{config.type}({', '.join(f'{k}={v}' for k, v in kwargs.items())})"
    result = expectation_result.result or {}
    return ExpectationOutcome(
        suite=suite.name,
        batch=batch.name,
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
