"""The one rule of who sees which chat.

Admins and holders of ``see_all_chats`` see every chat; everyone else sees the chats
assigned to them or to one of their departments. Every path that returns chat data
applies it here: ``visibility_clause`` for SQL over ``chat c``, ``access_chat`` for one
chat, and ``visible_set`` for the chat list planner, which also drives from the set.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from appliance.areas.accounts.permissions import Actor, can_see_all_chats
from appliance.core.db import Conn
from appliance.core.errors import NotFound
from appliance.core.i18n import _


@dataclass(frozen=True)
class VisibleSet:
    """The chats a restricted actor may see, as SQL.

    ``probe`` tests the row ``c`` (a correlated ``EXISTS``); ``drive`` lists the chat ids
    without duplicates and ``drive_in`` lists them for ``c.id IN (…)``, which needs none
    removed. All three take ``params``."""

    probe: str
    drive: str
    drive_in: str
    params: list[object]


def visible_set(actor: Actor) -> VisibleSet | None:
    """The chats ``actor`` may see, or None when they see them all."""
    if can_see_all_chats(actor):
        return None
    depts = sorted(actor.departments)
    marks = ",".join("?" * len(depts))
    probe_terms = ["a.member = ?"] + ([f"a.department IN ({marks})"] if depts else [])
    probe = (
        "EXISTS (SELECT 1 FROM chat_assignee a WHERE a.chat = c.id AND ("
        + " OR ".join(probe_terms)
        + ") LIMIT 1)"
    )
    drive = "SELECT chat FROM chat_assignee WHERE member = ?"
    drive_in = drive
    if depts:
        drive += f" UNION SELECT chat FROM chat_assignee WHERE department IN ({marks})"
        drive_in += f" UNION ALL SELECT chat FROM chat_assignee WHERE department IN ({marks})"
    return VisibleSet(probe, drive, drive_in, [actor.id, *depts])


def visibility_clause(actor: Actor) -> tuple[str, list[object]]:
    """SQL restricting ``c`` (the chat table) to the chats ``actor`` may see."""
    rule = visible_set(actor)
    return ("1", []) if rule is None else (rule.probe, list(rule.params))


def access_chat(conn: Conn, actor: Actor, chat_id: int) -> dict[str, Any]:
    """The chat row if ``actor`` may see it; NotFound otherwise (a chat that is not yours
    and one that does not exist look the same)."""
    clause, params = visibility_clause(actor)
    row = conn.execute(
        f"SELECT * FROM chat c WHERE c.id = ? AND {clause}", [chat_id, *params]
    ).fetchone()
    if row is None:
        raise NotFound(_("Chat não encontrado."), code="chat.not_found")
    return dict(row)
