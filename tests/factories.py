"""Rows for tests, written through the same SQL the app uses."""

from __future__ import annotations

import itertools
import json
from typing import Any

from appliance.areas.accounts import service as accounts
from appliance.areas.devices.service import create_device
from appliance.core.clock import now_ms
from appliance.core.db import Conn, Database
from appliance.core.text import sort_key

# Hashing with argon2 is slow on purpose; tests share one hash per password.
_HASHES: dict[str, str] = {}
_seq = itertools.count(1)


def password_hash(password: str) -> str:
    if password not in _HASHES:
        _HASHES[password] = accounts.hash_password(password)
    return _HASHES[password]


def make_user(
    db: Database,
    login: str,
    *,
    password: str | None = None,
    is_admin: bool = False,
    permissions: list[str] | None = None,
    departments: list[int] | None = None,
    name: str = "",
) -> int:
    return db.write_sync(
        lambda c: accounts.create_user(
            c,
            login=login,
            name=name or login.title(),
            password_hash=password_hash(password or login),
            is_admin=is_admin,
            permissions=permissions,
            departments=departments,
        )
    )


def make_department(db: Database, name: str) -> int:
    return db.write_sync(accounts.create_department, name)


def make_device(db: Database, name: str = "Celular da loja") -> tuple[int, str]:
    return db.write_sync(create_device, name, "sim")


def insert_chat(
    conn: Conn,
    device: int,
    *,
    name: str = "",
    phone: str | None = None,
    wa_id: str | None = None,
    archived: bool = False,
    unread: int = 0,
    last_message_at: int | None = None,
    is_broadcast: bool = False,
    registered_at: int | None = None,
    preview: str = "",
) -> int:
    n = next(_seq)
    phone = phone if phone is not None else f"+55119{n:08d}"
    wa_id = wa_id or (phone.lstrip("+") + "@s.whatsapp.net")
    now = now_ms()
    cur = conn.execute(
        "INSERT INTO chat(device, wa_id, phone, wa_name, sort_name, is_broadcast, registered_at, "
        "archived, chatbot_enabled, unread_count, last_message_at, last_message_preview, "
        "last_message_from_me) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, 0)",
        (
            device,
            wa_id,
            phone,
            name,
            sort_key(name),
            int(is_broadcast),
            registered_at or now,
            int(archived),
            unread,
            last_message_at if last_message_at is not None else now,
            preview,
        ),
    )
    return int(cur.lastrowid or 0)


def make_chat(db: Database, device: int, **kw: Any) -> int:
    return db.write_sync(insert_chat, device, **kw)


def assign(
    db: Database, chat: int, *, user: int | None = None, department: int | None = None
) -> None:
    db.write_sync(
        lambda c: c.execute(
            "INSERT INTO chat_assignee(chat, member, department, created_at) VALUES (?, ?, ?, ?)",
            (chat, user, department, now_ms()),
        )
    )


def make_tag(db: Database, name: str, color: str = "#5b8def") -> int:
    return db.write_sync(
        lambda c: int(
            c.execute(
                "INSERT INTO tag(name, color, created_at) VALUES (?, ?, ?)", (name, color, now_ms())
            ).lastrowid
            or 0
        )
    )


def tag_chat(db: Database, chat: int, *tags: int) -> None:
    db.write_sync(
        lambda c: c.executemany(
            "INSERT INTO chat_tag(chat, tag) VALUES (?, ?)", [(chat, t) for t in tags]
        )
    )


def insert_message(
    conn: Conn,
    chat: int,
    *,
    body: str,
    direction: str = "in",
    sent_at: int | None = None,
    wa_id: str | None = None,
    kind: str = "text",
    media: dict[str, Any] | None = None,
    author_kind: str | None = None,
) -> int:
    device = conn.execute("SELECT device FROM chat WHERE id = ?", (chat,)).fetchone()[0]
    now = now_ms()
    sent = sent_at if sent_at is not None else now
    cur = conn.execute(
        "INSERT INTO message(chat, device, wa_id, direction, author_kind, kind, body, media, "
        "status, status_at, sent_at, registered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            chat,
            device,
            wa_id or f"TEST{next(_seq):012d}",
            direction,
            author_kind or ("customer" if direction == "in" else "user"),
            kind,
            body,
            json.dumps(media) if media else None,
            "received" if direction == "in" else "sent",
            now,
            sent,
            now,
        ),
    )
    return int(cur.lastrowid or 0)


def make_message(db: Database, chat: int, **kw: Any) -> int:
    return db.write_sync(insert_message, chat, **kw)
