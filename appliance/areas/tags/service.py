"""The account's tags (I7): create, rename, recolour, delete; put on and take off chats.

Tag names are unique without regard to case or accents ("Clientes VIP" and "clientes vip"
are one tag), so a filter chip never has a twin.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from appliance.areas.accounts.permissions import Actor
from appliance.areas.chats.access import access_chat
from appliance.core import limits
from appliance.core.clock import now_ms
from appliance.core.db import Conn
from appliance.core.errors import Conflict, NotFound
from appliance.core.i18n import _
from appliance.core.labels import clean_color, clean_name, name_taken
from appliance.core.text import fold

MAX_NAME = limits.TAG_NAME
DEFAULT_COLOR = "#5b8def"


def list_tags(conn: Conn) -> list[dict[str, Any]]:
    """Every tag of the account, by name: for pickers and the chat-list filter."""
    rows = conn.execute("SELECT id, name, color FROM tag").fetchall()
    return sorted((dict(r) for r in rows), key=lambda t: (fold(t["name"]), t["id"]))


def _tag(conn: Conn, tag_id: int) -> dict[str, Any]:
    row = conn.execute("SELECT id, name, color FROM tag WHERE id = ?", (tag_id,)).fetchone()
    if row is None:
        raise NotFound(_("Tag não encontrada."), code="tag.not_found")
    return dict(row)


def _clean_name(conn: Conn, name: str, tag_id: int | None = None) -> str:
    clean = clean_name(name, what=_("da tag"), limit=MAX_NAME, code="tag")
    if name_taken(conn.execute("SELECT id, name FROM tag"), clean, tag_id):
        raise Conflict(_("Já existe uma tag com esse nome."), code="tag.duplicate")
    return clean


def create_tag(conn: Conn, name: str, color: str | None = None) -> dict[str, Any]:
    """A new tag; InvalidInput for a blank or long name or a bad colour, Conflict for a
    name that already exists (ignoring case and accents)."""
    clean = _clean_name(conn, name)
    colour = clean_color(color, code="tag") if color is not None else DEFAULT_COLOR
    return _tag(conn, insert_tag(conn, clean, colour, now_ms()))


def insert_tag(conn: Conn, name: str, color: str, at: int) -> int:
    """The ``tag`` row of a checked name and colour (the demo and benchmarks date theirs)."""
    cur = conn.execute(
        "INSERT INTO tag(name, color, created_at) VALUES (?, ?, ?)", (name, color, at)
    )
    return int(cur.lastrowid or 0)


def insert_chat_tags(conn: Conn, pairs: Iterable[tuple[int, int]]) -> int:
    """``chat_tag`` rows, (chat id, tag id), skipping a pair already there; how many were new.
    Also the bulk path of the demo and the benchmark shops (one executemany)."""
    cur = conn.executemany(
        "INSERT INTO chat_tag(chat, tag) VALUES (?, ?) ON CONFLICT DO NOTHING", pairs
    )
    return cur.rowcount


def update_tag(
    conn: Conn, tag_id: int, name: str | None = None, color: str | None = None
) -> dict[str, Any]:
    """Rename and / or recolour a tag; the chats that carry it keep it."""
    _tag(conn, tag_id)
    if name is not None:
        conn.execute(
            "UPDATE tag SET name = ? WHERE id = ?", (_clean_name(conn, name, tag_id), tag_id)
        )
    if color is not None:
        conn.execute(
            "UPDATE tag SET color = ? WHERE id = ?", (clean_color(color, code="tag"), tag_id)
        )
    return _tag(conn, tag_id)


def delete_tag(conn: Conn, tag_id: int) -> int:
    """Delete the tag and take it off every chat; returns how many chats had it."""
    _tag(conn, tag_id)
    had = conn.execute("SELECT count(*) FROM chat_tag WHERE tag = ?", (tag_id,)).fetchone()[0]
    conn.execute("DELETE FROM chat_tag WHERE tag = ?", (tag_id,))
    conn.execute("DELETE FROM tag WHERE id = ?", (tag_id,))
    return int(had)


def add_to_chat(conn: Conn, actor: Actor, chat_id: int, tag_id: int) -> bool:
    """Put the tag on a chat the actor may see (NotFound otherwise). Idempotent: returns
    whether anything changed."""
    access_chat(conn, actor, chat_id)
    _tag(conn, tag_id)
    return insert_chat_tags(conn, [(chat_id, tag_id)]) > 0


def remove_from_chat(conn: Conn, actor: Actor, chat_id: int, tag_id: int) -> bool:
    """Take the tag off a chat the actor may see. Idempotent: returns whether it had it."""
    access_chat(conn, actor, chat_id)
    _tag(conn, tag_id)
    cur = conn.execute("DELETE FROM chat_tag WHERE chat = ? AND tag = ?", (chat_id, tag_id))
    return cur.rowcount > 0
