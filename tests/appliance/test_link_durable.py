"""An event frame is acknowledged only once its transaction is on the disk.

The probe is a function of the web's own writer connection, called by a temporary trigger
on every stored message: it reads ``PRAGMA synchronous`` on that connection from inside the
ingest transaction, so it sees the setting the COMMIT before the ack runs under.
"""

from __future__ import annotations

import sqlite3

from litestar import Litestar

from appliance.core.db import Database
from appliance.http.runtime import Runtime
from tests.appliance.test_ingest import Client, Link, msg
from tests.factories import make_device

FULL, NORMAL = 2, 1


def probe_synchronous(app_db: Database) -> list[int]:
    """Install the probe on the writer connection; returns the list it fills."""
    seen: list[int] = []

    def install(conn: sqlite3.Connection) -> None:
        conn.create_function(
            "seen_synchronous",
            0,
            lambda: seen.append(conn.execute("PRAGMA synchronous").fetchone()[0]),
        )
        conn.execute(
            "CREATE TEMP TRIGGER probe_synchronous AFTER INSERT ON message "
            "BEGIN SELECT seen_synchronous(); END"
        )

    app_db.write_sync(install)
    return seen


async def test_an_event_frame_commits_with_synchronous_full_before_its_ack(
    app: Litestar, client: Client, db: Database
) -> None:
    runtime: Runtime = app.state.runtime
    _, token = make_device(db)
    seen = probe_synchronous(runtime.db)

    ack = await Link(client, token).send(msg("D1"), msg("D2"))

    assert ack["upto"] == 2
    assert seen == [FULL, FULL]
    # other writes keep the cheaper setting
    assert runtime.db.write_sync(lambda c: c.execute("PRAGMA synchronous").fetchone()[0]) == NORMAL
