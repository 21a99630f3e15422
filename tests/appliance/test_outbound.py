"""Sending: POST /api/v1/chats/{id}/messages queues at once; the bridge link takes it from there."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from appliance.areas.accounts.service import load_actor
from appliance.areas.files import store
from appliance.areas.messages.outbound import Attachment, queue_message
from appliance.core.clock import now_ms
from appliance.core.db import Database
from appliance.core.errors import InvalidInput
from appliance.core.settings import Settings
from tests.conftest import bearer
from tests.factories import assign, make_chat, make_device, make_user
from wire import contract as c
from wire.contract import wa_id_for_client

Client = AsyncTestClient[Litestar]


async def _send(client: Client, headers: dict[str, str], chat: int, **body: Any) -> Any:
    return await client.post(f"/api/v1/chats/{chat}/messages", json=body, headers=headers)


def _link(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


async def _events(client: Client, token: str, *events: dict[str, Any]) -> Any:
    frame = {
        "version": c.CONTRACT_VERSION,
        "events": [{"seq": n + 1, **e} for n, e in enumerate(events)],
    }
    r = await client.post("/bridge/v1/events", json=frame, headers=_link(token))
    assert r.status_code == 200, r.text
    return r.json()


async def test_a_message_is_queued_at_once_with_its_outbox_row(
    client: Client, db: Database
) -> None:
    make_user(db, "admin", is_admin=True)
    device, _ = make_device(db)
    chat = make_chat(db, device, name="Maria", unread=3)
    headers = await bearer(client, "admin")

    r = await _send(client, headers, chat, body="Temos sim, pode vir buscar!")
    assert r.status_code == 202
    message = r.json()
    assert message["status"] == "queued"
    assert message["direction"] == "out"
    assert message["author"]["name"] == "Admin"
    assert message["wa_id"] == wa_id_for_client(message["client_id"])

    def look(conn: Any) -> Any:
        return (
            conn.execute(
                "SELECT count(*) FROM outbox WHERE message = ?", (message["id"],)
            ).fetchone()[0],
            tuple(
                conn.execute(
                    "SELECT last_message_preview, last_message_from_me, last_message_status, "
                    "unread_count, waiting_since FROM chat WHERE id = ?",
                    (chat,),
                ).fetchone()
            ),
        )

    assert db.read_sync(look) == (1, ("Temos sim, pode vir buscar!", 1, "queued", 0, None))
    devices = (await client.get("/api/v1/devices", headers=headers)).json()
    assert (devices[0]["outbox"], devices[0]["queued"]) == (1, 1)


async def test_the_same_client_id_is_the_same_message(client: Client, db: Database) -> None:
    make_user(db, "admin", is_admin=True)
    device, _ = make_device(db)
    chat = make_chat(db, device)
    headers = await bearer(client, "admin")
    client_id = str(uuid.uuid4())

    first = await _send(client, headers, chat, body="Oi!", client_id=client_id)
    again = await _send(client, headers, chat, body="Oi!", client_id=client_id)
    assert (first.status_code, again.status_code) == (202, 202)
    assert again.json() == first.json()
    assert db.read_sync(lambda c: c.execute("SELECT count(*) FROM message").fetchone()[0]) == 1
    assert db.read_sync(lambda c: c.execute("SELECT count(*) FROM outbox").fetchone()[0]) == 1

    other = make_chat(db, device)
    r = await _send(client, headers, other, body="Oi!", client_id=client_id)
    assert r.status_code == 409


async def test_only_chats_the_caller_may_see(client: Client, db: Database) -> None:
    device, _ = make_device(db)
    ana = make_user(db, "ana")
    mine, theirs = make_chat(db, device), make_chat(db, device)
    assign(db, mine, user=ana)
    headers = await bearer(client, "ana")

    assert (await _send(client, headers, mine, body="Olá")).status_code == 202
    r = await _send(client, headers, theirs, body="Olá")
    assert r.status_code == 404
    assert r.json()["code"] == "chat.not_found"
    assert (await _send(client, headers, 999_999, body="Olá")).status_code == 404


async def test_bad_input_is_refused_in_portuguese(client: Client, db: Database) -> None:
    make_user(db, "admin", is_admin=True)
    device, _ = make_device(db)
    chat = make_chat(db, device)
    headers = await bearer(client, "admin")
    for body, code in (
        ({"body": "   "}, "message.empty"),
        ({"body": "x" * 65_537}, "invalid_input"),
        ({"body": "Oi", "client_id": "not-a-uuid"}, "invalid_input"),
    ):
        r = await _send(client, headers, chat, **body)
        assert (r.status_code, r.json()["code"]) == (400, code)
        assert r.json()["message"]
    assert db.read_sync(lambda c: c.execute("SELECT count(*) FROM message").fetchone()[0]) == 0


async def test_the_bridge_takes_sends_and_receipts_only_move_forward(
    client: Client, db: Database
) -> None:
    make_user(db, "admin", is_admin=True)
    device, token = make_device(db)
    chat = make_chat(db, device, phone="+5511987651234")
    headers = await bearer(client, "admin")
    sent = [(await _send(client, headers, chat, body=f"Msg {n}")).json() for n in range(3)]

    r = await client.get("/bridge/v1/outbox", params={"after": 0}, headers=_link(token))
    work = r.json()
    assert [i["client_id"] for i in work["outbound"]] == [m["client_id"] for m in sent]
    assert {i["chat"] for i in work["outbound"]} == {"5511987651234@s.whatsapp.net"}
    last = work["outbound"][-1]["outbox_id"]
    r = await client.get("/bridge/v1/outbox", params={"after": last}, headers=_link(token))
    assert r.json()["outbound"] == []

    first = sent[0]
    chat_jid = "5511987651234@s.whatsapp.net"
    await _events(
        client,
        token,
        {"type": "sent", "client_id": first["client_id"], "wa_id": first["wa_id"], "at": 1000},
        {
            "type": "receipt",
            "chat": chat_jid,
            "wa_ids": [first["wa_id"]],
            "status": "read",
            "at": 3000,
        },
        {
            "type": "receipt",
            "chat": chat_jid,
            "wa_ids": [first["wa_id"]],
            "status": "delivered",
            "at": 2000,
        },
        {"type": "sent", "client_id": first["client_id"], "wa_id": first["wa_id"], "at": 1000},
    )
    rows = db.read_sync(
        lambda c: c.execute(
            "SELECT status, status_at FROM message WHERE id = ?", (first["id"],)
        ).fetchone()
    )
    assert tuple(rows) == ("read", 3000)
    receipts = db.read_sync(
        lambda c: c.execute(
            "SELECT status, at FROM message_receipt WHERE message = ? ORDER BY at", (first["id"],)
        ).fetchall()
    )
    assert [tuple(r) for r in receipts] == [("sent", 1000), ("delivered", 2000), ("read", 3000)]
    assert db.read_sync(lambda c: c.execute("SELECT count(*) FROM outbox").fetchone()[0]) == 2

    # held by the phone (no signal): out of the outbox, still queued, counted as the phone's
    second = sent[1]
    await _events(
        client,
        token,
        {
            "type": "sent",
            "client_id": second["client_id"],
            "wa_id": second["wa_id"],
            "at": 4000,
            "pending": True,
        },
    )
    devices = (await client.get("/api/v1/devices", headers=headers)).json()
    assert (devices[0]["outbox"], devices[0]["phone_queue"], devices[0]["queued"]) == (1, 1, 2)
    page = (await client.get(f"/api/v1/chats/{chat}/messages", headers=headers)).json()
    assert {m["id"]: m["status"] for m in page["items"]} == {
        first["id"]: "read",
        second["id"]: "queued",
        sent[2]["id"]: "queued",
    }


async def test_receipts_follow_the_last_message_whatever_the_phone_clock_says(
    client: Client, db: Database
) -> None:
    make_user(db, "admin", is_admin=True)
    device, token = make_device(db)
    chat = make_chat(db, device, phone="+5511987651234", last_message_at=0)
    jid = "5511987651234@s.whatsapp.net"
    ahead = now_ms() + 3_600_000  # the phone's clock runs an hour ahead
    await _events(
        client,
        token,
        {
            "type": "message",
            "wa_id": "IN1",
            "chat": jid,
            "from_me": False,
            "sent_at": ahead,
            "body": "Oi?",
        },
    )
    headers = await bearer(client, "admin")
    out = (await _send(client, headers, chat, body="Oi! Tudo bem?")).json()
    await _events(
        client,
        token,
        {
            "type": "receipt",
            "chat": jid,
            "wa_ids": [out["wa_id"]],
            "status": "read",
            "at": ahead + 1,
        },
    )
    shown = (await client.get(f"/api/v1/chats/{chat}", headers=headers)).json()
    assert (shown["last_message_preview"], shown["last_message_from_me"]) == ("Oi! Tudo bem?", True)
    assert (shown["last_message_status"], shown["unread_count"]) == ("read", 0)


async def test_a_file_goes_out_through_the_link_to_its_own_device_only(
    client: Client, db: Database, settings: Settings
) -> None:
    """The outbox names the file of a message with media; the device's bridge fetches it by
    its hash while the message waits to go out, and no other device (nor any other file)
    can be fetched with a device token."""
    make_user(db, "admin", is_admin=True)
    device, token = make_device(db)
    _, other_token = make_device(db, "Celular do estoque")
    chat = make_chat(db, device, wa_id="5511987650001@s.whatsapp.net")
    photo = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 20 + b"\xff\xd9"
    sha = db.write_sync(store.store_bytes, settings.files_dir, photo, "image/jpeg")
    stray = db.write_sync(
        store.store_bytes, settings.files_dir, b"%PDF-1.4 outro", "application/pdf"
    )
    admin = db.read_sync(lambda conn: load_actor(conn, 1))
    attachment = Attachment("image", sha, "image/jpeg", "vitrine.jpg", len(photo))
    message, created, _ = db.write_sync(
        queue_message,
        admin,
        chat,
        "A vitrine nova",
        "7c1e2d3f-0000-4000-8000-000000000001",
        attachment,
    )
    assert created
    assert (message["kind"], message["body"]) == ("image", "A vitrine nova")

    [item] = (await client.get("/bridge/v1/outbox", headers=_link(token))).json()["outbound"]
    assert (item["kind"], item["body"], item["client_id"]) == (
        "image",
        "A vitrine nova",
        "7c1e2d3f-0000-4000-8000-000000000001",
    )
    assert item["media"] == {
        "mimetype": "image/jpeg",
        "filename": "vitrine.jpg",
        "size": len(photo),
        "sha256": sha,
        "caption": "",
        "seconds": 0,
        "extra": {},
    }
    got = await client.get(f"/bridge/v1/files/{sha}", headers=_link(token))
    assert (got.status_code, got.content) == (200, photo)
    for headers, name, status in (
        (_link(other_token), sha, 404),
        (_link(token), stray, 404),
        (_link(token), sha.upper(), 400),
        ({}, sha, 401),
    ):
        r = await client.get(f"/bridge/v1/files/{name}", headers=headers)
        assert r.status_code == status, (name, r.text)
        assert r.json()["code"].startswith("bridge.")

    await _events(
        client,
        token,
        {
            "type": "sent",
            "client_id": "7c1e2d3f-0000-4000-8000-000000000001",
            "wa_id": item["wa_id"],
            "at": now_ms(),
        },
    )
    gone = await client.get(f"/bridge/v1/files/{sha}", headers=_link(token))
    assert gone.status_code == 404


async def test_a_file_the_box_does_not_have_cannot_be_queued(
    db: Database, settings: Settings
) -> None:
    make_user(db, "admin", is_admin=True)
    device, _ = make_device(db)
    chat = make_chat(db, device)
    admin = db.read_sync(lambda conn: load_actor(conn, 1))
    missing = Attachment("image", "ab" * 32, "image/jpeg")
    with pytest.raises(InvalidInput, match="Arquivo não encontrado"):
        db.write_sync(
            queue_message, admin, chat, "", "7c1e2d3f-0000-4000-8000-000000000002", missing
        )
    sha = db.write_sync(store.store_bytes, settings.files_dir, b"\xff\xd8\xff\xd9", "image/jpeg")
    with pytest.raises(InvalidInput):
        db.write_sync(
            queue_message,
            admin,
            chat,
            "",
            "7c1e2d3f-0000-4000-8000-000000000003",
            Attachment("hologram", sha, "x/y"),
        )
    # A file needs no caption; a text does.
    message, _, _ = db.write_sync(
        queue_message,
        admin,
        chat,
        "",
        "7c1e2d3f-0000-4000-8000-000000000004",
        Attachment("image", sha, "image/jpeg"),
    )
    assert message["body"] == ""
    with pytest.raises(InvalidInput, match="vazia"):
        db.write_sync(queue_message, admin, chat, "  ", "7c1e2d3f-0000-4000-8000-000000000005")
