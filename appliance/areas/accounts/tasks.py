"""Periodic upkeep of the accounts area: expired sessions and tokens go, the WAL stays small."""

from __future__ import annotations

import logging

from huey import crontab

from appliance.core.clock import now_ms
from appliance.core.db import Conn, Database
from appliance.core.jobs import Jobs
from appliance.core.settings import Settings

log = logging.getLogger(__name__)

SESSION_MAX_AGE_MS = 30 * 86_400_000
HOUSEKEEPING_TASK = "housekeeping"


def purge_expired(conn: Conn, now: int, idle_ms: int) -> tuple[int, int]:
    sessions = conn.execute(
        "DELETE FROM web_session WHERE last_seen_at < ? OR created_at < ?",
        (now - idle_ms, now - SESSION_MAX_AGE_MS),
    ).rowcount
    tokens = conn.execute("DELETE FROM api_token WHERE expires_at < ?", (now,)).rowcount
    return sessions, tokens


def register(jobs: Jobs, db: Database, settings: Settings) -> None:
    @jobs.periodic(crontab(minute="*/15"), name=HOUSEKEEPING_TASK)
    def housekeeping() -> None:
        """Drop expired sessions and tokens; checkpoint the WAL so it stays small."""
        sessions, tokens = db.write_sync(
            purge_expired, now_ms(), settings.session_idle_seconds * 1000
        )
        db.read_sync(lambda conn: conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone())
        log.info("housekeeping: %d sessions and %d tokens expired", sessions, tokens)
