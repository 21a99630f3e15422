"""Seeding the demo shop: plan it, make its media files, write it."""

from __future__ import annotations

from pathlib import Path

from appliance.areas.accounts import service as accounts
from appliance.core.db import Database
from appliance.demo.data import SCENARIOS_FILE, SHOP
from appliance.demo.planner import DEFAULT_SEED, plan_demo_shop
from appliance.demo.writer import DemoShop, write_media, write_shop


def seed_demo(
    db: Database,
    *,
    files_dir: Path,
    chats: int = 320,
    seed: int = DEFAULT_SEED,
    now: int | None = None,
    zone: str = "America/Sao_Paulo",
    scenarios: Path = SCENARIOS_FILE,
) -> DemoShop | None:
    """Fill an empty shop with the demo, its media files in ``files_dir``; None (and no
    change) when it already has users."""
    if db.read_sync(lambda conn: conn.execute("SELECT 1 FROM app_user LIMIT 1").fetchone()):
        return None
    plan, first_sync_at = plan_demo_shop(chats, seed, now, zone, scenarios)
    files = write_media(plan, files_dir)
    hashes = {user.login: accounts.hash_password(user.login) for user in SHOP.users}
    return db.write_sync(write_shop, plan, first_sync_at, hashes, zone, files)
