"""Older messages from the phone (history sync) reach open browser tabs: the chat is announced
again, without message events, so an open conversation reloads and shows them."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest
import websockets

from appliance.areas.accounts.service import create_session
from appliance.areas.messages.ingest import apply_events
from appliance.core.db import Database
from tests.factories import make_device
from tests.harness import Box, wait_until
from wire import contract as c

pytestmark = pytest.mark.slow

Event = dict[str, Any]
JID = "5511987650077@s.whatsapp.net"


def _admin_session(box: Box) -> str:
    db = Database(box.data / "balcao.db", readers=1)
    try:
        token, _ = db.write_sync(create_session, 1)
        return str(token)
    finally:
        db.close()


async def _until(ws: Any, done: Callable[[list[Event]], bool]) -> list[Event]:
    seen: list[Event] = []
    async with asyncio.timeout(30):
        while not done(seen):
            seen.append(json.loads(await ws.recv()))
    return seen


async def test_older_messages_from_the_phone_refresh_the_open_conversation(box: Box) -> None:
    box.start_web()
    box.start_worker()
    box.start_bridge(initial_sync=True, contacts=1)
    chat = wait_until(
        lambda: box.scalar("SELECT min(chat) FROM message WHERE direction = 'in'"),
        what="the first sync",
    )
    wait_until(lambda: box.journal_pending() == 0, what="the first sync to settle")
    before = box.scalar("SELECT count(*) FROM message WHERE chat = ?", (chat,))
    oldest = box.scalar("SELECT min(sent_at) FROM message WHERE chat = ?", (chat,))

    async with websockets.connect(
        f"ws://127.0.0.1:{box.port}/ws",
        additional_headers={"Cookie": f"balcao_session={_admin_session(box)}"},
        origin=box.url,  # type: ignore[arg-type]
        open_timeout=30,
    ) as ws:
        await _until(ws, lambda s: any(e["type"] == "device.status" for e in s))
        r = await asyncio.to_thread(
            box.api.post, f"/api/v1/chats/{chat}/sync", json={"older": True}
        )
        assert r.status_code == 202, r.text
        seen = await _until(
            ws,
            lambda s: (
                any(e["type"] == "chat.updated" and e["chat"]["id"] == chat for e in s)
                and box.scalar("SELECT count(*) FROM message WHERE chat = ?", (chat,)) > before
            ),
        )

    assert box.scalar("SELECT min(sent_at) FROM message WHERE chat = ?", (chat,)) < oldest
    # no message events: the page reloads the conversation on a chat.updated alone
    assert not [e for e in seen if e["type"].startswith("message.") and e["chat_id"] == chat]


def test_a_frame_with_older_and_live_messages_names_the_chats_of_each(db: Database) -> None:
    device, _ = make_device(db)

    def message(wa_id: str, history: bool, sent_at: int) -> c.InboundMessage:
        return c.InboundMessage(
            seq=0, wa_id=wa_id, chat=JID, from_me=False, sent_at=sent_at, body="Oi",
            history=history,
        )  # fmt: skip

    changes = db.write_sync(
        apply_events, device, [message("OLD1", True, 1000), message("NEW1", False, 9000)]
    )
    [chat] = changes.chats
    assert changes.history_chats == {chat}
    assert changes.live_chats == {chat}
    again = db.write_sync(apply_events, device, [message("OLD2", True, 500)])
    assert (again.history_chats, again.live_chats, again.received) == ({chat}, set(), [])
