"""Adding a chat by number (L12, add-chats module) through the API."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from appliance.core.db import Database
from tests.conftest import bearer
from tests.factories import assign, make_chat, make_department, make_device, make_user


@pytest.mark.parametrize(
    "typed",
    [
        "+55 11 98765-4321",
        "+55 11 8765-4321",
        "11987654321",
        "1187654321",
        "(11) 98765-4321",
        "(11) 8765-4321",
        "5511987654321",
        "055 11 98765 4321",
    ],
)
async def test_every_way_of_typing_a_number_opens_the_same_chat(
    client: AsyncTestClient[Litestar], db: Database, typed: str
) -> None:
    make_device(db)
    make_user(db, "admin", is_admin=True)
    admin = await bearer(client, "admin")
    first = await client.post("/api/v1/chats", json={"phone": "11 98765-4321"}, headers=admin)
    assert first.status_code == 201, first.text
    assert first.json()["phone"] == "+5511987654321"
    again = await client.post("/api/v1/chats", json={"phone": typed}, headers=admin)
    assert again.status_code == 200, again.text
    assert again.json()["id"] == first.json()["id"]
    listed = (await client.get("/api/v1/chats", headers=admin)).json()["items"]
    assert [c["phone"] for c in listed] == ["+5511987654321"]


async def test_a_customer_known_by_the_old_eight_digit_id_is_not_added_twice(
    client: AsyncTestClient[Litestar], db: Database
) -> None:
    device, _ = make_device(db)
    old = make_chat(
        db, device, name="Dona Maria", phone="+551187654321", wa_id="551187654321@s.whatsapp.net"
    )
    make_user(db, "admin", is_admin=True)
    r = await client.post(
        "/api/v1/chats", json={"phone": "11 98765-4321"}, headers=await bearer(client, "admin")
    )
    assert r.status_code == 200
    assert r.json()["id"] == old
    assert r.json()["name"] == "Dona Maria"


async def test_new_chat_takes_the_name_and_the_device_given(
    client: AsyncTestClient[Litestar], db: Database
) -> None:
    make_device(db, "Loja")
    second, _ = make_device(db, "Entregas")
    make_user(db, "admin", is_admin=True)
    admin = await bearer(client, "admin")
    r = await client.post(
        "/api/v1/chats",
        json={"phone": "21 99876-5432", "device_id": second, "name": "  Seu  Jorge "},
        headers=admin,
    )
    assert r.status_code == 201
    chat = r.json()
    assert (chat["name"], chat["device_id"], chat["device"]["name"]) == (
        "Seu Jorge",
        second,
        "Entregas",
    )
    # The same number on the other device is another chat (chats are per device).
    r = await client.post("/api/v1/chats", json={"phone": "21 99876-5432"}, headers=admin)
    assert r.status_code == 201
    assert r.json()["device"]["name"] == "Loja"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"phone": "123"}, "phone.invalid"),
        ({"phone": "abc"}, "phone.invalid"),
        ({"phone": "  "}, "phone.empty"),
        ({"phone": "11987654321", "device_id": 999}, "device.not_found"),
    ],
)
async def test_invalid_number_or_device_is_refused_with_a_message(
    client: AsyncTestClient[Litestar], db: Database, body: dict[str, object], code: str
) -> None:
    make_device(db)
    make_user(db, "admin", is_admin=True)
    r = await client.post("/api/v1/chats", json=body, headers=await bearer(client, "admin"))
    assert r.status_code == 400
    assert r.json()["code"] == code
    assert r.json()["message"]


async def test_without_a_device_there_is_nothing_to_add_to(
    client: AsyncTestClient[Litestar], db: Database
) -> None:
    make_user(db, "admin", is_admin=True)
    r = await client.post(
        "/api/v1/chats", json={"phone": "11987654321"}, headers=await bearer(client, "admin")
    )
    assert r.status_code == 400
    assert "aparelho" in r.json()["message"]


async def test_module_off_the_route_is_absent(
    client: AsyncTestClient[Litestar], db: Database
) -> None:
    make_device(db)
    make_user(db, "admin", is_admin=True)
    admin = await bearer(client, "admin")
    r = await client.patch("/api/v1/modules", json={"add_chats": False}, headers=admin)
    assert r.status_code == 200, r.text
    r = await client.post("/api/v1/chats", json={"phone": "11987654321"}, headers=admin)
    assert r.status_code == 404
    # The list on the same path is not part of the module.
    assert (await client.get("/api/v1/chats", headers=admin)).status_code == 200


async def test_normal_user_gets_the_new_chat_assigned_and_sees_it(
    client: AsyncTestClient[Litestar], db: Database
) -> None:
    make_device(db)
    ana_id = make_user(db, "ana", name="Ana")
    make_user(db, "bruno")
    ana = await bearer(client, "ana")
    r = await client.post("/api/v1/chats", json={"phone": "11987654321"}, headers=ana)
    assert r.status_code == 201
    chat = r.json()
    assert chat["assignees"] == [{"kind": "user", "id": ana_id, "name": "Ana"}]
    # Without the permission to see numbers the number stays hidden, even to its creator.
    assert chat["phone"] is None
    listed = (await client.get("/api/v1/chats", headers=ana)).json()["items"]
    assert [c["id"] for c in listed] == [chat["id"]]
    assert (await client.get(f"/api/v1/chats/{chat['id']}", headers=ana)).status_code == 200
    bruno = await bearer(client, "bruno")
    assert (await client.get("/api/v1/chats", headers=bruno)).json()["items"] == []
    history = db.write_sync(
        lambda c: [
            tuple(r)
            for r in c.execute(
                "SELECT member, action, source, by_user FROM assignment_event WHERE chat = ?",
                (chat["id"],),
            )
        ]
    )
    assert history == [(ana_id, "added", "manual", ana_id)]


async def test_user_who_sees_all_chats_is_not_assigned(
    client: AsyncTestClient[Litestar], db: Database
) -> None:
    make_device(db)
    make_user(db, "gerente", permissions=["see_all_chats"])
    r = await client.post(
        "/api/v1/chats", json={"phone": "11987654321"}, headers=await bearer(client, "gerente")
    )
    assert r.status_code == 201
    assert r.json()["assignees"] == []


async def test_a_chat_the_user_may_not_see_is_not_opened_nor_described(
    client: AsyncTestClient[Litestar], db: Database
) -> None:
    device, _ = make_device(db)
    vendas = make_department(db, "Vendas")
    hidden = make_chat(db, device, name="Cliente do Bruno", phone="+5511987654321")
    bruno = make_user(db, "bruno")
    assign(db, hidden, user=bruno)
    shared = make_chat(db, device, name="Cliente de Vendas", phone="+5521987654321")
    assign(db, shared, department=vendas)
    make_user(db, "ana", departments=[vendas])
    ana = await bearer(client, "ana")

    r = await client.post("/api/v1/chats", json={"phone": "11 98765-4321"}, headers=ana)
    assert r.status_code == 404
    assert "Cliente do Bruno" not in r.text
    assert str(hidden) not in r.text
    assert r.json()["code"] == "chat.not_found"
    # Nothing changed: still Bruno's alone.
    listed = (await client.get("/api/v1/chats", headers=ana)).json()["items"]
    assert [c["id"] for c in listed] == [shared]

    # A chat of one of the user's departments is simply opened.
    r = await client.post("/api/v1/chats", json={"phone": "21 98765-4321"}, headers=ana)
    assert r.status_code == 200
    assert r.json()["id"] == shared
