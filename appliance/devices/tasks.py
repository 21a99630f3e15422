"""Huey tasks of the devices area: prepare device jobs, and the periodic reconcile.

Tasks receive ids only. The app database holds the jobs; a lost trigger is caught by
``reconcile_device_jobs`` within a minute.
"""

from __future__ import annotations

import logging
from typing import Any

from huey import SqliteHuey, crontab

from appliance.db import Database
from appliance.devices import jobs

log = logging.getLogger(__name__)

PREPARE_TASK = "prepare_device_job"


def register(huey: SqliteHuey, db: Database) -> None:
    @huey.task(name=PREPARE_TASK, retries=3, retry_delay=5)
    def prepare_device_job(job_id: int) -> str | None:
        state = db.write_sync(jobs.prepare_job, job_id)
        log.info("device job %s: %s", job_id, state)
        return state

    @huey.periodic_task(crontab(minute="*"), name="reconcile_device_jobs")
    def reconcile_device_jobs() -> int:
        """Prepare jobs whose trigger was lost (worker down, Huey restarted)."""
        ids = db.read_sync(jobs.pending_job_ids, 5_000)
        for job_id in ids:
            db.write_sync(jobs.prepare_job, job_id)
        if ids:
            log.info("reconcile: prepared %d device job(s) left pending", len(ids))
        return len(ids)


def trigger_job(huey: SqliteHuey, job_id: int) -> None:
    """Ask the worker to prepare ``job_id``; if this is lost, the reconcile catches it."""
    task: Any = huey._registry.string_to_task(f"{__name__}.{PREPARE_TASK}")
    huey.enqueue(task(args=(job_id,)))


def jobs_queue(app: Any) -> SqliteHuey:
    """The web process's handle on the job queue (made on first use)."""
    huey: SqliteHuey | None = getattr(app.state, "jobs", None)
    if huey is None:
        from appliance.worker import make_huey

        huey = make_huey(app.state.runtime.settings)
        app.state.jobs = huey
    return huey
