"""Funnels and their stages (the funnel module), and each chat's stage in each funnel (H3).

A chat is at most at one stage per funnel. Editing funnels and stages is for admins and
users allowed to manage funnels (checked by the routes); placing a chat is for anyone
who may see it (``access_chat``).
"""

from __future__ import annotations

from typing import Any

from appliance.areas.accounts.permissions import Actor
from appliance.areas.chats.access import access_chat
from appliance.core import limits
from appliance.core.clock import iso, now_ms
from appliance.core.db import Conn
from appliance.core.errors import Conflict, InvalidInput, NotFound
from appliance.core.i18n import _, ngettext
from appliance.core.labels import clean_color, clean_name, name_taken

NAME_MAX = limits.FUNNEL_NAME
DEFAULT_COLOR = "#8696a0"


def _clean_name(raw: str, what: str) -> str:
    return clean_name(raw, what=what, limit=NAME_MAX, code="funnel")


def _clean_color(raw: str | None) -> str:
    return DEFAULT_COLOR if raw is None else clean_color(raw, code="funnel")


def _stage_payload(row: Any) -> dict[str, Any]:
    return {k: row[k] for k in ("id", "name", "position", "color")}


def list_funnels(conn: Conn) -> list[dict[str, Any]]:
    """Every funnel in order, each with its stages in order and how many chats are in it."""
    funnels = conn.execute("SELECT id, name, position FROM funnel ORDER BY position, id").fetchall()
    stages: dict[int, list[dict[str, Any]]] = {f["id"]: [] for f in funnels}
    for row in conn.execute(
        "SELECT s.id, s.funnel, s.name, s.position, s.color, "
        "(SELECT count(*) FROM chat_funnel_stage x WHERE x.stage = s.id) AS chats "
        "FROM funnel_stage s ORDER BY s.funnel, s.position, s.id"
    ):
        stages[row["funnel"]].append({**_stage_payload(row), "chats": row["chats"]})
    return [
        {
            "id": f["id"],
            "name": f["name"],
            "position": f["position"],
            "stages": stages[f["id"]],
            "chats": sum(s["chats"] for s in stages[f["id"]]),
        }
        for f in funnels
    ]


def get_funnel(conn: Conn, funnel_id: int) -> dict[str, Any]:
    for funnel in list_funnels(conn):
        if funnel["id"] == funnel_id:
            return funnel
    raise NotFound(_("Funil não encontrado."), code="funnel.not_found")


def _check_funnel(conn: Conn, funnel_id: int) -> None:
    if conn.execute("SELECT 1 FROM funnel WHERE id = ?", (funnel_id,)).fetchone() is None:
        raise NotFound(_("Funil não encontrado."), code="funnel.not_found")


def _check_stage(conn: Conn, funnel_id: int, stage_id: int) -> Any:
    _check_funnel(conn, funnel_id)
    row = conn.execute(
        "SELECT id, funnel, name, position, color FROM funnel_stage WHERE id = ? AND funnel = ?",
        (stage_id, funnel_id),
    ).fetchone()
    if row is None:
        raise NotFound(_("Etapa não encontrada neste funil."), code="funnel.stage_not_found")
    return row


def _check_funnel_name_free(conn: Conn, name: str, funnel_id: int | None = None) -> None:
    """Funnel names are unique ignoring case and accents ("Vendas" and "vendas" clash)."""
    taken = name_taken(conn.execute("SELECT id, name FROM funnel"), name, funnel_id)
    if taken is not None:
        raise Conflict(
            _("Já existe um funil chamado “{taken}”.").format(taken=taken), code="funnel.duplicate"
        )


def _check_stage_name_free(
    conn: Conn, funnel_id: int, name: str, stage_id: int | None = None
) -> None:
    rows = conn.execute("SELECT id, name FROM funnel_stage WHERE funnel = ?", (funnel_id,))
    if (taken := name_taken(rows, name, stage_id)) is not None:
        raise Conflict(
            _("Este funil já tem uma etapa chamada “{taken}”.").format(taken=taken),
            code="funnel.stage_duplicate",
        )


def create_funnel(conn: Conn, name: str, stages: list[str] | None = None) -> dict[str, Any]:
    """A new funnel at the end of the list, with optional first stages in order."""
    name = _clean_name(name, _("do funil"))
    _check_funnel_name_free(conn, name)
    position = conn.execute("SELECT coalesce(max(position) + 1, 0) FROM funnel").fetchone()[0]
    funnel_id = conn.execute(
        "INSERT INTO funnel(name, position, created_at) VALUES (?, ?, ?)",
        (name, position, now_ms()),
    ).lastrowid
    assert funnel_id is not None
    for stage in stages or []:
        create_stage(conn, funnel_id, stage)
    return get_funnel(conn, funnel_id)


def update_funnel(
    conn: Conn, funnel_id: int, name: str | None = None, position: int | None = None
) -> dict[str, Any]:
    """Rename a funnel and/or move it to ``position`` (0 is first) among the funnels."""
    _check_funnel(conn, funnel_id)
    if name is not None:
        name = _clean_name(name, _("do funil"))
        _check_funnel_name_free(conn, name, funnel_id)
        conn.execute("UPDATE funnel SET name = ? WHERE id = ?", (name, funnel_id))
    if position is not None:
        ids = [r[0] for r in conn.execute("SELECT id FROM funnel ORDER BY position, id")]
        ids.remove(funnel_id)
        ids.insert(max(0, min(position, len(ids))), funnel_id)
        _renumber(conn, "funnel", ids)
    return get_funnel(conn, funnel_id)


def chats_in_funnel(conn: Conn, funnel_id: int) -> int:
    return int(
        conn.execute(
            "SELECT count(*) FROM chat_funnel_stage WHERE funnel = ?", (funnel_id,)
        ).fetchone()[0]
    )


def delete_funnel(conn: Conn, funnel_id: int, confirm: bool) -> list[int]:
    """Delete a funnel, its stages and every chat's place in it; needs ``confirm``, and the
    Conflict without it says how many chats are in the funnel. Returns those chats."""
    _check_funnel(conn, funnel_id)
    chats = [
        r[0]
        for r in conn.execute("SELECT chat FROM chat_funnel_stage WHERE funnel = ?", (funnel_id,))
    ]
    if not confirm:
        raise Conflict(
            _chats_phrase(len(chats), _("neste funil"))
            + _(" Confirme para apagar o funil com todas as etapas."),
            code="funnel.confirm_delete",
            chats=len(chats),
        )
    conn.execute("DELETE FROM chat_funnel_stage WHERE funnel = ?", (funnel_id,))
    conn.execute("DELETE FROM funnel_stage WHERE funnel = ?", (funnel_id,))
    conn.execute("DELETE FROM funnel WHERE id = ?", (funnel_id,))
    return chats


def _chats_phrase(n: int, where: str) -> str:
    if n == 0:
        return _("Nenhum chat está {where}.").format(where=where)
    return ngettext("{count} chat está {where}.", "{count} chats estão {where}.", n).format(
        count=n, where=where
    )


def create_stage(conn: Conn, funnel_id: int, name: str, color: str | None = None) -> dict[str, Any]:
    """A new stage at the end of the funnel."""
    _check_funnel(conn, funnel_id)
    name = _clean_name(name, _("da etapa"))
    _check_stage_name_free(conn, funnel_id, name)
    position = conn.execute(
        "SELECT coalesce(max(position) + 1, 0) FROM funnel_stage WHERE funnel = ?", (funnel_id,)
    ).fetchone()[0]
    stage_id = conn.execute(
        "INSERT INTO funnel_stage(funnel, name, position, color) VALUES (?, ?, ?, ?)",
        (funnel_id, name, position, _clean_color(color)),
    ).lastrowid
    row = conn.execute(
        "SELECT id, name, position, color FROM funnel_stage WHERE id = ?", (stage_id,)
    ).fetchone()
    return _stage_payload(row)


def update_stage(
    conn: Conn,
    funnel_id: int,
    stage_id: int,
    name: str | None = None,
    color: str | None = None,
    position: int | None = None,
) -> dict[str, Any]:
    """Rename, recolour and/or move a stage to ``position`` (0 is first) in its funnel."""
    _check_stage(conn, funnel_id, stage_id)
    if name is not None:
        name = _clean_name(name, _("da etapa"))
        _check_stage_name_free(conn, funnel_id, name, stage_id)
        conn.execute("UPDATE funnel_stage SET name = ? WHERE id = ?", (name, stage_id))
    if color is not None:
        conn.execute(
            "UPDATE funnel_stage SET color = ? WHERE id = ?", (_clean_color(color), stage_id)
        )
    if position is not None:
        ids = _stage_ids(conn, funnel_id)
        ids.remove(stage_id)
        ids.insert(max(0, min(position, len(ids))), stage_id)
        _renumber(conn, "funnel_stage", ids)
    return _stage_payload(_check_stage(conn, funnel_id, stage_id))


def _stage_ids(conn: Conn, funnel_id: int) -> list[int]:
    return [
        r[0]
        for r in conn.execute(
            "SELECT id FROM funnel_stage WHERE funnel = ? ORDER BY position, id", (funnel_id,)
        )
    ]


def _renumber(conn: Conn, table: str, ids: list[int]) -> None:
    conn.executemany(
        f"UPDATE {table} SET position = ? WHERE id = ?", [(i, ident) for i, ident in enumerate(ids)]
    )


def reorder_stages(conn: Conn, funnel_id: int, order: list[int]) -> dict[str, Any]:
    """Put the funnel's stages in ``order``, which must list each of them exactly once."""
    _check_funnel(conn, funnel_id)
    current = _stage_ids(conn, funnel_id)
    if sorted(order) != sorted(current):
        raise InvalidInput(
            _("A nova ordem deve listar cada etapa do funil uma única vez."),
            code="funnel.invalid_order",
        )
    _renumber(conn, "funnel_stage", order)
    return get_funnel(conn, funnel_id)


def delete_stage(
    conn: Conn, funnel_id: int, stage_id: int, move_to: int | None, confirm: bool
) -> list[int]:
    """Delete a stage. Chats at it go to stage ``move_to`` of the same funnel, or, with
    ``confirm``, leave the funnel; with neither, a stage that has chats is kept (Conflict).
    Returns the chats that were at the stage."""
    _check_stage(conn, funnel_id, stage_id)
    chats = [
        r[0]
        for r in conn.execute("SELECT chat FROM chat_funnel_stage WHERE stage = ?", (stage_id,))
    ]
    if move_to is not None:
        if move_to == stage_id:
            raise InvalidInput(
                _("Escolha outra etapa para receber os chats."), code="funnel.move_to_same"
            )
        try:
            _check_stage(conn, funnel_id, move_to)
        except NotFound:
            raise InvalidInput(
                _("A etapa de destino deve ser deste mesmo funil."), code="funnel.stage_mismatch"
            ) from None
        conn.execute(
            "UPDATE chat_funnel_stage SET stage = ?, entered_at = ? WHERE stage = ?",
            (move_to, now_ms(), stage_id),
        )
    elif chats and not confirm:
        raise Conflict(
            _chats_phrase(len(chats), _("nesta etapa"))
            + _(" Escolha para qual etapa movê-los ou confirme que saiam do funil."),
            code="funnel.stage_in_use",
            chats=len(chats),
        )
    conn.execute("DELETE FROM chat_funnel_stage WHERE stage = ?", (stage_id,))
    conn.execute("DELETE FROM funnel_stage WHERE id = ?", (stage_id,))
    _renumber(conn, "funnel_stage", _stage_ids(conn, funnel_id))
    return chats


def chat_funnels(conn: Conn, actor: Actor, chat_id: int) -> list[dict[str, Any]]:
    """Every funnel with the chat's stage in it (or None) and since when (H3).
    NotFound for a chat ``actor`` may not see."""
    access_chat(conn, actor, chat_id)
    placed = {
        r["funnel"]: r
        for r in conn.execute(
            "SELECT funnel, stage, entered_at FROM chat_funnel_stage WHERE chat = ?", (chat_id,)
        )
    }
    out = []
    for funnel in list_funnels(conn):
        at = placed.get(funnel["id"])
        out.append(
            {
                "funnel": {"id": funnel["id"], "name": funnel["name"]},
                "stages": [
                    {k: s[k] for k in ("id", "name", "position", "color")} for s in funnel["stages"]
                ],
                "stage_id": at["stage"] if at else None,
                "entered_at": iso(at["entered_at"]) if at else None,
            }
        )
    return out


def set_chat_stage(
    conn: Conn, actor: Actor, chat_id: int, funnel_id: int, stage_id: int | None
) -> bool:
    """Put the chat at ``stage_id`` of the funnel, or take it out of the funnel (None).
    The stage must belong to the funnel (InvalidInput). Returns whether anything changed;
    staying at the same stage keeps the time it entered."""
    access_chat(conn, actor, chat_id)
    _check_funnel(conn, funnel_id)
    current = conn.execute(
        "SELECT stage FROM chat_funnel_stage WHERE chat = ? AND funnel = ?", (chat_id, funnel_id)
    ).fetchone()
    if stage_id is None:
        if current is None:
            return False
        conn.execute(
            "DELETE FROM chat_funnel_stage WHERE chat = ? AND funnel = ?", (chat_id, funnel_id)
        )
        return True
    if (
        conn.execute(
            "SELECT 1 FROM funnel_stage WHERE id = ? AND funnel = ?", (stage_id, funnel_id)
        ).fetchone()
        is None
    ):
        raise InvalidInput(
            _("Esta etapa não pertence a este funil."), code="funnel.stage_mismatch", stage=stage_id
        )
    if current is not None and current["stage"] == stage_id:
        return False
    place_chat(conn, chat_id, funnel_id, stage_id, now_ms())
    return True


def place_chat(conn: Conn, chat_id: int, funnel_id: int, stage_id: int, at: int) -> None:
    """Put the chat at a stage of the funnel (replacing the stage it had there), for a
    caller that has checked the actor, the chat and that the stage is the funnel's."""
    conn.execute(
        "INSERT INTO chat_funnel_stage(chat, funnel, stage, entered_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(chat, funnel) DO UPDATE SET stage = excluded.stage, "
        "entered_at = excluded.entered_at",
        (chat_id, funnel_id, stage_id, at),
    )
