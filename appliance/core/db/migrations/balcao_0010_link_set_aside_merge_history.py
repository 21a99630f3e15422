"""Events the bridge set aside, for the admin to see; values a chat merge did not keep.

``link_set_aside``: an event the web refused for good, or failed on too many times, reported
by the bridge (which keeps the event in its journal) so the link goes on without it.
``chat_merged_value``: when a customer's LID chat folds into their number chat, the number
chat's values win; the other chat's name, custom-field values and funnel stages that lost
are kept here, with the identity of the chat they came from.
"""

from appliance.core.db.raw_migration import raw_manager

ID = "2026-12-03T20:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "link set-aside events and merge history"

FORWARDS = [
    """CREATE TABLE link_set_aside (
        id INTEGER PRIMARY KEY,
        device INTEGER NOT NULL REFERENCES device(id) ON DELETE CASCADE,
        event_seq INTEGER NOT NULL,
        kind TEXT NOT NULL,
        reason TEXT NOT NULL,
        failures INTEGER NOT NULL DEFAULT 0,
        event TEXT NOT NULL,
        at INTEGER NOT NULL,
        recorded_at INTEGER NOT NULL,
        UNIQUE (device, event_seq, at)
    )""",
    """CREATE TABLE chat_merged_value (
        id INTEGER PRIMARY KEY,
        chat INTEGER NOT NULL REFERENCES chat(id) ON DELETE CASCADE ON UPDATE CASCADE,
        merged_from TEXT NOT NULL,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        value TEXT NOT NULL,
        at INTEGER NOT NULL
    )""",
    "CREATE INDEX chat_merged_value_chat ON chat_merged_value(chat, id)",
]
BACKWARDS = [
    "DROP TABLE chat_merged_value",
    "DROP TABLE link_set_aside",
]


async def forwards():
    return raw_manager(ID, DESCRIPTION, FORWARDS, BACKWARDS)
