"""The job worker: Huey on its own SQLite file, with every area's tasks registered."""

from __future__ import annotations

import logging

from huey import SqliteHuey, crontab

from appliance.clock import now_ms
from appliance.db import Database
from appliance.settings import Settings

log = logging.getLogger(__name__)

SESSION_MAX_AGE_MS = 30 * 86_400_000


def make_huey(settings: Settings) -> SqliteHuey:
    """The queue, with the tasks registered. Web and worker each build one on the same file."""
    settings.jobs_path.parent.mkdir(parents=True, exist_ok=True)
    huey = SqliteHuey(
        name="balcao",
        filename=str(settings.jobs_path),
        timeout=15,
        immediate=settings.jobs_immediate,
        utc=True,
    )
    db = Database(settings.db_path, readers=1)
    register_tasks(huey, db, settings)
    return huey


def _purge_expired(conn: object, now: int, idle_ms: int) -> tuple[int, int]:
    sessions = conn.execute(  # type: ignore[attr-defined]
        "DELETE FROM web_session WHERE last_seen_at < ? OR created_at < ?",
        (now - idle_ms, now - SESSION_MAX_AGE_MS),
    ).rowcount
    tokens = conn.execute(  # type: ignore[attr-defined]
        "DELETE FROM api_token WHERE expires_at < ?", (now,)
    ).rowcount
    return sessions, tokens


def register_tasks(huey: SqliteHuey, db: Database, settings: Settings) -> None:
    from appliance.devices import tasks as device_tasks

    device_tasks.register(huey, db)

    @huey.periodic_task(crontab(minute="*/15"), name="housekeeping")
    def housekeeping() -> None:
        """Drop expired sessions and tokens; checkpoint the WAL so it stays small."""
        sessions, tokens = db.write_sync(
            _purge_expired, now_ms(), settings.session_idle_seconds * 1000
        )
        db.read_sync(lambda conn: conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone())
        log.info("housekeeping: %d sessions and %d tokens expired", sessions, tokens)


def run_worker(settings: Settings, workers: int = 2) -> None:
    huey = make_huey(settings)
    consumer = huey.create_consumer(
        workers=workers,
        worker_type="thread",
        periodic=True,
        check_worker_health=True,
        scheduler_interval=1,
        # An idle worker polls at least every second: jobs for the phone wait no longer.
        max_delay=1.0,
    )
    log.info("worker started on %s", settings.jobs_path)
    consumer.run()
