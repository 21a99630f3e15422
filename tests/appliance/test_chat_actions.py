"""Rename, read / unread, clear messages, the tag list, my own preferences."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from appliance.areas.chats.rows import ChatRow, insert_chat
from appliance.core.db import Database
from tests.conftest import bearer
from tests.factories import (
    assign,
    make_chat,
    make_department,
    make_device,
    make_message,
    make_tag,
    make_user,
)


async def test_rename_is_for_everyone_and_blank_goes_back(
    client: AsyncTestClient[Litestar], db: Database
) -> None:
    vendas = make_department(db, "Vendas")
    make_user(db, "ana", departments=[vendas])
    make_user(db, "admin", is_admin=True)
    device, _ = make_device(db)
    chat = db.write_sync(
        insert_chat,
        ChatRow(
            device=device,
            wa_id="5511999990000@s.whatsapp.net",
            phone="+5511999990000",
            wa_name="🌸 Ju",
            sort_name="🌸 ju",
            registered_at=1,
        ),
    )
    assign(db, chat, department=vendas)
    ana = await bearer(client, "ana")
    r = await client.patch(
        f"/api/v1/chats/{chat}", json={"custom_name": "  Juliana  Prado "}, headers=ana
    )
    assert r.status_code == 200
    assert r.json()["name"] == "Juliana Prado"
    admin = await bearer(client, "admin")
    listed = await client.get("/api/v1/chats?name=prado", headers=admin)
    assert [c["name"] for c in listed.json()["items"]] == ["Juliana Prado"]
    r = await client.patch(f"/api/v1/chats/{chat}", json={"custom_name": ""}, headers=ana)
    assert r.json()["name"] == "🌸 Ju"
    assert r.json()["custom_name"] is None
    r = await client.patch(f"/api/v1/chats/{chat}", json={"custom_name": "x" * 121}, headers=ana)
    assert r.status_code == 400
    assert "120 caracteres" in r.json()["message"]
    other = make_chat(db, device, name="De outro")
    r = await client.patch(f"/api/v1/chats/{other}", json={"custom_name": "Meu"}, headers=ana)
    assert r.status_code == 404


async def test_read_and_unread(client: AsyncTestClient[Litestar], db: Database) -> None:
    make_user(db, "admin", is_admin=True)
    device, _ = make_device(db)
    old = make_chat(db, device, name="Antigo", unread=3, last_message_at=1_000)
    make_chat(db, device, name="Recente", last_message_at=2_000)
    admin = await bearer(client, "admin")
    r = await client.post(f"/api/v1/chats/{old}/read", headers=admin)
    assert r.json()["unread_count"] == 0
    first = (await client.get("/api/v1/chats", headers=admin)).json()["items"][0]
    assert first["name"] == "Recente"
    r = await client.post(f"/api/v1/chats/{old}/unread", headers=admin)
    assert r.json()["unread_count"] == 1
    first = (await client.get("/api/v1/chats", headers=admin)).json()["items"][0]
    assert first["name"] == "Antigo"
    assert (await client.get("/api/v1/chats?unread=true", headers=admin)).json()["items"][0][
        "id"
    ] == old


async def test_clear_messages_needs_permission_and_keeps_the_chat(
    client: AsyncTestClient[Litestar], db: Database
) -> None:
    make_user(db, "admin", is_admin=True)
    make_user(db, "ana", permissions=["see_all_chats"])
    device, _ = make_device(db)
    chat = make_chat(db, device, name="Cliente", unread=2)
    for i in range(3):
        make_message(db, chat, body=f"mensagem {i}")
    ana = await bearer(client, "ana")
    r = await client.post(f"/api/v1/chats/{chat}/clear", headers=ana)
    assert r.status_code == 403
    assert "permissão" in r.json()["message"]
    admin = await bearer(client, "admin")
    r = await client.post(f"/api/v1/chats/{chat}/clear", headers=admin)
    assert r.status_code == 200
    assert r.json()["deleted"] == 3
    assert r.json()["chat"]["unread_count"] == 0
    messages = await client.get(f"/api/v1/chats/{chat}/messages", headers=admin)
    assert messages.json()["items"] == []
    search = await client.get("/api/v1/search/messages?q=mensagem", headers=admin)
    assert search.json()["items"] == []


async def test_tags_and_my_preferences(client: AsyncTestClient[Litestar], db: Database) -> None:
    make_user(db, "ana", password="ana1")
    make_tag(db, "VIP", "#ff0000")
    make_tag(db, "Atacado")
    ana = await bearer(client, "ana", "ana1")
    tags = (await client.get("/api/v1/tags", headers=ana)).json()
    assert [t["name"] for t in tags] == ["Atacado", "VIP"]
    r = await client.patch(
        "/api/v1/me", json={"sound_on": False, "notify_email": False}, headers=ana
    )
    assert r.status_code == 200
    assert r.json()["sound_on"] is False
    assert r.json()["notify_email"] is False
    assert r.json()["notify_browser"] is True
    r = await client.patch(
        "/api/v1/me",
        json={"new_password": "nova-senha-123", "current_password": "errada"},
        headers=ana,
    )
    assert r.status_code == 401
    r = await client.patch(
        "/api/v1/me",
        json={"new_password": "nova-senha-123", "current_password": "ana1"},
        headers=ana,
    )
    assert r.status_code == 200
    await bearer(client, "ana", "nova-senha-123")
