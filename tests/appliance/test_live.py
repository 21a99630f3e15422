"""Live events on /ws: the real web over uvicorn, the real bridge, browsers' websockets."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest
import websockets

from tests.harness import Box, wait_until

pytestmark = pytest.mark.slow

Event = dict[str, Any]


def _connect(box: Box, token: str | None, origin: str | None = None) -> Any:
    headers = {}
    if token:
        headers["Cookie"] = f"balcao_session={token}"
    return websockets.connect(
        f"ws://127.0.0.1:{box.port}/ws",
        additional_headers=headers,
        origin=origin or box.url,  # type: ignore[arg-type]
        open_timeout=30,
    )


async def _until(ws: Any, done: Callable[[list[Event]], bool]) -> list[Event]:
    seen: list[Event] = []
    async with asyncio.timeout(20):
        while not done(seen):
            seen.append(json.loads(await ws.recv()))
    return seen


def _kinds(events: list[Event], kind: str) -> list[Event]:
    return [e for e in events if e["type"] == kind]


async def test_chat_events_reach_only_those_who_may_see_the_chat(box: Box) -> None:
    box.start_web()
    box.start_bridge(delivery_delay=0.05, read_delay=0.1)
    mine, other = box.make_chats(2)
    admin = box.session_of("admin")
    ana = box.session_of("ana", chats=(mine,))
    phones = dict(box.query("SELECT id, phone FROM chat"))

    async with _connect(box, admin) as ws_admin, _connect(box, ana) as ws_ana:
        for ws in (ws_admin, ws_ana):
            hello = await _until(ws, lambda s: any(e["type"] == "device.status" for e in s))
            assert hello[0]["type"] == "hello"
            assert _kinds(hello, "device.status")[0]["devices"][0]["state"] == "ready"

        await asyncio.to_thread(
            box.sim, "POST", "/send", {"from": phones[other], "text": "Só para a gerência"}
        )
        await asyncio.to_thread(box.sim, "POST", "/send", {"from": phones[mine], "text": "Oi Ana"})
        seen_admin = await _until(
            ws_admin,
            lambda s: {e["chat"]["id"] for e in _kinds(s, "chat.updated")} == {mine, other},
        )
        assert [e["message"]["body"] for e in _kinds(seen_admin, "message.received")] == [
            "Só para a gerência",
            "Oi Ana",
        ]
        updated = [e["chat"] for e in _kinds(seen_admin, "chat.updated")]
        assert {c["id"] for c in updated} == {mine, other}
        assert all(c["phone"] for c in updated)  # admins see numbers

        seen_ana = await _until(ws_ana, lambda s: len(_kinds(s, "chat.updated")) == 1)
        [received] = _kinds(seen_ana, "message.received")
        assert (received["chat_id"], received["message"]["body"]) == (mine, "Oi Ana")
        assert {e["chat"]["id"] for e in _kinds(seen_ana, "chat.updated")} == {mine}
        assert all(e["chat"]["phone"] is None for e in _kinds(seen_ana, "chat.updated"))
        assert _kinds(seen_ana, "chat.updated")[-1]["chat"]["unread_count"] == 1

        # staff answer: sent at once (queued), then ✓, ✓✓ and blue ✓✓ as the phone reports
        r = await asyncio.to_thread(
            box.api.post, f"/api/v1/chats/{mine}/messages", json={"body": "Olá! Como posso ajudar?"}
        )
        assert r.status_code == 202
        statuses = await _until(
            ws_ana,
            lambda s: any(
                e["type"] == "chat.updated" and e["chat"]["last_message_status"] == "read"
                for e in s
            ),
        )
        [sent] = _kinds(statuses, "message.sent")
        assert sent["message"]["status"] == "queued"
        assert [e["message"]["status"] for e in _kinds(statuses, "message.status")] == [
            "sent",
            "delivered",
            "read",
        ]
        assert all(e["chat_id"] == mine for e in _kinds(statuses, "message.status"))
        last = _kinds(statuses, "chat.updated")[-1]["chat"]
        assert (last["unread_count"], last["last_message_status"]) == (0, "read")
        # nothing of the other chat reached Ana in between
        assert all(e.get("chat_id", mine) == mine for e in [*seen_ana, *statuses])


async def test_websockets_need_a_session_and_this_server_as_origin(box: Box) -> None:
    box.start_web()
    admin = box.session_of("admin")
    for token, origin in ((None, None), ("not-a-session", None), (admin, "http://evil.example")):
        with pytest.raises(websockets.InvalidStatus) as refused:
            async with _connect(box, token, origin):
                pass
        assert refused.value.response.status_code == 403
    wait_until(
        lambda: "refused websocket from origin 'http://evil.example'" in box.log_text("web"),
        what="the refusal in the web's log",
    )
    async with _connect(box, admin) as ws:
        assert json.loads(await ws.recv())["type"] == "hello"
