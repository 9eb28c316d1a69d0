"""Monthly partitions keyed by the chat's start month, and the month bounds of a partition."""

from collections.abc import Iterable
from datetime import date, datetime

import dagster as dg

from orchestration.settings import first_month_from_environment

# end_offset=1 makes the current month a partition too: a chat held this month can be built now.
# The first month is fixed (TWEETCHAT_FIRST_MONTH, default 2007-08), never read from
# chats.yaml: the definitions load the same whatever the registry holds (docs/operations.md, "Months").
monthly_partitions = dg.MonthlyPartitionsDefinition(
    start_date=f"{first_month_from_environment()}-01", end_offset=1
)

# Dagster copies the metadata of a multi-month run's step into every month's materialisation:
# a table of every chat grows with the archive, times its months (1,000 chats over 84 months:
# 84 x 222 KB for the betweenness step, 84 x 5 MB for the themes step; docs/benchmarks.md
# "The network step at 1M"). The steps' tables list this many chats (a month has a dozen).
METADATA_CHATS = 50


def metadata_chats(chat_ids: Iterable[str], table: str) -> tuple[set[str], str]:
    """The chats a step's metadata table lists, the first METADATA_CHATS by id, and a line
    saying where every chat's rows are (empty when the table lists them all)."""
    chats = sorted(set(chat_ids))
    if len(chats) <= METADATA_CHATS:
        return set(chats), ""
    return set(chats[:METADATA_CHATS]), (
        f"\n\nThe first {METADATA_CHATS} chats of {len(chats)}; every chat's: {table}."
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
