"""Time: stored as UTC epoch milliseconds, shown in the account's zone."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

# Added to the wall clock; only tests of expiry move it (``advance``), production never does.
_offset_ms = 0


def now_ms() -> int:
    return time.time_ns() // 1_000_000 + _offset_ms


def advance(ms: int) -> None:
    """Move this process's clock ``ms`` forward (or back, negative), so that expiries
    (idle sessions, login windows) can be tested without waiting for them."""
    global _offset_ms
    _offset_ms += ms


def reset() -> None:
    """Back to the wall clock."""
    global _offset_ms
    _offset_ms = 0


def to_datetime(ms: int, zone: str = "UTC") -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).astimezone(ZoneInfo(zone))


_ISO_SECONDS = "%Y-%m-%dT%H:%M:%S"


def iso(ms: int | None) -> str | None:
    """ISO 8601 in UTC with milliseconds, as ``datetime.isoformat`` writes it ("…+00:00");
    a page of chats formats a few hundred of these, so it skips building datetimes."""
    if ms is None:
        return None
    seconds, millis = divmod(ms, 1000)
    return f"{time.strftime(_ISO_SECONDS, time.gmtime(seconds))}.{millis:03d}+00:00"
