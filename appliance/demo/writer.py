"""The planned demo shop written into an empty database, through each area's own row
writers and services, and its media files put in the files store."""

from __future__ import annotations

import json
import random
import zlib
from dataclasses import dataclass
from pathlib import Path

from appliance.areas.accounts import service as accounts
from appliance.areas.assignments import service as assignments
from appliance.areas.attendance import service as attendance
from appliance.areas.chats.rows import ChatRow, insert_chat
from appliance.areas.devices.service import create_device
from appliance.areas.fields import service as fields
from appliance.areas.files.store import record_file, write_bytes
from appliance.areas.funnels import service as funnels
from appliance.areas.messages.rows import MessageRow, insert_messages, insert_receipts
from appliance.areas.tags.service import insert_chat_tags, insert_tag
from appliance.core.db import Conn
from appliance.core.text import sort_key
from appliance.demo import media
from appliance.demo.data import SHOP, WORDS
from appliance.demo.planner import DEFAULT_SEED, PlannedChat, PlannedMessage, preview_of

# The kinds whose message carries a file; a location is only its coordinates.
FILE_KINDS = ("image", "video", "voice", "document", "sticker")


@dataclass(frozen=True)
class DemoShop:
    device_id: int
    bridge_token: str
    users: dict[str, int]
    chats: int
    messages: int


@dataclass(frozen=True)
class MediaFile:
    sha256: str
    size: int
    mime: str


def _content(message: PlannedMessage) -> bytes:
    assert message.media is not None
    seed = zlib.crc32(message.body.encode())
    if message.kind == "image":
        return media.photo(message.body, seed)
    if message.kind == "sticker":
        return media.sticker(seed)
    if message.kind == "voice":
        return media.voice(int(message.media["seconds"]), seed)
    if message.kind == "video":
        return media.video(int(message.media["seconds"]), seed)
    catalogue = [
        f"{name[2:]}: R$ {cents // 100},{cents % 100:02d}" for name, cents in WORDS.products.items()
    ]
    return media.document(str(message.media.get("filename", "Documento")), catalogue)


def write_media(plan: list[PlannedChat], files_dir: Path) -> list[MediaFile]:
    """Make the file of every media message of the plan and put it in the files store (no
    database row yet); the message's media names it, with its true size. Messages of the
    same kind and caption (or length, for voice and video) share one file."""
    made: dict[tuple[str, str, int], MediaFile] = {}
    for chat in plan:
        for message in chat.messages:
            if message.kind not in FILE_KINDS or message.media is None:
                continue
            key = (message.kind, message.body, int(message.media.get("seconds", 0)))
            if key not in made:
                data = _content(message)
                made[key] = MediaFile(
                    write_bytes(files_dir, data), len(data), str(message.media["mimetype"])
                )
            file = made[key]
            message.media.update(sha256=file.sha256, size=file.size, stored=True)
    return list(made.values())


def write_shop(
    conn: Conn,
    plan: list[PlannedChat],
    first_sync_at: int,
    hashes: dict[str, str],
    zone: str,
    files: list[MediaFile],
) -> DemoShop | None:
    """Write the plan; None (and no change) when the shop already has users."""
    if conn.execute("SELECT 1 FROM app_user LIMIT 1").fetchone():
        return None
    accounts.ensure_account(conn, name=SHOP.name, time_zone=zone)
    conn.execute("UPDATE account SET name = ? WHERE id = 1", (SHOP.name,))
    departments = {name: accounts.create_department(conn, name) for name in ("Vendas", "Suporte")}
    users: dict[str, int] = {}
    for user in SHOP.users:
        users[user.login] = accounts.create_user(
            conn,
            login=user.login,
            name=user.name,
            password_hash=hashes[user.login],
            is_admin=user.admin,
            permissions=list(user.permissions),
            departments=[departments[d] for d in user.departments],
        )
    device_id, token = create_device(conn, SHOP.device, "sim")
    conn.execute("UPDATE device SET first_sync_at = ? WHERE id = ?", (first_sync_at, device_id))
    for file in files:
        record_file(conn, file.sha256, file.size, file.mime)
    tags = {name: insert_tag(conn, name, color, first_sync_at) for name, color in SHOP.tags.items()}
    chat_ids: list[int] = []
    for chat in plan:
        last = chat.messages[-1]
        chat_ids.append(
            insert_chat(
                conn,
                ChatRow(
                    device=device_id,
                    wa_id=chat.wa_id,
                    lid=chat.lid,
                    phone=chat.phone,
                    wa_name=chat.wa_name,
                    custom_name=chat.custom_name,
                    sort_name=sort_key(chat.custom_name or chat.wa_name),
                    is_broadcast=int(chat.is_broadcast),
                    registered_at=chat.registered_at,
                    archived=int(chat.archived),
                    chatbot_enabled=int(chat.chatbot_enabled),
                    unread_count=chat.unread_count,
                    last_message_at=last.sent_at,
                    last_message_preview=preview_of(last),
                    last_message_from_me=int(last.direction == "out"),
                    last_message_status=last.status if last.direction == "out" else None,
                    waiting_since=chat.waiting_since,
                ),
            )
        )
    insert_chat_tags(
        conn,
        [
            (cid, tags[t])
            for cid, chat in zip(chat_ids, plan, strict=True)
            for t in sorted(chat.tags)
        ],
    )
    # Message ids grow in arrival order, as they do when the bridge delivers them.
    rows = sorted(
        ((m, cid) for cid, chat in zip(chat_ids, plan, strict=True) for m in chat.messages),
        key=lambda pair: pair[0].registered_at,
    )
    insert_messages(
        conn,
        (
            MessageRow(
                chat=cid,
                device=device_id,
                wa_id=m.wa_id,
                direction=m.direction,
                author_kind=m.author_kind,
                author_user=users[m.author] if m.author else None,
                kind=m.kind,
                body=m.body,
                media=json.dumps(m.media, ensure_ascii=False) if m.media else None,
                status=m.status,
                status_at=m.status_at,
                sent_at=m.sent_at,
                registered_at=m.registered_at,
            )
            for m, cid in rows
        ),
    )
    receipts = []
    for message_id, status, sent_at, status_at in conn.execute(
        "SELECT id, status, sent_at, status_at FROM message WHERE direction = 'out'"
    ):
        receipts.append((message_id, "sent", sent_at))
        if status in ("delivered", "read"):
            receipts.append((message_id, "delivered", min(status_at, sent_at + 5000)))
        if status == "read":
            receipts.append((message_id, "read", status_at))
    insert_receipts(conn, receipts)
    _organize(conn, dict(zip(chat_ids, plan, strict=True)), users, departments)
    return DemoShop(device_id, token, users, len(plan), len(rows))


def _organize(
    conn: Conn, chats: dict[int, PlannedChat], users: dict[str, int], departments: dict[str, int]
) -> None:
    """The demo's assignees and statuses with their histories, the sales funnel, custom
    fields and the queue, written through the modules' own services."""
    rng = random.Random(DEFAULT_SEED)
    admin = accounts.load_actor(conn, users["admin"])
    assert admin is not None
    attendance.ensure_default_statuses(conn)
    status = {s["name"]: s["id"] for s in attendance.list_statuses(conn)}
    funnel = funnels.create_funnel(conn, SHOP.funnel, list(SHOP.stages))
    stage = {s["name"]: s["id"] for s in funnel["stages"]}
    field = {
        f.name: fields.create_field(conn, f.name, f.kind, f.options)["id"] for f in SHOP.fields
    }
    values = {f.name: f.values for f in SHOP.fields}
    assignments.set_queue(conn, [(users["ana"], False), (users["bruno"], False)], False)
    for chat_id, chat in chats.items():
        for kind, name in chat.assignees:
            by_queue = kind == "user" and rng.random() < 0.3
            assignments.put_assignee(
                conn,
                chat_id,
                kind,
                users[name] if kind == "user" else departments[name],
                assignments.QUEUE if by_queue else assignments.MANUAL,
                None if by_queue else users["admin"],
                at=chat.assigned_at,
            )
        if chat.is_broadcast:
            continue
        opened = chat.messages[0].sent_at if chat.messages else chat.registered_at
        attendance.change_status(conn, chat_id, status["Aberto"], at=opened)
        if chat.archived:
            closed = chat.messages[-1].sent_at + 3_600_000
            attendance.change_status(
                conn, chat_id, status["Em atendimento"], by_user=users["admin"], at=opened + 600_000
            )
            final = "Resolvido" if rng.random() < 0.8 else "Fechado"
            attendance.change_status(
                conn, chat_id, status[final], by_user=users["admin"], at=closed
            )
        elif chat.waiting_since is None and chat.assignees:
            attendance.change_status(
                conn, chat_id, status["Em atendimento"], by_user=users["admin"], at=opened + 600_000
            )
        elif chat.waiting_since is None:
            attendance.change_status(conn, chat_id, status["Aguardando"], at=opened + 600_000)
        for tag, stage_name in SHOP.stage_by_tag:
            if tag in chat.tags:
                funnels.set_chat_stage(conn, admin, chat_id, funnel["id"], stage[stage_name])
                break
        if rng.random() < 0.35:
            fields.set_value(
                conn,
                admin,
                chat_id,
                field["Modelo do aparelho"],
                rng.choice(values["Modelo do aparelho"]),
            )
        if rng.random() < 0.2:
            fields.set_value(
                conn,
                admin,
                chat_id,
                field["Como conheceu a loja"],
                rng.choice(values["Como conheceu a loja"]),
            )
        if "Cliente VIP" in chat.tags:
            fields.set_value(conn, admin, chat_id, field["CPF"], rng.choice(values["CPF"]))
