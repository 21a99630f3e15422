"""The SQLite file: migrations, pragmas, extensions, constraints, FTS kept in step."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from appliance.areas.search.service import index_command
from appliance.core.db import Database, connect, migrate
from appliance.core.db.connection import check_sqlite_library
from tests.factories import insert_chat, make_chat, make_device, make_message


def test_migrating_an_empty_file_creates_every_table(tmp_path: Path) -> None:
    path = tmp_path / "new" / "balcao.db"
    applied = migrate(path)
    assert len(applied) >= 2
    assert migrate(path) == []
    conn = connect(path)
    try:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        assert {
            "account",
            "app_user",
            "department",
            "department_member",
            "device",
            "chat",
            "message",
            "message_receipt",
            "tag",
            "chat_tag",
            "chat_assignee",
            "message_fts",
            "chat_trgm",
            "outbox",
        } <= names
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 15000
        assert conn.execute("SELECT vec_version()").fetchone()[0].startswith("v")
    finally:
        conn.close()


def test_the_sqlite_library_passes_the_exists_self_test() -> None:
    check_sqlite_library()


def test_message_search_index_follows_inserts_updates_and_deletes(db: Database) -> None:
    device, _ = make_device(db)
    chat = make_chat(db, device, name="Conceição")
    other = make_chat(db, device, name="Outro")
    first = make_message(db, chat, body="Vocês entregam em Niterói?")
    make_message(db, other, body="Entrega amanhã")

    def search(query: str) -> list[int]:
        return db.read_sync(
            lambda c: [
                r[0]
                for r in c.execute(
                    "SELECT rowid FROM message_fts WHERE message_fts MATCH ? ORDER BY rowid DESC",
                    (query,),
                )
            ]
        )

    assert search("body : niteroi") == [first]
    assert search(f"body : entregam AND chat : {chat}") == [first]
    db.write_sync(
        lambda c: c.execute("UPDATE message SET body = 'Chegou o pedido' WHERE id = ?", (first,))
    )
    assert search("body : niteroi") == []
    assert search("body : pedido") == [first]
    db.write_sync(lambda c: c.execute("DELETE FROM message WHERE id = ?", (first,)))
    assert search("body : pedido") == []
    # Raises "database disk image is malformed" when the index and the table disagree.
    db.write_sync(index_command, "message_fts", "integrity-check", 1)


def test_chat_name_index_is_accent_insensitive(db: Database) -> None:
    device, _ = make_device(db)
    chat = make_chat(db, device, name="João Conceição")
    hits = db.read_sync(
        lambda c: [
            r[0]
            for r in c.execute(
                "SELECT rowid FROM chat_trgm WHERE chat_trgm MATCH ?", ('sort_name : "conceicao"',)
            )
        ]
    )
    assert hits == [chat]


def test_a_message_is_unique_per_device_and_whatsapp_id(db: Database) -> None:
    device, _ = make_device(db)
    chat = make_chat(db, device)
    make_message(db, chat, body="oi", wa_id="ABC")
    with pytest.raises(sqlite3.IntegrityError):
        make_message(db, chat, body="oi de novo", wa_id="ABC")
    other_device, _ = make_device(db, "Segundo celular")
    other_chat = make_chat(db, other_device)
    make_message(db, other_chat, body="oi", wa_id="ABC")


def test_a_failed_write_leaves_nothing_behind(db: Database) -> None:
    device, _ = make_device(db)

    def half_done(conn: sqlite3.Connection) -> None:
        insert_chat(conn, device, name="Meio")
        raise RuntimeError("falhou no meio")

    with pytest.raises(RuntimeError):
        db.write_sync(half_done)
    assert db.read_sync(lambda c: c.execute("SELECT count(*) FROM chat").fetchone()[0]) == 0


def test_deleting_a_chat_deletes_its_messages(db: Database) -> None:
    device, _ = make_device(db)
    chat = make_chat(db, device)
    make_message(db, chat, body="tchau")
    db.write_sync(lambda c: c.execute("DELETE FROM chat WHERE id = ?", (chat,)))
    assert db.read_sync(lambda c: c.execute("SELECT count(*) FROM message").fetchone()[0]) == 0


@pytest.mark.parametrize("ms", [0, 1, 999, 1_795_000_000_123, 1_795_000_000_999, 4_102_444_799_999])
def test_iso_times_read_as_datetime_writes_them(ms: int) -> None:
    from datetime import UTC, datetime

    from appliance.core.clock import iso

    expected = datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="milliseconds")
    assert iso(ms) == expected
    assert iso(None) is None
