"""Migrations of raw SQL (indexes, FTS5 tables, triggers): what Piccolo's differ can't write."""

from __future__ import annotations

from collections.abc import Sequence

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder


def raw_manager(
    migration_id: str, description: str, forwards: Sequence[str], backwards: Sequence[str]
) -> MigrationManager:
    """A manager that runs ``forwards`` (and, going back, ``backwards``) statement by
    statement inside the migration's transaction."""
    manager = MigrationManager(
        migration_id=migration_id, app_name="balcao", description=description
    )

    async def run(statements: Sequence[str]) -> None:
        engine = engine_finder()
        assert engine is not None
        for sql in statements:
            await engine.run_ddl(sql)

    async def run_forwards() -> None:
        await run(forwards)

    async def run_backwards() -> None:
        await run(backwards)

    manager.add_raw(run_forwards)
    manager.add_raw_backwards(run_backwards)
    return manager
