"""Each chat's verbatim transcript as a Dagster asset, downstream of the checked marts.

Writes `<out>/<chat_id>/transcript.html` and `transcript.md` for the chats of the months,
keeping the files of a chat whose transcript content has not changed. Its metadata links
every transcript.
"""

from pathlib import Path

import dagster as dg

from orchestration import markdown
from orchestration.defs.partitions import dbt_vars, monthly_partitions
from orchestration.defs.publish import PUBLISHED_KEY
from orchestration.defs.resources import WAREHOUSE_POOL, SettingsResource
from orchestration.pseudonyms import Pseudonymiser, load_key
from orchestration.reports.content import chat_ids
from orchestration.reports.transcript import (
    HTML_NAME,
    MARKDOWN_NAME,
    load_transcript,
    pseudonymise,
    write_transcript,
)
from orchestration.warehouse import connect

TRANSCRIPTS_KEY = dg.AssetKey(["reports", "transcripts"])
MARTS_READ = [
    dg.AssetKey(["marts", name])
    for name in ("transcript_posts", "posts", "poll_results", "question_responses")
]


@dg.asset(
    key=TRANSCRIPTS_KEY,
    group_name="reports",
    kinds={"html", "markdown"},
    # After the published warehouse: a failed blocking check on any mart stops it, as it
    # stops the reports.
    deps=[*MARTS_READ, PUBLISHED_KEY],
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
    description="Each chat's verbatim transcript, every post of the chat in order under its "
    "question, replies threaded, retweets counted: transcript.html (self-contained) and "
    "transcript.md in <out>/<chat_id>/. A chat whose transcript is unchanged keeps its files.",
)
def transcripts(
    context: dg.AssetExecutionContext, settings: SettingsResource
) -> dg.MaterializeResult:
    out_dir = settings.out_dir_path
    months = dbt_vars(context.partition_time_window.start, context.partition_time_window.end)
    key = (
        load_key(Path(settings.published_database), settings.pseudonym_key)
        if settings.pseudonymise
        else None
    )
    rows = []
    with connect(settings.build_database, read_only=True) as con:
        for chat_id in chat_ids(con, months["month_start"], months["month_end"]):
            transcript = load_transcript(con, chat_id)
            if key is not None:
                pseudonymise(transcript, Pseudonymiser(key, transcript.hosts))
            chat_dir = out_dir / chat_id
            written = write_transcript(transcript, chat_dir)
            rows.append(
                (
                    chat_id,
                    len(transcript.entries),
                    "written" if written else "unchanged",
                    str(chat_dir / HTML_NAME),
                    str(chat_dir / MARKDOWN_NAME),
                )
            )
    context.log.info(
        f"transcripts: {sum(r[2] == 'written' for r in rows)} written, "
        f"{sum(r[2] == 'unchanged' for r in rows)} unchanged"
    )
    metadata = {
        "chats": len(rows),
        "written": sum(r[2] == "written" for r in rows),
        "unchanged": sum(r[2] == "unchanged" for r in rows),
        "transcripts": dg.MetadataValue.md(
            markdown.table(["chat", "entries", "this run", "html", "markdown"], rows)
        ),
        "pseudonymised": settings.pseudonymise,
    }
    if rows:
        metadata["latest_transcript"] = dg.MetadataValue.path(rows[-1][3])
    return dg.MaterializeResult(metadata=metadata)
