"""Async access to the SQLite file: a pool of reader threads and one writer thread.

Each thread keeps its own connection, so a query costs one thread hop and no
connect. Writes run in ``BEGIN IMMEDIATE`` transactions: a deferred transaction
that reads first cannot be upgraded once another process has written, and
SQLite then answers "database is locked" without waiting
(docs/decisions.md#write-transactions-begin-immediate).

Commits wait for the disk only where someone relies on them surviving a power cut
(``write_durable``): the connections run ``synchronous=NORMAL``, under which a commit in
WAL mode is durable only at the next checkpoint.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from appliance.core.db.connection import SYNCHRONOUS_DEFAULT, connect

T = TypeVar("T")
P = ParamSpec("P")

Conn = sqlite3.Connection


class Database:
    def __init__(self, path: Path, readers: int = 4) -> None:
        self.path = path
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._readers = ThreadPoolExecutor(max_workers=readers, thread_name_prefix="db-read")
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="db-write")

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self.path)
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    def _run_read(self, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> T:
        conn = self._conn()
        # A read of several statements sees one snapshot.
        conn.execute("BEGIN")
        try:
            return fn(conn, *args, **kwargs)
        finally:
            conn.execute("COMMIT")

    def _run_write(self, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> T:
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = fn(conn, *args, **kwargs)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return result

    def _run_durable(
        self, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> T:
        conn = self._conn()
        # FULL makes this COMMIT fsync the write-ahead log before it returns.
        conn.execute("PRAGMA synchronous = FULL")
        try:
            return self._run_write(fn, args, kwargs)
        finally:
            conn.execute(SYNCHRONOUS_DEFAULT)

    async def read(
        self, fn: Callable[Concatenate[Conn, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        return await self._in_pool(self._readers, self._run_read, fn, args, kwargs)

    async def write(
        self, fn: Callable[Concatenate[Conn, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run ``fn(conn, ...)`` in one IMMEDIATE transaction: it commits or rolls back whole."""
        return await self._in_pool(self._writer, self._run_write, fn, args, kwargs)

    async def write_durable(
        self, fn: Callable[Concatenate[Conn, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Like ``write``, and the transaction is on the disk when this returns (it survives
        a power cut): for what is acknowledged to someone who then forgets their copy."""
        return await self._in_pool(self._writer, self._run_durable, fn, args, kwargs)

    async def _in_pool(
        self,
        pool: ThreadPoolExecutor,
        run: Callable[[Callable[..., T], tuple[Any, ...], dict[str, Any]], T],
        fn: Callable[..., T],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> T:
        loop = asyncio.get_running_loop()
        # In a copy of the caller's context, as asyncio.to_thread runs: the request's
        # language (appliance/core/i18n.py) follows the call into the thread.
        return await loop.run_in_executor(pool, copy_context().run, run, fn, args, kwargs)

    def write_sync(
        self, fn: Callable[Concatenate[Conn, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """The same transaction, from synchronous code (CLI, Huey tasks)."""
        return self._writer.submit(self._run_write, fn, args, kwargs).result()

    def read_sync(
        self, fn: Callable[Concatenate[Conn, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        return self._readers.submit(self._run_read, fn, args, kwargs).result()

    def close(self) -> None:
        self._readers.shutdown(wait=True)
        self._writer.shutdown(wait=True)
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
