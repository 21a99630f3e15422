"""The simulated phone's own SQLite store: address book, chats, messages, queue, event log."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS setting (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chat (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL DEFAULT 'contact',          -- contact | broadcast
    number_jid TEXT UNIQUE,                        -- the customer's number JID / the list's JID
    lid TEXT UNIQUE,                               -- "NNNN@lid"
    number_known INTEGER NOT NULL DEFAULT 1,       -- 0: the phone knows only the LID
    name TEXT NOT NULL DEFAULT '',                 -- push name / list name
    photo BLOB,
    members TEXT,                                  -- broadcast: JSON list of JIDs
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS message (
    id INTEGER PRIMARY KEY,
    wa_id TEXT NOT NULL UNIQUE,
    chat_id INTEGER NOT NULL REFERENCES chat(id),
    from_me INTEGER NOT NULL,
    sent_at INTEGER NOT NULL,
    kind TEXT NOT NULL DEFAULT 'text',
    body TEXT NOT NULL DEFAULT '',
    media TEXT,                                    -- JSON Media without its bytes
    client_id TEXT,                                -- set on messages the box sent
    to_chat TEXT,                                  -- the chat JID the box sent it to
    status TEXT,                                   -- ours: queued | sent | delivered | read
    accepted_at INTEGER,
    status_at INTEGER,
    arrived INTEGER NOT NULL DEFAULT 1             -- theirs: 0 while the phone has no signal
);
CREATE INDEX IF NOT EXISTS message_chat ON message (chat_id, sent_at);
CREATE INDEX IF NOT EXISTS message_client ON message (client_id) WHERE client_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS message_queued ON message (status) WHERE status = 'queued';
CREATE TABLE IF NOT EXISTS blob (sha256 TEXT PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS event (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    payload TEXT NOT NULL,
    taken INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS event_untaken ON event (seq) WHERE taken = 0;
CREATE TABLE IF NOT EXISTS timer (
    id INTEGER PRIMARY KEY,
    due_at INTEGER NOT NULL,
    wa_id TEXT NOT NULL,
    status TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS timer_due ON timer (due_at);
"""

# Taken events kept for "replay"; older ones are dropped.
KEEP_TAKEN = 2000


class Store:
    """One connection, used from the phone's event loop only. Writes go through ``tx()``."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(str(path), isolation_level=None, timeout=15)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute("PRAGMA synchronous = NORMAL")
        self.conn.execute("PRAGMA foreign_keys = ON")
        self.conn.executescript(SCHEMA)
        self._depth = 0

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """A write transaction; nested calls join the outer one."""
        if self._depth:
            self._depth += 1
            try:
                yield self.conn
            finally:
                self._depth -= 1
            return
        self.conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield self.conn
        except BaseException:
            self._depth = 0
            self.conn.execute("ROLLBACK")
            raise
        self._depth = 0
        self.conn.execute("COMMIT")

    def one(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.conn.execute(sql, params).fetchone()
        return row

    def all(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        return list(self.conn.execute(sql, params).fetchall())

    # settings

    def get_setting(self, key: str, default: Any = None) -> Any:
        row = self.one("SELECT value FROM setting WHERE key = ?", (key,))
        return json.loads(row["value"]) if row else default

    def set_setting(self, key: str, value: Any) -> None:
        with self.tx() as conn:
            conn.execute(
                "INSERT INTO setting (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, json.dumps(value)),
            )

    # blobs

    def put_blob(self, sha256: str, data: bytes) -> None:
        with self.tx() as conn:
            conn.execute("INSERT OR IGNORE INTO blob (sha256, data) VALUES (?, ?)", (sha256, data))

    def get_blob(self, sha256: str) -> bytes | None:
        row = self.one("SELECT data FROM blob WHERE sha256 = ?", (sha256,))
        return bytes(row["data"]) if row else None

    # event log

    def append_event(self, payload: dict[str, Any], now: int) -> int:
        with self.tx() as conn:
            cur = conn.execute(
                "INSERT INTO event (payload, created_at) VALUES (?, ?)",
                (json.dumps(payload, ensure_ascii=False), now),
            )
            return int(cur.lastrowid or 0)

    def next_events(self, after: int, limit: int) -> list[tuple[int, dict[str, Any]]]:
        rows = self.all(
            "SELECT seq, payload FROM event WHERE taken = 0 AND seq > ? ORDER BY seq LIMIT ?",
            (after, limit),
        )
        return [(int(r["seq"]), json.loads(r["payload"])) for r in rows]

    def mark_taken(self, seq: int) -> None:
        with self.tx() as conn:
            conn.execute("UPDATE event SET taken = 1 WHERE seq = ?", (seq,))
            if seq % 500 == 0:
                conn.execute("DELETE FROM event WHERE taken = 1 AND seq < ?", (seq - KEEP_TAKEN,))

    def untaken_count(self) -> int:
        row = self.one("SELECT count(*) AS n FROM event WHERE taken = 0")
        return int(row["n"]) if row else 0

    def last_taken(self, count: int) -> list[dict[str, Any]]:
        rows = self.all(
            "SELECT payload FROM event WHERE taken = 1 ORDER BY seq DESC LIMIT ?", (count,)
        )
        return [json.loads(r["payload"]) for r in reversed(rows)]
