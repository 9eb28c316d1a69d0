"""Great Expectations suites as Dagster asset checks: errors block what is downstream.

Each suite of orchestration/quality.py is one check on the asset it names, reading the dbt
`checks` relations it lists (its additional deps in the asset graph). An error-severity
check is blocking, so the network, chart, report and publish assets of a run do not run on
a failed count; a warning is recorded and shown, and never blocks.
"""

import dagster as dg

from orchestration import markdown
from orchestration.defs.partitions import dbt_vars, monthly_partitions
from orchestration.defs.resources import WAREHOUSE_POOL, SettingsResource
from orchestration.quality import ERROR, SUITES, Suite, check_frame, record, run_suite
from orchestration.warehouse import connect


def build_check(suite: Suite) -> dg.AssetChecksDefinition:
    severity = (
        dg.AssetCheckSeverity.ERROR if suite.severity == ERROR else dg.AssetCheckSeverity.WARN
    )
    # The raw tables are not partitioned (a file may hold any months): their checks validate
    # the whole table and record no months.
    partitioned = suite.target[0] != "raw"
    checks = suite.checks
    # The checks relations; a mart read as it is (the checked asset itself) is no extra dep.
    relations = [
        dg.AssetKey([check.schema, check.relation])
        for check in checks
        if (check.schema, check.relation) != suite.target
    ]

    @dg.asset_check(
        asset=dg.AssetKey(list(suite.target)),
        name=suite.name,
        description=f"[{suite.severity}] {suite.description}",
        blocking=suite.severity == ERROR,
        partitions_def=monthly_partitions if partitioned else None,
        additional_deps=relations,
        pool=WAREHOUSE_POOL,
    )
    def great_expectations_check(
        context: dg.AssetCheckExecutionContext, settings: SettingsResource
    ) -> dg.AssetCheckResult:
        months = {"month_start": None, "month_end": None}
        if partitioned:
            window = context.partition_time_window
            months = dbt_vars(window.start, window.end)
        with connect(settings.build_database, read_only=True) as con:
            frames = {
                check.relation: check_frame(con, check, months["month_start"], months["month_end"])
                for check in checks
            }
        out_dir = settings.out_dir_path
        # No GX Data Docs (they load their CSS and scripts from CDNs): the run's own page,
        # rewritten as each check records, shows every expectation offline.
        outcomes = run_suite(suite, frames)
        from orchestration.reports.quality_page import write_run_page  # matplotlib: imported late

        with connect(settings.build_database) as con:
            record(con, outcomes, context.run.run_id, months["month_start"], months["month_end"])
            quality_page = write_run_page(con, out_dir, context.run.run_id)
        failed = [o for o in outcomes if not o.success]
        for outcome in failed:
            context.log.warning(
                f"{suite.severity}: {suite.name}: {outcome.expectation}: {outcome.observed}"
            )
        return dg.AssetCheckResult(
            passed=not failed,
            severity=severity,
            description=(f"{len(outcomes) - len(failed)} of {len(outcomes)} expectations passed"),
            metadata={
                "expectations": len(outcomes),
                "failed": len(failed),
                "rows_validated": sum(len(frame) for frame in frames.values()),
                "results": dg.MetadataValue.md(
                    markdown.table(
                        ["relation", "expectation", "passed", "observed"],
                        [
                            (o.batch, o.expectation, "yes" if o.success else "NO", o.observed)
                            for o in outcomes
                        ],
                    )
                ),
                "quality_page": dg.MetadataValue.path(str(quality_page)),
                "failures": "\n".join(f"{o.expectation}: {o.observed}" for o in failed),
            },
        )

    return great_expectations_check


quality_checks = [build_check(suite) for suite in SUITES]
