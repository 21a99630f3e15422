"""What a running web process holds: settings, the database, background upkeep."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from appliance.accounts import service as accounts
from appliance.chats.service import StatsCache
from appliance.db import Database
from appliance.modules import ModuleCache
from appliance.settings import Settings

log = logging.getLogger(__name__)

SESSION_TOUCH_SECONDS = 60.0
# How often the chat list planner's set sizes are counted again.
STATS_REFRESH_SECONDS = 30.0


@dataclass
class Runtime:
    settings: Settings
    db: Database
    chat_stats: StatsCache = field(default_factory=StatsCache)
    modules: ModuleCache = field(default_factory=ModuleCache)
    _touched: set[str] = field(default_factory=set)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def note_session_use(self, token: str) -> None:
        """Session last-use times are written in batches, not on every request."""
        self._touched.add(token)

    async def flush_session_uses(self) -> None:
        tokens, self._touched = self._touched, set()
        for token in tokens:
            await self.db.write(accounts.touch_session, token)

    async def refresh_chat_stats(self) -> None:
        await self.db.read(self.chat_stats.refresh)

    def _every(self, seconds: float, work: Callable[[], Awaitable[None]], what: str) -> None:
        """Run ``work`` every ``seconds`` until stop(); a failure is logged, not fatal."""

        async def loop() -> None:
            while True:
                await asyncio.sleep(seconds)
                try:
                    await work()
                except Exception:
                    log.exception("could not %s", what)

        self._tasks.append(asyncio.create_task(loop()))

    async def start(self) -> None:
        self._every(SESSION_TOUCH_SECONDS, self.flush_session_uses, "record session use")
        self._every(
            STATS_REFRESH_SECONDS, self.refresh_chat_stats, "refresh the chat list's set sizes"
        )

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        with contextlib.suppress(Exception):
            await self.flush_session_uses()
        self.db.close()
