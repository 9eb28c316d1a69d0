"""Monthly partitions keyed by the chat's start month, and the dbt vars of a partition."""

import logging
import os
from datetime import date, datetime

import dagster as dg

from orchestration.registry import RegistryError, load_registry
from orchestration.settings import ENV_FIRST_MONTH, current_settings

FALLBACK_FIRST_MONTH = "2020-01-01"
log = logging.getLogger(__name__)


def first_month() -> str:
    """The first partition: TWEETCHAT_FIRST_MONTH, else the registry's earliest chat month."""
    configured = os.environ.get(ENV_FIRST_MONTH)
    if configured:
        return date.fromisoformat(f"{configured[:7]}-01").isoformat()
    try:
        months = load_registry(current_settings().chats_file).months()
    except RegistryError as error:
        # The definitions still load, so the UI shows the registry asset failing with the reason.
        log.warning(
            "chat registry unreadable (%s); partitions start at %s", error, FALLBACK_FIRST_MONTH
        )
        return FALLBACK_FIRST_MONTH
    return months[0].isoformat()


# end_offset=1 makes the current month a partition too: a chat held this month can be built now.
monthly_partitions = dg.MonthlyPartitionsDefinition(start_date=first_month(), end_offset=1)


def month_key(month: date) -> str:
    """The partition key of a month (its first day)."""
    return month.replace(day=1).isoformat()


def dbt_vars(window_start: datetime, window_end: datetime) -> dict[str, str]:
    """dbt --vars for a partition window: the chat months [month_start, month_end)."""
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
