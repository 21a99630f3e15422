"""Inbound reliability with real processes: the web killed mid-burst; chaos on the phone."""

from __future__ import annotations

import uuid

import pytest

from tests.harness import Box, wait_until

pytestmark = pytest.mark.slow

INBOUND = "SELECT count(*) FROM message WHERE direction = 'in'"


def test_web_killed_mid_burst_stores_each_message_exactly_once(box: Box) -> None:
    box.start_web()
    box.start_bridge()
    wa_ids = box.sim("POST", "/burst", {"count": 1000})["wa_ids"]
    assert len(set(wa_ids)) == 1000

    wait_until(lambda: box.scalar(INBOUND) >= 100, what="the burst to start arriving", every=0.005)
    box.kill("web")
    stored_at_kill = box.scalar(INBOUND)
    assert stored_at_kill < 1000
    box.start_web()

    wait_until(lambda: box.scalar(INBOUND) >= 1000, timeout=90, what="all 1000 messages")
    wait_until(lambda: box.journal_pending() == 0, what="the journal to empty")
    stored = [row[0] for row in box.query("SELECT wa_id FROM message WHERE direction = 'in'")]
    assert len(stored) == 1000
    assert sorted(stored) == sorted(wa_ids)
    # unread counts add up to the messages: none counted twice, none skipped
    assert box.scalar("SELECT sum(unread_count) FROM chat") == 1000


def test_replayed_duplicated_and_reordered_events_store_one_row_and_receipts_move_forward(
    box: Box,
) -> None:
    box.start_web()
    box.start_bridge(delivery_delay=0.05, read_delay=0.2)
    box.sim_cli("chaos", "--duplicate", "0.5", "--reorder", "4")
    [chat] = box.make_chats(1)
    for n in range(30):
        r = box.api.post(
            f"/api/v1/chats/{chat}/messages",
            json={"body": f"Resposta {n}", "client_id": str(uuid.uuid4())},
        )
        assert r.status_code == 202
    inbound = box.sim("POST", "/send", {"from": "+5511987650077", "text": "Oi!", "count": 40})
    assert len(inbound["wa_ids"]) == 40

    wait_until(
        lambda: (
            box.scalar("SELECT count(*) FROM message WHERE status = 'read'") == 30
            and box.scalar(INBOUND) == 40
        ),
        timeout=60,
        what="30 messages read and 40 received",
    )
    # the phone tells everything again, out of order: nothing changes
    box.sim_cli("chaos", "--replay", "400")
    wait_until(
        lambda: box.sim("GET", "/status")["events_waiting"] == 0 and box.journal_pending() == 0,
        what="the replay to reach the web",
    )

    assert box.scalar(INBOUND) == 40
    assert box.scalar("SELECT count(DISTINCT wa_id) FROM message") == 70
    assert box.scalar("SELECT count(*) FROM message") == 70
    assert box.scalar("SELECT count(*) FROM message WHERE direction = 'out'") == 30
    assert box.scalar("SELECT count(*) FROM message WHERE status = 'read'") == 30
    assert (
        box.query(
            "SELECT message, status, count(*) FROM message_receipt GROUP BY message, status "
            "HAVING count(*) > 1"
        )
        == []
    )
    assert box.scalar("SELECT count(*) FROM message_receipt") == 90
    assert box.scalar("SELECT unread_count FROM chat WHERE phone = '+5511987650077'") == 40
