"""Who answers a chat: its assignees (I5), the round-robin queue (I6) and the history of
both (H4). Every change of assignees writes an ``assignment_event`` in the same transaction."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from appliance.areas.accounts import service as accounts
from appliance.areas.accounts.permissions import Actor
from appliance.areas.chats.access import access_chat
from appliance.core.clock import iso, now_ms
from appliance.core.db import Conn
from appliance.core.errors import Conflict, InvalidInput
from appliance.core.i18n import N_, _

USER = "user"
DEPARTMENT = "department"
KINDS = (USER, DEPARTMENT)

MANUAL = "manual"
QUEUE = "queue"
CHATBOT = "chatbot"
SYSTEM = "system"
SOURCE_LABELS = {
    MANUAL: N_("Manual"),
    QUEUE: N_("Fila"),
    CHATBOT: N_("Chatbot"),
    SYSTEM: N_("Sistema"),
}

EMPTY_QUEUE = N_("Não há ninguém presente no rodízio para receber o chat.")


# -- assignees ----------------------------------------------------------------------------------


def list_assignees(conn: Conn, chat_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT a.member, u.name AS user_name, a.department, d.name AS dept_name "
        "FROM chat_assignee a LEFT JOIN app_user u ON u.id = a.member "
        "LEFT JOIN department d ON d.id = a.department WHERE a.chat = ? ORDER BY a.id",
        (chat_id,),
    ).fetchall()
    return [
        {"kind": USER, "id": r["member"], "name": r["user_name"]}
        if r["member"] is not None
        else {"kind": DEPARTMENT, "id": r["department"], "name": r["dept_name"]}
        for r in rows
    ]


def _assignee_name(conn: Conn, kind: str, target: int) -> str:
    """The name of an active user or an existing department; InvalidInput otherwise."""
    if kind == USER:
        row = conn.execute(
            "SELECT name FROM app_user WHERE id = ? AND active = 1", (target,)
        ).fetchone()
        if row is None:
            raise InvalidInput(
                _("Usuário inexistente ou desativado."), code="assignee.unknown_user", user=target
            )
        return str(row["name"])
    if kind == DEPARTMENT:
        row = conn.execute("SELECT name FROM department WHERE id = ?", (target,)).fetchone()
        if row is None:
            raise InvalidInput(
                _("Departamento inexistente."),
                code="assignee.unknown_department",
                department=target,
            )
        return str(row["name"])
    raise InvalidInput(
        _("O responsável é um usuário (user) ou um departamento (department)."),
        code="assignee.unknown_kind",
    )


def _column(kind: str) -> str:
    return "member" if kind == USER else "department"


def _record(
    conn: Conn,
    chat_id: int,
    kind: str,
    target: int,
    name: str,
    action: str,
    source: str,
    by_user: int | None,
    at: int,
) -> None:
    conn.execute(
        "INSERT INTO assignment_event(chat, member, department, assignee_name, action, source, "
        "by_user, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            chat_id,
            target if kind == USER else None,
            target if kind == DEPARTMENT else None,
            name,
            action,
            source,
            by_user,
            at,
        ),
    )


def put_assignee(
    conn: Conn,
    chat_id: int,
    kind: str,
    target: int,
    source: str,
    by_user: int | None,
    at: int | None = None,
) -> bool:
    """Add an assignee and record it, for a caller that has checked access (and for the
    history a shop is seeded with, ``at``). InvalidInput for an unknown or inactive user or
    an unknown department. Returns whether it was not there yet."""
    name = _assignee_name(conn, kind, target)
    column = _column(kind)
    when = at if at is not None else now_ms()
    member, department = (target, None) if column == "member" else (None, target)
    inserted = insert_assignees(conn, [(chat_id, member, department, when)])
    if inserted:
        _record(conn, chat_id, kind, target, name, "added", source, by_user, when)
    return bool(inserted)


def insert_assignees(conn: Conn, rows: Iterable[tuple[int, int | None, int | None, int]]) -> int:
    """``chat_assignee`` rows, (chat, member, department, created_at) with one of member and
    department set, skipping one already there; how many were new. No history is recorded:
    ``put_assignee`` does that, the benchmark shops and tests write bare rows in bulk."""
    cur = conn.executemany(
        "INSERT INTO chat_assignee(chat, member, department, created_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT DO NOTHING",
        rows,
    )
    return cur.rowcount


def claim_new_chat(conn: Conn, chat_id: int, user_id: int, at: int) -> None:
    """Assign a chat a user just added to that user, so they see it (C5 for users who see
    only their assigned chats); recorded in the chat's history as a manual assignment."""
    put_assignee(conn, chat_id, USER, user_id, MANUAL, user_id, at=at)


def drop_assignee(
    conn: Conn, chat_id: int, kind: str, target: int, source: str, by_user: int | None
) -> bool:
    """Remove an assignee and record it, for a caller that has checked access. Returns
    whether it was there."""
    column = _column(kind)
    table = "app_user" if kind == USER else "department"
    row = conn.execute(f"SELECT name FROM {table} WHERE id = ?", (target,)).fetchone()
    deleted = conn.execute(
        f"DELETE FROM chat_assignee WHERE chat = ? AND {column} = ?", (chat_id, target)
    ).rowcount
    if deleted:
        name = row["name"] if row else ""
        _record(conn, chat_id, kind, target, name, "removed", source, by_user, now_ms())
    return bool(deleted)


def add_assignee(conn: Conn, actor: Actor, chat_id: int, kind: str, target: int) -> bool:
    """Make a user or a department responsible for the chat. Anyone who sees the chat may
    do it (NotFound otherwise); an unknown or inactive user, or an unknown department, is
    InvalidInput. Adding one already there changes nothing. Returns whether it changed."""
    access_chat(conn, actor, chat_id)
    return put_assignee(conn, chat_id, kind, target, MANUAL, actor.id)


def remove_assignee(conn: Conn, actor: Actor, chat_id: int, kind: str, target: int) -> bool:
    """Take a user or a department off the chat. Anyone who sees the chat may do it, even
    when that takes the chat away from them. Removing one who is not there changes nothing."""
    access_chat(conn, actor, chat_id)
    if kind not in KINDS:
        _assignee_name(conn, kind, target)
    return drop_assignee(conn, chat_id, kind, target, MANUAL, actor.id)


# -- the queue ----------------------------------------------------------------------------------


def _present_members(conn: Conn) -> list[Any]:
    """The present members (not away, user active), next turn first: lowest ``last_turn``,
    ties by position."""
    return conn.execute(
        "SELECT q.member, u.name FROM queue_member q JOIN app_user u ON u.id = q.member "
        "WHERE q.away = 0 AND u.active = 1 ORDER BY q.last_turn, q.position, q.id"
    ).fetchall()


def _take_turn(conn: Conn, member: int) -> None:
    conn.execute(
        "UPDATE queue_member SET last_turn = "
        "(SELECT coalesce(max(last_turn), 0) + 1 FROM queue_member) WHERE member = ?",
        (member,),
    )


def delegate_chat(conn: Conn, chat_id: int, by_user: int | None) -> dict[str, Any]:
    """Hand the chat to the next user of the rotation ("Delegar p/ Fila"), in the caller's
    write transaction (writes are serialized, so two delegations never take the same turn).

    The next user is the present member with the lowest ``last_turn`` (ties by position),
    skipping the chat's current user assignees while someone else is present: handing a
    chat back to the queue gives it to somebody new. That user's ``last_turn`` becomes
    the highest, the chat's other USER assignees are removed and the user is added, all
    with events of source "queue". DEPARTMENT assignees stay: the help page describes the
    queue as choosing a new responsible user, and a department says which team the chat
    belongs to, not who answers it. Conflict when nobody is present in the rotation."""
    present = _present_members(conn)
    if not present:
        raise Conflict(_(EMPTY_QUEUE), code="queue.empty")
    current = {
        r[0]
        for r in conn.execute(
            "SELECT member FROM chat_assignee WHERE chat = ? AND member IS NOT NULL", (chat_id,)
        )
    }
    chosen = next((r for r in present if r["member"] not in current), present[0])
    member = int(chosen["member"])
    _take_turn(conn, member)
    for other in sorted(current - {member}):
        drop_assignee(conn, chat_id, USER, other, QUEUE, by_user)
    put_assignee(conn, chat_id, USER, member, QUEUE, by_user)
    return {"id": member, "name": chosen["name"]}


def delegate_to_queue(conn: Conn, actor: Actor, chat_id: int) -> dict[str, Any]:
    """``delegate_chat`` by hand: anyone who sees the chat may do it (NotFound otherwise)."""
    access_chat(conn, actor, chat_id)
    return delegate_chat(conn, chat_id, actor.id)


def delegate_new_chat(conn: Conn, chat_id: int) -> int | None:
    """A chat just created for a customer's message goes to the queue's next user when the
    account says so (``account.queue_new_chats``) and someone is present. Returns the user
    it went to, or None (setting off, chat already assigned, nobody present)."""
    row = conn.execute("SELECT queue_new_chats FROM account WHERE id = 1").fetchone()
    if row is None or not row[0]:
        return None
    if conn.execute("SELECT 1 FROM chat_assignee WHERE chat = ? LIMIT 1", (chat_id,)).fetchone():
        return None
    try:
        return int(delegate_chat(conn, chat_id, None)["id"])
    except Conflict:
        return None


def get_queue(conn: Conn) -> dict[str, Any]:
    row = conn.execute("SELECT queue_new_chats FROM account WHERE id = 1").fetchone()
    present = [r["member"] for r in _present_members(conn)]
    members = conn.execute(
        "SELECT q.member, u.name, u.active, q.away, q.position, q.last_turn FROM queue_member q "
        "JOIN app_user u ON u.id = q.member ORDER BY q.position, q.id"
    ).fetchall()
    return {
        "queue_new_chats": bool(row and row[0]),
        "next_user_id": present[0] if present else None,
        "members": [
            {
                "user_id": m["member"],
                "name": m["name"],
                "active": bool(m["active"]),
                "away": bool(m["away"]),
                "position": m["position"],
                "last_turn": m["last_turn"],
            }
            for m in members
        ],
    }


def set_queue(
    conn: Conn, members: list[tuple[int, bool]] | None, queue_new_chats: bool | None
) -> dict[str, Any]:
    """Set the rotation: ``members`` as (user id, away) in turn order (users left out leave
    the rotation), and whether new chats go to it. A user who joins, or comes back from
    being away, starts level with the present members, so they do not get a run of turns
    to catch up. InvalidInput for an unknown user or one listed twice."""
    if queue_new_chats is not None:
        conn.execute("UPDATE account SET queue_new_chats = ? WHERE id = 1", (int(queue_new_chats),))
    if members is None:
        return get_queue(conn)
    ids = [user for user, _ in members]
    if len(set(ids)) != len(ids):
        raise InvalidInput(_("Um usuário aparece duas vezes no rodízio."), code="queue.duplicate")
    if ids:
        marks = ",".join("?" * len(ids))
        known = {r[0] for r in conn.execute(f"SELECT id FROM app_user WHERE id IN ({marks})", ids)}
        if missing := [u for u in ids if u not in known]:
            raise InvalidInput(
                _("Usuário inexistente: {missing}.").format(missing=missing),
                code="queue.unknown_user",
            )
    before = {
        r["member"]: r
        for r in conn.execute("SELECT member, away, last_turn FROM queue_member").fetchall()
    }
    present_turns = [r["last_turn"] for r in before.values() if not r["away"]]
    floor = min(present_turns) if present_turns else 0
    conn.execute(f"DELETE FROM queue_member WHERE member NOT IN ({','.join('?' * len(ids))})", ids)
    for position, (user, away) in enumerate(members):
        old = before.get(user)
        if old is None:
            conn.execute(
                "INSERT INTO queue_member(member, position, away, last_turn) VALUES (?, ?, ?, ?)",
                (user, position, int(away), floor),
            )
            continue
        turn = old["last_turn"]
        if old["away"] and not away:
            turn = max(turn, floor)
        conn.execute(
            "UPDATE queue_member SET position = ?, away = ?, last_turn = ? WHERE member = ?",
            (position, int(away), turn, user),
        )
    return get_queue(conn)


# -- history ------------------------------------------------------------------------------------


def list_assignment_events(conn: Conn, actor: Actor, chat_id: int) -> list[dict[str, Any]]:
    """The chat's assignee changes, newest first (H4); NotFound for a chat the actor may
    not see."""
    access_chat(conn, actor, chat_id)
    rows = conn.execute(
        "SELECT e.id, e.member, e.department, e.assignee_name, e.action, e.source, e.by_user, "
        "e.at, b.name AS by_name FROM assignment_event e "
        "LEFT JOIN app_user b ON b.id = e.by_user WHERE e.chat = ? ORDER BY e.at DESC, e.id DESC",
        (chat_id,),
    ).fetchall()
    out = []
    for r in rows:
        source = r["source"]
        if r["by_user"] is not None:
            by_name = r["by_name"]
        elif source == MANUAL:
            by_name = _("Usuário removido")
        else:
            by_name = _(SOURCE_LABELS.get(source, SOURCE_LABELS[SYSTEM]))
        out.append(
            {
                "id": r["id"],
                "at": iso(r["at"]),
                "action": r["action"],
                # (a deleted department's events keep its name but no longer its kind)
                "kind": DEPARTMENT if r["department"] is not None else USER,
                "assignee_id": r["member"] if r["member"] is not None else r["department"],
                "assignee_name": r["assignee_name"],
                "source": source,
                "source_label": _(SOURCE_LABELS[source]) if source in SOURCE_LABELS else source,
                "automatic": source != MANUAL,
                "by_user_id": r["by_user"],
                "by_name": by_name,
            }
        )
    return out


def assignee_choices(conn: Conn) -> dict[str, list[dict[str, Any]]]:
    """Active users and all departments, for the assignee picker."""
    users = conn.execute("SELECT id, name FROM app_user WHERE active = 1 ORDER BY name, id")
    departments = conn.execute("SELECT id, name FROM department ORDER BY name")
    return {
        "users": [{"id": r["id"], "name": r["name"]} for r in users],
        "departments": [{"id": r["id"], "name": r["name"]} for r in departments],
    }


@dataclass(frozen=True)
class DepartmentRemoved:
    members: set[int]
    # Chats the department was an assignee of: their members may no longer see them.
    chats: list[int]


def delete_department(conn: Conn, department_id: int, by_user: int) -> DepartmentRemoved:
    """Delete a department: its members leave it and it leaves the chats it was assigned
    to (each removal recorded in the chat's assignment history, H4)."""
    accounts.department_name(conn, department_id)  # NotFound for an unknown department
    members = accounts.department_members(conn, department_id)
    chats = [
        r[0]
        for r in conn.execute(
            "SELECT chat FROM chat_assignee WHERE department = ? ORDER BY chat", (department_id,)
        )
    ]
    for chat in chats:
        drop_assignee(conn, chat, DEPARTMENT, department_id, MANUAL, by_user)
    conn.execute("DELETE FROM department WHERE id = ?", (department_id,))
    return DepartmentRemoved(members, chats)
