"""Ingest what the phone reports: messages upserted on (device, WhatsApp id), receipts that
only move forward, LID ↔ number identities, the outcome of sends.

``apply_events`` runs inside one write transaction per frame and returns what changed, so
the caller publishes after commit. Every event is idempotent: a replayed frame changes nothing.
Chats are read once per frame and written once per frame
(docs/decisions.md#ingest-one-transaction-per-frame).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from appliance.areas.assignments.service import delegate_new_chat
from appliance.areas.attendance.service import Source, open_for_customer, record_status_change
from appliance.areas.chats.rows import ChatRow, insert_chat
from appliance.areas.files.store import has_file, is_sha
from appliance.areas.messages.rows import PREVIEW_BY_KIND, MessageRow, insert_message
from appliance.areas.messages.status import moves_forward
from appliance.core.clock import now_ms
from appliance.core.db import Conn
from appliance.core.phones import phone_from_wa_id
from appliance.core.text import preview, sort_key
from wire import contract as c

log = logging.getLogger(__name__)

KINDS = ("text", *PREVIEW_BY_KIND)


@dataclass
class Changes:
    """What one frame changed, for the live events published after commit."""

    received: list[int] = field(default_factory=list)  # live customer messages, new rows
    sent: list[int] = field(default_factory=list)  # live messages sent from the phone itself
    # (message id, status, time) of every forward move, in order
    statuses: list[tuple[int, str, int]] = field(default_factory=list)
    chats: set[int] = field(default_factory=set)
    removed_chats: set[int] = field(default_factory=set)
    device_changed: bool = False
    history: int = 0  # history messages stored
    # chats that got history messages, and chats that got live messages, in this frame
    history_chats: set[int] = field(default_factory=set)
    live_chats: set[int] = field(default_factory=set)
    reconnect_jobs: list[int] = field(default_factory=list)


@dataclass
class _ChatState:
    row: dict[str, Any]
    dirty: bool = False
    identity_dirty: bool = False


class _Frame:
    """Per-frame cache of the chats touched and their pending updates."""

    def __init__(self, conn: Conn, device_id: int, now: int, files_dir: Path | None) -> None:
        self.conn = conn
        self.device = device_id
        self.now = now
        self.files_dir = files_dir
        self.chats: dict[int, _ChatState] = {}
        self.by_key: dict[str, int] = {}
        self.changes = Changes()
        self._first_sync_at: int | None = None
        # Chats a customer's message opened in this frame (attendance status).
        self.opened: set[int] = set()

    # -- chats ---------------------------------------------------------------------------

    def _load(self, row: Any) -> int:
        chat_id = int(row["id"])
        if chat_id not in self.chats:
            self.chats[chat_id] = _ChatState(dict(row))
        return chat_id

    def _lookup(self, column: str, value: str) -> int | None:
        key = f"{column}:{value}"
        if key in self.by_key and self.by_key[key] in self.chats:
            return self.by_key[key]
        row = self.conn.execute(
            f"SELECT * FROM chat WHERE device = ? AND {column} = ?", (self.device, value)
        ).fetchone()
        if row is None:
            return None
        chat_id = self._load(row)
        self.by_key[key] = chat_id
        return chat_id

    def first_sync_at(self) -> int:
        if self._first_sync_at is None:
            row = self.conn.execute(
                "SELECT first_sync_at FROM device WHERE id = ?", (self.device,)
            ).fetchone()
            value = row[0] if row else None
            if value is None:
                value = self.now
                self.conn.execute(
                    "UPDATE device SET first_sync_at = ? WHERE id = ? AND first_sync_at IS NULL",
                    (value, self.device),
                )
            self._first_sync_at = int(value)
        return self._first_sync_at

    def resolve_chat(self, jid: str, lid: str | None, name: str, history: bool) -> int:
        """The one chat of this contact on this device, created or merged as needed.

        A customer known by LID and later by number (or the reverse) stays one chat.
        """
        if jid.endswith("@lid"):
            lid, number_jid = jid, None
        else:
            number_jid = jid
        by_number = self._lookup("wa_id", number_jid) if number_jid else None
        by_lid = None
        if lid:
            by_lid = self._lookup("lid", lid) or self._lookup("wa_id", lid)
        if by_number is not None and by_lid is not None and by_number != by_lid:
            self._merge(into=by_number, other=by_lid)
            by_lid = by_number
        chat_id = by_number if by_number is not None else by_lid
        if chat_id is None:
            chat_id = self._create(number_jid or jid, lid, name, history)
        state = self.chats[chat_id]
        row = state.row
        if lid and row["lid"] != lid:
            row["lid"] = lid
            state.identity_dirty = True
        if number_jid and row["wa_id"] != number_jid:
            row["wa_id"] = number_jid
            row["phone"] = phone_from_wa_id(number_jid)
            state.identity_dirty = True
        if name and name != row["wa_name"]:
            row["wa_name"] = name[:200]
            row["sort_name"] = sort_key(row["custom_name"] or row["wa_name"])
            state.identity_dirty = True
        for key in (f"wa_id:{row['wa_id']}", f"lid:{row['lid']}"):
            self.by_key[key] = chat_id
        return chat_id

    def _create(self, wa_id: str, lid: str | None, name: str, history: bool) -> int:
        registered = self.first_sync_at() if history else self.now
        name = name[:200]
        chat_id = insert_chat(
            self.conn,
            ChatRow(
                device=self.device,
                wa_id=wa_id,
                lid=lid,
                phone=phone_from_wa_id(wa_id),
                wa_name=name,
                sort_name=sort_key(name),
                is_broadcast=int(wa_id.endswith("@broadcast")),
                registered_at=registered,
            ),
        )
        row = self.conn.execute("SELECT * FROM chat WHERE id = ?", (chat_id,)).fetchone()
        self._load(row)
        self.changes.chats.add(chat_id)
        return chat_id

    def _merge(self, into: int, other: int) -> None:
        """Fold the chat ``other`` (the same customer under another identity) into ``into``."""
        conn = self.conn
        keep, gone = self.chats[into].row, self.chats[other].row
        self._flush_chat(other)
        self._record_losers(into, other, keep, gone)
        # Everything that belongs to a chat (messages, tags, assignees, status history, …)
        # moves; what would be a duplicate stays behind and goes with the merged chat: the
        # same tag or assignee (so both sets are united), or a field value or funnel stage
        # the number chat also has (recorded above).
        for table, column in _chat_references(conn):
            conn.execute(
                f'UPDATE OR IGNORE "{table}" SET "{column}" = ? WHERE "{column}" = ?',
                (into, other),
            )
        conn.execute("DELETE FROM chat WHERE id = ?", (other,))
        keep["registered_at"] = min(keep["registered_at"], gone["registered_at"])
        keep["unread_count"] += gone["unread_count"]
        if gone["last_message_at"] > keep["last_message_at"]:
            for k in (
                "last_message_at",
                "last_message_preview",
                "last_message_from_me",
                "last_message_status",
            ):
                keep[k] = gone[k]
        waits = [w for w in (keep["waiting_since"], gone["waiting_since"]) if w is not None]
        keep["waiting_since"] = min(waits) if waits else None
        if not keep["wa_name"] and gone["wa_name"]:
            keep["wa_name"] = gone["wa_name"]
        if not keep["custom_name"] and gone["custom_name"]:
            keep["custom_name"] = gone["custom_name"]
        self._merge_status(into, keep, gone)
        keep["sort_name"] = sort_key(keep["custom_name"] or keep["wa_name"])
        if gone["lid"] and not keep["lid"]:
            keep["lid"] = gone["lid"]
        self.chats[into].dirty = self.chats[into].identity_dirty = True
        del self.chats[other]
        self.by_key = {k: v for k, v in self.by_key.items() if v != other}
        self.changes.chats.discard(other)
        self.changes.removed_chats.add(other)
        self.changes.chats.add(into)
        log.info("chat %s merged into chat %s (same customer)", other, into)

    def _record_losers(
        self, into: int, other: int, keep: dict[str, Any], gone: dict[str, Any]
    ) -> None:
        """The merge rule: the number chat's values win. What the other chat had in their
        place (its names, custom-field values and funnel stages) is kept in
        ``chat_merged_value``, never dropped."""
        lost: list[tuple[str, str, str]] = []
        for column in ("custom_name", "wa_name"):
            if keep[column] and gone[column] and keep[column] != gone[column]:
                lost.append(("name", column, gone[column]))
        lost += [
            ("field", name, value)
            for name, value in self.conn.execute(
                "SELECT f.name, g.value FROM chat_field_value g "
                "JOIN chat_field_value k ON k.chat = ? AND k.field = g.field "
                "JOIN custom_field f ON f.id = g.field "
                "WHERE g.chat = ? AND g.value != k.value ORDER BY f.id",
                (into, other),
            )
        ]
        lost += [
            ("stage", funnel, stage)
            for funnel, stage in self.conn.execute(
                "SELECT f.name, s.name FROM chat_funnel_stage g "
                "JOIN chat_funnel_stage k ON k.chat = ? AND k.funnel = g.funnel "
                "JOIN funnel f ON f.id = g.funnel JOIN funnel_stage s ON s.id = g.stage "
                "WHERE g.chat = ? AND g.stage != k.stage ORDER BY f.id",
                (into, other),
            )
        ]
        if keep["status_id"] is not None and gone["status_id"] not in (None, keep["status_id"]):
            row = self.conn.execute(
                "SELECT name FROM attendance_status WHERE id = ?", (gone["status_id"],)
            ).fetchone()
            if row is not None:
                lost.append(("status", "status", row[0]))
        record_merged_values(
            self.conn, [(into, gone["lid"] or gone["wa_id"], *item, self.now) for item in lost]
        )

    def _merge_status(self, into: int, keep: dict[str, Any], gone: dict[str, Any]) -> None:
        """The number chat's attendance status wins (the other's when it has none). The
        status history of both is now one, in time order; when its newest entry is not
        the status kept, an entry says so, so the history ends where the chat is."""
        status = keep["status_id"] if keep["status_id"] is not None else gone["status_id"]
        keep["status_id"] = status
        if status is None:
            return
        self.conn.execute("UPDATE chat SET status_id = ? WHERE id = ?", (status, into))
        newest = self.conn.execute(
            "SELECT status FROM status_change WHERE chat = ? ORDER BY at DESC, id DESC LIMIT 1",
            (into,),
        ).fetchone()
        if newest is not None and newest[0] != status:
            name = self.conn.execute(
                "SELECT name FROM attendance_status WHERE id = ?", (status,)
            ).fetchone()
            record_status_change(
                self.conn, into, status, name[0] if name else "", None, Source.SYSTEM, self.now
            )

    def _flush_chat(self, chat_id: int) -> None:
        state = self.chats.get(chat_id)
        if state is None:
            return
        r = state.row
        if state.identity_dirty:
            self.conn.execute(
                "UPDATE chat SET wa_id = ?, lid = ?, phone = ?, wa_name = ?, sort_name = ?, "
                "custom_name = ?, registered_at = ? WHERE id = ?",
                (
                    r["wa_id"],
                    r["lid"],
                    r["phone"],
                    r["wa_name"],
                    r["sort_name"],
                    r["custom_name"],
                    r["registered_at"],
                    chat_id,
                ),
            )
        if state.dirty or state.identity_dirty:
            self.conn.execute(
                "UPDATE chat SET last_message_at = ?, last_message_preview = ?, "
                "last_message_from_me = ?, last_message_status = ?, unread_count = ?, "
                "waiting_since = ?, archived = ? WHERE id = ?",
                (
                    r["last_message_at"],
                    r["last_message_preview"],
                    r["last_message_from_me"],
                    r["last_message_status"],
                    r["unread_count"],
                    r["waiting_since"],
                    r["archived"],
                    chat_id,
                ),
            )
        state.dirty = state.identity_dirty = False

    def flush(self) -> None:
        for chat_id in list(self.chats):
            self._flush_chat(chat_id)

    # -- events --------------------------------------------------------------------------

    def message(self, ev: c.InboundMessage) -> None:
        chat_id = self.resolve_chat(
            ev.chat, ev.chat_lid, "" if ev.from_me else ev.sender_name, ev.history
        )
        if not ev.from_me and not ev.history and self.chats[chat_id].row["last_message_at"] == 0:
            # A customer's first message opens the chat: the queue may take it (I6).
            delegate_new_chat(self.conn, chat_id)
        kind = ev.kind if ev.kind in KINDS else "text"
        media = None
        if ev.media is not None:
            # The bridge uploads a file before the message that names it.
            stored = is_sha(ev.media.sha256) and has_file(self.conn, ev.media.sha256)
            media = json.dumps(_media_dict(ev.media, stored))
        status = "sent" if ev.from_me else "received"
        message_id = insert_message(
            self.conn,
            MessageRow(
                chat=chat_id,
                device=self.device,
                wa_id=ev.wa_id,
                direction="out" if ev.from_me else "in",
                author_kind="phone" if ev.from_me else "customer",
                kind=kind,
                body=ev.body,
                media=media,
                status=status,
                status_at=self.now,
                sent_at=ev.sent_at,
                registered_at=self.now,
            ),
            skip_duplicate=True,
        )
        if message_id is None:
            return  # already stored: a replay or a duplicate
        state = self.chats[chat_id]
        row = state.row
        state.dirty = True
        self.changes.chats.add(chat_id)
        if ev.history:
            self.changes.history += 1
            self.changes.history_chats.add(chat_id)
        elif ev.from_me:
            self.changes.sent.append(message_id)
            self.changes.live_chats.add(chat_id)
        else:
            self.changes.received.append(message_id)
            self.changes.live_chats.add(chat_id)
        # A live message is the chat's newest by arrival, whatever the phone's clock says;
        # history only when it is newer than what the chat shows.
        newest = not ev.history or ev.sent_at >= row["last_message_at"]
        if newest:
            row["last_message_at"] = max(row["last_message_at"], ev.sent_at)
            row["last_message_preview"] = preview(ev.body) or PREVIEW_BY_KIND.get(kind, "")
            row["last_message_from_me"] = int(ev.from_me)
            row["last_message_status"] = status
        if ev.from_me:
            if not ev.history:
                row["unread_count"] = 0
            if newest or not ev.history:
                row["waiting_since"] = None
        else:
            if not ev.history:
                row["unread_count"] += 1
                row["archived"] = 0
                if chat_id not in self.opened:
                    # A resolved or closed chat is open again, as is a new one (I4).
                    self.opened.add(chat_id)
                    open_for_customer(self.conn, chat_id, self.now)
            if (newest or not ev.history) and row["waiting_since"] is None:
                row["waiting_since"] = ev.sent_at

    def receipt(self, ev: c.Receipt) -> None:
        for wa_id in ev.wa_ids:
            row = self.conn.execute(
                "SELECT id, chat, status, sent_at FROM message WHERE device = ? AND wa_id = ?",
                (self.device, wa_id),
            ).fetchone()
            if row is None:
                log.debug("receipt %s for unknown message %s", ev.status, wa_id)
                continue
            self._advance(row, ev.status, ev.at)

    def _advance(self, row: Any, status: str, at: int) -> None:
        self.conn.execute(
            "INSERT OR IGNORE INTO message_receipt(message, status, at) VALUES (?, ?, ?)",
            (row["id"], status, at),
        )
        if not moves_forward(row["status"], status):
            return
        self.conn.execute(
            "UPDATE message SET status = ?, status_at = ? WHERE id = ?", (status, at, row["id"])
        )
        self.changes.statuses.append((int(row["id"]), status, at))
        chat_id = self._load_by_id(int(row["chat"]))
        crow = self.chats[chat_id].row
        if crow["last_message_from_me"] and not self._newer_outbound(chat_id, int(row["id"])):
            crow["last_message_status"] = status
            self.chats[chat_id].dirty = True
            self.changes.chats.add(chat_id)

    def _newer_outbound(self, chat_id: int, message_id: int) -> bool:
        """Whether the chat has an outbound message that arrived after ``message_id``."""
        return (
            self.conn.execute(
                "SELECT 1 FROM message WHERE id > ? AND chat = ? AND direction = 'out' LIMIT 1",
                (message_id, chat_id),
            ).fetchone()
            is not None
        )

    def _load_by_id(self, chat_id: int) -> int:
        if chat_id not in self.chats:
            row = self.conn.execute("SELECT * FROM chat WHERE id = ?", (chat_id,)).fetchone()
            self._load(row)
        return chat_id

    def identity(self, ev: c.Identity) -> None:
        self.resolve_chat(ev.jid, ev.lid, ev.name, history=False)

    def sent(self, ev: c.Sent) -> None:
        row = self.conn.execute(
            "SELECT id, chat, status, sent_at, wa_id FROM message WHERE client_id = ? "
            "AND device = ?",
            (ev.client_id, self.device),
        ).fetchone()
        if row is None:
            log.warning("sent report for unknown client id %s", ev.client_id)
            return
        cur = self.conn.execute("DELETE FROM outbox WHERE message = ?", (row["id"],))
        if cur.rowcount:
            self.changes.device_changed = True
        if not ev.pending:
            self._advance(row, "sent", ev.at)
        if ev.wa_id and ev.wa_id != row["wa_id"]:
            self._adopt_wa_id(int(row["id"]), ev.wa_id)

    def _adopt_wa_id(self, message_id: int, wa_id: str) -> None:
        """The message goes by the id the phone says it sent it under (a driver that cannot
        choose ids makes up its own), so its echo and its receipts find it. A copy stored
        under that id before this report (the echo, a history page) folds into it."""
        twin = self.conn.execute(
            "SELECT id, chat, status, status_at FROM message WHERE device = ? AND wa_id = ?",
            (self.device, wa_id),
        ).fetchone()
        if twin is not None:
            self.conn.execute(
                "UPDATE OR IGNORE message_receipt SET message = ? WHERE message = ?",
                (message_id, twin["id"]),
            )
            self.conn.execute("DELETE FROM message WHERE id = ?", (twin["id"],))
            self.changes.chats.add(int(twin["chat"]))
            log.info("message %s was stored twice (%s): one row kept", message_id, wa_id)
        self.conn.execute("UPDATE message SET wa_id = ? WHERE id = ?", (wa_id, message_id))
        if twin is not None and twin["status"] in ("sent", "delivered", "read"):
            row = self.conn.execute(
                "SELECT id, chat, status, sent_at FROM message WHERE id = ?", (message_id,)
            ).fetchone()
            self._advance(row, twin["status"], twin["status_at"])

    def send_failed(self, ev: c.SendFailed) -> None:
        row = self.conn.execute(
            "SELECT id, chat, status FROM message WHERE client_id = ? AND device = ?",
            (ev.client_id, self.device),
        ).fetchone()
        if row is None:
            return
        self.conn.execute("DELETE FROM outbox WHERE message = ?", (row["id"],))
        self.changes.device_changed = True
        if row["status"] == "queued":
            self.conn.execute(
                "UPDATE message SET status = 'failed', status_at = ? WHERE id = ?",
                (self.now, row["id"]),
            )
            self.changes.statuses.append((int(row["id"]), "failed", self.now))
            log.warning("message %s failed on the phone: %s", row["id"], ev.error[:200])

    def phone_queue(self, ev: c.PhoneQueue) -> None:
        self.conn.execute(
            "UPDATE device SET phone_queue = ? WHERE id = ?", (max(0, ev.pending), self.device)
        )
        self.changes.device_changed = True

    def command_done(self, ev: c.CommandDone) -> None:
        self.conn.execute(
            "UPDATE device_job SET state = ?, error = ?, result = ?, updated_at = ? "
            "WHERE id = ? AND device = ? AND state = 'ready'",
            (
                "done" if ev.ok else "failed",
                ev.error[:500],
                json.dumps(ev.result),
                self.now,
                ev.command_id,
                self.device,
            ),
        )

    def set_aside(self, ev: c.SetAside) -> None:
        cur = self.conn.execute(
            "INSERT OR IGNORE INTO link_set_aside(device, event_seq, kind, reason, failures, "
            "event, at, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (self.device, ev.event_seq, ev.kind, ev.reason, ev.failures, ev.event, ev.at, self.now),
        )
        if cur.rowcount:
            log.warning(
                "device %s set aside event %s (%s): %s",
                self.device,
                ev.event_seq,
                ev.kind,
                ev.reason[:200],
            )
            self.changes.device_changed = True

    def photo(self, ev: c.Photo) -> None:
        chat_id = self._lookup("wa_id", ev.chat) or self._lookup("lid", ev.chat)
        if chat_id is None:
            return
        name = None
        if ev.data and self.files_dir is not None:
            digest = hashlib.sha256(ev.data).hexdigest()
            folder = self.files_dir / "photos"
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / digest
            if not path.exists():
                _write_durably(path, ev.data)
            name = digest
        self.conn.execute("UPDATE chat SET photo_file = ? WHERE id = ?", (name, chat_id))
        self.chats[chat_id].row["photo_file"] = name
        self.changes.chats.add(chat_id)


def _write_durably(path: Path, data: bytes) -> None:
    """Write a file under a temporary name, flush it to the disk and rename it into place:
    the frame that names it is acknowledged once committed, and the bridge then forgets it."""
    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    tmp.replace(path)
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _chat_references(conn: Conn) -> list[tuple[str, str]]:
    """(table, column) of every foreign key to the chat table."""
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%REFERENCES%'"
        )
    ]
    out = []
    for table in tables:
        for fk in conn.execute(f'PRAGMA foreign_key_list("{table}")'):
            if fk[2] == "chat":
                out.append((table, fk[3]))
    return out


def record_merged_values(conn: Conn, rows: list[tuple[int, str, str, str, str, int]]) -> None:
    """``chat_merged_value`` rows: (chat, merged_from, kind, name, value, at), what a merge
    did not keep in the chat (the Unificação tab shows them)."""
    conn.executemany(
        "INSERT INTO chat_merged_value(chat, merged_from, kind, name, value, at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        rows,
    )


def _media_dict(media: c.Media, stored: bool) -> dict[str, Any]:
    return {
        "mimetype": media.mimetype,
        "filename": media.filename,
        "size": media.size,
        "sha256": media.sha256,
        "caption": media.caption,
        "seconds": media.seconds,
        **({"extra": media.extra} if media.extra else {}),
        **({"stored": True} if stored else {}),
    }


# How far back (in message ids) a file that lands after its message is looked for.
LATE_FILE_WINDOW = 5000


def attach_file(conn: Conn, device_id: int, sha: str) -> set[int]:
    """Mark the device's recent messages naming file ``sha`` as having it; returns their
    chats. The bridge uploads files before their messages, so this usually finds nothing."""
    newest = conn.execute("SELECT max(id) FROM message").fetchone()[0] or 0
    rows = conn.execute(
        "UPDATE message SET media = json_set(media, '$.stored', json('true')) "
        "WHERE id > ? AND device = ? AND media IS NOT NULL AND media LIKE ? "
        "AND json_extract(media, '$.sha256') = ? AND json_extract(media, '$.stored') IS NULL "
        "RETURNING chat",
        (newest - LATE_FILE_WINDOW, device_id, f"%{sha}%", sha),
    ).fetchall()
    return {int(r[0]) for r in rows}


def apply_events(
    conn: Conn, device_id: int, events: list[c.Event], files_dir: Path | None = None
) -> Changes:
    """Store one frame of events from the device's bridge (call inside a write transaction)."""
    frame = _Frame(conn, device_id, now_ms(), files_dir)
    for ev in events:
        # Each event's tag names the _Frame method that stores it (tests/appliance/test_ingest.py
        # checks that every kind of the contract's Event has one, taking that kind).
        tag = ev.__struct_config__.tag
        assert isinstance(tag, str)
        getattr(frame, tag)(ev)
    frame.flush()
    conn.execute("UPDATE device SET last_event_at = ? WHERE id = ?", (frame.now, device_id))
    frame.changes.device_changed = True
    return frame.changes
