"""Composite indexes, FTS5 tables and the triggers that keep them in step.

Piccolo's differ knows neither composite indexes nor virtual tables, so they
are raw SQL here. Shapes: docs/decisions.md#the-chat-lists-query-shapes.
"""

from appliance.core.db.raw_migration import raw_manager

ID = "2026-11-26T08:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "indexes, message search and chat trigram FTS"

FORWARDS = [
    'CREATE UNIQUE INDEX chat_device_wa ON chat(device, wa_id)',
    'CREATE UNIQUE INDEX chat_device_lid ON chat(device, lid) WHERE lid IS NOT NULL',
    # One index per ordering of the chat list, behind the two equalities every list has
    # (archived, is_broadcast): a walk then reads a table row only for chats its probes
    # keep, and the broadcast lists are a short range of their own.
    'CREATE INDEX chat_inbox ON chat(archived, is_broadcast, last_message_at)',
    'CREATE INDEX chat_unread_first ON chat(archived, is_broadcast, (unread_count > 0), '
    'last_message_at)',
    'CREATE INDEX chat_by_name ON chat(archived, is_broadcast, sort_name)',
    'CREATE INDEX chat_registered ON chat(archived, is_broadcast, registered_at)',
    'CREATE INDEX chat_waiting ON chat(archived, is_broadcast, waiting_since) '
    'WHERE waiting_since IS NOT NULL',
    'CREATE INDEX chat_status ON chat(archived, status_id, unread_count)',
    'CREATE INDEX chat_phone ON chat(phone)',
    'CREATE UNIQUE INDEX chat_tag_pair ON chat_tag(chat, tag)',
    'CREATE INDEX chat_tag_by_tag ON chat_tag(tag, chat)',
    'CREATE UNIQUE INDEX chat_assignee_user ON chat_assignee(chat, member) WHERE member IS NOT NULL',
    'CREATE UNIQUE INDEX chat_assignee_dept ON chat_assignee(chat, department) '
    'WHERE department IS NOT NULL',
    # Every assignee row of a chat: the list's probes ("none", "user or department"), the
    # page's hydration and the cascade from chat. Covering, so a probe reads no table row.
    'CREATE INDEX chat_assignee_chat ON chat_assignee(chat, member, department)',
    'CREATE INDEX chat_assignee_by_user ON chat_assignee(member, chat) WHERE member IS NOT NULL',
    'CREATE INDEX chat_assignee_by_dept ON chat_assignee(department, chat) '
    'WHERE department IS NOT NULL',
    'CREATE UNIQUE INDEX department_member_pair ON department_member(department, member)',
    'CREATE UNIQUE INDEX message_device_wa ON message(device, wa_id)',
    'CREATE INDEX message_chat_time ON message(chat, sent_at, id)',
    'CREATE INDEX outbox_device ON outbox(device, id)',
    # Message search: chat id indexed as a token so a search inside one chat is
    # "body : (q) AND chat : N", intersected by FTS5 itself.
    "CREATE VIRTUAL TABLE message_fts USING fts5(body, chat, content='message', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    """CREATE TRIGGER message_fts_insert AFTER INSERT ON message BEGIN
         INSERT INTO message_fts(rowid, body, chat) VALUES (new.id, new.body, new.chat);
       END""",
    """CREATE TRIGGER message_fts_delete AFTER DELETE ON message BEGIN
         INSERT INTO message_fts(message_fts, rowid, body, chat)
         VALUES ('delete', old.id, old.body, old.chat);
       END""",
    """CREATE TRIGGER message_fts_update AFTER UPDATE OF body, chat ON message BEGIN
         INSERT INTO message_fts(message_fts, rowid, body, chat)
         VALUES ('delete', old.id, old.body, old.chat);
         INSERT INTO message_fts(rowid, body, chat) VALUES (new.id, new.body, new.chat);
       END""",
    # Substrings of names and numbers. Only name/number changes touch it, not the
    # last-message updates every inbound message makes.
    "CREATE VIRTUAL TABLE chat_trgm USING fts5(sort_name, phone, content='chat', "
    "content_rowid='id', tokenize='trigram remove_diacritics 1')",
    """CREATE TRIGGER chat_trgm_insert AFTER INSERT ON chat BEGIN
         INSERT INTO chat_trgm(rowid, sort_name, phone) VALUES (new.id, new.sort_name, new.phone);
       END""",
    """CREATE TRIGGER chat_trgm_delete AFTER DELETE ON chat BEGIN
         INSERT INTO chat_trgm(chat_trgm, rowid, sort_name, phone)
         VALUES ('delete', old.id, old.sort_name, old.phone);
       END""",
    """CREATE TRIGGER chat_trgm_update AFTER UPDATE OF sort_name, phone ON chat BEGIN
         INSERT INTO chat_trgm(chat_trgm, rowid, sort_name, phone)
         VALUES ('delete', old.id, old.sort_name, old.phone);
         INSERT INTO chat_trgm(rowid, sort_name, phone) VALUES (new.id, new.sort_name, new.phone);
       END""",
]

BACKWARDS = [
    "DROP TRIGGER chat_trgm_update", "DROP TRIGGER chat_trgm_delete",
    "DROP TRIGGER chat_trgm_insert", "DROP TABLE chat_trgm",
    "DROP TRIGGER message_fts_update", "DROP TRIGGER message_fts_delete",
    "DROP TRIGGER message_fts_insert", "DROP TABLE message_fts",
] + [
    f"DROP INDEX {sql.split()[2 if sql.startswith('CREATE INDEX') else 3]}"
    for sql in FORWARDS if sql.startswith("CREATE") and "INDEX" in sql.split()[1:3]
]


async def forwards():
    return raw_manager(ID, DESCRIPTION, FORWARDS, BACKWARDS)
