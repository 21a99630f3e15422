"""What staff change on a chat by hand: its name (C5), read / unread (C8), clearing its
messages on the platform (C12), its chatbot (I3) and archive (I4) switches."""

from __future__ import annotations

from appliance.areas.accounts.permissions import Actor, Permission
from appliance.areas.chats.access import access_chat
from appliance.core import limits
from appliance.core.clock import now_ms
from appliance.core.db import Conn
from appliance.core.errors import Forbidden, InvalidInput
from appliance.core.i18n import _
from appliance.core.text import sort_key

MAX_NAME = limits.NAME


def rename_chat(conn: Conn, actor: Actor, chat_id: int, name: str | None) -> None:
    """Set the chat's name for the whole account; None or blank goes back to the
    customer's WhatsApp name. The phone's address book is not touched."""
    chat = access_chat(conn, actor, chat_id)
    custom = " ".join((name or "").split()) or None
    if custom is not None and len(custom) > MAX_NAME:
        raise InvalidInput(
            _("O nome pode ter no máximo {max_name} caracteres.").format(max_name=MAX_NAME),
            code="chat.name_too_long",
        )
    conn.execute(
        "UPDATE chat SET custom_name = ?, sort_name = ? WHERE id = ?",
        (custom, sort_key(custom or chat["wa_name"] or ""), chat_id),
    )


def mark_read(conn: Conn, actor: Actor, chat_id: int) -> None:
    access_chat(conn, actor, chat_id)
    conn.execute("UPDATE chat SET unread_count = 0 WHERE id = ? AND unread_count != 0", (chat_id,))


def mark_unread(conn: Conn, actor: Actor, chat_id: int) -> None:
    """Show the unread badge again and bring the chat to the top, as if a message had just
    arrived (without any alert)."""
    access_chat(conn, actor, chat_id)
    conn.execute(
        "UPDATE chat SET unread_count = max(unread_count, 1), "
        "last_message_at = max(last_message_at, ?) WHERE id = ?",
        (now_ms(), chat_id),
    )


def set_chatbot(conn: Conn, actor: Actor, chat_id: int, enabled: bool) -> None:
    """Switch the chatbot on or off for this chat only (anyone who sees the chat)."""
    access_chat(conn, actor, chat_id)
    conn.execute("UPDATE chat SET chatbot_enabled = ? WHERE id = ?", (int(enabled), chat_id))


def set_archived(conn: Conn, actor: Actor, chat_id: int, archived: bool) -> None:
    """Archive or unarchive the chat for the whole account (anyone who sees the chat)."""
    access_chat(conn, actor, chat_id)
    conn.execute("UPDATE chat SET archived = ? WHERE id = ?", (int(archived), chat_id))


def clear_messages(conn: Conn, actor: Actor, chat_id: int) -> int:
    """Delete the chat's messages on the platform only (the phone keeps them). Messages still
    waiting to be handed to the phone are kept, so nothing already promised is dropped.
    Returns how many were deleted."""
    if not actor.has(Permission.DELETE_MESSAGES):
        raise Forbidden(
            _("Você não tem permissão para apagar as mensagens dos chats."),
            code="permission.delete_messages",
        )
    access_chat(conn, actor, chat_id)
    deleted = conn.execute(
        "DELETE FROM message WHERE chat = ? AND id NOT IN (SELECT message FROM outbox)",
        (chat_id,),
    ).rowcount
    last = conn.execute(
        "SELECT body, kind, direction, status, sent_at FROM message WHERE chat = ? "
        "ORDER BY sent_at DESC, id DESC LIMIT 1",
        (chat_id,),
    ).fetchone()
    conn.execute(
        "UPDATE chat SET unread_count = 0, waiting_since = NULL, last_message_preview = ?, "
        "last_message_from_me = ?, last_message_status = ? WHERE id = ?",
        (
            (last["body"] or last["kind"]) if last else "",
            int(last is not None and last["direction"] == "out"),
            last["status"] if last and last["direction"] == "out" else None,
            chat_id,
        ),
    )
    return int(deleted)
