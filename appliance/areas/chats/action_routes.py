"""Routes for what staff change on a chat by hand.

Plain handlers rather than a controller: their paths are shared with the chats
controller's, and Litestar merges handlers of one path across modules that way.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, patch, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from appliance.areas.chats import actions
from appliance.areas.chats.schemas import Chat, ChatCleared
from appliance.core.limits import Name, PathId
from appliance.http.deps import actor_of
from appliance.http.live import chat_after_change
from appliance.http.runtime import Runtime

CHAT = "/api/v1/chats/{chat_id:int}"


class ChatRename(msgspec.Struct, forbid_unknown_fields=True):
    custom_name: Name | None


async def _changed(request: Request[Any, Any, Any], runtime: Runtime, chat_id: int) -> Chat:
    return await chat_after_change(request.app, runtime.db, actor_of(request), chat_id)


@patch(CHAT, tags=["chats"], summary="Renomear o chat (para toda a conta; a agenda não muda)")
async def rename_chat(
    request: Request[Any, Any, Any],
    runtime: NamedDependency[Runtime],
    chat_id: PathId,
    data: JSONBody[ChatRename],
) -> Chat:
    await runtime.db.write(actions.rename_chat, actor_of(request), chat_id, data.custom_name)
    return await _changed(request, runtime, chat_id)


@post(f"{CHAT}/read", status_code=200, tags=["chats"], summary="Marcar como lido")
async def mark_read(
    request: Request[Any, Any, Any], runtime: NamedDependency[Runtime], chat_id: PathId
) -> Chat:
    await runtime.db.write(actions.mark_read, actor_of(request), chat_id)
    return await _changed(request, runtime, chat_id)


@post(
    f"{CHAT}/unread",
    status_code=200,
    tags=["chats"],
    summary="Marcar como não lido (volta ao topo, sem som)",
)
async def mark_unread(
    request: Request[Any, Any, Any], runtime: NamedDependency[Runtime], chat_id: PathId
) -> Chat:
    await runtime.db.write(actions.mark_unread, actor_of(request), chat_id)
    return await _changed(request, runtime, chat_id)


@post(
    f"{CHAT}/clear",
    status_code=200,
    tags=["chats"],
    summary="Apagar todas as mensagens do chat (só na plataforma)",
)
async def clear_messages(
    request: Request[Any, Any, Any], runtime: NamedDependency[Runtime], chat_id: PathId
) -> ChatCleared:
    deleted = await runtime.db.write(actions.clear_messages, actor_of(request), chat_id)
    return ChatCleared(deleted=deleted, chat=await _changed(request, runtime, chat_id))


CHAT_ACTION_HANDLERS = [rename_chat, mark_read, mark_unread, clear_messages]
