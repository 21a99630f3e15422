"""Balcão appliance: the web app, the job worker and their storage.

Importing this package binds the name ``sqlite3`` to sqlean's build of SQLite,
which can load extensions (sqlite-vec) and is free of the EXISTS-to-JOIN bug of
SQLite 3.51.1. It must happen before Piccolo, aiosqlite or Huey import the
stdlib module, so every entry point imports ``appliance`` first.
"""

import sys

import sqlean as _sqlite3

sys.modules["sqlite3"] = _sqlite3
sys.modules["sqlite3.dbapi2"] = _sqlite3.dbapi2
