"""The chats API: the list with its filters, one chat, its messages."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Response, get, post
from litestar.openapi import ResponseSpec
from litestar.params import FromQuery, JSONBody, QueryParameter

from appliance.areas.accounts.permissions import can_see_numbers
from appliance.areas.assignments import service as assignments
from appliance.areas.chats import service
from appliance.areas.chats.add import ChatAdd, add_chat
from appliance.areas.chats.filters import (
    MAX_LIMIT,
    Assignee,
    ChatFilter,
    Cursor,
    Order,
    TagMode,
    check_limit,
)
from appliance.areas.chats.schemas import Chat, ChatPage, MergedValue
from appliance.areas.messages import service as messages
from appliance.areas.messages.schemas import MessagePage
from appliance.areas.modules.service import Module, require_module
from appliance.core.answers import answer, answers
from appliance.core.errors import Forbidden, InvalidInput
from appliance.core.i18n import _
from appliance.core.limits import (
    PathId,
    QueryCursor,
    QueryId,
    QueryIds,
    QueryKeywords,
    QueryName,
    QueryPhone,
)
from appliance.core.redaction import mask_numbers
from appliance.http.context import Ctx
from appliance.http.live import ChatChanges
from appliance.http.runtime import Runtime

ChatsLimit = Annotated[int | None, QueryParameter(ge=1, le=MAX_LIMIT)]


class ChatsController(Controller):
    path = "/api/v1/chats"
    tags = ["chats"]

    # The page is built as dicts and encoded as they are: the list is the hot path (see
    # scripts/benchmarks/chatlist.py), and a struct per row would add a conversion to each of
    # its requests. ChatPage documents it; tests/appliance/test_openapi_responses.py decodes
    # real pages with it, strictly.
    @get(
        "",
        summary="Chats visíveis, atividade mais recente primeiro",
        responses={200: ResponseSpec(ChatPage, description="Uma página de chats")},
    )
    async def list_chats(
        self,
        ctx: Ctx,
        name: QueryName = None,
        number: QueryPhone = None,
        tag: QueryIds = None,
        tag_mode: FromQuery[TagMode] = TagMode.ANY,
        assignee: QueryKeywords = None,
        status: QueryIds = None,
        stage: QueryIds = None,
        unread: FromQuery[bool] = False,
        archived: FromQuery[bool] = False,
        broadcast: FromQuery[bool] = False,
        order: FromQuery[Order] = Order.RECENT,
        cursor: QueryCursor = None,
        limit: ChatsLimit = None,
    ) -> dict[str, Any]:
        """At most 20 values of each repeated filter (``tag``, ``assignee``, ``status``,
        ``stage``): each adds a term to the query."""
        actor = ctx.actor
        # A name filter holding a number would find chats by a number their names hide.
        if (number or (name and mask_numbers(name) != name)) and not can_see_numbers(actor):
            raise Forbidden(
                _("Você não tem permissão para filtrar por número."), code="permission.see_numbers"
            )
        if status or stage:
            await check_filter_modules(ctx.runtime, bool(status), bool(stage))
        chat_filter = ChatFilter(
            name=name,
            number=number,
            tags=tuple(tag or ()),
            tag_mode=tag_mode,
            assignees=tuple(Assignee.parse(a) for a in assignee or ()),
            statuses=tuple(status or ()),
            stages=tuple(stage or ()),
            unread=unread,
            archived=archived,
            broadcast=broadcast,
            order=order,
        )
        page_cursor = Cursor.decode(cursor, order) if cursor else None
        size = check_limit(limit)

        def run(conn: Any) -> dict[str, Any]:
            stats = ctx.runtime.chat_stats.get(conn)
            return service.list_chats(conn, actor, chat_filter, page_cursor, size, stats).to_dict()

        return await ctx.read(run)

    @post(
        "",
        guards=[require_module(Module.ADD_CHATS)],
        summary="Adicionar um chat pelo número (201 novo, 200 se já existe)",
        responses={200: ResponseSpec(Chat, description="O chat já existia")},
    )
    async def add_chat(self, ctx: Ctx, data: JSONBody[ChatAdd]) -> Response[Chat]:
        added = await ctx.write_as(
            add_chat, data.phone, data.device_id, data.name, assignments.claim_new_chat
        )
        if added.created:
            await ctx.publish_chats(ChatChanges(chats=[added.chat["id"]]))
        return Response(answer(added.chat, Chat), status_code=201 if added.created else 200)

    @get("/{chat_id:int}", summary="Um chat")
    async def get_chat(self, ctx: Ctx, chat_id: PathId) -> Chat:
        return answer(await ctx.read_as(service.get_chat, chat_id), Chat)

    @get(
        "/{chat_id:int}/merged-values",
        summary="Valores de uma conversa unida a este chat que não foram mantidos",
    )
    async def merged_values(self, ctx: Ctx, chat_id: PathId) -> list[MergedValue]:
        return answers(await ctx.read_as(service.list_merged_values, chat_id), MergedValue)

    # Built as dicts for speed like the chat list (scripts/benchmarks/conversation.py reads
    # it); MessagePage documents it.
    @get(
        "/{chat_id:int}/messages",
        summary="Mensagens de um chat, mais novas primeiro",
        responses={200: ResponseSpec(MessagePage, description="Uma página de mensagens")},
    )
    async def list_messages(
        self,
        ctx: Ctx,
        chat_id: PathId,
        cursor: QueryCursor = None,
        limit: ChatsLimit = None,
        around: QueryId = None,
        after: QueryCursor = None,
    ) -> dict[str, Any]:
        """``around=ID`` gives a page centred on that message (a search hit), ``after`` the
        page just newer than a ``newer_cursor``."""
        size = check_limit(limit)
        if around is not None or after is not None:
            if sum(v is not None for v in (cursor, around, after)) > 1:
                raise InvalidInput(
                    _("Use apenas um de cursor, after ou around."), code="messages.invalid_cursor"
                )
            return await ctx.read_as(
                messages.list_messages_near, chat_id, around=around, after=after, limit=size
            )
        page = await ctx.read_as(messages.list_messages, chat_id, cursor, size)
        return page.to_dict()


async def check_filter_modules(runtime: Runtime, by_status: bool, by_stage: bool) -> None:
    """The status and stage filters exist only while their module is on (P3)."""
    state = await runtime.modules.current(runtime.db)
    if by_status and not state.get(Module.ATTENDANCE.value, True):
        raise InvalidInput(
            _("O filtro por status não está disponível: o módulo de atendimento está desligado."),
            code="chats.module_off",
        )
    if by_stage and not state.get(Module.FUNNEL.value, True):
        raise InvalidInput(
            _("O filtro por etapa não está disponível: o módulo de funil está desligado."),
            code="chats.module_off",
        )
