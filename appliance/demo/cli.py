"""``balcao seed-demo``: the demo shop in an empty database, and its bridge token."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from appliance.core.db import Database, migrate
from appliance.core.settings import Settings
from appliance.demo.data import SHOP
from appliance.demo.seed import seed_demo

TOKEN_FILE = "bridge.token"


def write_bridge_token(settings: Settings, device_id: int, token: str) -> Path:
    """``<data>/devices/<id>/bridge.token`` (0600), where ``balcao bridge`` reads it."""
    folder = settings.device_dir(device_id)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / TOKEN_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(token)
    path.chmod(0o600)
    return path


def cmd_seed_demo(settings: Settings, args: argparse.Namespace) -> int:
    migrate(settings.db_path)
    db = Database(settings.db_path, readers=1)
    try:
        shop = seed_demo(
            db, files_dir=settings.files_dir, chats=args.chats, zone=settings.time_zone
        )
    finally:
        db.close()
    if shop is None:
        print("A loja já tem usuários: a demonstração não foi criada de novo.")
        return 0
    path = write_bridge_token(settings, shop.device_id, shop.bridge_token)
    print(
        f"Loja de demonstração criada: {shop.chats} chats, {shop.messages} mensagens.\n"
        f"Logins: {SHOP.logins_text}.\n"
        f"Token do bridge do aparelho {shop.device_id} em {path}."
    )
    sys.stdout.flush()
    return 0
