"""Server-rendered pages for staff."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.response import Template

from appliance.chats import service as chats
from appliance.chats.query import ChatFilter
from appliance.runtime import Runtime
from appliance.web import actor_of


class PagesController(Controller):
    path = ""
    include_in_schema = False

    @get("/")
    async def inbox(
        self, request: Request[Any, Any, Any], runtime: NamedDependency[Runtime]
    ) -> Template:
        actor = actor_of(request)

        def run(conn: Any) -> dict[str, Any]:
            stats = runtime.chat_stats.get(conn)
            return chats.list_chats(conn, actor, ChatFilter(), None, 100, stats).to_dict()

        page = await runtime.db.read(run)
        return Template(
            "inbox.html",
            context={"actor": actor, "chats": page["items"], "csrf": actor.csrf_token or ""},
        )
