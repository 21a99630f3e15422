"""Messages of a chat as the API shows them."""

from __future__ import annotations

import base64
import json
from typing import Any

from appliance.areas.accounts.permissions import Actor, can_see_numbers
from appliance.areas.chats.access import access_chat
from appliance.areas.chats.service import Page
from appliance.areas.files.store import get_stored
from appliance.core.clock import iso
from appliance.core.db import Conn
from appliance.core.errors import InvalidInput, NotFound
from appliance.core.i18n import _
from appliance.core.limits import MAX_ID
from appliance.core.redaction import is_vcard, redact_body, redact_media

# A customer-sent time this far before the box registered it points at a phone
# that held messages back (M2).
LATE_REGISTRATION_MS = 5 * 60 * 1000

_COLUMNS = (
    "m.id, m.chat, m.wa_id, m.client_id, m.direction, m.author_kind, m.author_user, "
    "u.name AS author_name, m.kind, m.body, m.media, m.status, m.status_at, m.sent_at, "
    "m.registered_at"
)


def media_url(chat_id: int, message_id: int) -> str:
    return f"/api/v1/chats/{chat_id}/media/{message_id}"


def _with_url(media: dict[str, Any] | None, row: dict[str, Any]) -> dict[str, Any] | None:
    """The media as shown: with its ``url`` once the file is stored, without it while pending."""
    if media is None:
        return None
    stored = media.pop("stored", False)
    if stored and media.get("sha256"):
        media["url"] = media_url(row["chat"], row["id"])
    return media


def message_payload(row: dict[str, Any], show_number: bool) -> dict[str, Any]:
    """The message as the API and live events show it. Without ``show_number``, its media
    and body pass through the allow-lists of appliance.core.redaction."""
    media = _with_url(json.loads(row["media"]) if row["media"] else None, row)
    body = row["body"]
    if not show_number:
        body = redact_body(row["kind"], media, body)
        media = redact_media(row["kind"], media)
    author = None
    if row["author_user"] is not None:
        author = {"id": row["author_user"], "name": row["author_name"]}
    return {
        "id": row["id"],
        "chat_id": row["chat"],
        "wa_id": row["wa_id"],
        "client_id": row["client_id"],
        "direction": row["direction"],
        "author_kind": row["author_kind"],
        "author": author,
        "kind": row["kind"],
        "body": body,
        "media": media,
        "status": row["status"],
        "status_at": iso(row["status_at"]),
        "sent_at": iso(row["sent_at"]),
        "registered_at": iso(row["registered_at"]),
        "late": row["registered_at"] - row["sent_at"] > LATE_REGISTRATION_MS,
    }


def get_message_file(conn: Conn, actor: Actor, chat_id: int, message_id: int) -> dict[str, Any]:
    """The stored file of a message: ``sha256``, ``size``, ``mime``, ``filename`` and
    ``names_only`` (a contact card that must be served without its numbers to this actor).

    NotFound, always the same, for a chat the actor may not see, a message not in the chat,
    a message without a file and a file not stored yet.
    """
    missing = NotFound(_("Arquivo não encontrado."), code="file.not_found")
    try:
        access_chat(conn, actor, chat_id)
    except NotFound:
        raise missing from None
    row = conn.execute(
        "SELECT kind, media FROM message WHERE id = ? AND chat = ?", (message_id, chat_id)
    ).fetchone()
    media = json.loads(row["media"]) if row and row["media"] else {}
    if not media.get("stored"):
        raise missing
    stored = get_stored(conn, str(media.get("sha256", "")))
    if stored is None:
        raise missing
    return {
        "sha256": stored["sha256"],
        "size": stored["size"],
        "mime": str(media.get("mimetype") or stored["mime"]),
        "filename": str(media.get("filename") or ""),
        "names_only": is_vcard(row["kind"], media) and not can_see_numbers(actor),
    }


def _decode_cursor(text: str) -> tuple[int, int]:
    try:
        padded = text + "=" * (-len(text) % 4)
        sent_at, message_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        key = int(sent_at), int(message_id)
    except (ValueError, TypeError, OverflowError) as exc:
        raise InvalidInput(_("Cursor inválido."), code="messages.invalid_cursor") from exc
    if not all(-MAX_ID - 1 <= v <= MAX_ID for v in key):  # beyond SQLite's integers
        raise InvalidInput(_("Cursor inválido."), code="messages.invalid_cursor")
    return key


def _encode_cursor(sent_at: int, message_id: int) -> str:
    raw = json.dumps([sent_at, message_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def list_messages(conn: Conn, actor: Actor, chat_id: int, cursor: str | None, limit: int) -> Page:
    """Newest first, by the time the message was sent."""
    access_chat(conn, actor, chat_id)
    where, params = "m.chat = ?", [chat_id]
    if cursor:
        sent_at, message_id = _decode_cursor(cursor)
        where += " AND (m.sent_at, m.id) < (?, ?)"
        params += [sent_at, message_id]
    rows = [
        dict(r)
        for r in conn.execute(
            f"SELECT {_COLUMNS} FROM message m LEFT JOIN app_user u ON u.id = m.author_user "
            f"WHERE {where} ORDER BY m.sent_at DESC, m.id DESC LIMIT ?",
            [*params, limit + 1],
        )
    ]
    more = len(rows) > limit
    rows = rows[:limit]
    show = can_see_numbers(actor)
    items = [message_payload(r, show) for r in rows]
    return Page(items, _encode_cursor(rows[-1]["sent_at"], rows[-1]["id"]) if more else None)


def _rows(conn: Conn, where: str, params: list[object], order: str, limit: int) -> list[Any]:
    return [
        dict(r)
        for r in conn.execute(
            f"SELECT {_COLUMNS} FROM message m LEFT JOIN app_user u ON u.id = m.author_user "
            f"WHERE {where} ORDER BY m.sent_at {order}, m.id {order} LIMIT ?",
            [*params, limit],
        )
    ]


def list_messages_near(
    conn: Conn,
    actor: Actor,
    chat_id: int,
    *,
    around: int | None = None,
    after: str | None = None,
    limit: int,
) -> dict[str, Any]:
    """Newest first, like list_messages, but a page centred on message ``around`` (a
    search hit) or the ``limit`` messages just newer than the cursor ``after``.

    ``next_cursor`` continues to older messages (as ``cursor``), ``newer_cursor`` to newer
    ones (as ``after``); each is None at its end. NotFound for a message not in the chat.
    """
    access_chat(conn, actor, chat_id)
    if around is not None:
        target = conn.execute(
            "SELECT sent_at, id FROM message WHERE id = ? AND chat = ?", (around, chat_id)
        ).fetchone()
        if target is None:
            raise NotFound(_("Mensagem não encontrada."), code="message.not_found")
        key = [target["sent_at"], target["id"]]
        newer_wanted, older_wanted = limit // 2, limit - limit // 2
        older = _rows(
            conn,
            "m.chat = ? AND (m.sent_at, m.id) <= (?, ?)",
            [chat_id, *key],
            "DESC",
            older_wanted + 1,
        )
    else:
        key = list(_decode_cursor(after or ""))
        newer_wanted, older_wanted = limit, 0
        older = []
    newer = _rows(
        conn,
        "m.chat = ? AND (m.sent_at, m.id) > (?, ?)",
        [chat_id, *key],
        "ASC",
        newer_wanted + 1,
    )
    rows = newer[:newer_wanted][::-1] + older[:older_wanted]
    show = can_see_numbers(actor)
    older_left = len(older) > older_wanted if around is not None else bool(rows)
    return {
        "items": [message_payload(r, show) for r in rows],
        "next_cursor": _encode_cursor(rows[-1]["sent_at"], rows[-1]["id"])
        if rows and older_left
        else None,
        "newer_cursor": _encode_cursor(rows[0]["sent_at"], rows[0]["id"])
        if len(newer) > newer_wanted
        else None,
    }
