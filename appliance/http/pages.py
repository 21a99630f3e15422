"""Server-rendered pages for staff: the inbox shell that the modules in web/static/js drive."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.response import Template

from appliance.areas.accounts import service as accounts
from appliance.areas.accounts.permissions import Actor, Permission, can_see_numbers
from appliance.areas.chats import service as chats
from appliance.areas.chats.filters import ChatFilter
from appliance.areas.devices import service as devices
from appliance.areas.devices.service import device_view
from appliance.areas.modules.service import enabled_modules
from appliance.areas.tags.service import list_tags
from appliance.core.db import Conn
from appliance.http.deps import actor_of
from appliance.http.runtime import Runtime

# Query parameters of the chat list; with any of them the browser asks the API itself.
LIST_PARAMS = frozenset(
    {
        "name",
        "number",
        "tag",
        "tag_mode",
        "assignee",
        "status",
        "stage",
        "unread",
        "archived",
        "broadcast",
        "order",
    }
)
FIRST_PAGE = 50


def inbox_context(conn: Conn, actor: Actor, default_list: bool, stats: Any) -> dict[str, Any]:
    """What the inbox needs on first paint: who is looking, the filter choices, and (for
    the unfiltered view) the first page of chats."""
    me = accounts.get_user(conn, actor.id)
    account = accounts.get_account(conn)
    users = [{"id": u["id"], "name": u["name"]} for u in accounts.list_users(conn) if u["active"]]
    departments = [{"id": d["id"], "name": d["name"]} for d in accounts.list_departments(conn)]
    page = (
        chats.list_chats(conn, actor, ChatFilter(), None, FIRST_PAGE, stats).to_dict()
        if default_list
        else None
    )
    boot = {
        "me": {
            "id": actor.id,
            "name": actor.name,
            "departments": sorted(actor.departments),
            "sound_on": bool(me["sound_on"]),
            "is_admin": actor.is_admin,
            # What this user may do (an admin may do everything), for the menus to offer.
            "permissions": sorted(p.value for p in Permission if actor.has(p)),
        },
        "can_see_numbers": can_see_numbers(actor),
        "time_zone": account.time_zone,
        "tags": list_tags(conn),
        "users": users,
        "departments": departments,
        "devices": devices.list_devices(conn, *device_view(actor)),
        "modules": enabled_modules(conn),
        "first_page": page,
    }
    return {"boot": boot, "chats": page["items"] if page else []}


def admin_context(conn: Conn, actor: Actor) -> dict[str, Any]:
    """What the administration page needs on first paint: who is looking, what is on."""
    account = accounts.get_account(conn)
    return {
        "me": {
            "id": actor.id,
            "name": actor.name,
            "is_admin": actor.is_admin,
            "permissions": sorted(p.value for p in Permission if actor.has(p)),
        },
        "can_see_numbers": can_see_numbers(actor),
        "time_zone": account.time_zone,
        "modules": enabled_modules(conn),
    }


class PagesController(Controller):
    path = ""
    include_in_schema = False

    @get("/")
    async def inbox(
        self, request: Request[Any, Any, Any], runtime: NamedDependency[Runtime]
    ) -> Template:
        actor = actor_of(request)
        default_list = not LIST_PARAMS.intersection(request.query_params.keys())

        def run(conn: Conn) -> dict[str, Any]:
            return inbox_context(conn, actor, default_list, runtime.chat_stats.get(conn))

        context = await runtime.db.read(run)
        return Template(
            "inbox.html",
            context={**context, "actor": actor, "csrf": actor.csrf_token or ""},
        )

    @get("/admin")
    async def admin(
        self, request: Request[Any, Any, Any], runtime: NamedDependency[Runtime]
    ) -> Template:
        actor = actor_of(request)
        boot = await runtime.db.read(admin_context, actor)
        return Template(
            "admin.html", context={"boot": boot, "actor": actor, "csrf": actor.csrf_token or ""}
        )
