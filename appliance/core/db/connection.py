"""Opening SQLite connections: the one place that sets pragmas and loads extensions."""

from __future__ import annotations

import logging
import sqlite3  # bound to sqlean by appliance/__init__.py
from pathlib import Path

import sqlite_vec

log = logging.getLogger(__name__)

BUSY_TIMEOUT_SECONDS = 15.0

# In WAL mode NORMAL syncs at checkpoints only: a commit is safe from a crash of the
# process, not from a power cut. Database.write_durable raises it to FULL for one commit.
SYNCHRONOUS_DEFAULT = "PRAGMA synchronous = NORMAL"

# Per-connection pragmas. journal_mode=WAL is persistent and set once by prepare_database().
_PRAGMAS = (
    "PRAGMA foreign_keys = ON",
    SYNCHRONOUS_DEFAULT,
    "PRAGMA temp_store = MEMORY",
    "PRAGMA cache_size = -32768",
    "PRAGMA mmap_size = 268435456",
)


def _configure(conn: sqlite3.Connection) -> None:
    conn.enable_load_extension(True)
    conn.load_extension(sqlite_vec.loadable_path())
    conn.enable_load_extension(False)
    for pragma in _PRAGMAS:
        conn.execute(pragma)


class AppConnection(sqlite3.Connection):
    """Connection class handed to Piccolo's engine (``factory=``) so it gets our setup too."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        _configure(self)


def connect(path: Path | str) -> sqlite3.Connection:
    """A configured connection in autocommit mode; callers open transactions explicitly."""
    conn = sqlite3.connect(
        str(path), timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None, check_same_thread=False
    )
    _configure(conn)
    conn.row_factory = sqlite3.Row
    return conn


class SQLiteSelfTestError(RuntimeError):
    """The SQLite library answers a query shape we rely on wrongly."""


def check_sqlite_library() -> None:
    """Fail loudly on an SQLite that duplicates rows in a correlated EXISTS over IN.

    SQLite 3.51.1's EXISTS-to-JOIN rewrite returned chat 1 twice for this query
    (the "tags ANY" and "user OR department" filters). We also write such EXISTS
    with LIMIT 1, but a library that gets the plain shape wrong is refused.
    """
    conn = sqlite3.connect(":memory:")
    try:
        conn.executescript(
            "CREATE TABLE c(id INTEGER PRIMARY KEY, a INT, t INT); CREATE INDEX ci ON c(a, t);"
            "CREATE TABLE r(chat_id INT, p INT, PRIMARY KEY(chat_id, p)) WITHOUT ROWID;"
            "INSERT INTO c VALUES (1,0,10),(2,0,20),(3,0,30);"
            "INSERT INTO r VALUES (1,3),(1,9),(2,3),(3,5);"
        )
        rows = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM c WHERE a = 0 AND EXISTS (SELECT 1 FROM r x "
                "WHERE x.chat_id = c.id AND x.p IN (3, 9)) ORDER BY t DESC"
            )
        ]
    finally:
        conn.close()
    if rows != [2, 1]:
        raise SQLiteSelfTestError(
            f"SQLite {sqlite3.sqlite_version} returns {rows} for a correlated EXISTS; "
            "use sqlean.py or SQLite >= 3.51.2"
        )


def prepare_database(path: Path) -> None:
    """Create the folder, switch the file to WAL (persistent) and self-test the library."""
    check_sqlite_library()
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = connect(path)
    try:
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode != "wal":
            raise RuntimeError(f"could not switch {path} to WAL (got {mode})")
    finally:
        conn.close()
