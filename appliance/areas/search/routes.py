"""The search API: messages by words and phrases, newest first."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, get
from litestar.openapi import ResponseSpec
from litestar.params import QueryParameter

from appliance.areas.search import service
from appliance.areas.search.query import parse_message_query
from appliance.areas.search.schemas import SearchPage
from appliance.core.limits import QueryCursor, QueryId, QuerySearch
from appliance.http.context import Ctx


class SearchController(Controller):
    path = "/api/v1/search"
    tags = ["search"]

    # Built as dicts for speed like the chat list (scripts/benchmarks/search.py); SearchPage
    # documents it.
    @get(
        "/messages",
        summary="Mensagens com as palavras buscadas, mais novas primeiro",
        responses={200: ResponseSpec(SearchPage, description="Uma página de mensagens achadas")},
    )
    async def search_messages(
        self,
        ctx: Ctx,
        q: QuerySearch = None,
        chat: QueryId = None,
        cursor: QueryCursor = None,
        limit: Annotated[int | None, QueryParameter(ge=1, le=service.MAX_LIMIT)] = None,
    ) -> dict[str, Any]:
        """Words are ANDed, "quoted text" is a phrase, a final ``palavra*`` is a prefix;
        accents and case are ignored. ``chat`` searches inside one chat."""
        actor = ctx.actor
        query = parse_message_query(q)
        size = service.check_limit(limit)
        page_cursor = service.SearchCursor.decode(cursor) if cursor else None

        def run(conn: Any) -> dict[str, Any]:
            stats = ctx.runtime.chat_stats.get(conn)
            page = service.search_messages(
                conn, actor, query, chat_id=chat, cursor=page_cursor, limit=size, stats=stats
            )
            return page.to_dict()

        return await ctx.read(run)
