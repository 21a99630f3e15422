"""The link's version 2: what each device's driver can do, the pairing payload shown while
it waits for the phone, and the end of a ban."""

from appliance.core.db.raw_migration import raw_manager

ID = "2026-12-04T18:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "device capabilities, pairing, ban end"

FORWARDS = [
    # NULL until the device's bridge first reports (unknown: the bridge answers for itself).
    "ALTER TABLE device ADD COLUMN capabilities TEXT",
    "ALTER TABLE device ADD COLUMN pairing TEXT",
    "ALTER TABLE device ADD COLUMN state_until INTEGER",
]
BACKWARDS = [
    "ALTER TABLE device DROP COLUMN state_until",
    "ALTER TABLE device DROP COLUMN pairing",
    "ALTER TABLE device DROP COLUMN capabilities",
]


async def forwards():
    return raw_manager(ID, DESCRIPTION, FORWARDS, BACKWARDS)
