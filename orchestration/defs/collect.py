"""Live collection in Dagster: a schedule every 5 minutes that runs `collect_job` while any
chat's window is open (a no-op otherwise). The job writes files into the raw folder, never
DuckDB, so it runs in its own pool beside a warehouse run; the raw-directory sensor then
requests the months of the new files. Each run's step shows per chat and platform what was
collected: posts, files, requests, the last cursor and the time.
"""

from datetime import UTC, datetime

import dagster as dg

from orchestration import markdown
from orchestration.collect import collect, open_chats
from orchestration.collect.store import state_dir_for
from orchestration.defs.resources import SettingsResource
from orchestration.registry import RegistryError
from orchestration.settings import SAMPLE_DIR

# Collection runs one at a time (two would page the same cursors), apart from the DuckDB writer.
COLLECT_POOL = "live_collection"


@dg.op(pool=COLLECT_POOL, description="Fetch the open chats' new posts into the raw folder.")
def collect_live_chats(context: dg.OpExecutionContext, settings: SettingsResource):
    current = settings.resolve()
    if current.raw_dir == SAMPLE_DIR / "raw":
        raise dg.Failure("TWEETCHAT_RAW is the bundled sample: set it to your raw folder first")
    try:
        registry = settings.registry()
    except RegistryError as error:
        raise dg.Failure(description=str(error)) from error
    now = datetime.now(UTC).replace(tzinfo=None)
    chat_ids = [chat.id for chat in open_chats(registry, now)]
    if not chat_ids:
        context.log.info("no chat's window is open; nothing to collect")
        return
    reports = collect(
        registry,
        current.raw_dir,
        state_dir_for(current.published_database),
        chat_ids=chat_ids,
        log=context.log.info,
    )
    table = markdown.table(
        ("chat", "platform", "posts", "files", "requests", "last cursor", "collected at", "problem"),
        [
            (r.chat_id, r.platform, r.posts, r.files, r.requests, r.last_cursor,
             r.collected_at, r.problem)
            for r in reports
        ],
    )  # fmt: skip
    context.add_output_metadata(
        {
            "collected": dg.MetadataValue.md(table),
            "posts": sum(r.posts for r in reports),
            "requests": sum(r.requests for r in reports),
        }
    )
    failed = [r for r in reports if r.problem and not r.problem.startswith("stopped:")]
    if failed:
        raise dg.Failure(
            description="; ".join(f"{r.chat_id} {r.platform}: {r.problem}" for r in failed),
            metadata={"kept": "what was collected before the failure is saved"},
        )


@dg.job(
    description="Collect the open chats from Bluesky and Mastodon into the raw folder.",
    tags={"tweetchat/lane": "collect"},
)
def collect_job():
    collect_live_chats()


@dg.schedule(
    job=collect_job,
    cron_schedule="*/5 * * * *",
    execution_timezone="UTC",
    description="Every 5 minutes while a chat's window is open; skips otherwise.",
)
def live_collection_schedule(context: dg.ScheduleEvaluationContext, settings: SettingsResource):
    moment = context.scheduled_execution_time or datetime.now(UTC)
    now = moment.astimezone(UTC).replace(tzinfo=None)
    try:
        chats = open_chats(settings.registry(), now)
    except RegistryError as error:
        return dg.SkipReason(f"chat registry unreadable: {error}")
    if not chats:
        return dg.SkipReason(f"no chat's window is open at {now:%Y-%m-%d %H:%M} UTC")
    return dg.RunRequest(
        run_key=f"collect:{now:%Y%m%dT%H%M}",
        tags={"tweetchat/chats": ",".join(chat.id for chat in chats)},
    )
