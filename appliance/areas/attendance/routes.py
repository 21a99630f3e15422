"""The attendance API (attendance module): statuses, a chat's status and its history, and
the control panel. Every route is absent (404) while the module is off."""

from __future__ import annotations

import msgspec
from litestar import Controller, delete, get, patch, post, put
from litestar.params import JSONBody

from appliance.areas.accounts.permissions import Permission
from appliance.areas.attendance import panel, service
from appliance.areas.attendance.schemas import ControlPanel, Status, StatusDeleted, StatusHistory
from appliance.areas.attendance.service import ArchiveRule
from appliance.areas.chats.schemas import Chat
from appliance.areas.modules.service import Module, require_module
from appliance.core.answers import answer, answers
from appliance.core.limits import Color, Id, PathId, Position, QueryId, StatusName
from appliance.http.context import Ctx
from appliance.http.deps import require, require_admin
from appliance.http.live import ChatChanges


class StatusCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: StatusName
    color: Color = "#8696a0"
    archive_rule: ArchiveRule = ArchiveRule.KEEP
    position: Position | None = None


class StatusUpdate(msgspec.Struct, forbid_unknown_fields=True):
    name: StatusName | None = None
    color: Color | None = None
    archive_rule: ArchiveRule | None = None
    position: Position | None = None


class ChatStatus(msgspec.Struct, forbid_unknown_fields=True):
    status_id: Id


class StatusesController(Controller):
    path = "/api/v1/statuses"
    tags = ["attendance"]
    guards = [require_module(Module.ATTENDANCE)]

    @get("", summary="Status de atendimento da conta, na ordem")
    async def list_statuses(self, ctx: Ctx) -> list[Status]:
        return answers(await ctx.read(service.list_statuses), Status)

    @post("", guards=[require_admin], summary="Criar um status de atendimento")
    async def create_status(self, ctx: Ctx, data: JSONBody[StatusCreate]) -> Status:
        created = await ctx.change_account(
            "statuses",
            service.create_status,
            data.name,
            data.color,
            data.archive_rule,
            data.position,
        )
        return answer(created, Status)

    @patch(
        "/{status_id:int}",
        guards=[require_admin],
        summary="Renomear, mudar a cor, a ordem ou a regra de arquivamento",
    )
    async def update_status(
        self, ctx: Ctx, status_id: PathId, data: JSONBody[StatusUpdate]
    ) -> Status:
        updated = await ctx.change_account(
            "statuses",
            service.update_status,
            status_id,
            name=data.name,
            color=data.color,
            archive_rule=data.archive_rule,
            position=data.position,
        )
        return answer(updated, Status)

    @delete(
        "/{status_id:int}",
        status_code=200,
        guards=[require_admin],
        summary="Apagar um status (move_to: para onde vão os chats nele)",
    )
    async def delete_status(
        self, ctx: Ctx, status_id: PathId, move_to: QueryId = None
    ) -> StatusDeleted:
        moved = await ctx.change_account(
            "statuses", service.delete_status, ctx.actor, status_id, move_to
        )
        if moved:
            await ctx.publish_chats(ChatChanges(chats=moved))
        return StatusDeleted(deleted=status_id, moved=len(moved))


class ChatStatusController(Controller):
    path = "/api/v1/chats"
    tags = ["attendance"]
    guards = [require_module(Module.ATTENDANCE)]

    @put("/{chat_id:int}/status", summary="Mudar o status de atendimento do chat")
    async def set_status(self, ctx: Ctx, chat_id: PathId, data: JSONBody[ChatStatus]) -> Chat:
        await ctx.write_as(service.set_chat_status, chat_id, data.status_id)
        return await ctx.chat_now(chat_id)

    @get(
        "/{chat_id:int}/status-history",
        summary="Histórico de atendimento: cada mudança de status e o tempo em cada um",
    )
    async def status_history(self, ctx: Ctx, chat_id: PathId) -> StatusHistory:
        return answer(await ctx.read_as(service.status_history, chat_id), StatusHistory)


class AttendancePanelController(Controller):
    path = "/api/v1/attendance"
    tags = ["attendance"]
    guards = [require_module(Module.ATTENDANCE), require(Permission.SEE_REPORTS)]

    @get("/panel", summary="Painel de controle: chats por status, por responsável e esperando")
    async def control_panel(self, ctx: Ctx) -> ControlPanel:
        return answer(await ctx.read_as(panel.control_panel), ControlPanel)


ATTENDANCE_CONTROLLERS = [StatusesController, ChatStatusController, AttendancePanelController]
