"""Indexes of the funnel tables: one stage per chat and funnel; chats by stage (filter L5)."""

from appliance.core.db.raw_migration import raw_manager

ID = "2026-11-26T10:21:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "funnel indexes"

FORWARDS = [
    "CREATE UNIQUE INDEX chat_funnel_stage_pair ON chat_funnel_stage(chat, funnel)",
    "CREATE INDEX chat_funnel_stage_by_stage ON chat_funnel_stage(stage, chat)",
    "CREATE UNIQUE INDEX funnel_stage_name ON funnel_stage(funnel, name)",
]
BACKWARDS = [
    "DROP INDEX funnel_stage_name",
    "DROP INDEX chat_funnel_stage_by_stage",
    "DROP INDEX chat_funnel_stage_pair",
]


async def forwards():
    return raw_manager(ID, DESCRIPTION, FORWARDS, BACKWARDS)
