"""Routes for a chat's assignees (I5), delegating to the queue (I6), the assignment history
(H4), the chatbot (I3) and archive (I4) switches, and the admin API of the rotation."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, delete, get, post, put
from litestar.params import FromPath, JSONBody
from msgspec import Meta

from appliance.areas.assignments import service
from appliance.areas.assignments.schemas import (
    AssigneeChoices,
    AssignmentEvent,
    ChatAssignees,
    Delegated,
    Queue,
)
from appliance.areas.chats import actions
from appliance.areas.chats.schemas import Assignee, Chat
from appliance.areas.chats.service import get_chat
from appliance.areas.modules.service import Module, require_module
from appliance.core.answers import Ref, answer, answers
from appliance.core.errors import NotFound
from appliance.core.limits import ITEMS, Id, PathId
from appliance.http.context import Context, Ctx
from appliance.http.deps import require_admin
from appliance.http.live import ChatChanges


class AssigneeIn(msgspec.Struct, forbid_unknown_fields=True):
    kind: Literal["user", "department"]
    id: Id


class ChatbotSwitch(msgspec.Struct, forbid_unknown_fields=True):
    enabled: bool


class ArchiveSwitch(msgspec.Struct, forbid_unknown_fields=True):
    archived: bool


class QueueMemberIn(msgspec.Struct, forbid_unknown_fields=True):
    user_id: Id
    away: bool = False


class QueueUpdate(msgspec.Struct, forbid_unknown_fields=True):
    members: Annotated[list[QueueMemberIn], Meta(max_length=ITEMS)] | None = None
    queue_new_chats: bool | None = None


async def _after_change(ctx: Context, chat_id: int) -> ChatAssignees:
    """Announce the change (those who lost the chat are told to drop it) and answer with
    the chat as the caller sees it now: ``chat`` is null once the caller may not see it."""
    await ctx.publish_chats(ChatChanges(chats=[chat_id], access_changed=[chat_id]))

    def read(conn: Any, actor: Any) -> dict[str, Any]:
        try:
            chat: dict[str, Any] | None = get_chat(conn, actor, chat_id)
        except NotFound:
            chat = None
        return {"chat": chat, "assignees": service.list_assignees(conn, chat_id)}

    return answer(await ctx.read_as(read), ChatAssignees)


def _visible_assignees(conn: Any, actor: Any, chat_id: int) -> list[dict[str, Any]]:
    return list(get_chat(conn, actor, chat_id)["assignees"])


class AssignmentsController(Controller):
    path = "/api/v1/chats"
    tags = ["responsáveis"]

    @get("/{chat_id:int}/assignees", summary="Responsáveis do chat (usuários e departamentos)")
    async def list_assignees(self, ctx: Ctx, chat_id: PathId) -> list[Assignee]:
        return answers(await ctx.read_as(_visible_assignees, chat_id), Assignee)

    @post(
        "/{chat_id:int}/assignees",
        status_code=200,
        summary="Adicionar um responsável (usuário ou departamento)",
    )
    async def add_assignee(
        self, ctx: Ctx, chat_id: PathId, data: JSONBody[AssigneeIn]
    ) -> ChatAssignees:
        await ctx.write_as(service.add_assignee, chat_id, data.kind, data.id)
        return await _after_change(ctx, chat_id)

    @delete(
        "/{chat_id:int}/assignees/{kind:str}/{target:int}",
        status_code=200,
        summary="Remover um responsável (kind: user ou department)",
    )
    async def remove_assignee(
        self,
        ctx: Ctx,
        chat_id: PathId,
        kind: FromPath[Literal["user", "department"]],
        target: PathId,
    ) -> ChatAssignees:
        await ctx.write_as(service.remove_assignee, chat_id, kind, target)
        return await _after_change(ctx, chat_id)

    @post(
        "/{chat_id:int}/delegate",
        status_code=200,
        summary="Delegar p/ Fila: o chat vai para o próximo usuário do rodízio",
    )
    async def delegate(self, ctx: Ctx, chat_id: PathId) -> Delegated:
        user = await ctx.write_as(service.delegate_to_queue, chat_id)
        after = await _after_change(ctx, chat_id)
        return Delegated(delegated_to=answer(user, Ref), chat=after.chat, assignees=after.assignees)

    @get("/{chat_id:int}/assignments", summary="Histórico de responsáveis, mais recentes primeiro")
    async def history(self, ctx: Ctx, chat_id: PathId) -> list[AssignmentEvent]:
        return answers(await ctx.read_as(service.list_assignment_events, chat_id), AssignmentEvent)

    @put(
        "/{chat_id:int}/chatbot",
        guards=[require_module(Module.CHATBOT)],
        summary="Ligar ou desligar o chatbot neste chat",
    )
    async def set_chatbot(self, ctx: Ctx, chat_id: PathId, data: JSONBody[ChatbotSwitch]) -> Chat:
        return await ctx.change_chat(actions.set_chatbot, chat_id, data.enabled)

    @put("/{chat_id:int}/archived", summary="Arquivar ou desarquivar o chat")
    async def set_archived(self, ctx: Ctx, chat_id: PathId, data: JSONBody[ArchiveSwitch]) -> Chat:
        return await ctx.change_chat(actions.set_archived, chat_id, data.archived)


class QueueController(Controller):
    path = "/api/v1"
    tags = ["responsáveis"]

    @get("/assignees/choices", summary="Usuários ativos e departamentos que podem ser responsáveis")
    async def choices(self, ctx: Ctx) -> AssigneeChoices:
        return answer(await ctx.read(service.assignee_choices), AssigneeChoices)

    @get("/queue", guards=[require_admin], summary="O rodízio: membros em ordem e ausências")
    async def get_queue(self, ctx: Ctx) -> Queue:
        return answer(await ctx.read(service.get_queue), Queue)

    @put(
        "/queue",
        guards=[require_admin],
        summary="Definir o rodízio (ordem, ausências) e se chats novos vão para a fila",
    )
    async def set_queue(self, ctx: Ctx, data: JSONBody[QueueUpdate]) -> Queue:
        members = None if data.members is None else [(m.user_id, m.away) for m in data.members]
        queue = await ctx.change_account("queue", service.set_queue, members, data.queue_new_chats)
        return answer(queue, Queue)


ASSIGNMENT_HANDLERS = [AssignmentsController, QueueController]
