"""Outbound reliability with real processes: the bridge killed mid-send, the phone offline."""

from __future__ import annotations

import json
import uuid
from collections import defaultdict

import pytest

from tests.harness import Box, wait_until

pytestmark = pytest.mark.slow


def _post_all(box: Box, chats: list[int], total: int) -> dict[int, list[str]]:
    """``total`` messages round-robin over ``chats``; returns client ids per chat, in order."""
    sent: dict[int, list[str]] = defaultdict(list)
    for n in range(total):
        chat = chats[n % len(chats)]
        client_id = str(uuid.uuid4())
        r = box.api.post(
            f"/api/v1/chats/{chat}/messages",
            json={"body": f"Mensagem {n} para o chat {chat}", "client_id": client_id},
        )
        assert r.status_code == 202, r.text
        assert r.json()["status"] == "queued"
        sent[chat].append(client_id)
    return sent


def _received(box: Box) -> list[dict[str, object]]:
    return list(json.loads(box.sim_cli("received", "--json")))


def _assert_each_once_in_order(box: Box, sent: dict[int, list[str]], total: int) -> None:
    received = _received(box)
    assert len(received) == total
    assert all(item["copies"] == 1 for item in received)
    wa_of_chat = dict(box.query("SELECT id, wa_id FROM chat"))
    by_chat: dict[object, list[object]] = defaultdict(list)
    for item in received:
        by_chat[item["to"]].append(item["client_id"])
    for chat, client_ids in sent.items():
        assert by_chat[wa_of_chat[chat]] == client_ids


def test_bridge_killed_mid_send_delivers_each_message_once_in_order(box: Box) -> None:
    box.start_web()
    chats = box.make_chats(5)
    sent = _post_all(box, chats, 500)
    assert box.healthz()["outbox"] == 500

    box.start_bridge(wait=False, delivery_delay=0.05, read_delay=0.1)
    wait_until(
        lambda: box.scalar("SELECT count(*) FROM outbox") <= 450, what="sends to start", every=0.005
    )
    box.kill("bridge")
    at_kill = box.scalar("SELECT count(*) FROM outbox")
    assert 0 < at_kill < 500
    box.start_bridge(delivery_delay=0.05, read_delay=0.1)

    wait_until(
        lambda: box.scalar("SELECT count(*) FROM message WHERE status = 'read'") == 500,
        timeout=90,
        what="all 500 messages read",
    )
    _assert_each_once_in_order(box, sent, 500)
    assert box.scalar("SELECT count(*) FROM message") == 500
    assert box.scalar("SELECT count(*) FROM outbox") == 0
    # every receipt kept once, with its time: sent, delivered, read
    assert (
        box.query("SELECT count(*) FROM message_receipt GROUP BY message HAVING count(*) != 3")
        == []
    )
    assert box.healthz()["queued"] == 0


def test_phone_offline_queues_and_drains_in_order(box: Box) -> None:
    box.start_web()
    box.start_bridge(delivery_delay=0.05, read_delay=0.1)
    chats = box.make_chats(4)
    box.sim_cli("offline")
    wait_until(
        lambda: (
            box.scalar("SELECT state || ': ' || state_detail FROM device")
            == "ready: celular sem sinal"
        ),
        what="the device to show it has no signal",
    )
    sent = _post_all(box, chats, 1000)

    health = wait_until(
        lambda: (h := box.healthz())["phone_queue"] == 1000 and h,
        timeout=60,
        what="the phone's queue to hold 1000",
    )
    assert health["queued"] == 1000
    assert health["outbox"] == 0
    assert box.scalar("SELECT count(*) FROM message WHERE status = 'queued'") == 1000
    assert all(item["copies"] == 0 for item in _received(box))

    box.sim_cli("online")
    wait_until(
        lambda: box.scalar("SELECT count(*) FROM message WHERE status = 'read'") == 1000,
        timeout=90,
        what="the queue to drain and be read",
    )
    _assert_each_once_in_order(box, sent, 1000)
    wait_until(lambda: box.healthz()["queued"] == 0, what="the queue count to reach 0")
    wait_until(lambda: box.scalar("SELECT state_detail FROM device") == "", what="the signal")
