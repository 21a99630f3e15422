"""Writer processes for the contention test: ``python -m tests.writers ROLE DATA SECONDS``.

``worker`` writes the way the job worker does (Database.write_sync, the session purge
and audit rows); ``bridge`` ingests inbound messages the way the message path does
(insert the message, update the chat, in one IMMEDIATE transaction). Each prints one
JSON line with its counts.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import appliance  # noqa: F401
from appliance.areas.accounts.tasks import purge_expired
from appliance.areas.messages.rows import MessageRow, insert_message
from appliance.core.clock import now_ms
from appliance.core.db import Conn, Database


def _audit(conn: Conn, n: int) -> None:
    conn.execute("SELECT count(*) FROM audit_entry").fetchone()
    conn.execute(
        "INSERT INTO audit_entry(member, action, detail, at) VALUES (NULL, ?, ?, ?)",
        ("contention", json.dumps({"n": n}), now_ms()),
    )


def _ingest(conn: Conn, chat: int, device: int, n: int) -> None:
    now = now_ms()
    conn.execute("SELECT unread_count FROM chat WHERE id = ?", (chat,)).fetchone()
    insert_message(
        conn,
        MessageRow(
            chat=chat,
            device=device,
            wa_id=f"CONTENTION{n:08d}",
            direction="in",
            author_kind="customer",
            body=f"Mensagem {n}",
            status="received",
            status_at=now,
            sent_at=now,
            registered_at=now,
        ),
    )
    conn.execute(
        "UPDATE chat SET last_message_at = ?, unread_count = unread_count + 1, "
        "last_message_preview = ? WHERE id = ?",
        (now, f"Mensagem {n}", chat),
    )


def main(role: str, data: Path, seconds: float) -> None:
    db = Database(data / "balcao.db", readers=1)
    chats = db.read_sync(lambda c: [tuple(r) for r in c.execute("SELECT id, device FROM chat")])
    counts = {"ok": 0, "locked": 0, "other": 0}
    deadline = time.monotonic() + seconds
    n = 0
    while time.monotonic() < deadline:
        n += 1
        try:
            if role == "worker":
                if n % 10 == 0:
                    db.write_sync(purge_expired, now_ms(), 3_600_000)
                db.write_sync(_audit, n)
            else:
                chat, device = chats[n % len(chats)]
                db.write_sync(_ingest, chat, device, n)
            counts["ok"] += 1
        except Exception as exc:
            counts["locked" if "locked" in str(exc) else "other"] += 1
            print(f"{role}: {exc!r}", file=sys.stderr)
    db.close()
    print(json.dumps(counts))


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), float(sys.argv[3]))
