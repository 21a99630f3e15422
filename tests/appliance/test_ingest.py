"""Inbound: what the bridge reports becomes chats and messages by the upsert rules."""

from __future__ import annotations

import typing
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from appliance.areas.messages import ingest
from appliance.core.clock import now_ms
from appliance.core.db import Database
from tests.conftest import bearer
from tests.factories import assign, make_chat, make_device, make_tag, make_user, tag_chat
from wire import contract
from wire import contract as c

Client = AsyncTestClient[Litestar]
JID = "5511987650001@s.whatsapp.net"
LID = "123456789012345@lid"


class Link:
    def __init__(self, client: Client, token: str) -> None:
        self.client, self.token, self.seq = client, token, 0

    async def send(self, *events: dict[str, Any], status: int = 200) -> Any:
        out = []
        for e in events:
            self.seq += 1
            out.append({"seq": self.seq, **e})
        r = await self.client.post(
            "/bridge/v1/events",
            json={"version": c.CONTRACT_VERSION, "events": out},
            headers={"Authorization": f"Bearer {self.token}"},
        )
        assert r.status_code == status, r.text
        return r.json()


def msg(wa_id: str, chat: str = JID, **kw: Any) -> dict[str, Any]:
    return {
        "type": "message",
        "wa_id": wa_id,
        "chat": chat,
        "from_me": False,
        "sent_at": kw.pop("sent_at", now_ms()),
        "body": kw.pop("body", "Oi"),
        **kw,
    }


def chats(db: Database) -> list[dict[str, Any]]:
    return db.read_sync(lambda c: [dict(r) for r in c.execute("SELECT * FROM chat ORDER BY id")])


def count(db: Database, sql: str = "SELECT count(*) FROM message") -> int:
    return int(db.read_sync(lambda c: c.execute(sql).fetchone()[0]))


async def test_live_inbound_opens_a_chat_and_counts_unread_until_a_reply(
    client: Client, db: Database
) -> None:
    device, token = make_device(db)
    link = Link(client, token)
    before = now_ms()
    ack = await link.send(
        msg("A1", sent_at=1000, sender_name="José Antônio", body="Tem pão?"),
        msg("A2", sent_at=2000, sender_name="José Antônio"),
    )
    assert ack == {"version": c.CONTRACT_VERSION, "upto": 2}
    [chat] = chats(db)
    assert chat["device"] == device
    assert (chat["wa_id"], chat["phone"], chat["wa_name"], chat["sort_name"]) == (
        JID,
        "+5511987650001",
        "José Antônio",
        "jose antonio",
    )
    assert chat["registered_at"] >= before
    assert (chat["unread_count"], chat["waiting_since"], chat["last_message_at"]) == (2, 1000, 2000)
    messages = db.read_sync(
        lambda c: [
            tuple(r)
            for r in c.execute(
                "SELECT wa_id, direction, author_kind, status, sent_at FROM message ORDER BY id"
            )
        ]
    )
    assert messages == [
        ("A1", "in", "customer", "received", 1000),
        ("A2", "in", "customer", "received", 2000),
    ]
    registered = db.read_sync(
        lambda c: c.execute("SELECT min(registered_at) FROM message").fetchone()[0]
    )
    assert registered >= before  # M2: the box's time, beside the customer's

    # the shop answers from the phone itself
    await link.send(msg("P1", from_me=True, sent_at=3000, body="Tem sim"))
    [chat] = chats(db)
    assert (chat["unread_count"], chat["waiting_since"], chat["last_message_from_me"]) == (
        0,
        None,
        1,
    )
    assert chat["last_message_preview"] == "Tem sim"
    assert count(db, "SELECT count(*) FROM message WHERE author_kind = 'phone'") == 1


async def test_replays_are_no_ops_and_archived_chats_come_back(
    client: Client, db: Database
) -> None:
    device, token = make_device(db)
    make_chat(db, device, wa_id=JID, phone="+5511987650001", archived=True)
    link = Link(client, token)
    event = msg("B1", sent_at=5000)
    await link.send(event, event)
    await link.send(event)
    assert count(db) == 1
    [chat] = chats(db)
    assert (chat["archived"], chat["unread_count"]) == (0, 1)


async def test_history_does_not_count_unread_and_carries_the_first_sync_date(
    client: Client, db: Database
) -> None:
    device, token = make_device(db)
    link = Link(client, token)
    await link.send(*(msg(f"H{n}", sent_at=1_000 + n, history=True) for n in range(5)))
    [chat] = chats(db)
    first_sync = db.read_sync(
        lambda c: c.execute("SELECT first_sync_at FROM device WHERE id = ?", (device,)).fetchone()[
            0
        ]
    )
    assert first_sync is not None
    assert (chat["unread_count"], chat["registered_at"], chat["last_message_at"]) == (
        0,
        first_sync,
        1_004,
    )
    await link.send(msg("L1", sent_at=9_000))
    assert chats(db)[0]["unread_count"] == 1
    assert chats(db)[0]["registered_at"] == first_sync


async def test_a_history_batch_is_stored_in_one_frame_idempotently(
    client: Client, db: Database
) -> None:
    _, token = make_device(db)
    link = Link(client, token)
    events = [
        msg(f"K{n}", chat=f"55119876{n % 40:05d}@s.whatsapp.net", sent_at=n, history=True)
        for n in range(500)
    ]
    await link.send(*events)
    await link.send(*events)
    assert count(db) == 500
    assert count(db, "SELECT count(*) FROM chat") == 40


async def test_a_customer_known_by_lid_then_by_number_stays_one_chat(
    client: Client, db: Database
) -> None:
    _, token = make_device(db)
    link = Link(client, token)
    await link.send(msg("C1", chat=LID, sender_name="Marina"))
    [chat] = chats(db)
    assert (chat["wa_id"], chat["lid"], chat["phone"]) == (LID, LID, None)
    await link.send(msg("C2", chat=JID, chat_lid=LID, sender_name="Marina"))
    [after] = chats(db)
    assert (after["id"], after["wa_id"], after["lid"], after["phone"], after["unread_count"]) == (
        chat["id"],
        JID,
        LID,
        "+5511987650001",
        2,
    )
    await link.send(msg("C3", chat=LID))
    assert count(db, "SELECT count(*) FROM chat") == 1
    assert count(db, "SELECT count(DISTINCT chat) FROM message") == 1


async def test_an_identity_merges_two_chats_of_one_customer(client: Client, db: Database) -> None:
    _, token = make_device(db)
    link = Link(client, token)
    await link.send(msg("D1", chat=LID, sent_at=1000), msg("D2", chat=JID, sent_at=2000))
    assert count(db, "SELECT count(*) FROM chat") == 2
    by_lid = next(c["id"] for c in chats(db) if c["wa_id"] == LID)
    vip = make_tag(db, "VIP")
    tag_chat(db, by_lid, vip)
    ana = make_user(db, "ana")
    assign(db, by_lid, user=ana)
    await link.send({"type": "identity", "lid": LID, "jid": JID, "name": "Marina"})
    [chat] = chats(db)
    assert (chat["wa_id"], chat["lid"], chat["wa_name"], chat["unread_count"]) == (
        JID,
        LID,
        "Marina",
        2,
    )
    assert (chat["waiting_since"], chat["last_message_at"]) == (1000, 2000)
    assert count(db, "SELECT count(DISTINCT chat) FROM message") == 1
    # what the staff had put on the LID chat stays with the customer
    assert (
        count(db, f"SELECT count(*) FROM chat_tag WHERE chat = {chat['id']} AND tag = {vip}") == 1
    )
    assert count(db, f"SELECT count(*) FROM chat_assignee WHERE chat = {chat['id']}") == 1
    # the search index follows the moved message
    hits = db.read_sync(
        lambda c: c.execute(
            "SELECT count(*) FROM message_fts WHERE message_fts MATCH ?",
            (f'chat : "{chat["id"]}"',),
        ).fetchone()[0]
    )
    assert hits == 2


async def test_an_echo_stored_before_the_sent_report_folds_into_the_box_s_message(
    client: Client, db: Database
) -> None:
    """A driver that chooses its own ids: its echo of our message (and a receipt for it) may
    come before the report that names the id; the report makes them one message."""
    make_user(db, "admin", is_admin=True)
    device, token = make_device(db)
    chat = make_chat(db, device, phone="+5511987650001")
    headers = await bearer(client, "admin")
    r = await client.post(
        f"/api/v1/chats/{chat}/messages", json={"body": "Saiu para entrega"}, headers=headers
    )
    assert r.status_code == 202
    ours = r.json()
    link = Link(client, token)
    await link.send(
        msg("PHONE-1", from_me=True, body="Saiu para entrega", sent_at=1000),
        {"type": "receipt", "chat": JID, "wa_ids": ["PHONE-1"], "status": "delivered", "at": 2000},
    )
    assert count(db) == 2  # the echo, not yet known to be ours
    await link.send(
        {"type": "sent", "client_id": ours["client_id"], "wa_id": "PHONE-1", "at": 1500}
    )
    rows = db.read_sync(
        lambda c: [tuple(r) for r in c.execute("SELECT id, wa_id, status FROM message")]
    )
    assert rows == [(ours["id"], "PHONE-1", "delivered")]
    receipts = db.read_sync(
        lambda c: [
            tuple(r)
            for r in c.execute("SELECT message, status FROM message_receipt ORDER BY status")
        ]
    )
    assert receipts == [(ours["id"], "delivered"), (ours["id"], "sent")]
    # a later receipt for the phone's id reaches it
    await link.send(
        {"type": "receipt", "chat": JID, "wa_ids": ["PHONE-1"], "status": "read", "at": 3000}
    )
    assert db.read_sync(lambda c: c.execute("SELECT status FROM message").fetchone()[0]) == "read"


def test_every_kind_of_event_has_the_method_that_stores_it() -> None:
    """apply_events calls the _Frame method its event's tag names: each kind of the link's
    Event union has one, and it takes that kind."""
    kinds = typing.get_args(contract.Event)
    assert len(kinds) >= 9
    for kind in kinds:
        method = getattr(ingest._Frame, kind.__struct_config__.tag)
        assert typing.get_type_hints(method)["ev"] is kind, kind
