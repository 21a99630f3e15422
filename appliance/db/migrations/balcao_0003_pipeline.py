"""The message pipeline: device jobs (commands for the phone), receipt and ingest indexes."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-26T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "device jobs, one receipt per message and status, pending outbound index"

FORWARDS = [
    """CREATE TABLE "device_job" (
         "id" INTEGER PRIMARY KEY NOT NULL,
         "device" INTEGER REFERENCES "device" ("id") ON DELETE CASCADE ON UPDATE CASCADE
           DEFAULT null,
         "chat" INTEGER REFERENCES "chat" ("id") ON DELETE CASCADE ON UPDATE CASCADE
           DEFAULT null,
         "kind" VARCHAR(16) NOT NULL DEFAULT '',
         "args" JSON NOT NULL DEFAULT '{}',
         "state" VARCHAR(12) NOT NULL DEFAULT 'pending',
         "attempts" INTEGER NOT NULL DEFAULT 0,
         "result" JSON NOT NULL DEFAULT '{}',
         "error" TEXT NOT NULL DEFAULT '',
         "created_at" INTEGER NOT NULL DEFAULT 0,
         "updated_at" INTEGER NOT NULL DEFAULT 0,
         "handed_at" INTEGER DEFAULT null)""",
    'CREATE INDEX device_job_open ON device_job(device, state, id) '
    "WHERE state IN ('pending', 'ready')",
    'CREATE UNIQUE INDEX message_receipt_status ON message_receipt(message, status)',
    # Outbound messages the customer has not read yet: what a receipt recheck asks about.
    "CREATE INDEX message_unread_out ON message(chat, id) "
    "WHERE direction = 'out' AND status IN ('sent', 'delivered')",
]

BACKWARDS = [
    "DROP INDEX message_unread_out",
    "DROP INDEX message_receipt_status",
    "DROP INDEX device_job_open",
    "DROP TABLE device_job",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="balcao", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for sql in FORWARDS:
            await engine.run_ddl(sql)

    async def run_backwards():
        engine = engine_finder()
        for sql in BACKWARDS:
            await engine.run_ddl(sql)

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
