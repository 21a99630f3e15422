"""What a route handler works with: the caller, the database, the job queue and the live hub.

Handlers take ``ctx: Ctx`` (one per request, provided by the app factory) rather than the
request and the runtime, and use its verbs for the shapes every area repeats: read or
write as the caller (the visibility rule takes the actor first), write and tell every page
that the account's choices changed, change one chat and answer with it as the caller sees
it now.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Concatenate, ParamSpec, TypeAlias, TypeVar

from litestar import Request
from litestar.di import NamedDependency

from appliance.areas.accounts.permissions import Actor
from appliance.areas.chats.schemas import Chat
from appliance.core.db import Conn, Database
from appliance.core.jobs import Jobs
from appliance.http.deps import actor_of, jobs_of
from appliance.http.live import ChatChanges, LiveHub, chat_after_change, hub_of
from appliance.http.runtime import Runtime

T = TypeVar("T")
P = ParamSpec("P")


@dataclass(frozen=True, slots=True)
class Context:
    request: Request[Any, Any, Any]
    runtime: Runtime

    @property
    def actor(self) -> Actor:
        return actor_of(self.request)

    @property
    def db(self) -> Database:
        return self.runtime.db

    @property
    def hub(self) -> LiveHub:
        return hub_of(self.request.app)

    @property
    def jobs(self) -> Jobs:
        return jobs_of(self.request.app)

    async def read(
        self, fn: Callable[Concatenate[Conn, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        return await self.runtime.db.read(fn, *args, **kwargs)

    async def write(
        self, fn: Callable[Concatenate[Conn, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        return await self.runtime.db.write(fn, *args, **kwargs)

    async def read_as(
        self, fn: Callable[Concatenate[Conn, Actor, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """``fn(conn, caller, ...)``: a read the visibility rule filters for the caller."""
        return await self.runtime.db.read(fn, self.actor, *args, **kwargs)

    async def write_as(
        self, fn: Callable[Concatenate[Conn, Actor, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """``fn(conn, caller, ...)`` in one write transaction."""
        return await self.runtime.db.write(fn, self.actor, *args, **kwargs)

    async def change_account(
        self,
        what: str,
        fn: Callable[Concatenate[Conn, P], T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """Write, then tell every page to reload the account's ``what`` (tags, fields…)."""
        result = await self.runtime.db.write(fn, *args, **kwargs)
        self.hub.account_changed(what)
        return result

    async def change_chat(
        self,
        fn: Callable[Concatenate[Conn, Actor, int, P], object],
        chat_id: int,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> Chat:
        """``fn(conn, caller, chat_id, ...)`` changes one chat by hand (it returns False when
        nothing changed); the pages that may see the chat hear of it, and the answer is the
        chat as the caller sees it now."""
        changed = await self.runtime.db.write(fn, self.actor, chat_id, *args, **kwargs)
        return await self.chat_now(chat_id, changed=changed is not False)

    async def chat_now(self, chat_id: int, *, changed: bool = True) -> Chat:
        """Announce a change to one chat (when something changed) and answer with the chat
        as the caller sees it."""
        return await chat_after_change(
            self.request.app, self.runtime.db, self.actor, chat_id, changed=changed
        )

    async def publish_chats(self, changes: ChatChanges) -> None:
        await self.hub.publish_chats(changes)


Ctx: TypeAlias = NamedDependency[Context]


def provide_context(request: Request[Any, Any, Any]) -> Context:
    return Context(request, request.app.state.runtime)
