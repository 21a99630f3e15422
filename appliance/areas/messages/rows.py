"""Where message rows (and their receipts and outbox entries) are made: the inbound path, the
composer, the demo, the benchmark shops and the tests all insert them here. Piccolo's tables
own the schema and migrations; this is hand-written SQL because a benchmark shop loads
2,500,000 messages through ``insert_messages`` in batches of 20,000."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from appliance.core.db import Conn

# What a chat's last-message line shows for a message of each kind without a text.
PREVIEW_BY_KIND = {
    "image": "📷 Foto",
    "audio": "🎵 Áudio",
    "voice": "🎤 Mensagem de voz",
    "video": "🎥 Vídeo",
    "document": "📄 Documento",
    "location": "📍 Localização",
    "contact": "👤 Contato",
    "sticker": "Figurinha",
}


class MessageRow(NamedTuple):
    """One ``message`` row. ``media`` is the JSON text of the media dict, or None."""

    chat: int
    device: int
    wa_id: str
    direction: str  # "in" | "out"
    author_kind: str  # "customer" | "user" | "phone" | "chatbot"
    status: str
    status_at: int
    sent_at: int
    registered_at: int
    kind: str = "text"
    body: str = ""
    media: str | None = None
    author_user: int | None = None
    client_id: str | None = None
    # None lets SQLite number the message; the benchmark shops number theirs in advance.
    id: int | None = None


_INSERT = (
    f"INSERT INTO message({', '.join(MessageRow._fields)}) "
    f"VALUES ({', '.join('?' * len(MessageRow._fields))})"
)
# The phone may report a message twice (a replay after a reconnect): one row is kept.
_SKIP_DUPLICATE = " ON CONFLICT(device, wa_id) DO NOTHING"


def insert_message(conn: Conn, row: MessageRow, *, skip_duplicate: bool = False) -> int | None:
    """Insert one message; returns its id, or None when ``skip_duplicate`` and the device
    already has a message of this ``wa_id``."""
    cur = conn.execute(_INSERT + _SKIP_DUPLICATE if skip_duplicate else _INSERT, row)
    return int(cur.lastrowid or 0) if cur.rowcount else None


def insert_messages(conn: Conn, rows: Iterable[MessageRow | tuple[object, ...]]) -> None:
    """Insert many messages in one statement (the demo and the benchmark shops). A row is a
    MessageRow or a plain tuple in its field order: building 2,500,000 NamedTuples by
    keyword adds about 6 µs a row on the loaded 2-core box, 15 s to a benchmark shop."""
    conn.executemany(_INSERT, rows)


def insert_receipts(conn: Conn, rows: Iterable[tuple[int, str, int]]) -> None:
    """``message_receipt`` rows: (message id, "sent" | "delivered" | "read", at)."""
    conn.executemany("INSERT INTO message_receipt(message, status, at) VALUES (?, ?, ?)", rows)


def insert_outbox(conn: Conn, message_id: int, device_id: int, at: int) -> None:
    """The outbox entry that sends ``message_id`` through the device's phone."""
    conn.execute(
        "INSERT INTO outbox(message, device, attempts, created_at, last_error) "
        "VALUES (?, ?, 0, ?, '')",
        (message_id, device_id, at),
    )
