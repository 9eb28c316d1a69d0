"""The monthly schedule: the previous month, on the 2nd at 06:00 London time."""

import dagster as dg

from orchestration.defs.jobs import tweetchat_job
from orchestration.defs.partitions import previous_month_key


@dg.schedule(
    job=tweetchat_job,
    cron_schedule="0 6 2 * *",
    execution_timezone="Europe/London",
    description="Builds the previous month's chats on the 2nd of each month at 06:00 Europe/London.",
)
def monthly_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    partition_key = previous_month_key(context.scheduled_execution_time)
    return dg.RunRequest(run_key=f"monthly:{partition_key}", partition_key=partition_key)
