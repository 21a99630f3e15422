"""Routes of the account's modules (P3): which are on, and the admin's switch."""

from __future__ import annotations

import builtins

from litestar import Controller, get, patch
from litestar.di import NamedDependency
from litestar.params import JSONBody

from appliance.areas.modules.schemas import ModuleState
from appliance.areas.modules.service import Module, enabled_modules, list_modules, set_modules
from appliance.core.answers import answers
from appliance.http.context import Ctx
from appliance.http.deps import require_admin
from appliance.http.runtime import Runtime


class ModulesController(Controller):
    path = "/api/v1/modules"
    tags = ["modules"]

    @get("/enabled", summary="Módulos ligados na conta (nome → ligado)")
    async def enabled(self, runtime: NamedDependency[Runtime]) -> dict[str, bool]:
        return await runtime.db.read(enabled_modules)

    @get("", guards=[require_admin], summary="Módulos da conta, com nome e estado")
    async def list(self, runtime: NamedDependency[Runtime]) -> list[ModuleState]:
        return answers(await runtime.db.read(list_modules), ModuleState)

    @patch("", guards=[require_admin], summary="Ligar ou desligar módulos")
    async def switch(
        self, ctx: Ctx, data: JSONBody[dict[Module, bool]]
    ) -> builtins.list[ModuleState]:
        await ctx.write(set_modules, data)
        ctx.runtime.modules.forget()
        ctx.hub.account_changed("modules")
        return answers(await ctx.read(list_modules), ModuleState)
