"""Storage: the SQLite file, its connections and its migrations.

SQLite-only SQL (FTS5, sqlite-vec, pragmas) stays inside this package and the
search code, behind functions another engine could replace.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from appliance.core.db.connection import connect, prepare_database
from appliance.core.db.database import Conn, Database

if TYPE_CHECKING:
    # Imported for real inside migrate(), once PICCOLO_CONF names the engine.
    from piccolo.apps.migrations.tables import Migration

log = logging.getLogger(__name__)

__all__ = ["Conn", "Database", "connect", "migrate", "prepare_database"]


class MigrationError(RuntimeError):
    pass


def migrate(path: Path) -> list[str]:
    """Bring the file at ``path`` to the newest schema; returns the migrations applied."""
    prepare_database(path)
    os.environ["PICCOLO_CONF"] = "appliance.core.db.piccolo_conf"
    from piccolo.apps.migrations.commands.forwards import run_forwards
    from piccolo.apps.migrations.tables import Migration

    from appliance.core.db import piccolo_conf

    piccolo_conf.bind(str(path))
    Migration._meta._db = piccolo_conf.DB

    async def run() -> list[str]:
        before = set(await _applied(Migration))
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            result = await run_forwards(app_name="balcao")
        if not result.success:
            raise MigrationError(f"{result.message}\n{out.getvalue()}")
        return sorted(set(await _applied(Migration)) - before)

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(run())
    # Called from code that already runs an event loop in this thread (an async test,
    # a sync Playwright session): run the migrations on a thread of their own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, run()).result()


async def _applied(migration_table: type[Migration]) -> list[str]:
    if not await migration_table.table_exists().run():
        return []
    rows = await migration_table.select(migration_table.name).run()
    return [r["name"] for r in rows]
