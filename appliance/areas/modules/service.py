"""Modules the account switches on and off (P3): the one place their state is read.

A module that is off is absent: its routes answer 404 like a path that does not exist
(``require_module``), and the pages leave out its controls (``enabled`` in the boot data).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from appliance.areas.accounts import service as accounts
from appliance.core.db import Conn, Database
from appliance.core.errors import InvalidInput, NotFound
from appliance.core.i18n import N_, _


class Module(StrEnum):
    ATTENDANCE = "attendance"
    FUNNEL = "funnel"
    CHATBOT = "chatbot"
    NPS = "nps"
    ADD_CHATS = "add_chats"
    FILES = "files"


MODULE_LABELS: dict[Module, str] = {
    Module.ATTENDANCE: N_("Atendimento (status e painel de controle)"),
    Module.FUNNEL: N_("Funil de vendas"),
    Module.CHATBOT: N_("Chatbot"),
    Module.NPS: N_("Pesquisa NPS"),
    Module.ADD_CHATS: N_("Adicionar chats por número"),
    Module.FILES: N_("Biblioteca de arquivos"),
}

# Modules planned but with nothing behind them yet: always off, shown as "em breve" and
# refused when asked to switch on, until their code exists.
PLANNED: frozenset[Module] = frozenset({Module.CHATBOT, Module.NPS, Module.FILES})

# Other processes (the CLI, the worker) may switch modules too: the web process re-reads
# the account row at most this often.
CACHE_SECONDS = 2.0


def enabled_modules(conn: Conn) -> dict[str, bool]:
    """Each module's state; a planned module is off whatever the account row says."""
    stored = accounts.get_account(conn).modules
    return {m.value: m not in PLANNED and bool(stored.get(m.value, True)) for m in Module}


def is_enabled(conn: Conn, module: Module) -> bool:
    return enabled_modules(conn)[module.value]


def set_modules(conn: Conn, changes: Mapping[str, bool] | Mapping[Module, bool]) -> dict[str, bool]:
    """Switch modules on or off; unknown names, and planned modules asked to switch on, are
    refused (InvalidInput); the others keep their state. The API hands ``Module`` keys, a
    StrEnum that equals and hashes as its name."""
    unknown = sorted(set(changes) - {m.value for m in Module})
    if unknown:
        raise InvalidInput(
            _("Módulo desconhecido: {names}.").format(names=", ".join(unknown)),
            code="module.unknown",
            modules=unknown,
        )
    planned = [m for m in Module if m in PLANNED and changes.get(m)]
    if planned:
        names = ", ".join(_(MODULE_LABELS[m]) for m in planned)
        raise InvalidInput(
            _("Ainda não existe e não pode ser ligado (em breve): {names}.").format(names=names),
            code="module.planned",
            modules=[m.value for m in planned],
        )
    current = enabled_modules(conn)
    current.update({name: bool(on) for name, on in changes.items()})
    conn.execute("UPDATE account SET modules = ? WHERE id = 1", (json.dumps(current),))
    return current


def list_modules(conn: Conn) -> list[dict[str, Any]]:
    state = enabled_modules(conn)
    return [
        {
            "name": m.value,
            "label": _(MODULE_LABELS[m]),
            "enabled": state[m.value],
            "available": m not in PLANNED,
        }
        for m in Module
    ]


class ModuleCache:
    """The modules' state as the web process last read it."""

    def __init__(self) -> None:
        self._state: dict[str, bool] | None = None
        self._read_at = 0.0

    def fresh(self) -> dict[str, bool] | None:
        """The state if read recently enough, else None (then ``get`` reads it)."""
        if self._state is None or time.monotonic() - self._read_at > CACHE_SECONDS:
            return None
        return self._state

    def get(self, conn: Conn) -> dict[str, bool]:
        state = self.fresh()
        if state is None:
            state = self._state = enabled_modules(conn)
            self._read_at = time.monotonic()
        return state

    async def current(self, db: Database) -> dict[str, bool]:
        """The state, read again only when the one in hand is too old."""
        state = self.fresh()
        return state if state else await db.read(self.get)

    def forget(self) -> None:
        self._state = None


def module_off() -> NotFound:
    return NotFound(_("Não encontrado."), code="not_found")


def require_module(module: Module) -> Any:
    """A guard: the route exists only while ``module`` is on."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        runtime = connection.app.state.runtime
        state = await runtime.modules.current(runtime.db)
        if not state.get(module.value, True):
            raise module_off()

    return guard
