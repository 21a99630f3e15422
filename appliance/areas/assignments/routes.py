"""Routes for a chat's assignees (I5), delegating to the queue (I6), the assignment history
(H4), the chatbot (I3) and archive (I4) switches, and the admin API of the rotation."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, delete, get, post, put
from litestar.di import NamedDependency
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
from appliance.http.deps import actor_of, require_admin
from appliance.http.live import ChatChanges, chat_after_change, hub_of
from appliance.http.runtime import Runtime


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


async def _after_change(
    request: Request[Any, Any, Any], runtime: Runtime, chat_id: int
) -> ChatAssignees:
    """Announce the change (those who lost the chat are told to drop it) and answer with
    the chat as the caller sees it now: ``chat`` is null once the caller may not see it."""
    await hub_of(request.app).publish_chats(ChatChanges(chats=[chat_id], access_changed=[chat_id]))

    def read(conn: Any) -> dict[str, Any]:
        try:
            chat: dict[str, Any] | None = get_chat(conn, actor_of(request), chat_id)
        except NotFound:
            chat = None
        return {"chat": chat, "assignees": service.list_assignees(conn, chat_id)}

    return answer(await runtime.db.read(read), ChatAssignees)


def _visible_assignees(conn: Any, actor: Any, chat_id: int) -> list[dict[str, Any]]:
    return list(get_chat(conn, actor, chat_id)["assignees"])


class AssignmentsController(Controller):
    path = "/api/v1/chats"
    tags = ["responsáveis"]

    @get("/{chat_id:int}/assignees", summary="Responsáveis do chat (usuários e departamentos)")
    async def list_assignees(
        self,
        request: Request[Any, Any, Any],
        runtime: NamedDependency[Runtime],
        chat_id: PathId,
    ) -> list[Assignee]:
        return answers(
            await runtime.db.read(_visible_assignees, actor_of(request), chat_id), Assignee
        )

    @post(
        "/{chat_id:int}/assignees",
        status_code=200,
        summary="Adicionar um responsável (usuário ou departamento)",
    )
    async def add_assignee(
        self,
        request: Request[Any, Any, Any],
        runtime: NamedDependency[Runtime],
        chat_id: PathId,
        data: JSONBody[AssigneeIn],
    ) -> ChatAssignees:
        await runtime.db.write(service.add_assignee, actor_of(request), chat_id, data.kind, data.id)
        return await _after_change(request, runtime, chat_id)

    @delete(
        "/{chat_id:int}/assignees/{kind:str}/{target:int}",
        status_code=200,
        summary="Remover um responsável (kind: user ou department)",
    )
    async def remove_assignee(
        self,
        request: Request[Any, Any, Any],
        runtime: NamedDependency[Runtime],
        chat_id: PathId,
        kind: FromPath[Literal["user", "department"]],
        target: PathId,
    ) -> ChatAssignees:
        await runtime.db.write(service.remove_assignee, actor_of(request), chat_id, kind, target)
        return await _after_change(request, runtime, chat_id)

    @post(
        "/{chat_id:int}/delegate",
        status_code=200,
        summary="Delegar p/ Fila: o chat vai para o próximo usuário do rodízio",
    )
    async def delegate(
        self,
        request: Request[Any, Any, Any],
        runtime: NamedDependency[Runtime],
        chat_id: PathId,
    ) -> Delegated:
        user = await runtime.db.write(service.delegate_to_queue, actor_of(request), chat_id)
        after = await _after_change(request, runtime, chat_id)
        return Delegated(delegated_to=answer(user, Ref), chat=after.chat, assignees=after.assignees)

    @get("/{chat_id:int}/assignments", summary="Histórico de responsáveis, mais recentes primeiro")
    async def history(
        self,
        request: Request[Any, Any, Any],
        runtime: NamedDependency[Runtime],
        chat_id: PathId,
    ) -> list[AssignmentEvent]:
        events = await runtime.db.read(service.list_assignment_events, actor_of(request), chat_id)
        return answers(events, AssignmentEvent)

    @put(
        "/{chat_id:int}/chatbot",
        guards=[require_module(Module.CHATBOT)],
        summary="Ligar ou desligar o chatbot neste chat",
    )
    async def set_chatbot(
        self,
        request: Request[Any, Any, Any],
        runtime: NamedDependency[Runtime],
        chat_id: PathId,
        data: JSONBody[ChatbotSwitch],
    ) -> Chat:
        await runtime.db.write(actions.set_chatbot, actor_of(request), chat_id, data.enabled)
        return await chat_after_change(request.app, runtime.db, actor_of(request), chat_id)

    @put("/{chat_id:int}/archived", summary="Arquivar ou desarquivar o chat")
    async def set_archived(
        self,
        request: Request[Any, Any, Any],
        runtime: NamedDependency[Runtime],
        chat_id: PathId,
        data: JSONBody[ArchiveSwitch],
    ) -> Chat:
        await runtime.db.write(actions.set_archived, actor_of(request), chat_id, data.archived)
        return await chat_after_change(request.app, runtime.db, actor_of(request), chat_id)


class QueueController(Controller):
    path = "/api/v1"
    tags = ["responsáveis"]

    @get("/assignees/choices", summary="Usuários ativos e departamentos que podem ser responsáveis")
    async def choices(self, runtime: NamedDependency[Runtime]) -> AssigneeChoices:
        return answer(await runtime.db.read(service.assignee_choices), AssigneeChoices)

    @get("/queue", guards=[require_admin], summary="O rodízio: membros em ordem e ausências")
    async def get_queue(self, runtime: NamedDependency[Runtime]) -> Queue:
        return answer(await runtime.db.read(service.get_queue), Queue)

    @put(
        "/queue",
        guards=[require_admin],
        summary="Definir o rodízio (ordem, ausências) e se chats novos vão para a fila",
    )
    async def set_queue(
        self,
        request: Request[Any, Any, Any],
        runtime: NamedDependency[Runtime],
        data: JSONBody[QueueUpdate],
    ) -> Queue:
        members = None if data.members is None else [(m.user_id, m.away) for m in data.members]
        queue = await runtime.db.write(service.set_queue, members, data.queue_new_chats)
        hub_of(request.app).account_changed("queue")
        return answer(queue, Queue)


ASSIGNMENT_HANDLERS = [AssignmentsController, QueueController]
