"""The outbox gets ids that never come back (AUTOINCREMENT): the bridge reads it with an
``after`` cursor, and a reused id would be skipped. Plus an index of the outbound messages
the phone holds (handed over, not yet sent), for the queued count."""

from appliance.core.db.raw_migration import raw_manager

ID = "2026-11-26T10:05:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "outbox ids never reused; index of queued outbound messages per device"

FORWARDS = [
    """CREATE TABLE "outbox_new" (
         "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
         "message" INTEGER UNIQUE REFERENCES "message" ("id") ON DELETE CASCADE
           ON UPDATE CASCADE DEFAULT null,
         "device" INTEGER REFERENCES "device" ("id") ON DELETE CASCADE ON UPDATE CASCADE
           DEFAULT null,
         "attempts" INTEGER NOT NULL DEFAULT 0,
         "created_at" INTEGER NOT NULL DEFAULT 0,
         "last_error" TEXT NOT NULL DEFAULT '')""",
    'INSERT INTO outbox_new(id, message, device, attempts, created_at, last_error) '
    'SELECT id, message, device, attempts, created_at, last_error FROM outbox',
    'DROP TABLE outbox',
    'ALTER TABLE outbox_new RENAME TO outbox',
    'CREATE INDEX outbox_device ON outbox(device, id)',
    "CREATE INDEX message_queued_out ON message(device, id) "
    "WHERE direction = 'out' AND status = 'queued'",
]
BACKWARDS = ["DROP INDEX message_queued_out"]


async def forwards():
    return raw_manager(ID, DESCRIPTION, FORWARDS, BACKWARDS)
