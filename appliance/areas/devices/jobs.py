"""Device jobs: work for a phone (history sync, receipt recheck, photo reload, reconcile).

The ``device_job`` table is the source of truth. A job is ``pending`` until the worker
prepares it (``ready``: its arguments are filled from the app's data); the web hands
ready jobs to the device's bridge, which reports ``done`` or ``failed``. Huey only
triggers the worker; a periodic reconcile catches any trigger Huey lost.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import msgspec

from appliance.core.clock import now_ms
from appliance.core.db import Conn
from appliance.core.errors import Conflict
from appliance.core.i18n import N_, _
from wire import contract as c

log = logging.getLogger(__name__)

KINDS = ("sync", "recheck", "photo", "reconcile")
HISTORY_PAGE = 1000
# A sync of recent messages (C4, and after every reconnect) looks this far back.
RECENT_PAGE = 100
RECHECK_LIMIT = 500
# A ready job handed to a bridge and not answered in this time is handed again.
REHAND_AFTER_MS = 120_000
# Chats with activity this recent are looked at by the reconcile after a reconnect.
RECONCILE_WINDOW_MS = 3 * 86_400_000
RECONCILE_MAX_CHATS = 50


# The driver capability (wire.contract.Capability) each kind of job needs of the phone.
NEEDS = {"sync": "history", "recheck": "recheck", "photo": "photos"}
NOT_SUPPORTED = {
    "sync": N_("O celular deste aparelho não busca mensagens antigas."),
    "recheck": N_("O celular deste aparelho não reconfere confirmações."),
    "photo": N_("O celular deste aparelho não recarrega fotos de perfil."),
}


def device_can(conn: Conn, device_id: int, kind: str) -> bool:
    """Whether the device's driver runs jobs of ``kind``, as its bridge last reported. A
    device whose bridge never reported counts as able: the bridge answers for itself."""
    need = NEEDS.get(kind)
    if need is None:
        return True
    row = conn.execute("SELECT capabilities FROM device WHERE id = ?", (device_id,)).fetchone()
    return row is None or row[0] is None or need in json.loads(row[0])


def check_device_can(conn: Conn, device_id: int, kind: str) -> None:
    """Conflict (409) when the device's driver cannot run ``kind``."""
    if not device_can(conn, device_id, kind):
        raise Conflict(_(NOT_SUPPORTED[kind]), code="device.not_supported")


def request_job(
    conn: Conn, device_id: int, kind: str, chat_id: int | None, args: dict[str, Any] | None = None
) -> int:
    """A pending job; an identical one still open is reused (asking twice runs once)."""
    assert kind in KINDS, kind
    payload = json.dumps(args or {}, sort_keys=True)
    row = conn.execute(
        "SELECT id FROM device_job WHERE device = ? AND kind = ? AND chat IS ? AND args = ? "
        "AND state IN ('pending', 'ready')",
        (device_id, kind, chat_id, payload),
    ).fetchone()
    if row is not None:
        return int(row[0])
    now = now_ms()
    cur = conn.execute(
        "INSERT INTO device_job(device, chat, kind, args, state, attempts, result, error, "
        "created_at, updated_at) VALUES (?, ?, ?, ?, 'pending', 0, '{}', '', ?, ?)",
        (device_id, chat_id, kind, payload, now, now),
    )
    return int(cur.lastrowid or 0)


def get_job(conn: Conn, job_id: int) -> dict[str, Any] | None:
    row = conn.execute("SELECT * FROM device_job WHERE id = ?", (job_id,)).fetchone()
    if row is None:
        return None
    job = dict(row)
    job["args"] = json.loads(job["args"])
    job["result"] = json.loads(job["result"])
    return job


def job_payload(job: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": job["id"],
        "kind": job["kind"],
        "chat_id": job["chat"],
        "state": job["state"],
        "error": job["error"] or None,
    }


def _set_ready(conn: Conn, job_id: int, args: c.SyncArgs | c.RecheckArgs | c.PhotoArgs) -> None:
    conn.execute(
        "UPDATE device_job SET state = 'ready', args = ?, updated_at = ?, handed_at = NULL "
        "WHERE id = ?",
        (msgspec.json.encode(args).decode(), now_ms(), job_id),
    )


def fail_job(conn: Conn, job_id: int, error: str) -> None:
    conn.execute(
        "UPDATE device_job SET state = 'failed', error = ?, updated_at = ? WHERE id = ?",
        (error, now_ms(), job_id),
    )


def prepare_job(conn: Conn, job_id: int) -> str | None:
    """Fill a pending job's arguments from the app's data and make it ready for the bridge.

    A reconcile job becomes one recheck per chat with unread outbound messages and one
    recent-history sync per recently active chat. Returns the new state (None: no such job).
    """
    job = get_job(conn, job_id)
    if job is None:
        return None
    if job["state"] != "pending":
        return str(job["state"])
    conn.execute("UPDATE device_job SET attempts = attempts + 1 WHERE id = ?", (job_id,))
    if job["kind"] == "reconcile":
        since = now_ms() - RECONCILE_WINDOW_MS
        chats = conn.execute(
            "SELECT id FROM chat WHERE device = ? AND last_message_at >= ? "
            "ORDER BY last_message_at DESC LIMIT ?",
            (job["device"], since, RECONCILE_MAX_CHATS),
        ).fetchall()
        count = 0
        for (chat_id,) in chats:
            for kind, asked in (("recheck", {}), ("sync", {"older": False})):
                if not device_can(conn, job["device"], kind):
                    continue
                child = request_job(conn, job["device"], kind, chat_id, asked)
                if prepare_job(conn, child) == "ready":
                    count += 1
        conn.execute(
            "UPDATE device_job SET state = 'done', result = ?, updated_at = ? WHERE id = ?",
            (json.dumps({"jobs": count}), now_ms(), job_id),
        )
        return "done"
    chat = conn.execute(
        "SELECT id, wa_id FROM chat WHERE id = ? AND device = ?", (job["chat"], job["device"])
    ).fetchone()
    if chat is None:
        fail_job(conn, job_id, "chat not found")
        return "failed"
    args: c.SyncArgs | c.RecheckArgs | c.PhotoArgs
    if job["kind"] == "sync":
        older = bool(job["args"].get("older"))
        # An older page starts before the chat's oldest message (null: it has none yet).
        before: int | msgspec.UnsetType | None = msgspec.UNSET
        if older:
            before = conn.execute(
                "SELECT min(sent_at) FROM message WHERE chat = ?", (chat["id"],)
            ).fetchone()[0]
        args = c.SyncArgs(
            chat=chat["wa_id"],
            older=older,
            limit=HISTORY_PAGE if older else RECENT_PAGE,
            before=before,
        )
    elif job["kind"] == "recheck":
        rows = conn.execute(
            "SELECT wa_id FROM message WHERE chat = ? AND direction = 'out' "
            "AND status IN ('sent', 'delivered') ORDER BY id DESC LIMIT ?",
            (chat["id"], RECHECK_LIMIT),
        ).fetchall()
        if not rows:
            conn.execute(
                "UPDATE device_job SET state = 'done', result = '{\"messages\": 0}', "
                "updated_at = ? WHERE id = ?",
                (now_ms(), job_id),
            )
            return "done"
        args = c.RecheckArgs(chat=chat["wa_id"], wa_ids=[r[0] for r in rows])
    else:
        args = c.PhotoArgs(chat=chat["wa_id"])
    _set_ready(conn, job_id, args)
    return "ready"


def pending_job_ids(conn: Conn, older_than_ms: int = 0) -> list[int]:
    """Jobs still waiting for the worker (for the periodic reconcile)."""
    rows = conn.execute(
        "SELECT id FROM device_job WHERE state = 'pending' AND created_at <= ? ORDER BY id",
        (now_ms() - older_than_ms,),
    ).fetchall()
    return [int(r[0]) for r in rows]


def jobs_for_bridge(conn: Conn, device_id: int, limit: int = 20) -> list[dict[str, Any]]:
    """Ready jobs to hand to the bridge now: never handed, or handed long ago unanswered."""
    now = now_ms()
    rows = conn.execute(
        "SELECT id, kind, args FROM device_job WHERE device = ? AND state = 'ready' "
        "AND (handed_at IS NULL OR handed_at < ?) ORDER BY id LIMIT ?",
        (device_id, now - REHAND_AFTER_MS, limit),
    ).fetchall()
    if rows:
        marks = ",".join("?" * len(rows))
        conn.execute(
            f"UPDATE device_job SET handed_at = ? WHERE id IN ({marks})",
            [now, *[r[0] for r in rows]],
        )
    return [{"id": r[0], "kind": r[1], "args": json.loads(r[2])} for r in rows]
