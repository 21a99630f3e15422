"""Rows for tests, written through the areas' own row writers (the ones the app uses)."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import Any

from appliance.areas.accounts import service as accounts
from appliance.areas.assignments.service import insert_assignees
from appliance.areas.chats import rows as chat_rows
from appliance.areas.devices.service import create_device
from appliance.areas.messages import rows as message_rows
from appliance.areas.tags.service import insert_chat_tags, insert_tag
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
    return chat_rows.insert_chat(
        conn,
        chat_rows.ChatRow(
            device=device,
            wa_id=wa_id,
            phone=phone,
            wa_name=name,
            sort_name=sort_key(name),
            is_broadcast=int(is_broadcast),
            registered_at=registered_at or now,
            archived=int(archived),
            unread_count=unread,
            last_message_at=last_message_at if last_message_at is not None else now,
            last_message_preview=preview,
        ),
    )


def make_chat(db: Database, device: int, **kw: Any) -> int:
    return db.write_sync(insert_chat, device, **kw)


def assign(
    db: Database, chat: int, *, user: int | None = None, department: int | None = None
) -> None:
    db.write_sync(insert_assignees, [(chat, user, department, now_ms())])


def make_tag(db: Database, name: str, color: str = "#5b8def") -> int:
    return db.write_sync(insert_tag, name, color, now_ms())


def tag_chat(db: Database, chat: int, *tags: int) -> None:
    db.write_sync(insert_chat_tags, [(chat, t) for t in tags])


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
    message_id = message_rows.insert_message(
        conn,
        message_rows.MessageRow(
            chat=chat,
            device=device,
            wa_id=wa_id or f"TEST{next(_seq):012d}",
            direction=direction,
            author_kind=author_kind or ("customer" if direction == "in" else "user"),
            kind=kind,
            body=body,
            media=json.dumps(media) if media else None,
            status="received" if direction == "in" else "sent",
            status_at=now,
            sent_at=sent,
            registered_at=now,
        ),
    )
    assert message_id is not None
    return message_id


def make_message(db: Database, chat: int, **kw: Any) -> int:
    return db.write_sync(insert_message, chat, **kw)


@dataclass(frozen=True)
class Scene:
    """A device with one chat that has an assignee, a tag and one inbound message."""

    device: int
    device_token: str
    chat: int
    message: int
    tag: int


def make_scene(
    db: Database,
    *,
    department: int | None = None,
    user: int | None = None,
    body: str = "Oi",
    tag: str = "vip",
    **chat: Any,
) -> Scene:
    """The chat (``chat`` are make_chat's fields: name, phone, preview…) goes to
    ``department`` or ``user``."""
    device, token = make_device(db)
    chat_id = make_chat(db, device, **chat)
    assign(db, chat_id, user=user, department=department)
    message = make_message(db, chat_id, body=body)
    tag_id = make_tag(db, tag)
    tag_chat(db, chat_id, tag_id)
    return Scene(device, token, chat_id, message, tag_id)
