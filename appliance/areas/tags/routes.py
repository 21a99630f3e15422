"""The account's tags (I7) and the tags of a chat."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody

from appliance.areas.accounts.permissions import Permission
from appliance.areas.chats.schemas import Chat
from appliance.areas.tags import service
from appliance.areas.tags.schemas import Tag
from appliance.core.answers import answer, answers
from appliance.core.limits import Color, PathId, TagName
from appliance.http.deps import actor_of, require
from appliance.http.live import chat_after_change, hub_of
from appliance.http.runtime import Runtime


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
    async def list_tags(self, runtime: NamedDependency[Runtime]) -> list[Tag]:
        return answers(await runtime.db.read(service.list_tags), Tag)

    @post(
        "/tags",
        guards=[require(Permission.MANAGE_TAGS)],
        summary="Criar uma tag (administrador ou quem gerencia tags)",
    )
    async def create_tag(
        self,
        request: Request[Any, Any, Any],
        runtime: NamedDependency[Runtime],
        data: JSONBody[TagCreate],
    ) -> Tag:
        tag = await runtime.db.write(service.create_tag, data.name, data.color)
        hub_of(request.app).account_changed("tags")
        return answer(tag, Tag)

    @patch(
        "/tags/{tag_id:int}",
        guards=[require(Permission.MANAGE_TAGS)],
        summary="Renomear ou mudar a cor de uma tag",
    )
    async def update_tag(
        self,
        request: Request[Any, Any, Any],
        runtime: NamedDependency[Runtime],
        tag_id: PathId,
        data: JSONBody[TagUpdate],
    ) -> Tag:
        tag = await runtime.db.write(service.update_tag, tag_id, data.name, data.color)
        hub_of(request.app).account_changed("tags")
        return answer(tag, Tag)

    @delete(
        "/tags/{tag_id:int}",
        guards=[require(Permission.MANAGE_TAGS)],
        summary="Excluir uma tag (sai de todos os chats)",
    )
    async def delete_tag(
        self,
        request: Request[Any, Any, Any],
        runtime: NamedDependency[Runtime],
        tag_id: PathId,
    ) -> None:
        await runtime.db.write(service.delete_tag, tag_id)
        hub_of(request.app).account_changed("tags")

    @put(
        "/chats/{chat_id:int}/tags/{tag_id:int}",
        tags=["chats"],
        summary="Pôr a tag no chat",
    )
    async def add_to_chat(
        self,
        request: Request[Any, Any, Any],
        runtime: NamedDependency[Runtime],
        chat_id: PathId,
        tag_id: PathId,
    ) -> Chat:
        actor = actor_of(request)
        changed = await runtime.db.write(service.add_to_chat, actor, chat_id, tag_id)
        return await chat_after_change(request.app, runtime.db, actor, chat_id, changed=changed)

    @delete(
        "/chats/{chat_id:int}/tags/{tag_id:int}",
        status_code=200,
        tags=["chats"],
        summary="Tirar a tag do chat",
    )
    async def remove_from_chat(
        self,
        request: Request[Any, Any, Any],
        runtime: NamedDependency[Runtime],
        chat_id: PathId,
        tag_id: PathId,
    ) -> Chat:
        actor = actor_of(request)
        changed = await runtime.db.write(service.remove_from_chat, actor, chat_id, tag_id)
        return await chat_after_change(request.app, runtime.db, actor, chat_id, changed=changed)
