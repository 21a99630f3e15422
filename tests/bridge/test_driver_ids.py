"""A driver that cannot choose a message's id: the web keeps the id the phone reports.

The simulated phone runs with ``own_ids``: it ignores the id the box derived and makes up
its own, as some WhatsApp clients do. Its receipts and its copy of the message in a history
page carry that id.
"""

from __future__ import annotations

import uuid

import pytest

from tests.harness import Box, wait_until
from wire.contract import wa_id_for_client

pytestmark = pytest.mark.slow


def test_the_phone_s_own_id_gets_the_receipts_and_its_echo_is_not_a_new_message(
    box: Box,
) -> None:
    box.start_web()
    box.start_worker()
    box.start_bridge(own_ids=True, delivery_delay=0.05, read_delay=0.1)
    [chat] = box.make_chats(1)
    client_id = str(uuid.uuid4())
    r = box.api.post(
        f"/api/v1/chats/{chat}/messages",
        json={"body": "Seu pedido saiu para entrega", "client_id": client_id},
    )
    assert r.status_code == 202
    message = r.json()["id"]

    [held] = wait_until(lambda: box.sim("GET", "/received"), what="the phone to take it")
    assert held["wa_id"] != wa_id_for_client(client_id)  # the phone chose its own
    wait_until(
        lambda: box.scalar("SELECT status FROM message WHERE id = ?", (message,)) == "read",
        what="the phone's receipts to reach the message",
    )
    assert box.scalar("SELECT wa_id FROM message WHERE id = ?", (message,)) == held["wa_id"]
    assert [s for (s,) in box.query(
        "SELECT status FROM message_receipt WHERE message = ? ORDER BY at, status", (message,)
    )] == ["sent", "delivered", "read"]  # fmt: skip

    # the phone's copy comes back in a history page: the same message, not a second one
    r = box.api.post(f"/api/v1/chats/{chat}/sync", json={"older": False})
    assert r.status_code == 202
    job = r.json()["id"]
    wait_until(
        lambda: box.scalar("SELECT state FROM device_job WHERE id = ?", (job,)) == "done",
        timeout=30,
        what="the history page",
    )
    assert box.query("SELECT id, wa_id, direction FROM message WHERE chat = ?", (chat,)) == [
        (message, held["wa_id"], "out")
    ]
