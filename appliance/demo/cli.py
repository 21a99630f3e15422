"""``balcao seed-demo``: the demo shop in an empty database, and its bridge token."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from appliance.core.db import Database, migrate
from appliance.core.i18n import N_, _
from appliance.core.settings import Settings
from appliance.demo.seed import seed_demo

TOKEN_FILE = "bridge.token"
LOGINS = N_("admin/admin (administradora), ana/ana (Vendas), bruno/bruno (Suporte)")
SHORT_PASSWORDS = N_(
    "senhas curtas só na demonstração; senhas novas precisam de 8 caracteres ou mais"
)


def banner(url: str) -> str:
    """What ``scripts/demo`` shows once the shop answers; its ``ready`` line is what tools
    watching the output wait for."""
    return "\n".join(
        [
            _("Balcão pronto em {url}").format(url=url),
            "ready",
            _("Logins de demonstração: {logins}").format(logins=_(LOGINS)),
            f"({_(SHORT_PASSWORDS)})",
            _("Ctrl-C para parar."),
        ]
    )


def cmd_demo_banner(settings: Settings, args: argparse.Namespace) -> int:
    print(banner(args.url))
    return 0


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
        print(_("A loja já tem usuários: a demonstração não foi criada de novo."))
        return 0
    path = write_bridge_token(settings, shop.device_id, shop.bridge_token)
    print(
        _("Loja de demonstração criada: {chats} chats, {messages} mensagens.").format(
            chats=shop.chats, messages=shop.messages
        )
    )
    print(_("Logins: {logins} — {note}.").format(logins=_(LOGINS), note=_(SHORT_PASSWORDS)))
    print(
        _("Token do bridge do aparelho {device} em {path}.").format(
            device=shop.device_id, path=path
        )
    )
    sys.stdout.flush()
    return 0
