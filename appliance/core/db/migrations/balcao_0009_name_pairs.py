"""Two-letter pieces of chat names, so that a two-letter name filter finds its chats
through an index instead of reading every name (the trigram index starts at three).

``name_position`` holds the positions 1..199 (names are kept to 200 characters): the
triggers cannot use a recursive CTE, so they join against it.
"""

from appliance.core.db.raw_migration import raw_manager

ID = "2026-11-26T13:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "two-letter name index"

_NEW_PAIRS = (
    "SELECT substr(new.sort_name, i, 2), new.id FROM name_position "
    "WHERE i < length(new.sort_name)"
)
_OLD_PAIRS = "SELECT substr(old.sort_name, i, 2) FROM name_position WHERE i < length(old.sort_name)"

FORWARDS = [
    "CREATE TABLE name_position(i INTEGER PRIMARY KEY)",
    "INSERT INTO name_position(i) WITH RECURSIVE n(i) AS "
    "(SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 199) SELECT i FROM n",
    "UPDATE chat SET sort_name = substr(sort_name, 1, 200) WHERE length(sort_name) > 200",
    "CREATE TABLE chat_name_pair(pair TEXT NOT NULL, chat INTEGER NOT NULL, "
    "PRIMARY KEY (pair, chat)) WITHOUT ROWID",
    "INSERT OR IGNORE INTO chat_name_pair(pair, chat) "
    "SELECT substr(c.sort_name, p.i, 2), c.id FROM chat c JOIN name_position p "
    "ON p.i < length(c.sort_name)",
    f"""CREATE TRIGGER chat_name_pair_insert AFTER INSERT ON chat BEGIN
         INSERT OR IGNORE INTO chat_name_pair(pair, chat) {_NEW_PAIRS};
       END""",
    f"""CREATE TRIGGER chat_name_pair_update AFTER UPDATE OF sort_name ON chat
       WHEN old.sort_name IS NOT new.sort_name BEGIN
         DELETE FROM chat_name_pair WHERE chat = old.id AND pair IN ({_OLD_PAIRS});
         INSERT OR IGNORE INTO chat_name_pair(pair, chat) {_NEW_PAIRS};
       END""",
    f"""CREATE TRIGGER chat_name_pair_delete AFTER DELETE ON chat BEGIN
         DELETE FROM chat_name_pair WHERE chat = old.id AND pair IN ({_OLD_PAIRS});
       END""",
]
BACKWARDS = [
    "DROP TRIGGER chat_name_pair_delete",
    "DROP TRIGGER chat_name_pair_update",
    "DROP TRIGGER chat_name_pair_insert",
    "DROP TABLE chat_name_pair",
    "DROP TABLE name_position",
]


async def forwards():
    return raw_manager(ID, DESCRIPTION, FORWARDS, BACKWARDS)
