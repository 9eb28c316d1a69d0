"""Politeness for the collectors: a cap on requests per call, rate limits read from the
responses' headers, `Retry-After`, and a few retries with backoff on network errors and 5xx.

The platform SDKs make the requests; each collector wraps one request in a function that
returns a `Reply` or raises `Retryable` (429, 5xx, a network error) or `Refused` (any other
error). `Politeness.call` does the waiting and retrying around it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

USER_AGENT = "tweetchat-warehouse/0.1.0 (tweetchat collect: public hashtag chat posts)"


@dataclass
class Reply:
    """One successful response: its parsed JSON, its raw bytes and its headers (lower-case)."""

    document: object
    body: bytes
    headers: dict[str, str]


class Retryable(Exception):
    """A response or failure worth another try: 429, 5xx, a network error."""

    def __init__(self, message: str, status: int | None = None, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.headers = {k.lower(): str(v) for k, v in (headers or {}).items()}


class Refused(Exception):
    """A response no retry will change (400, 401, 404, ...)."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class BudgetSpent(Exception):
    """The cap on requests for this call is reached; the rest waits for the next call."""


class GaveUp(Exception):
    """Retries exhausted or a wait longer than allowed: the platform is down or throttling."""


@dataclass
class Politeness:
    """Request budget and retry policy shared by every request of one `tweetchat collect`."""

    max_requests: int = 300
    retries: int = 3
    backoff_seconds: float = 2.0
    # A server asking to wait longer than this ends the call (what was saved is kept).
    max_wait_seconds: float = 300.0
    sleep: Callable[[float], None] = time.sleep
    requests: int = 0
    waited_seconds: float = 0.0
    # Per host: (remaining, reset as epoch seconds) from the last response's ratelimit headers.
    limits: dict[str, tuple[int, float]] = field(default_factory=dict)

    def call(self, host: str, describe: str, request: Callable[[], Reply]) -> Reply:
        """`request()` with the budget, the host's rate limit and retries applied."""
        failures = 0
        while True:
            if self.requests >= self.max_requests:
                raise BudgetSpent(
                    f"the cap of {self.max_requests} requests for this call is reached "
                    "(--max-requests); the next call goes on from here"
                )
            self._wait_for_limit(host, describe)
            self.requests += 1
            try:
                reply = request()
            except Retryable as error:
                failures += 1
                self._note_limit(host, error.headers)
                if failures > self.retries:
                    raise GaveUp(f"{describe}: {error} (gave up after {failures} tries)") from error
                delay = retry_delay(error.headers)
                if delay is None:
                    delay = self.backoff_seconds * 2 ** (failures - 1)
                self._pause(delay, describe, str(error))
                continue
            self._note_limit(host, reply.headers)
            return reply

    def _wait_for_limit(self, host: str, describe: str) -> None:
        remaining, reset = self.limits.get(host, (1, 0.0))
        if remaining <= 0:
            self._pause(reset - time.time(), describe, "the rate limit is used up")

    def _pause(self, seconds: float, describe: str, why: str) -> None:
        if seconds <= 0:
            return
        if seconds > self.max_wait_seconds:
            raise GaveUp(
                f"{describe}: {why}; the server asks to wait {seconds:.0f}s, more than "
                f"{self.max_wait_seconds:.0f}s (--max-wait)"
            )
        self.waited_seconds += seconds
        self.sleep(seconds)

    def _note_limit(self, host: str, headers: dict[str, str]) -> None:
        limit = rate_limit(headers)
        if limit is not None:
            self.limits[host] = limit


def retry_delay(headers: dict[str, str]) -> float | None:
    """Seconds `Retry-After` asks for (a number or an HTTP date), else until the limit resets."""
    value = headers.get("retry-after")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
            except (TypeError, ValueError):
                pass
    limit = rate_limit(headers)
    if limit is not None and limit[0] <= 0:
        return max(0.0, limit[1] - time.time())
    return None


def rate_limit(headers: dict[str, str]) -> tuple[int, float] | None:
    """(remaining, reset epoch seconds) from Bluesky's `ratelimit-*` or Mastodon's
    `x-ratelimit-*` headers; the reset is epoch seconds (Bluesky) or an ISO time (Mastodon)."""
    for prefix in ("ratelimit-", "x-ratelimit-"):
        remaining, reset = headers.get(prefix + "remaining"), headers.get(prefix + "reset")
        if remaining is None or reset is None:
            continue
        try:
            left = int(remaining)
        except ValueError:
            return None
        try:
            moment = float(reset)
        except ValueError:
            try:
                parsed = datetime.fromisoformat(reset.replace("Z", "+00:00"))
            except ValueError:
                return None
            moment = (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()
        return left, moment
    return None
