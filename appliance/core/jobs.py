"""The job queue: Huey on its own SQLite file.

``appliance.jobs.build_jobs`` builds one ``Jobs`` per process and hands it to each area,
which registers its tasks on it; callers enqueue a task by the name its area gave it.
Tasks receive ids only: the app database holds the work.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from huey import SqliteHuey
from huey.api import TaskWrapper

from appliance.core.settings import Settings


class Jobs:
    def __init__(self, settings: Settings) -> None:
        settings.jobs_path.parent.mkdir(parents=True, exist_ok=True)
        self.huey = SqliteHuey(
            name="balcao",
            filename=str(settings.jobs_path),
            timeout=15,
            immediate=settings.jobs_immediate,
            utc=True,
        )
        self._tasks: dict[str, TaskWrapper] = {}

    def task(self, name: str, **options: Any) -> Callable[[Callable[..., Any]], TaskWrapper]:
        """Register the decorated function as the task ``name`` (Huey's task options)."""

        def register(fn: Callable[..., Any]) -> TaskWrapper:
            wrapper = self.huey.task(name=name, **options)(fn)
            self._tasks[name] = wrapper
            return wrapper

        return register

    def periodic(self, schedule: Callable[..., bool], name: str) -> Callable[..., TaskWrapper]:
        """Register the decorated function to run on ``schedule`` (a Huey crontab)."""

        def register(fn: Callable[..., Any]) -> TaskWrapper:
            wrapper = self.huey.periodic_task(schedule, name=name)(fn)
            self._tasks[name] = wrapper
            return wrapper

        return register

    def enqueue(self, name: str, *args: Any) -> None:
        """Queue the task ``name`` with ``args`` (ids); the worker runs it."""
        self.huey.enqueue(self._tasks[name].s(*args))

    def run_now(self, name: str, *args: Any) -> Any:
        """Run the task ``name`` in this thread and return its result (the worker's way)."""
        return self.huey.execute(self._tasks[name].s(*args))
