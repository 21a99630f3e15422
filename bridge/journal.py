"""The bridge's journal: events for the web wait here, on disk, until the web acknowledges them.

One SQLite file per device. An event is appended (and committed) before the driver is
asked for the next one, so a crash of the process at any instant loses nothing; the web
acknowledges up to a sequence number and only then is the entry dropped. Replays are
harmless: the web is idempotent on every event.

Commits do not wait for the disk (synchronous=NORMAL, like the app database): an fsync
per event costs ~3.5 ms on the box's disk. ``sync()`` flushes the write-ahead log instead,
and the runner calls it every ``SYNC_SECONDS`` while there are new entries, so a power
cut loses at most that window.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import msgspec

from appliance.bridge_api import contract as c

_decoder = msgspec.json.Decoder(c.Event)
SYNC_SECONDS = 0.1


class Journal:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute("PRAGMA synchronous = NORMAL")
        self._dirty = False
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS event (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
            "body BLOB NOT NULL)"
        )
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS refused (seq INTEGER PRIMARY KEY, body BLOB NOT NULL, "
            "error TEXT NOT NULL)"
        )

    def append(self, events: list[c.Event]) -> int:
        """Store events (their ``seq`` is assigned here); returns the last seq."""
        if not events:
            return 0
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            cur = self._conn.executemany(
                "INSERT INTO event(body) VALUES (?)", [(msgspec.json.encode(e),) for e in events]
            )
            del cur
            last = int(self._conn.execute("SELECT max(seq) FROM event").fetchone()[0])
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")
        self._dirty = True
        return last

    def sync(self) -> None:
        """Flush committed entries to the disk (the write-ahead log), if there are new ones."""
        if not self._dirty:
            return
        self._dirty = False
        wal = self.path.with_name(self.path.name + "-wal")
        try:
            fd = os.open(wal, os.O_RDONLY)
        except FileNotFoundError:
            return
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def pending(self, limit: int, max_bytes: int) -> list[c.Event]:
        """The oldest events not yet acknowledged, within ``limit`` and about ``max_bytes``."""
        out: list[c.Event] = []
        size = 0
        for seq, body in self._conn.execute(
            "SELECT seq, body FROM event ORDER BY seq LIMIT ?", (limit,)
        ):
            size += len(body) + 16
            if out and size > max_bytes:
                break
            out.append(msgspec.structs.replace(_decoder.decode(body), seq=seq))
        return out

    def ack(self, upto: int) -> None:
        self._conn.execute("DELETE FROM event WHERE seq <= ?", (upto,))

    def refuse(self, event: c.Event, error: str) -> None:
        """Set aside an event the web refuses for good, so it does not block the others."""
        self._conn.execute("BEGIN IMMEDIATE")
        self._conn.execute(
            "INSERT OR REPLACE INTO refused(seq, body, error) VALUES (?, ?, ?)",
            (event.seq, msgspec.json.encode(event), error),
        )
        self._conn.execute("DELETE FROM event WHERE seq = ?", (event.seq,))
        self._conn.execute("COMMIT")

    def set_aside(self) -> list[tuple[c.Event, str]]:
        """Events the web refused for good, with its reason: for a person to look at."""
        rows = self._conn.execute("SELECT body, error FROM refused ORDER BY seq").fetchall()
        return [(_decoder.decode(body), error) for body, error in rows]

    def count(self) -> int:
        return int(self._conn.execute("SELECT count(*) FROM event").fetchone()[0])

    def close(self) -> None:
        self._conn.close()
