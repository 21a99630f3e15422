"""What a running web process holds: settings, the database, background upkeep."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from appliance.areas.accounts import service as accounts
from appliance.areas.chats.service import StatsCache
from appliance.areas.modules.service import ModuleCache
from appliance.core.clock import now_ms
from appliance.core.db import Database
from appliance.core.settings import Settings

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
    # Session token -> epoch ms of its last use, and API token id -> the same, not yet written.
    _touched: dict[str, int] = field(default_factory=dict)
    _token_uses: dict[int, int] = field(default_factory=dict)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def note_session_use(self, token: str) -> None:
        """Session last-use times are written in batches, not on every request."""
        self._touched[token] = now_ms()

    def note_token_use(self, token_id: int) -> None:
        """API token last-use times, in the same batches."""
        self._token_uses[token_id] = now_ms()

    def token_uses(self) -> dict[int, int]:
        """Uses of API tokens not written yet (token id -> epoch ms); read it, don't change it."""
        return self._token_uses

    def session_uses(self) -> dict[str, int]:
        """Uses of sessions not written yet (token -> epoch ms); read it, don't change it."""
        return self._touched

    async def flush_session_uses(self) -> None:
        # Entries leave the dict only once written, so that live sockets checking for idle
        # sessions never see a use that is in neither place.
        for token, at in list(self._touched.items()):
            await self.db.write(accounts.touch_session, token, at)
            if self._touched.get(token) == at:
                del self._touched[token]
        uses, self._token_uses = self._token_uses, {}
        if uses:
            await self.db.write(accounts.touch_api_tokens, uses)

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
