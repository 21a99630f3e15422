"""Piccolo's configuration module (``PICCOLO_CONF``), used for migrations.

The engine's path is bound by ``appliance.core.db.migrate`` before Piccolo looks it
up; the ``piccolo`` CLI, for developers, falls back to the settings.
"""

from __future__ import annotations

from piccolo.conf.apps import AppRegistry
from piccolo.engine.sqlite import SQLiteEngine

import appliance  # noqa: F401  (binds sqlite3 to sqlean first)
from appliance.core.db.connection import BUSY_TIMEOUT_SECONDS, AppConnection

_bound_path: str | None = None


def bind(path: str) -> None:
    global _bound_path, DB
    _bound_path = path
    DB = _engine(path)


def _engine(path: str) -> SQLiteEngine:
    return SQLiteEngine(path=path, factory=AppConnection, timeout=BUSY_TIMEOUT_SECONDS)


def _default_path() -> str:
    from appliance.core.settings import load_settings

    return str(load_settings().db_path)


DB = _engine(_bound_path or _default_path())

APP_REGISTRY = AppRegistry(apps=["appliance.core.db.piccolo_app"])
