"""The attendance control panel (L13): chats by status, by assignee, and the longest waits.

Everything is counted over the chats the caller may see (``visibility_clause``), broadcast
lists left out. By status counts archived chats too: Resolvido and Fechado archive their
chats, so without them those statuses would always read zero. By assignee counts the
chats in the inbox (not archived): the work each person or department has in hand.
"""

from __future__ import annotations

from typing import Any

from appliance.areas.accounts.permissions import Actor, can_see_numbers
from appliance.areas.attendance.service import human_duration, list_statuses
from appliance.areas.chats.access import visibility_clause
from appliance.areas.chats.service import display_name
from appliance.core.clock import iso, now_ms
from appliance.core.db import Conn
from appliance.core.i18n import N_, _

WAITING_TOP = 10
NO_STATUS = N_("Sem status")
NO_ASSIGNEE = N_("Sem responsável")


def _by_status(conn: Conn, clause: str, params: list[object]) -> list[dict[str, Any]]:
    counts = {
        r[0]: r[1]
        for r in conn.execute(
            f"SELECT c.status_id, count(*) FROM chat c WHERE c.is_broadcast = 0 AND {clause} "
            "GROUP BY c.status_id",
            params,
        )
    }
    known = list_statuses(conn)
    rows = [
        {"id": s["id"], "name": s["name"], "color": s["color"], "count": counts.get(s["id"], 0)}
        for s in known
    ]
    # Chats never given a status, or left pointing at a status that no longer exists.
    ids = {s["id"] for s in known}
    without = sum(n for status_id, n in counts.items() if status_id not in ids)
    rows.append({"id": None, "name": _(NO_STATUS), "color": "#8696a0", "count": without})
    return rows


def _by_assignee(conn: Conn, clause: str, params: list[object]) -> list[dict[str, Any]]:
    active = f"c.is_broadcast = 0 AND c.archived = 0 AND {clause}"
    rows: list[dict[str, Any]] = []
    # Users, then departments; each by its own column of chat_assignee.
    for kind, column, table in (
        ("user", "member", "app_user"),
        ("department", "department", "department"),
    ):
        for r in conn.execute(
            f"SELECT a.{column}, t.name, count(DISTINCT c.id) FROM chat c "
            f"JOIN chat_assignee a ON a.chat = c.id JOIN {table} t ON t.id = a.{column} "
            f"WHERE {active} GROUP BY a.{column} ORDER BY 3 DESC, t.name",
            params,
        ):
            rows.append({"kind": kind, "id": r[0], "name": r[1], "count": r[2]})
    unassigned = conn.execute(
        f"SELECT count(*) FROM chat c WHERE {active} "
        "AND NOT EXISTS (SELECT 1 FROM chat_assignee a WHERE a.chat = c.id)",
        params,
    ).fetchone()[0]
    rows.append({"kind": "none", "id": None, "name": _(NO_ASSIGNEE), "count": unassigned})
    return rows


def _waiting(
    conn: Conn, actor: Actor, clause: str, params: list[object], now: int
) -> list[dict[str, Any]]:
    show_number = can_see_numbers(actor)
    rows = conn.execute(
        "SELECT c.id, c.custom_name, c.wa_name, c.phone, c.waiting_since, c.status_id "
        "FROM chat c WHERE c.archived = 0 AND c.is_broadcast = 0 "
        f"AND c.waiting_since IS NOT NULL AND {clause} "
        "ORDER BY c.waiting_since, c.id LIMIT ?",
        [*params, WAITING_TOP],
    ).fetchall()
    out = []
    for r in rows:
        waited = max(0, now - r["waiting_since"])
        out.append(
            {
                "id": r["id"],
                "name": display_name(dict(r), show_number),
                "status_id": r["status_id"],
                "waiting_since": iso(r["waiting_since"]),
                "waiting_ms": waited,
                "waiting_text": human_duration(waited),
            }
        )
    return out


def control_panel(conn: Conn, actor: Actor, now: int | None = None) -> dict[str, Any]:
    """The panel as ``actor`` may see it; the caller checks the actor may see reports."""
    clause, params = visibility_clause(actor)
    now = now if now is not None else now_ms()
    return {
        "by_status": _by_status(conn, clause, params),
        "by_assignee": _by_assignee(conn, clause, params),
        "waiting": _waiting(conn, actor, clause, params, now),
        "at": iso(now),
    }
