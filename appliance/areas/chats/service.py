"""Chats: listing what an actor may see, reading one chat, and their payloads.

Who may see a chat is decided in ``access`` only; the list is planned in ``query``.
"""

from __future__ import annotations

import functools
import sqlite3  # bound to sqlean by appliance/__init__.py
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from appliance.areas.accounts.permissions import Actor, can_see_numbers
from appliance.areas.chats.access import access_chat
from appliance.areas.chats.filters import ChatFilter, Cursor, next_cursor
from appliance.areas.chats.query import PlannedQuery, SetStats, plan_chat_list
from appliance.core.clock import iso
from appliance.core.db import Conn
from appliance.core.errors import NotFound
from appliance.core.i18n import N_, _
from appliance.core.phones import display_phone
from appliance.core.redaction import redact_line

UNNAMED = N_("Contato sem nome")
# Formatting a number parses it (phonenumbers): a tenth of a millisecond each, on every
# nameless chat of every page.
_display_phone = functools.lru_cache(maxsize=4096)(display_phone)


# Chats in the sample that estimates name and number filters (SetStats.name_sample).
SAMPLE_SIZE = 2000


def load_set_stats(conn: Conn) -> SetStats:
    stats = SetStats()
    stats.total = conn.execute("SELECT count(*) FROM chat").fetchone()[0]
    stats.per_tag = dict(conn.execute("SELECT tag, count(*) FROM chat_tag GROUP BY tag").fetchall())
    stats.per_stage = dict(
        conn.execute("SELECT stage, count(*) FROM chat_funnel_stage GROUP BY stage").fetchall()
    )
    stats.per_user = dict(
        conn.execute(
            "SELECT member, count(*) FROM chat_assignee WHERE member IS NOT NULL GROUP BY member"
        ).fetchall()
    )
    stats.per_department = dict(
        conn.execute(
            "SELECT department, count(*) FROM chat_assignee WHERE department IS NOT NULL "
            "GROUP BY department"
        ).fetchall()
    )
    stats.unassigned = (
        stats.total - conn.execute("SELECT count(DISTINCT chat) FROM chat_assignee").fetchone()[0]
    )
    # Written against the ordering indexes' leading columns: four short ranges, no scan.
    stats.unread = conn.execute(
        "SELECT count(*) FROM chat WHERE archived IN (0, 1) AND is_broadcast IN (0, 1) "
        "AND (unread_count > 0) = 1"
    ).fetchone()[0]
    stats.archived = conn.execute(
        "SELECT count(*) FROM chat WHERE archived = 1 AND is_broadcast IN (0, 1)"
    ).fetchone()[0]
    stats.broadcast = conn.execute(
        "SELECT count(*) FROM chat WHERE archived IN (0, 1) AND is_broadcast = 1"
    ).fetchone()[0]
    # Evenly spaced ids: a few thousand rowid lookups, not a scan of the table.
    first, last = conn.execute("SELECT min(id), max(id) FROM chat").fetchone()
    if first is not None:
        step = max(1, (last - first + 1) // SAMPLE_SIZE)
        rows = conn.execute(
            "WITH RECURSIVE ids(id) AS "
            "(SELECT ? UNION ALL SELECT id + ? FROM ids WHERE id + ? <= ?) "
            "SELECT c.sort_name, c.phone FROM ids JOIN chat c ON c.id = ids.id",
            (first, step, step, last),
        ).fetchall()
        stats.name_sample = [r[0] for r in rows]
        stats.phone_sample = [r[1] for r in rows if r[1]]
    return stats


class StatsCache:
    """Set sizes for the planner. The first request loads them; after that the web process
    counts them again in the background (``refresh``, every ``STATS_REFRESH_SECONDS`` of
    ``appliance.http.runtime``), so no request pays for the counting.

    Stale sizes only make a plan slower, never a result wrong.
    """

    def __init__(self) -> None:
        self._stats: SetStats | None = None
        self._lock = threading.Lock()

    def get(self, conn: Conn) -> SetStats:
        stats = self._stats
        if stats is not None:
            return stats
        with self._lock:
            if self._stats is None:
                self._stats = load_set_stats(conn)
            return self._stats

    def refresh(self, conn: Conn) -> None:
        self._stats = load_set_stats(conn)


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    next_cursor: str | None
    # How the rows were found ("walk", "drive", "walk>drive"): for benchmarks and tests.
    path: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"items": self.items, "next_cursor": self.next_cursor}


def display_name(row: dict[str, Any], show_number: bool) -> str:
    """The chat's name; without ``show_number``, never a number (not even one a customer
    chose as their WhatsApp name)."""
    name = (row.get("custom_name") or row.get("wa_name") or "").strip()
    if name:
        return name if show_number else redact_line(name) or _(UNNAMED)
    if show_number and row.get("phone"):
        return _display_phone(row["phone"])
    return _(UNNAMED)


@dataclass
class Extras:
    """What a page of chats carries besides the chat rows: tags, assignees, funnel stages."""

    tags: dict[int, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    assignees: dict[int, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    stages: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))


def _tuple_cursor(conn: Conn, sql: str, params: list[Any]) -> sqlite3.Cursor:
    """A cursor of plain tuples: a third of the cost of ``sqlite3.Row`` for a page."""
    cursor = conn.cursor()
    cursor.row_factory = None
    return cursor.execute(sql, params)


def _tuples(conn: Conn, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    return _tuple_cursor(conn, sql, params).fetchall()


def _hydrate(conn: Conn, chat_ids: list[int]) -> Extras:
    """Tags, assignees and stages of these chats. A tag shown on several chats of the
    page is one dict shared by all of them: payloads are read, never changed."""
    extras = Extras()
    tags, assignees = extras.tags, extras.assignees
    if not chat_ids:
        return extras
    marks = ",".join("?" * len(chat_ids))
    tag_dicts: dict[int, dict[str, Any]] = {}
    for chat, tag_id, name, color in _tuples(
        conn,
        f"SELECT ct.chat, t.id, t.name, t.color FROM chat_tag ct JOIN tag t ON t.id = ct.tag "
        f"WHERE ct.chat IN ({marks}) ORDER BY t.name",
        chat_ids,
    ):
        tag = tag_dicts.get(tag_id)
        if tag is None:
            tag = tag_dicts[tag_id] = {"id": tag_id, "name": name, "color": color}
        tags[chat].append(tag)
    for chat, member, user_name, department, department_name in _tuples(
        conn,
        f"SELECT a.chat, a.member, u.name, a.department, d.name FROM chat_assignee a "
        f"LEFT JOIN app_user u ON u.id = a.member LEFT JOIN department d ON d.id = a.department "
        f"WHERE a.chat IN ({marks}) ORDER BY a.id",
        chat_ids,
    ):
        if member is not None:
            assignees[chat].append({"kind": "user", "id": member, "name": user_name})
        else:
            assignees[chat].append(
                {"kind": "department", "id": department, "name": department_name}
            )
    for chat, stage in _tuples(
        conn, f"SELECT chat, stage FROM chat_funnel_stage WHERE chat IN ({marks})", chat_ids
    ):
        extras.stages[chat].append(stage)
    return extras


def chat_payload(row: dict[str, Any], actor: Actor, extras: Extras) -> dict[str, Any]:
    """The chat as the API shows it; numbers only for actors allowed to see them."""
    show_number = can_see_numbers(actor)
    return {
        "id": row["id"],
        "device_id": row["device"],
        "name": display_name(row, show_number),
        "wa_name": row["wa_name"] if show_number else redact_line(row["wa_name"]),
        "custom_name": row["custom_name"] if show_number else redact_line(row["custom_name"]),
        "phone": row["phone"] if show_number else None,
        "wa_id": row["wa_id"] if show_number else None,
        "is_broadcast": bool(row["is_broadcast"]),
        "archived": bool(row["archived"]),
        "chatbot_enabled": bool(row["chatbot_enabled"]),
        "unread_count": row["unread_count"],
        "registered_at": iso(row["registered_at"]),
        "last_message_at": iso(row["last_message_at"]) if row["last_message_at"] else None,
        "last_message_preview": row["last_message_preview"]
        if show_number
        else redact_line(row["last_message_preview"]),
        "last_message_from_me": bool(row["last_message_from_me"]),
        "last_message_status": row["last_message_status"],
        "waiting_since": iso(row["waiting_since"]),
        "status_id": row["status_id"],
        "has_photo": bool(row["photo_file"]),
        "tags": extras.tags[row["id"]],
        "assignees": extras.assignees[row["id"]],
        # The funnel stages the chat is at, one per funnel (the list's stage filter, live).
        "stages": extras.stages[row["id"]],
    }


def _rows(conn: Conn, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    """The rows as dicts, built from plain tuples."""
    cursor = _tuple_cursor(conn, sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _fetch(conn: Conn, plan: PlannedQuery) -> tuple[list[dict[str, Any]], str]:
    """The plan's rows and the path that produced them: a walk that runs past its step
    budget is interrupted and its fallback drive runs instead."""
    if plan.fallback is None:
        return _rows(conn, plan.sql, plan.params), plan.path
    ticks = 0
    limit = plan.step_budget // _STEPS_PER_TICK

    def tick() -> int:
        nonlocal ticks
        ticks += 1
        return int(ticks > limit)

    conn.set_progress_handler(tick, _STEPS_PER_TICK)
    try:
        return _rows(conn, plan.sql, plan.params), plan.path
    except sqlite3.OperationalError:
        if ticks <= limit:
            raise
    finally:
        conn.set_progress_handler(None, 0)
    fallback = plan.fallback
    return _rows(conn, fallback.sql, fallback.params), f"{plan.path}>{fallback.path}"


_STEPS_PER_TICK = 1000


def list_chats(
    conn: Conn, actor: Actor, f: ChatFilter, cursor: Cursor | None, limit: int, stats: SetStats
) -> Page:
    plan = plan_chat_list(actor, f, cursor, limit, stats)
    rows, path = _fetch(conn, plan)
    more = len(rows) > limit
    rows = rows[:limit]
    extras = _hydrate(conn, [r["id"] for r in rows])
    items = [chat_payload(r, actor, extras) for r in rows]
    cursor_out = next_cursor(f.order, rows[-1]).encode() if more and rows else None
    return Page(items, cursor_out, path)


def _with_device(payload: dict[str, Any], device: Any, actor: Actor) -> dict[str, Any]:
    payload["device"] = (
        {
            "id": device["id"],
            "name": device["name"],
            "phone": device["phone"] if can_see_numbers(actor) else None,
        }
        if device
        else None
    )
    return payload


def _device_row(conn: Conn, device_id: int) -> Any:
    return conn.execute("SELECT id, name, phone FROM device WHERE id = ?", (device_id,)).fetchone()


def get_chat(conn: Conn, actor: Actor, chat_id: int) -> dict[str, Any]:
    row = access_chat(conn, actor, chat_id)
    payload = chat_payload(row, actor, _hydrate(conn, [chat_id]))
    return _with_device(payload, _device_row(conn, row["device"]), actor)


NAME_COLUMNS = {"custom_name": N_("Nome no Balcão"), "wa_name": N_("Nome no WhatsApp")}


def _merged_label(kind: str, name: str) -> str:
    """What the lost value was, as staff read it: "Nome no WhatsApp", the custom field's
    name, "Funil Vendas", "Status"."""
    if kind == "name":
        return _(NAME_COLUMNS[name]) if name in NAME_COLUMNS else name
    if kind == "stage":
        return f"Funil {name}"
    if kind == "status":
        return "Status"
    return name


def list_merged_values(conn: Conn, actor: Actor, chat_id: int) -> list[dict[str, Any]]:
    """The values this chat's merges did not keep (the number chat's won; see
    ``Ingest._record_losers``), newest first. Without ``see_numbers`` the identity they came
    from is absent and phone-shaped runs in names and values are masked.

    NotFound for a chat the actor may not see."""
    access_chat(conn, actor, chat_id)
    show_number = can_see_numbers(actor)
    rows = conn.execute(
        "SELECT id, merged_from, kind, name, value, at FROM chat_merged_value "
        "WHERE chat = ? ORDER BY at DESC, id DESC",
        (chat_id,),
    ).fetchall()
    return [
        {
            "id": r["id"],
            "kind": r["kind"],
            "label": _merged_label(r["kind"], r["name"])
            if show_number
            else redact_line(_merged_label(r["kind"], r["name"])),
            "value": r["value"] if show_number else redact_line(r["value"]),
            "merged_from": r["merged_from"] if show_number else None,
            "at": iso(r["at"]),
        }
        for r in rows
    ]


def chat_for_each(conn: Conn, actors: list[Actor], chat_id: int) -> dict[int, dict[str, Any]]:
    """``get_chat`` for several actors at once (live events): the chat as each actor who
    may see it sees it, keyed by actor id. Tags, assignees and device are read once."""
    rows: dict[int, dict[str, Any]] = {}
    for actor in actors:
        try:
            rows[actor.id] = access_chat(conn, actor, chat_id)
        except NotFound:
            continue
    if not rows:
        return {}
    extras = _hydrate(conn, [chat_id])
    device = _device_row(conn, next(iter(rows.values()))["device"])
    by_id = {a.id: a for a in actors}
    return {
        actor_id: _with_device(
            chat_payload(row, by_id[actor_id], extras),
            device,
            by_id[actor_id],
        )
        for actor_id, row in rows.items()
    }
