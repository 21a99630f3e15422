"""The bridge's journal: events for the web wait here, on disk, until the web acknowledges them.

One SQLite file per device. An event is appended (and committed) before the driver is
asked for the next one, so a crash of the process at any instant loses nothing; the web
acknowledges up to a sequence number and only then is the entry dropped. Replays are
harmless: the web is idempotent on every event.

A message's media file is kept in the same file, committed with its event, until the web
acknowledges every event that names it (the runner uploads the file before the event).

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

from wire import contract as c

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
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS failure (seq INTEGER PRIMARY KEY, count INTEGER NOT NULL, "
            "error TEXT NOT NULL)"
        )
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS media (sha256 TEXT PRIMARY KEY, data BLOB NOT NULL)"
        )
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS event_media (seq INTEGER NOT NULL, sha256 TEXT NOT NULL, "
            "PRIMARY KEY (seq, sha256))"
        )

    def append(self, events: list[c.Event], files: dict[str, bytes] | None = None) -> int:
        """Store events (their ``seq`` is assigned here) and the media files they name, by
        SHA-256, in one transaction; returns the last seq."""
        if not events:
            return 0
        files = files or {}
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            last = 0
            for event in events:
                cur = self._conn.execute(
                    "INSERT INTO event(body) VALUES (?)", (msgspec.json.encode(event),)
                )
                last = int(cur.lastrowid or 0)
                sha = _media_sha(event)
                if sha in files:
                    self._conn.execute(
                        "INSERT OR IGNORE INTO media(sha256, data) VALUES (?, ?)",
                        (sha, files[sha]),
                    )
                    self._conn.execute(
                        "INSERT OR IGNORE INTO event_media(seq, sha256) VALUES (?, ?)", (last, sha)
                    )
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
        unreadable: list[tuple[int, bytes, str]] = []
        for seq, body in self._conn.execute(
            "SELECT seq, body FROM event ORDER BY seq LIMIT ?", (limit,)
        ).fetchall():
            try:
                event = _decoder.decode(body)
            except (msgspec.DecodeError, ValueError) as exc:
                # Journaled before the contract narrowed (or by a driver beyond its limits):
                # no frame can carry it, so it is set aside, not retried for ever.
                unreadable.append((seq, body, f"outside the contract: {exc}"))
                continue
            size += len(body) + 16
            if out and size > max_bytes:
                break
            out.append(msgspec.structs.replace(event, seq=seq))
        for seq, body, error in unreadable:
            self._refuse_raw(seq, body, error, "unknown", 0, 0)
        return out

    def ack(self, upto: int) -> None:
        self._conn.execute("BEGIN IMMEDIATE")
        self._conn.execute("DELETE FROM event WHERE seq <= ?", (upto,))
        self._conn.execute("DELETE FROM failure WHERE seq <= ?", (upto,))
        self._conn.execute("DELETE FROM event_media WHERE seq <= ?", (upto,))
        self._drop_unused_files()
        self._conn.execute("COMMIT")

    def _drop_unused_files(self) -> None:
        self._conn.execute("DELETE FROM media WHERE sha256 NOT IN (SELECT sha256 FROM event_media)")

    def file(self, sha256: str) -> bytes | None:
        """A media file an event waiting here names, or None (dropped or never kept)."""
        row = self._conn.execute("SELECT data FROM media WHERE sha256 = ?", (sha256,)).fetchone()
        return bytes(row[0]) if row else None

    def drop_file(self, sha256: str) -> None:
        """Forget a file the web refused for good; its message still goes, without it."""
        self._conn.execute("BEGIN IMMEDIATE")
        self._conn.execute("DELETE FROM event_media WHERE sha256 = ?", (sha256,))
        self._conn.execute("DELETE FROM media WHERE sha256 = ?", (sha256,))
        self._conn.execute("COMMIT")

    def failed(self, seq: int, error: str) -> int:
        """Count one more failure of the web on event ``seq``; returns how many so far (kept
        across restarts, so a bridge restarted in a loop still gives up on it)."""
        self._conn.execute("BEGIN IMMEDIATE")
        row = self._conn.execute(
            "INSERT INTO failure(seq, count, error) VALUES (?, 1, ?) "
            "ON CONFLICT(seq) DO UPDATE SET count = count + 1, error = excluded.error "
            "RETURNING count",
            (seq, error[:2000]),
        ).fetchone()
        self._conn.execute("COMMIT")
        return int(row[0])

    def refuse(self, event: c.Event, error: str, failures: int = 0, at: int = 0) -> None:
        """Set aside an event the web refuses for good (or fails on every time), so it does
        not block the others; a report of it is journaled in the same transaction, for the
        admin to see (a report that is itself set aside is only kept here)."""
        kind = "" if isinstance(event, c.SetAside) else str(type(event).__struct_config__.tag)
        self._refuse_raw(event.seq, msgspec.json.encode(event), error, kind, failures, at)

    def _refuse_raw(
        self, seq: int, body: bytes, error: str, kind: str, failures: int, at: int
    ) -> None:
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            self._conn.execute(
                "INSERT OR REPLACE INTO refused(seq, body, error) VALUES (?, ?, ?)",
                (seq, body, error),
            )
            self._conn.execute("DELETE FROM event WHERE seq = ?", (seq,))
            self._conn.execute("DELETE FROM event_media WHERE seq = ?", (seq,))
            self._conn.execute("DELETE FROM failure WHERE seq = ?", (seq,))
            self._drop_unused_files()
            if kind:
                report = c.SetAside(
                    seq=0,
                    event_seq=seq,
                    kind=kind,
                    reason=_printable(error)[:2000],
                    event=_printable(body.decode(errors="replace"))[: c.MAX_SET_ASIDE_EVENT_CHARS],
                    failures=failures,
                    at=at,
                )
                self._conn.execute(
                    "INSERT INTO event(body) VALUES (?)", (msgspec.json.encode(report),)
                )
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")
        self._dirty = True

    def set_aside(self) -> list[tuple[c.Event, str]]:
        """Events the web refused for good, with its reason: for a person to look at."""
        rows = self._conn.execute("SELECT body, error FROM refused ORDER BY seq").fetchall()
        return [(_decoder.decode(body), error) for body, error in rows]

    def count(self) -> int:
        return int(self._conn.execute("SELECT count(*) FROM event").fetchone()[0])

    def close(self) -> None:
        self._conn.close()


def _printable(text: str) -> str:
    """Text for the contract's ``Detail`` and set-aside fields: no control characters
    but tab and line feeds."""
    return "".join(ch for ch in text if ch >= " " or ch in "\t\n\r").replace("\x7f", "")


def _media_sha(event: c.Event) -> str | None:
    if isinstance(event, c.InboundMessage) and event.media is not None:
        return event.media.sha256 or None
    return None
