"""Huey tasks of the devices area: prepare device jobs, and the periodic reconcile.

Tasks receive ids only. The app database holds the jobs; a lost trigger is caught by
``reconcile_device_jobs`` within a minute.
"""

from __future__ import annotations

import logging

from huey import crontab

from appliance.areas.devices import jobs
from appliance.core.db import Database
from appliance.core.jobs import Jobs

log = logging.getLogger(__name__)

PREPARE_TASK = "prepare_device_job"
RECONCILE_TASK = "reconcile_device_jobs"


def register(queue: Jobs, db: Database) -> None:
    @queue.task(PREPARE_TASK, retries=3, retry_delay=5)
    def prepare_device_job(job_id: int) -> str | None:
        state = db.write_sync(jobs.prepare_job, job_id)
        log.info("device job %s: %s", job_id, state)
        return state

    @queue.periodic(crontab(minute="*"), name=RECONCILE_TASK)
    def reconcile_device_jobs() -> int:
        """Prepare jobs whose trigger was lost (worker down, Huey restarted)."""
        ids = db.read_sync(jobs.pending_job_ids, 5_000)
        for job_id in ids:
            db.write_sync(jobs.prepare_job, job_id)
        if ids:
            log.info("reconcile: prepared %d device job(s) left pending", len(ids))
        return len(ids)


def trigger_job(queue: Jobs, job_id: int) -> None:
    """Ask the worker to prepare ``job_id``; if this is lost, the reconcile catches it."""
    queue.enqueue(PREPARE_TASK, job_id)
