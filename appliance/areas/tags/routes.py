"""The account's tags (I7) and the tags of a chat."""

from __future__ import annotations

import msgspec
from litestar import Controller, delete, get, patch, post, put
from litestar.params import JSONBody

from appliance.areas.accounts.permissions import Permission
from appliance.areas.chats.schemas import Chat
from appliance.areas.tags import service
from appliance.areas.tags.schemas import Tag
from appliance.core.answers import answer, answers
from appliance.core.limits import Color, PathId, TagName
from appliance.http.context import Ctx
from appliance.http.deps import require

MANAGE = [require(Permission.MANAGE_TAGS)]


class TagCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: TagName
    color: Color | None = None


class TagUpdate(msgspec.Struct, forbid_unknown_fields=True):
    name: TagName | None = None
    color: Color | None = None


class TagsController(Controller):
    path = "/api/v1"
    tags = ["tags"]

    @get("/tags", summary="Tags da conta")
    async def list_tags(self, ctx: Ctx) -> list[Tag]:
        return answers(await ctx.read(service.list_tags), Tag)

    @post("/tags", guards=MANAGE, summary="Criar uma tag (administrador ou quem gerencia tags)")
    async def create_tag(self, ctx: Ctx, data: JSONBody[TagCreate]) -> Tag:
        tag = await ctx.change_account("tags", service.create_tag, data.name, data.color)
        return answer(tag, Tag)

    @patch("/tags/{tag_id:int}", guards=MANAGE, summary="Renomear ou mudar a cor de uma tag")
    async def update_tag(self, ctx: Ctx, tag_id: PathId, data: JSONBody[TagUpdate]) -> Tag:
        tag = await ctx.change_account("tags", service.update_tag, tag_id, data.name, data.color)
        return answer(tag, Tag)

    @delete("/tags/{tag_id:int}", guards=MANAGE, summary="Excluir uma tag (sai de todos os chats)")
    async def delete_tag(self, ctx: Ctx, tag_id: PathId) -> None:
        await ctx.change_account("tags", service.delete_tag, tag_id)

    @put("/chats/{chat_id:int}/tags/{tag_id:int}", tags=["chats"], summary="Pôr a tag no chat")
    async def add_to_chat(self, ctx: Ctx, chat_id: PathId, tag_id: PathId) -> Chat:
        return await ctx.change_chat(service.add_to_chat, chat_id, tag_id)

    @delete(
        "/chats/{chat_id:int}/tags/{tag_id:int}",
        status_code=200,
        tags=["chats"],
        summary="Tirar a tag do chat",
    )
    async def remove_from_chat(self, ctx: Ctx, chat_id: PathId, tag_id: PathId) -> Chat:
        return await ctx.change_chat(service.remove_from_chat, chat_id, tag_id)
