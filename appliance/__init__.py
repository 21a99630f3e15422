"""Balcão appliance: the web app, the job worker and their storage.

Importing this package binds the name ``sqlite3`` to sqlean's build of SQLite,
which can load extensions (sqlite-vec) and is free of the EXISTS-to-JOIN bug of
SQLite 3.51.1. It must happen before Piccolo, aiosqlite or Huey import the
stdlib module, so every entry point of the web and the worker imports ``appliance``
first. The bridge does not import it: its own files are plain SQLite, read by the stdlib.
"""

import sys

import sqlean as _sqlite3

sys.modules["sqlite3"] = _sqlite3
sys.modules["sqlite3.dbapi2"] = _sqlite3.dbapi2
