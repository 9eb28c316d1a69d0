"""Monthly partitions keyed by the chat's start month, and the month bounds of a partition."""

from datetime import date, datetime

import dagster as dg

from orchestration.settings import first_month_from_environment

# end_offset=1 makes the current month a partition too: a chat held this month can be built now.
# The first month is fixed (TWEETCHAT_FIRST_MONTH, default 2007-08), never read from
# chats.yaml: the definitions load the same whatever the registry holds (docs/operations.md, "Months").
monthly_partitions = dg.MonthlyPartitionsDefinition(
    start_date=f"{first_month_from_environment()}-01", end_offset=1
)


def month_key(month: date) -> str:
    """The partition key of a month (its first day)."""
    return month.replace(day=1).isoformat()


def dbt_vars(window_start: datetime, window_end: datetime) -> dict[str, str]:
    """The chat months [month_start, month_end) of a partition window: dbt's month vars, which
    the dbt steps pass in its environment (orchestration/defs/dbt.py)."""
    return {
        "month_start": window_start.date().isoformat(),
        "month_end": window_end.date().isoformat(),
    }


def previous_month_key(moment: datetime) -> str:
    """The partition of the month before `moment`'s month: what the monthly schedule builds."""
    first = moment.date().replace(day=1)
    previous = (
        date(first.year - 1, 12, 1) if first.month == 1 else date(first.year, first.month - 1, 1)
    )
    return previous.isoformat()
