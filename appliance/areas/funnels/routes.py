"""Routes of the funnel module: funnels and stages (admin or manage_funnels), and each
chat's stage in each funnel (anyone who may see the chat). Absent while the module is off."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, delete, get, patch, post, put
from litestar.params import FromQuery, JSONBody
from msgspec import Meta

from appliance.areas.accounts.permissions import Permission
from appliance.areas.funnels import service
from appliance.areas.funnels.schemas import (
    ChatFunnel,
    ChatFunnelsChanged,
    Funnel,
    FunnelDeleted,
    Stage,
    StageDeleted,
)
from appliance.areas.modules.service import Module, require_module
from appliance.core.answers import answer, answers
from appliance.core.limits import ITEMS, Color, FunnelName, Id, PathId, Position, QueryId
from appliance.http.context import Context, Ctx
from appliance.http.deps import require
from appliance.http.live import ChatChanges

MANAGE = [require(Permission.MANAGE_FUNNELS)]


class FunnelCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: FunnelName
    stages: Annotated[list[FunnelName], Meta(max_length=ITEMS)] = []


class FunnelUpdate(msgspec.Struct, forbid_unknown_fields=True):
    name: FunnelName | None = None
    position: Position | None = None


class StageCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: FunnelName
    color: Color | None = None


class StageUpdate(msgspec.Struct, forbid_unknown_fields=True):
    name: FunnelName | None = None
    color: Color | None = None
    position: Position | None = None


class StageOrder(msgspec.Struct, forbid_unknown_fields=True):
    stage_ids: Annotated[list[Id], Meta(max_length=ITEMS)]


class ChatStage(msgspec.Struct, forbid_unknown_fields=True):
    stage_id: Id | None


async def _funnels_changed(ctx: Context, chats: list[int] | None = None) -> None:
    """Pages reload their funnel choices; chats that moved or left are announced."""
    ctx.hub.account_changed("funnels")
    if chats:
        await ctx.publish_chats(ChatChanges(chats=chats))


class FunnelsController(Controller):
    path = "/api/v1/funnels"
    tags = ["funnels"]
    guards = [require_module(Module.FUNNEL)]

    @get("", summary="Funis da conta, cada um com suas etapas em ordem")
    async def list_funnels(self, ctx: Ctx) -> list[Funnel]:
        return answers(await ctx.read(service.list_funnels), Funnel)

    @post("", guards=MANAGE, summary="Criar um funil (opcionalmente com suas etapas)")
    async def create_funnel(self, ctx: Ctx, data: JSONBody[FunnelCreate]) -> Funnel:
        funnel = await ctx.change_account("funnels", service.create_funnel, data.name, data.stages)
        return answer(funnel, Funnel)

    @patch("/{funnel_id:int}", guards=MANAGE, summary="Renomear ou mover um funil")
    async def update_funnel(
        self, ctx: Ctx, funnel_id: PathId, data: JSONBody[FunnelUpdate]
    ) -> Funnel:
        funnel = await ctx.change_account(
            "funnels", service.update_funnel, funnel_id, data.name, data.position
        )
        return answer(funnel, Funnel)

    @delete(
        "/{funnel_id:int}",
        guards=MANAGE,
        status_code=200,
        summary="Apagar um funil e suas etapas (exige confirm=true; os chats saem do funil)",
    )
    async def delete_funnel(
        self, ctx: Ctx, funnel_id: PathId, confirm: FromQuery[bool] = False
    ) -> FunnelDeleted:
        chats = await ctx.write(service.delete_funnel, funnel_id, confirm)
        await _funnels_changed(ctx, chats)
        return FunnelDeleted(deleted=funnel_id, chats=len(chats))

    @post("/{funnel_id:int}/stages", guards=MANAGE, summary="Criar uma etapa no fim do funil")
    async def create_stage(self, ctx: Ctx, funnel_id: PathId, data: JSONBody[StageCreate]) -> Stage:
        stage = await ctx.change_account(
            "funnels", service.create_stage, funnel_id, data.name, data.color
        )
        return answer(stage, Stage)

    @put(
        "/{funnel_id:int}/stages/order",
        guards=MANAGE,
        summary="Reordenar as etapas (todas as etapas do funil, na nova ordem)",
    )
    async def reorder_stages(
        self, ctx: Ctx, funnel_id: PathId, data: JSONBody[StageOrder]
    ) -> Funnel:
        funnel = await ctx.change_account(
            "funnels", service.reorder_stages, funnel_id, data.stage_ids
        )
        return answer(funnel, Funnel)

    @patch(
        "/{funnel_id:int}/stages/{stage_id:int}",
        guards=MANAGE,
        summary="Renomear, mudar a cor ou a posição de uma etapa",
    )
    async def update_stage(
        self, ctx: Ctx, funnel_id: PathId, stage_id: PathId, data: JSONBody[StageUpdate]
    ) -> Stage:
        stage = await ctx.change_account(
            "funnels",
            service.update_stage,
            funnel_id,
            stage_id,
            data.name,
            data.color,
            data.position,
        )
        return answer(stage, Stage)

    @delete(
        "/{funnel_id:int}/stages/{stage_id:int}",
        guards=MANAGE,
        status_code=200,
        summary=(
            "Apagar uma etapa; com chats nela, exige move_to (outra etapa do funil) "
            "ou confirm=true (os chats saem do funil)"
        ),
    )
    async def delete_stage(
        self,
        ctx: Ctx,
        funnel_id: PathId,
        stage_id: PathId,
        move_to: QueryId = None,
        confirm: FromQuery[bool] = False,
    ) -> StageDeleted:
        chats = await ctx.write(service.delete_stage, funnel_id, stage_id, move_to, confirm)
        await _funnels_changed(ctx, chats)
        return StageDeleted(deleted=stage_id, chats=len(chats), moved_to=move_to)


class ChatFunnelsController(Controller):
    path = "/api/v1/chats/{chat_id:int}/funnels"
    tags = ["funnels"]
    guards = [require_module(Module.FUNNEL)]

    @get("", summary="A etapa do chat em cada funil (H3)")
    async def chat_funnels(self, ctx: Ctx, chat_id: PathId) -> list[ChatFunnel]:
        return answers(await ctx.read_as(service.chat_funnels, chat_id), ChatFunnel)

    @put(
        "/{funnel_id:int}",
        summary="Mudar a etapa do chat num funil (stage_id null tira o chat do funil)",
    )
    async def set_chat_stage(
        self, ctx: Ctx, chat_id: PathId, funnel_id: PathId, data: JSONBody[ChatStage]
    ) -> ChatFunnelsChanged:
        chat = await ctx.change_chat(service.set_chat_stage, chat_id, funnel_id, data.stage_id)
        funnels = await ctx.read_as(service.chat_funnels, chat_id)
        return ChatFunnelsChanged(funnels=answers(funnels, ChatFunnel), chat=chat)
