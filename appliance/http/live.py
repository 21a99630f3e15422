"""Live events for logged-in browsers: the ``/ws`` WebSocket and the in-process hub.

Events are published after commit. A chat event reaches an actor only if
``access_chat`` lets that actor see the chat at that moment (the one visibility
rule, in appliance.areas.chats); device status reaches everyone logged in.

Event types: ``message.received``, ``message.sent``, ``message.status``,
``chat.updated``, ``chat.removed`` (merged into another), ``chat.hidden`` (no longer
visible to this actor after an assignee change), ``device.status``, ``account.changed``
(tags, fields, statuses, funnels, modules or users changed: reload the choices).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import msgspec
from litestar import WebSocket, websocket
from litestar.exceptions import WebSocketDisconnect

from appliance.areas.accounts import service as accounts
from appliance.areas.accounts.permissions import Actor, can_see_numbers
from appliance.areas.chats.schemas import Chat
from appliance.areas.chats.service import chat_for_each, get_chat
from appliance.areas.devices.service import device_view, list_devices
from appliance.areas.messages.outbound import message_rows
from appliance.areas.messages.service import message_payload
from appliance.core.answers import answer
from appliance.core.clock import iso
from appliance.core.db import Conn, Database
from appliance.http.auth import SESSION_COOKIE

if TYPE_CHECKING:
    from appliance.http.runtime import Runtime

log = logging.getLogger(__name__)

QUEUE_SIZE = 2000
# How often open sockets are checked against their sessions and tokens (one read for all
# of them), so that an idle expiry or a change made elsewhere (the CLI) closes them within
# a second or two; logouts, password changes, deactivations and revocations made through
# this process check at once.
SESSION_SWEEP_SECONDS = 1.0
DEVICE_STATUS_DEBOUNCE_SECONDS = 0.2
_encoder = msgspec.json.Encoder()


@dataclass(eq=False)
class Subscriber:
    id: int
    actor: Actor
    queue: asyncio.Queue[bytes | None] = field(
        default_factory=lambda: asyncio.Queue(maxsize=QUEUE_SIZE)
    )
    # What the socket opened with; None for one the hub does not check.
    credential: accounts.LiveCredential | None = None
    # Why the hub ended it: "session" (logged out, expired, revoked, deactivated), "slow".
    ended: str | None = None


@dataclass
class ChatChanges:
    """What to announce about chats after a commit."""

    chats: Iterable[int] = ()
    received: Iterable[int] = ()  # new inbound messages
    sent: Iterable[int] = ()  # new outbound messages (staff or the phone itself)
    # (message id, status, epoch ms) of each forward move, in order
    statuses: Iterable[tuple[int, str, int]] = ()
    removed_chats: Iterable[int] = ()
    # Chats whose assignees changed: actors who may no longer see one are told to drop it.
    access_changed: Iterable[int] = ()


class LiveHub:
    """The browsers connected to this web process, and what they may see."""

    def __init__(self, db: Database, runtime: Runtime | None = None) -> None:
        self.db = db
        self.runtime = runtime
        self._subs: dict[int, Subscriber] = {}
        self._ids = itertools.count(1)
        self._device_task: asyncio.Task[None] | None = None
        self._sweep_task: asyncio.Task[None] | None = None

    def subscribe(
        self, actor: Actor, credential: accounts.LiveCredential | None = None
    ) -> Subscriber:
        sub = Subscriber(next(self._ids), actor, credential=credential)
        self._subs[sub.id] = sub
        if credential is not None and (self._sweep_task is None or self._sweep_task.done()):
            self._sweep_task = asyncio.get_running_loop().create_task(self._sweep())
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        self._subs.pop(sub.id, None)

    def _end(self, sub: Subscriber, reason: str) -> None:
        """Stop delivering to ``sub``; its socket closes once the queue says so."""
        self.unsubscribe(sub)
        sub.ended = sub.ended or reason
        while True:
            try:
                sub.queue.put_nowait(None)
                return
            except asyncio.QueueFull:
                # Whatever was still queued is moot: the socket is closing.
                sub.queue.get_nowait()

    async def check_sessions(self) -> None:
        """Close the sockets whose session or API token no longer lets anyone in (logged
        out, idle past ``session_idle_seconds``, revoked, user deactivated)."""
        subs = [s for s in self._subs.values() if s.credential is not None]
        if not subs or self.runtime is None:
            return
        runtime = self.runtime
        ended = await self.db.read(
            accounts.ended_credentials,
            list({s.credential for s in subs if s.credential is not None}),
            runtime.settings.session_idle_seconds * 1000,
            dict(runtime.session_uses()),
        )
        for sub in subs:
            if sub.credential in ended:
                self._end(sub, "session")

    async def _sweep(self) -> None:
        while any(s.credential is not None for s in self._subs.values()):
            await asyncio.sleep(SESSION_SWEEP_SECONDS)
            try:
                await self.check_sessions()
            except Exception:
                log.exception("live: could not check sessions")

    async def refresh_actor(self, user_id: int) -> None:
        """Re-read a connected user's permissions and departments after an admin changed
        them, so their open pages get the events they may see now; a user who is no longer
        active is disconnected."""
        subs = [s for s in self._subs.values() if s.actor.id == user_id]
        if not subs:
            return
        actor = await self.db.read(accounts.load_actor, user_id)
        for sub in subs:
            if actor is None:
                self._end(sub, "session")
            else:
                sub.actor = replace(actor, csrf_token=sub.actor.csrf_token)

    @property
    def connected(self) -> int:
        return len(self._subs)

    def _actors(self) -> dict[int, Actor]:
        return {s.actor.id: s.actor for s in self._subs.values()}

    def _deliver(self, actor_id: int | None, frame: bytes) -> None:
        for sub in list(self._subs.values()):
            if actor_id is not None and sub.actor.id != actor_id:
                continue
            try:
                sub.queue.put_nowait(frame)
            except asyncio.QueueFull:
                log.warning("live: subscriber %s too slow, disconnecting", sub.id)
                self._end(sub, "slow")

    async def publish_chats(self, changes: ChatChanges) -> None:
        """Announce chat and message changes to each actor allowed to see each chat."""
        actors = self._actors()
        if not actors:
            return
        frames = await self.db.read(_chat_frames, list(actors.values()), changes)
        for actor_id, frame in frames:
            self._deliver(actor_id, frame)

    def account_changed(self, what: str) -> None:
        """Account data every user picks from changed (``what``: "tags", "fields",
        "statuses", "funnels", "modules", "users", "queue"): pages reload those choices."""
        self._deliver(None, _encoder.encode({"type": "account.changed", "what": what}))

    def device_changed(self) -> None:
        """Device status changed: announce it to everyone soon (changes are coalesced)."""
        if not self._subs:
            return
        if self._device_task is None or self._device_task.done():
            self._device_task = asyncio.get_running_loop().create_task(self._device_later())

    async def _device_later(self) -> None:
        await asyncio.sleep(DEVICE_STATUS_DEBOUNCE_SECONDS)
        await self.publish_devices()

    async def greet(self, sub: Subscriber) -> None:
        """The device status, to a browser that just connected."""
        try:
            both = await self.db.read(_device_frames)
        except Exception:
            log.exception("live: could not read device status")
            return
        with contextlib.suppress(asyncio.QueueFull):
            sub.queue.put_nowait(both[device_view(sub.actor)])

    async def publish_devices(self) -> None:
        actors = self._actors()
        if not actors:
            return
        try:
            both = await self.db.read(_device_frames)
        except Exception:
            log.exception("live: could not read device status")
            return
        for actor in actors.values():
            self._deliver(actor.id, both[device_view(actor)])

    async def close(self) -> None:
        for task in (self._device_task, self._sweep_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        for sub in list(self._subs.values()):
            with contextlib.suppress(asyncio.QueueFull):
                sub.queue.put_nowait(None)
        self._subs.clear()


def _chat_frames(conn: Conn, actors: list[Actor], changes: ChatChanges) -> list[tuple[int, bytes]]:
    received, sent, statuses = list(changes.received), list(changes.sent), list(changes.statuses)
    rows = message_rows(conn, [*received, *sent, *(m for m, _, _ in statuses)])
    revisited = list(changes.access_changed)
    chat_ids = list(
        dict.fromkeys([*changes.chats, *revisited, *(r["chat"] for r in rows.values())])
    )
    seen = {chat_id: chat_for_each(conn, actors, chat_id) for chat_id in chat_ids}
    out: list[tuple[int, bytes]] = []
    for actor in actors:
        show = can_see_numbers(actor)
        visible = {chat_id: chats[actor.id] for chat_id, chats in seen.items() if actor.id in chats}
        moves: list[tuple[str, int, tuple[str, int] | None]] = [
            *(("message.received", m, None) for m in received),
            *(("message.sent", m, None) for m in sent),
            *(("message.status", m, (status, at)) for m, status, at in statuses),
        ]
        for kind, message_id, move in moves:
            row = rows.get(message_id)
            if row is None or row["chat"] not in visible:
                continue
            message = message_payload(row, show)
            if move is not None:
                # the status this event announces, not a later one of the same frame
                message["status"], message["status_at"] = move[0], iso(move[1])
            event = {"type": kind, "chat_id": row["chat"], "message": message}
            out.append((actor.id, _encoder.encode(event)))
        for chat in visible.values():
            out.append((actor.id, _encoder.encode({"type": "chat.updated", "chat": chat})))
        for chat_id in revisited:
            if chat_id not in visible:
                out.append((actor.id, _encoder.encode({"type": "chat.hidden", "chat_id": chat_id})))
        for chat_id in changes.removed_chats:
            # The id alone says nothing; a removed chat was merged into another one.
            out.append((actor.id, _encoder.encode({"type": "chat.removed", "chat_id": chat_id})))
    return out


def _device_frames(conn: Conn) -> dict[tuple[bool, bool], bytes]:
    return {
        view: _encoder.encode({"type": "device.status", "devices": list_devices(conn, *view)})
        for view in ((False, False), (True, False), (True, True))
    }


def origin_allowed(origin: str | None, host: str | None) -> bool:
    """A browser's WebSocket must come from a page of this server (no cross-site hijacking)."""
    if not origin or not host:
        return False
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and parts.netloc.lower() == host.lower()


def hub_of(app: Any) -> LiveHub:
    hub: LiveHub = app.state.live
    return hub


async def chat_after_change(
    app: Any, db: Database, actor: Actor, chat_id: int, *, changed: bool = True
) -> Chat:
    """After a change to one chat by hand: tell every tab that may see it (when something
    changed), and answer with the chat as ``actor`` now sees it."""
    if changed:
        await hub_of(app).publish_chats(ChatChanges(chats=[chat_id]))
    return answer(await db.read(get_chat, actor, chat_id), Chat)


def _credential(socket: WebSocket[Any, Any, Any], actor: Actor) -> accounts.LiveCredential:
    if actor.token_id is not None:
        return accounts.LiveCredential(token_id=actor.token_id)
    return accounts.LiveCredential(session=socket.cookies.get(SESSION_COOKIE))


@websocket("/ws", name="live")
async def live_socket(socket: WebSocket[Any, Any, Any]) -> None:
    """Live events for the logged-in user (session cookie or API token; the Origin must be
    this server).

    Messages from the browser are ignored. The socket closes with 4401 within about a
    second once what it opened with ends: logout, idle expiry, a password change, the
    user deactivated, the API token revoked or expired.
    """
    actor = socket.user
    if not isinstance(actor, Actor) or not origin_allowed(
        socket.headers.get("origin"), socket.headers.get("host")
    ):
        log.warning("live: refused websocket from origin %r", socket.headers.get("origin"))
        await socket.close(code=4403, reason="origin")
        return
    hub = hub_of(socket.app)
    await socket.accept()
    sub = hub.subscribe(actor, _credential(socket, actor))
    await socket.send_data(
        _encoder.encode({"type": "hello", "user_id": actor.id}).decode(), mode="text"
    )
    await hub.greet(sub)

    async def pump() -> None:
        while True:
            frame = await sub.queue.get()
            if frame is None:
                return
            await socket.send_data(frame.decode(), mode="text")

    sender = asyncio.create_task(pump())
    receive: asyncio.Task[Any] | None = None
    try:
        while not sender.done():
            if receive is None:
                receive = asyncio.create_task(socket.receive_data(mode="text"))
            done, _ = await asyncio.wait({receive, sender}, return_when=asyncio.FIRST_COMPLETED)
            if receive in done:
                receive.result()  # raises WebSocketDisconnect when the browser leaves
                receive = None
        if sub.ended is not None:
            code, reason = (4401, "session") if sub.ended == "session" else (1008, sub.ended)
            with contextlib.suppress(Exception):
                await socket.close(code=code, reason=reason)
    except WebSocketDisconnect:
        pass
    finally:
        hub.unsubscribe(sub)
        for task in (sender, receive):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
