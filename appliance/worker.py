"""The job worker process: Huey's consumer over the queue with every area's tasks."""

from __future__ import annotations

import logging

from appliance.core.settings import Settings
from appliance.jobs import build_jobs

log = logging.getLogger(__name__)


def run_worker(settings: Settings, workers: int = 2) -> None:
    jobs = build_jobs(settings)
    consumer = jobs.huey.create_consumer(
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
