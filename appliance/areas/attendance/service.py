"""Attendance statuses (account data) and the one way a chat changes status (C1, I4, H1).

Entering a status applies its archive rule in the same transaction: "archive" archives
the chat, "unarchive" brings it back to the inbox, "keep" leaves it as it is. Every change
is written to ``status_change`` with the status's name at the time, so the history reads
right after a status is renamed or deleted.
"""

from __future__ import annotations

from collections import defaultdict
from enum import StrEnum
from typing import Any

from appliance.areas.accounts.permissions import Actor
from appliance.areas.chats.access import access_chat
from appliance.areas.modules.service import Module, is_enabled
from appliance.core import limits
from appliance.core.clock import iso, now_ms
from appliance.core.db import Conn
from appliance.core.errors import Conflict, InvalidInput, NotFound
from appliance.core.i18n import N_, _, ngettext
from appliance.core.labels import clean_color, clean_name, name_taken

MAX_NAME = limits.STATUS_NAME


class ArchiveRule(StrEnum):
    ARCHIVE = "archive"
    UNARCHIVE = "unarchive"
    KEEP = "keep"


class Source(StrEnum):
    MANUAL = "manual"
    CHATBOT = "chatbot"
    SYSTEM = "system"


# The account's statuses on creation. The archive rule follows the reference product:
# archiving and unarchiving happen by themselves on Aberto, Resolvido and Fechado only.
DEFAULT_STATUSES: tuple[tuple[str, str, ArchiveRule], ...] = (
    ("Aberto", "#25d366", ArchiveRule.UNARCHIVE),
    ("Em atendimento", "#53bdeb", ArchiveRule.KEEP),
    ("Aguardando", "#ffbc38", ArchiveRule.KEEP),
    ("Resolvido", "#7d88e6", ArchiveRule.ARCHIVE),
    ("Fechado", "#8696a0", ArchiveRule.ARCHIVE),
)

SOURCE_LABELS = {Source.CHATBOT: N_("Chatbot"), Source.SYSTEM: N_("Sistema")}
REMOVED_USER = N_("Usuário removido")


def ensure_default_statuses(conn: Conn) -> bool:
    """Create the default statuses if the account has none (a new account, or a database
    from before the attendance module). Idempotent; True when it created them.

    The account always keeps at least one status (``delete_status`` refuses the last),
    so an empty table means the defaults were never created.
    """
    if conn.execute("SELECT 1 FROM attendance_status LIMIT 1").fetchone() is not None:
        return False
    at = now_ms()
    for position, (name, color, rule) in enumerate(DEFAULT_STATUSES):
        insert_status(conn, name, color, position, rule, at)
    return True


def insert_status(
    conn: Conn, name: str, color: str, position: int, rule: ArchiveRule, at: int
) -> int:
    """The ``attendance_status`` row of a checked status; its id."""
    cur = conn.execute(
        "INSERT INTO attendance_status(name, color, position, archive_rule, created_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (name, color, position, rule.value, at),
    )
    return int(cur.lastrowid or 0)


# -- the account's statuses ---------------------------------------------------------------


def _status_dict(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "color": row["color"],
        "position": row["position"],
        "archive_rule": row["archive_rule"],
    }


def list_statuses(conn: Conn) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT id, name, color, position, archive_rule FROM attendance_status "
        "ORDER BY position, id"
    ).fetchall()
    return [_status_dict(r) for r in rows]


def get_status(conn: Conn, status_id: int) -> dict[str, Any]:
    row = conn.execute(
        "SELECT id, name, color, position, archive_rule FROM attendance_status WHERE id = ?",
        (status_id,),
    ).fetchone()
    if row is None:
        raise NotFound(_("Status não encontrado."), code="status.not_found")
    return _status_dict(row)


def _check_name(conn: Conn, name: str, own_id: int | None = None) -> str:
    clean = clean_name(name, what=_("do status"), limit=MAX_NAME, code="status")
    rows = conn.execute("SELECT id, name FROM attendance_status")
    if (taken := name_taken(rows, clean, own_id)) is not None:
        raise Conflict(
            _("Já existe um status chamado {taken}.").format(taken=taken), code="status.name_taken"
        )
    return clean


def _check_rule(rule: str) -> ArchiveRule:
    try:
        return ArchiveRule(rule)
    except ValueError:
        raise InvalidInput(
            _("Regra de arquivamento inválida: use archive, unarchive ou keep."),
            code="status.invalid_archive_rule",
        ) from None


def _place(conn: Conn, status_id: int, position: int) -> None:
    """Put the status at ``position`` (0 is first) and number the others around it."""
    ids = [
        r[0]
        for r in conn.execute(
            "SELECT id FROM attendance_status WHERE id != ? ORDER BY position, id", (status_id,)
        )
    ]
    ids.insert(max(0, min(position, len(ids))), status_id)
    conn.executemany(
        "UPDATE attendance_status SET position = ? WHERE id = ?",
        [(i, sid) for i, sid in enumerate(ids)],
    )


def create_status(
    conn: Conn,
    name: str,
    color: str = "#8696a0",
    archive_rule: str = ArchiveRule.KEEP,
    position: int | None = None,
) -> dict[str, Any]:
    """A new status, last unless ``position`` says where. Raises InvalidInput, Conflict."""
    clean = _check_name(conn, name)
    row = conn.execute("SELECT coalesce(max(position) + 1, 0) FROM attendance_status").fetchone()
    status_id = insert_status(
        conn,
        clean,
        clean_color(color, code="status"),
        row[0],
        _check_rule(archive_rule),
        now_ms(),
    )
    if position is not None:
        _place(conn, status_id, position)
    return get_status(conn, status_id)


def update_status(
    conn: Conn,
    status_id: int,
    *,
    name: str | None = None,
    color: str | None = None,
    archive_rule: str | None = None,
    position: int | None = None,
) -> dict[str, Any]:
    """Rename, recolour, change the archive rule or move a status; None leaves a value.
    The history keeps the names chats had at the time."""
    get_status(conn, status_id)
    if name is not None:
        conn.execute(
            "UPDATE attendance_status SET name = ? WHERE id = ?",
            (_check_name(conn, name, status_id), status_id),
        )
    if color is not None:
        conn.execute(
            "UPDATE attendance_status SET color = ? WHERE id = ?",
            (clean_color(color, code="status"), status_id),
        )
    if archive_rule is not None:
        conn.execute(
            "UPDATE attendance_status SET archive_rule = ? WHERE id = ?",
            (_check_rule(archive_rule).value, status_id),
        )
    if position is not None:
        _place(conn, status_id, position)
    return get_status(conn, status_id)


def delete_status(
    conn: Conn, actor: Actor, status_id: int, move_to: int | None = None
) -> list[int]:
    """Delete a status. Chats in it need ``move_to`` (another status), which they enter
    as a change made by the system on the admin's behalf; without it, Conflict. The last
    status cannot go. Returns the ids of the chats moved."""
    get_status(conn, status_id)
    if move_to == status_id:
        raise InvalidInput(
            _("Escolha outro status para os chats."), code="status.move_to_same", move_to=move_to
        )
    if conn.execute("SELECT count(*) FROM attendance_status").fetchone()[0] <= 1:
        raise Conflict(_("A conta precisa de pelo menos um status."), code="status.last")
    chats = [r[0] for r in conn.execute("SELECT id FROM chat WHERE status_id = ?", (status_id,))]
    if chats and move_to is None:
        raise Conflict(
            ngettext(
                "{count} chat está neste status: escolha para qual status movê-lo.",
                "{count} chats estão neste status: escolha para qual status movê-los.",
                len(chats),
            ).format(count=len(chats)),
            code="status.in_use",
            chats=len(chats),
        )
    if move_to is not None:
        get_status(conn, move_to)
        at = now_ms()
        for chat_id in chats:
            change_status(conn, chat_id, move_to, source=Source.SYSTEM, by_user=actor.id, at=at)
    conn.execute("DELETE FROM attendance_status WHERE id = ?", (status_id,))
    return chats


# -- changing a chat's status -------------------------------------------------------------


def change_status(
    conn: Conn,
    chat_id: int,
    status_id: int,
    *,
    source: Source = Source.SYSTEM,
    by_user: int | None = None,
    at: int | None = None,
) -> bool:
    """Put the chat in the status and apply the status's archive rule; for automatic
    changes (chatbot, system) and, through ``set_chat_status``, manual ones. The caller
    holds the write transaction and has checked access. Entering the status the chat is
    already in writes no history but applies the rule again (a resolved chat that a
    customer's message brought back is archived again). Returns whether the status changed.
    Raises NotFound for an unknown chat or status."""
    status = get_status(conn, status_id)
    chat = conn.execute("SELECT status_id FROM chat WHERE id = ?", (chat_id,)).fetchone()
    if chat is None:
        raise NotFound(_("Chat não encontrado."), code="chat.not_found")
    rule = ArchiveRule(status["archive_rule"])
    archive = {ArchiveRule.ARCHIVE: 1, ArchiveRule.UNARCHIVE: 0}.get(rule)
    conn.execute(
        "UPDATE chat SET status_id = ?, archived = coalesce(?, archived) WHERE id = ?",
        (status_id, archive, chat_id),
    )
    if chat["status_id"] == status_id:
        return False
    record_status_change(
        conn, chat_id, status_id, status["name"], by_user, Source(source), at or now_ms()
    )
    return True


def record_status_change(
    conn: Conn,
    chat_id: int,
    status_id: int,
    status_name: str,
    by_user: int | None,
    source: Source,
    at: int,
) -> None:
    """One ``status_change`` row of the chat's history (the chat's own column is the
    caller's to set)."""
    conn.execute(
        "INSERT INTO status_change(chat, status, status_name, by_user, source, at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (chat_id, status_id, status_name, by_user, source.value, at),
    )


def open_for_customer(conn: Conn, chat_id: int, at: int) -> bool:
    """A customer wrote: a chat without a status, or in one that archives it (Resolvido,
    Fechado), enters the first status that unarchives (Aberto), by the system. Nothing
    happens while the attendance module is off. Returns whether the status changed."""
    if not is_enabled(conn, Module.ATTENDANCE):
        return False
    row = conn.execute(
        "SELECT s.archive_rule FROM chat c LEFT JOIN attendance_status s ON s.id = c.status_id "
        "WHERE c.id = ?",
        (chat_id,),
    ).fetchone()
    if row is None or row[0] not in (None, ArchiveRule.ARCHIVE.value):
        return False
    opening = conn.execute(
        "SELECT id FROM attendance_status WHERE archive_rule = ? ORDER BY position, id LIMIT 1",
        (ArchiveRule.UNARCHIVE.value,),
    ).fetchone()
    if opening is None:
        return False
    return change_status(conn, chat_id, opening[0], source=Source.SYSTEM, at=at)


def set_chat_status(
    conn: Conn, actor: Actor, chat_id: int, status_id: int, at: int | None = None
) -> bool:
    """A change by hand (C1) by anyone who may see the chat; NotFound otherwise, and for
    a status that does not exist (InvalidInput)."""
    access_chat(conn, actor, chat_id)
    try:
        get_status(conn, status_id)
    except NotFound:
        raise InvalidInput(
            _("Status inexistente."), code="status.unknown", status_id=status_id
        ) from None
    return change_status(conn, chat_id, status_id, source=Source.MANUAL, by_user=actor.id, at=at)


# -- history ------------------------------------------------------------------------------


def human_duration(ms: int) -> str:
    """ "2 h 5 min", "3 d 4 h", "12 min", "menos de 1 min"."""
    minutes = max(ms, 0) // 60_000
    if minutes < 1:
        return "menos de 1 min"
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min"


def status_history(
    conn: Conn, actor: Actor, chat_id: int, now: int | None = None
) -> dict[str, Any]:
    """The chat's status changes, oldest first, each with who made it and how long the
    chat stayed (until the next change, or until ``now`` for the current one), and the
    total time per status. NotFound for a chat the actor may not see."""
    access_chat(conn, actor, chat_id)
    now = now if now is not None else now_ms()
    rows = conn.execute(
        "SELECT sc.id, sc.status, sc.status_name, sc.source, sc.at, sc.by_user, "
        "u.name AS user_name, s.name AS current_name, s.color "
        "FROM status_change sc LEFT JOIN app_user u ON u.id = sc.by_user "
        "LEFT JOIN attendance_status s ON s.id = sc.status "
        "WHERE sc.chat = ? ORDER BY sc.at, sc.id",
        (chat_id,),
    ).fetchall()
    changes: list[dict[str, Any]] = []
    totals: dict[Any, dict[str, Any]] = {}
    spent: dict[Any, int] = defaultdict(int)
    for i, r in enumerate(rows):
        until = rows[i + 1]["at"] if i + 1 < len(rows) else now
        duration = max(0, until - r["at"])
        if r["user_name"] is not None:
            by = r["user_name"]
        else:
            by = _(SOURCE_LABELS.get(r["source"], REMOVED_USER))
        changes.append(
            {
                "id": r["id"],
                "status_id": r["status"],
                "status_name": r["status_name"],
                "color": r["color"] or "#8696a0",
                "source": r["source"],
                "by_user": r["by_user"],
                "by": by,
                "at": iso(r["at"]),
                "current": i + 1 == len(rows),
                "duration_ms": duration,
                "duration_text": human_duration(duration),
            }
        )
        key = r["status"] if r["status"] is not None else f"name:{r['status_name']}"
        spent[key] += duration
        totals.setdefault(
            key,
            {
                "status_id": r["status"],
                "status_name": r["current_name"] or r["status_name"],
                "color": r["color"] or "#8696a0",
            },
        )
    total_list = [
        {**totals[k], "duration_ms": spent[k], "duration_text": human_duration(spent[k])}
        for k in totals
    ]
    total_list.sort(key=lambda t: -t["duration_ms"])
    return {"chat_id": chat_id, "changes": changes, "totals": total_list}
