"""Time: stored as UTC epoch milliseconds, shown in the account's zone."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def to_datetime(ms: int, zone: str = "UTC") -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).astimezone(ZoneInfo(zone))


def iso(ms: int | None) -> str | None:
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="milliseconds")
