"""analysis/theme_excerpts and analysis/themes: each question's draft themes (metrics.md 8).

Between two dbt steps: it reads marts.theme_response_texts (cleaned responses) after the
checked marts, writes only excerpt assignments and labels to the `analysis` schema, and the dbt
marts question_themes and theme_responses count from them.
"""

import dagster as dg

from orchestration import markdown
from orchestration.defs.partitions import dbt_vars, metadata_chats, monthly_partitions
from orchestration.defs.resources import WAREHOUSE_POOL, SettingsResource
from orchestration.warehouse import connect

THEME_EXCERPTS_KEY = dg.AssetKey(["analysis", "theme_excerpts"])
THEMES_KEY = dg.AssetKey(["analysis", "themes"])
# The cleaned responses, and the checked marts they come from: a failed count stops the themes.
READS = [
    dg.AssetKey(["marts", "theme_response_texts"]),
    dg.AssetKey(["marts", "question_responses"]),
    dg.AssetKey(["marts", "posts"]),
]
METADATA_QUOTE_CHARS = 120


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            THEME_EXCERPTS_KEY,
            description="Each response's excerpts (sentences, clauses) with their theme.",
            kinds={"python", "scikitlearn"},
            deps=READS,
        ),
        dg.AssetSpec(
            THEMES_KEY,
            description="Each question's themes: label, keywords, origin.",
            deps=READS,
            kinds={"python", "scikitlearn"},
        ),
    ],
    group_name="themes",
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
)
def question_theme_drafts(context: dg.AssetExecutionContext, settings: SettingsResource):
    months = dbt_vars(context.partition_time_window.start, context.partition_time_window.end)
    # Imported here, not at the top: scikit-learn and SciPy cost seconds to import, and every
    # process that loads the definitions (each run, the sensor's code server) paid them.
    from orchestration.themes.edits import load_edits
    from orchestration.themes.store import build_themes

    edits = load_edits(settings.resolve().themes_path)
    with connect(settings.build_database) as con:
        run = build_themes(con, months["month_start"], months["month_end"], edits)
    for warning in run.warnings:
        context.log.warning(warning)
    shown, more = metadata_chats((chat_id for chat_id, _ in run.summary), "marts.question_themes")
    rows = [
        (chat_id, question_id, position, label, excerpts, quote[:METADATA_QUOTE_CHARS])
        for (chat_id, question_id), themes in sorted(run.summary.items())
        if chat_id in shown
        for position, (label, excerpts, quote) in enumerate(themes, start=1)
    ]
    context.log.info(
        f"{len(run.theme_rows)} themes of {len(run.summary)} questions ({run.representation})"
    )
    yield dg.MaterializeResult(
        asset_key=THEME_EXCERPTS_KEY,
        metadata={
            "excerpts": len(run.excerpt_rows),
            "with_theme": sum(1 for row in run.excerpt_rows if row[10] is not None),
            "edit_warnings": len(run.warnings),
        },
    )
    yield dg.MaterializeResult(
        asset_key=THEMES_KEY,
        metadata={
            "questions": len(run.summary),
            "themes": len(run.theme_rows),
            "themes_file": str(edits.path) if edits.path else "",
            "representation": run.representation,
            # A sentence model's work: texts encoded this run, and those found in its cache.
            "vectors_encoded": run.vectors_encoded,
            "vectors_reused": run.vectors_reused,
            "themes_by_question": dg.MetadataValue.md(
                markdown.table(["chat", "question", "#", "theme", "excerpts", "quote"], rows) + more
                if rows
                else "no responses in these months"
            ),
        },
    )
