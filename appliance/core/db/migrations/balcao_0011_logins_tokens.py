"""Logins and API tokens: a token's label and last use, and the addresses a login has
succeeded from (a known address is not shut out by failures from elsewhere)."""

from appliance.core.db.raw_migration import raw_manager

ID = "2026-12-03T20:41:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "token labels, known login addresses"

FORWARDS = [
    "ALTER TABLE api_token ADD COLUMN name VARCHAR(120) NOT NULL DEFAULT ''",
    "ALTER TABLE api_token ADD COLUMN last_used_at INTEGER",
    "CREATE TABLE login_address(login VARCHAR(64) NOT NULL, address VARCHAR(64) NOT NULL, "
    "last_ok_at INTEGER NOT NULL, PRIMARY KEY (login, address)) WITHOUT ROWID",
    "CREATE INDEX login_failure_login_address ON login_failure(login, address, at)",
]
BACKWARDS = [
    "DROP INDEX login_failure_login_address",
    "DROP TABLE login_address",
    "ALTER TABLE api_token DROP COLUMN last_used_at",
    "ALTER TABLE api_token DROP COLUMN name",
]


async def forwards():
    return raw_manager(ID, DESCRIPTION, FORWARDS, BACKWARDS)
