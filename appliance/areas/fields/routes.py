"""Custom fields (I8): the account's fields and a chat's values."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, delete, get, patch, post, put
from litestar.params import FromQuery, JSONBody
from msgspec import Meta

from appliance.areas.accounts.permissions import Permission
from appliance.areas.fields import service
from appliance.areas.fields.schemas import ChatField, Field, FieldDeleted
from appliance.core.answers import answer, answers
from appliance.core.limits import FIELD_OPTIONS, FieldName, FieldOption, Keyword, PathId
from appliance.core.limits import FieldValue as FieldValueText
from appliance.http.context import Ctx
from appliance.http.deps import require
from appliance.http.live import ChatChanges

MANAGE = [require(Permission.MANAGE_FIELDS)]
Options = Annotated[list[FieldOption], Meta(max_length=FIELD_OPTIONS)]


class FieldCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: FieldName
    kind: Keyword
    options: Options | None = None


class FieldUpdate(msgspec.Struct, forbid_unknown_fields=True):
    name: FieldName | None = None
    options: Options | None = None


class FieldValue(msgspec.Struct, forbid_unknown_fields=True):
    value: FieldValueText | None


class FieldsController(Controller):
    path = "/api/v1"
    tags = ["fields"]

    @get("/fields", summary="Campos personalizados da conta")
    async def list_fields(self, ctx: Ctx) -> list[Field]:
        return answers(await ctx.read(service.list_fields), Field)

    @post("/fields", guards=MANAGE, summary="Criar um campo (passa a existir em todos os chats)")
    async def create_field(self, ctx: Ctx, data: JSONBody[FieldCreate]) -> Field:
        field = await ctx.change_account(
            "fields", service.create_field, data.name, data.kind, data.options
        )
        return answer(field, Field)

    @patch(
        "/fields/{field_id:int}", guards=MANAGE, summary="Renomear um campo ou mudar suas opções"
    )
    async def update_field(self, ctx: Ctx, field_id: PathId, data: JSONBody[FieldUpdate]) -> Field:
        field = await ctx.change_account(
            "fields", service.update_field, field_id, data.name, data.options
        )
        return answer(field, Field)

    @delete(
        "/fields/{field_id:int}",
        status_code=200,
        guards=MANAGE,
        summary="Excluir um campo de todos os chats (exige ?confirm=true)",
    )
    async def delete_field(
        self, ctx: Ctx, field_id: PathId, confirm: FromQuery[bool] = False
    ) -> FieldDeleted:
        had = await ctx.change_account("fields", service.delete_field, field_id, confirm)
        return FieldDeleted(deleted=True, chats=had)

    @get("/chats/{chat_id:int}/fields", tags=["chats"], summary="Campos do chat, com os valores")
    async def chat_fields(self, ctx: Ctx, chat_id: PathId) -> list[ChatField]:
        return answers(await ctx.read_as(service.chat_fields, chat_id), ChatField)

    @put(
        "/chats/{chat_id:int}/fields/{field_id:int}",
        tags=["chats"],
        summary="Preencher o valor de um campo no chat (vazio apaga)",
    )
    async def set_value(
        self, ctx: Ctx, chat_id: PathId, field_id: PathId, data: JSONBody[FieldValue]
    ) -> ChatField:
        field, changed = await ctx.write_as(service.set_value, chat_id, field_id, data.value)
        if changed:
            await ctx.publish_chats(ChatChanges(chats=[chat_id]))
        return answer(field, ChatField)
