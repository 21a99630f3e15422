"""Custom fields (I8): the account's fields and a chat's values."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromQuery, JSONBody
from msgspec import Meta

from appliance.areas.accounts.permissions import Permission
from appliance.areas.fields import service
from appliance.areas.fields.schemas import ChatField, Field, FieldDeleted
from appliance.core.answers import answer, answers
from appliance.core.limits import FIELD_OPTIONS, FieldName, FieldOption, Keyword, PathId
from appliance.core.limits import FieldValue as FieldValueText
from appliance.http.deps import actor_of, require
from appliance.http.live import ChatChanges, hub_of
from appliance.http.runtime import Runtime

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
    async def list_fields(self, runtime: NamedDependency[Runtime]) -> list[Field]:
        return answers(await runtime.db.read(service.list_fields), Field)

    @post(
        "/fields",
        guards=[require(Permission.MANAGE_FIELDS)],
        summary="Criar um campo (passa a existir em todos os chats)",
    )
    async def create_field(
        self,
        request: Request[Any, Any, Any],
        runtime: NamedDependency[Runtime],
        data: JSONBody[FieldCreate],
    ) -> Field:
        field = await runtime.db.write(service.create_field, data.name, data.kind, data.options)
        hub_of(request.app).account_changed("fields")
        return answer(field, Field)

    @patch(
        "/fields/{field_id:int}",
        guards=[require(Permission.MANAGE_FIELDS)],
        summary="Renomear um campo ou mudar suas opções",
    )
    async def update_field(
        self,
        request: Request[Any, Any, Any],
        runtime: NamedDependency[Runtime],
        field_id: PathId,
        data: JSONBody[FieldUpdate],
    ) -> Field:
        field = await runtime.db.write(service.update_field, field_id, data.name, data.options)
        hub_of(request.app).account_changed("fields")
        return answer(field, Field)

    @delete(
        "/fields/{field_id:int}",
        status_code=200,
        guards=[require(Permission.MANAGE_FIELDS)],
        summary="Excluir um campo de todos os chats (exige ?confirm=true)",
    )
    async def delete_field(
        self,
        request: Request[Any, Any, Any],
        runtime: NamedDependency[Runtime],
        field_id: PathId,
        confirm: FromQuery[bool] = False,
    ) -> FieldDeleted:
        had = await runtime.db.write(service.delete_field, field_id, confirm)
        hub_of(request.app).account_changed("fields")
        return FieldDeleted(deleted=True, chats=had)

    @get("/chats/{chat_id:int}/fields", tags=["chats"], summary="Campos do chat, com os valores")
    async def chat_fields(
        self,
        request: Request[Any, Any, Any],
        runtime: NamedDependency[Runtime],
        chat_id: PathId,
    ) -> list[ChatField]:
        return answers(
            await runtime.db.read(service.chat_fields, actor_of(request), chat_id), ChatField
        )

    @put(
        "/chats/{chat_id:int}/fields/{field_id:int}",
        tags=["chats"],
        summary="Preencher o valor de um campo no chat (vazio apaga)",
    )
    async def set_value(
        self,
        request: Request[Any, Any, Any],
        runtime: NamedDependency[Runtime],
        chat_id: PathId,
        field_id: PathId,
        data: JSONBody[FieldValue],
    ) -> ChatField:
        field, changed = await runtime.db.write(
            service.set_value, actor_of(request), chat_id, field_id, data.value
        )
        if changed:
            await hub_of(request.app).publish_chats(ChatChanges(chats=[chat_id]))
        return answer(field, ChatField)
