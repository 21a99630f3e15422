"""Where chat rows are made: the inbound path, "add a chat", the demo, the benchmark shops
and the tests all insert chats here. Piccolo's ``Chat`` table owns the schema and migrations;
this is hand-written SQL because the benchmark shops load 50,000 chats in one executemany."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from appliance.core.db import Conn


class ChatRow(NamedTuple):
    """One ``chat`` row; the defaults are those of a chat nobody has written in yet."""

    device: int
    wa_id: str
    phone: str | None
    registered_at: int
    wa_name: str = ""
    custom_name: str | None = None
    sort_name: str = ""
    lid: str | None = None
    is_broadcast: int = 0
    archived: int = 0
    chatbot_enabled: int = 1
    unread_count: int = 0
    last_message_at: int = 0
    last_message_preview: str = ""
    last_message_from_me: int = 0
    last_message_status: str | None = None
    waiting_since: int | None = None
    # None lets SQLite number the chat; the benchmark shops number theirs in advance.
    id: int | None = None


_INSERT = (
    f"INSERT INTO chat({', '.join(ChatRow._fields)}) "
    f"VALUES ({', '.join('?' * len(ChatRow._fields))})"
)


def insert_chat(conn: Conn, row: ChatRow) -> int:
    """Insert one chat; returns its id."""
    return int(conn.execute(_INSERT, row).lastrowid or 0)


def insert_chats(conn: Conn, rows: Iterable[ChatRow]) -> None:
    """Insert many chats in one statement (the demo and the benchmark shops)."""
    conn.executemany(_INSERT, rows)
