"""Indexes of the organizing tables: one value per chat and field; histories by chat."""

from appliance.core.db.raw_migration import raw_manager

ID = "2026-11-26T10:53:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "organizing indexes"

FORWARDS = [
    "CREATE UNIQUE INDEX chat_field_value_pair ON chat_field_value(chat, field)",
    "CREATE INDEX chat_field_value_by_field ON chat_field_value(field)",
    "CREATE INDEX assignment_event_chat ON assignment_event(chat, id)",
    "CREATE INDEX status_change_chat ON status_change(chat, id)",
    "CREATE INDEX status_change_status ON status_change(status)",
    "CREATE INDEX queue_member_turn ON queue_member(away, last_turn, position)",
]
BACKWARDS = [
    "DROP INDEX queue_member_turn",
    "DROP INDEX status_change_status",
    "DROP INDEX status_change_chat",
    "DROP INDEX assignment_event_chat",
    "DROP INDEX chat_field_value_by_field",
    "DROP INDEX chat_field_value_pair",
]


async def forwards():
    return raw_manager(ID, DESCRIPTION, FORWARDS, BACKWARDS)
