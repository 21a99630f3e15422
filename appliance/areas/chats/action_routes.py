"""Routes for what staff change on a chat by hand.

Plain handlers rather than a controller: their paths are shared with the chats
controller's, and Litestar merges handlers of one path across modules that way.
"""

from __future__ import annotations

import msgspec
from litestar import patch, post
from litestar.params import JSONBody

from appliance.areas.chats import actions
from appliance.areas.chats.schemas import Chat, ChatCleared
from appliance.core.limits import Name, PathId
from appliance.http.context import Ctx

CHAT = "/api/v1/chats/{chat_id:int}"


class ChatRename(msgspec.Struct, forbid_unknown_fields=True):
    custom_name: Name | None


@patch(CHAT, tags=["chats"], summary="Renomear o chat (para toda a conta; a agenda não muda)")
async def rename_chat(ctx: Ctx, chat_id: PathId, data: JSONBody[ChatRename]) -> Chat:
    return await ctx.change_chat(actions.rename_chat, chat_id, data.custom_name)


@post(f"{CHAT}/read", status_code=200, tags=["chats"], summary="Marcar como lido")
async def mark_read(ctx: Ctx, chat_id: PathId) -> Chat:
    return await ctx.change_chat(actions.mark_read, chat_id)


@post(
    f"{CHAT}/unread",
    status_code=200,
    tags=["chats"],
    summary="Marcar como não lido (volta ao topo, sem som)",
)
async def mark_unread(ctx: Ctx, chat_id: PathId) -> Chat:
    return await ctx.change_chat(actions.mark_unread, chat_id)


@post(
    f"{CHAT}/clear",
    status_code=200,
    tags=["chats"],
    summary="Apagar todas as mensagens do chat (só na plataforma)",
)
async def clear_messages(ctx: Ctx, chat_id: PathId) -> ChatCleared:
    deleted = await ctx.write_as(actions.clear_messages, chat_id)
    return ChatCleared(deleted=deleted, chat=await ctx.chat_now(chat_id))


CHAT_ACTION_HANDLERS = [rename_chat, mark_read, mark_unread, clear_messages]
