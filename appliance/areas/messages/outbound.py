"""Outbound messages: staff write, the box queues (message + outbox row), the bridge sends."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

from appliance.areas.accounts.permissions import Actor, can_see_numbers
from appliance.areas.chats.access import access_chat
from appliance.areas.files.store import has_file
from appliance.areas.messages.rows import (
    PREVIEW_BY_KIND,
    MessageRow,
    insert_message,
    insert_outbox,
)
from appliance.areas.messages.service import message_payload
from appliance.core import limits
from appliance.core.clock import now_ms
from appliance.core.db import Conn
from appliance.core.errors import Conflict, InvalidInput
from appliance.core.i18n import _
from appliance.core.text import preview
from wire.contract import wa_id_for_client

MAX_BODY_CHARS = limits.MESSAGE
_CLIENT_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)

MESSAGE_COLUMNS = (
    "m.id, m.chat, m.wa_id, m.client_id, m.direction, m.author_kind, m.author_user, "
    "u.name AS author_name, m.kind, m.body, m.media, m.status, m.status_at, m.sent_at, "
    "m.registered_at"
)


def message_rows(conn: Conn, message_ids: list[int]) -> dict[int, dict[str, Any]]:
    if not message_ids:
        return {}
    marks = ",".join("?" * len(message_ids))
    rows = conn.execute(
        f"SELECT {MESSAGE_COLUMNS} FROM message m LEFT JOIN app_user u ON u.id = m.author_user "
        f"WHERE m.id IN ({marks})",
        message_ids,
    ).fetchall()
    return {r["id"]: dict(r) for r in rows}


def check_caption(caption: str) -> str:
    """A file's caption (may be empty) or a message's text: within WhatsApp's length."""
    if len(caption) > MAX_BODY_CHARS:
        raise InvalidInput(
            _("A mensagem passa de {max_body_chars} caracteres.").format(
                max_body_chars=MAX_BODY_CHARS
            ),
            code="message.too_long",
        )
    return caption


def check_body(body: str) -> str:
    if not body.strip():
        raise InvalidInput(_("A mensagem está vazia."), code="message.empty")
    return check_caption(body)


def check_client_id(client_id: str | None) -> str:
    if client_id is None:
        return str(uuid.uuid4())
    if not _CLIENT_ID.match(client_id):
        raise InvalidInput(
            _("client_id deve ser um UUID (ex.: 0b6f…-…)."), code="message.invalid_client_id"
        )
    return client_id.lower()


@dataclass(frozen=True)
class Attachment:
    """A stored file (files/store.py) that goes out with a message, its text the caption."""

    kind: str  # image, audio, voice, video, document, sticker
    sha256: str
    mimetype: str
    filename: str = ""
    size: int = 0
    seconds: int = 0

    def as_media(self) -> dict[str, Any]:
        """The message's ``media`` (the bridge fetches the file by its hash)."""
        media: dict[str, Any] = {"mimetype": self.mimetype, "sha256": self.sha256}
        if self.filename:
            media["filename"] = self.filename
        if self.size:
            media["size"] = self.size
        if self.seconds:
            media["seconds"] = self.seconds
        return media


def queue_message(
    conn: Conn,
    actor: Actor,
    chat_id: int,
    body: str,
    client_id: str | None,
    attachment: Attachment | None = None,
) -> tuple[dict[str, Any], bool, int]:
    """Queue a message to the chat's customer: a text, or a file with ``body`` as its
    caption; returns (message, created, device id).

    The message (status ``queued``) and its outbox row are written in the caller's one
    transaction. The same ``client_id`` again returns the first message, unchanged.
    Raises NotFound when ``actor`` may not see the chat, InvalidInput on a bad body or a
    file the box does not have.
    """
    chat = access_chat(conn, actor, chat_id)
    kind = attachment.kind if attachment else "text"
    if attachment is None:
        body = check_body(body)
    else:
        body = check_caption(body)
        if attachment.kind not in PREVIEW_BY_KIND or not has_file(conn, attachment.sha256):
            raise InvalidInput(_("Arquivo não encontrado."), code="message.no_file")
    cid = check_client_id(client_id)
    show = can_see_numbers(actor)
    existing = conn.execute("SELECT id, chat FROM message WHERE client_id = ?", (cid,)).fetchone()
    if existing is not None:
        if existing["chat"] != chat_id:
            raise Conflict(
                _("Este client_id já foi usado em outro chat."), code="message.client_id_conflict"
            )
        row = message_rows(conn, [existing["id"]])[existing["id"]]
        return message_payload(row, show), False, chat["device"]
    now = now_ms()
    message_id = insert_message(
        conn,
        MessageRow(
            chat=chat_id,
            device=chat["device"],
            wa_id=wa_id_for_client(cid),
            client_id=cid,
            direction="out",
            author_kind="user",
            author_user=actor.id,
            kind=kind,
            body=body,
            media=json.dumps(attachment.as_media()) if attachment else None,
            status="queued",
            status_at=now,
            sent_at=now,
            registered_at=now,
        ),
    )
    assert message_id is not None  # no duplicate check asked: a clash raises IntegrityError
    insert_outbox(conn, message_id, chat["device"], now)
    conn.execute(
        "UPDATE chat SET last_message_at = max(last_message_at, ?), last_message_preview = ?, "
        "last_message_from_me = 1, last_message_status = 'queued', unread_count = 0, "
        "waiting_since = NULL WHERE id = ?",
        (now, preview(body) or PREVIEW_BY_KIND.get(kind, ""), chat_id),
    )
    row = message_rows(conn, [message_id])[message_id]
    return message_payload(row, show), True, chat["device"]


def pending_outbound(conn: Conn, device_id: int, after: int, limit: int) -> list[dict[str, Any]]:
    """Outbox rows of the device after ``after``, oldest first: the order they go out in."""
    rows = conn.execute(
        "SELECT o.id AS outbox_id, m.client_id, m.wa_id, c.wa_id AS chat, m.kind, m.body, "
        "m.media "
        "FROM outbox o JOIN message m ON m.id = o.message JOIN chat c ON c.id = m.chat "
        "WHERE o.device = ? AND o.id > ? ORDER BY o.id LIMIT ?",
        (device_id, after, limit),
    ).fetchall()
    return [dict(r) for r in rows]
