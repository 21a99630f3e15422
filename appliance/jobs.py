"""The job queue with every area's tasks: what the worker runs and the web enqueues.

Each process builds it once (``build_jobs``) and hands it down; the areas register their
own tasks and import neither this module nor the worker.
"""

from __future__ import annotations

from appliance.areas.accounts import tasks as account_tasks
from appliance.areas.devices import tasks as device_tasks
from appliance.core.db import Database
from appliance.core.jobs import Jobs
from appliance.core.settings import Settings


def build_jobs(settings: Settings) -> Jobs:
    """The queue on ``settings.jobs_path`` with every area's tasks registered."""
    jobs = Jobs(settings)
    db = Database(settings.db_path, readers=1)
    device_tasks.register(jobs, db)
    account_tasks.register(jobs, db, settings)
    return jobs
