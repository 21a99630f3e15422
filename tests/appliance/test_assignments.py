"""A chat's assignees (I5), its assignment history (H4), the chatbot (I3) and archive (I4)
switches: the rules and who may use them."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from appliance.areas.assignments.service import set_queue
from appliance.core.db import Database
from tests.conftest import admin_and_chats, bearer
from tests.factories import assign, make_chat, make_department, make_device, make_user

Client = AsyncTestClient[Litestar]


def names(assignees: list[dict[str, object]]) -> list[tuple[object, object]]:
    return [(a["kind"], a["name"]) for a in assignees]


async def test_add_and_remove_users_and_departments(client: Client, db: Database) -> None:
    vendas = make_department(db, "Vendas")
    make_user(db, "admin", is_admin=True, name="Carla")
    ana = make_user(db, "ana", name="Ana Souza")
    device, _ = make_device(db)
    chat = make_chat(db, device, name="Cliente")
    admin = await bearer(client, "admin")
    url = f"/api/v1/chats/{chat}/assignees"

    r = await client.post(url, json={"kind": "user", "id": ana}, headers=admin)
    assert r.status_code == 200, r.text
    assert names(r.json()["assignees"]) == [("user", "Ana Souza")]
    r = await client.post(url, json={"kind": "department", "id": vendas}, headers=admin)
    assert names(r.json()["chat"]["assignees"]) == [("user", "Ana Souza"), ("department", "Vendas")]
    # Adding one already there changes nothing and writes no event.
    r = await client.post(url, json={"kind": "user", "id": ana}, headers=admin)
    assert r.status_code == 200
    assert names((await client.get(url, headers=admin)).json()) == [
        ("user", "Ana Souza"),
        ("department", "Vendas"),
    ]
    r = await client.delete(f"{url}/user/{ana}", headers=admin)
    assert names(r.json()["assignees"]) == [("department", "Vendas")]

    history = (await client.get(f"/api/v1/chats/{chat}/assignments", headers=admin)).json()
    assert [(e["action"], e["kind"], e["assignee_name"], e["by_name"]) for e in history] == [
        ("removed", "user", "Ana Souza", "Carla"),
        ("added", "department", "Vendas", "Carla"),
        ("added", "user", "Ana Souza", "Carla"),
    ]
    assert all(e["source"] == "manual" and not e["automatic"] for e in history)
    assert history[0]["at"].endswith("+00:00")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"kind": "user", "id": 9999}, "assignee.unknown_user"),
        ({"kind": "department", "id": 9999}, "assignee.unknown_department"),
        ({"kind": "user", "id": "inactive"}, "assignee.unknown_user"),
    ],
)
async def test_unknown_or_inactive_assignee_is_refused(
    client: Client, db: Database, body: dict[str, object], code: str
) -> None:
    make_user(db, "admin", is_admin=True)
    gone = make_user(db, "gone")
    db.write_sync(lambda c: c.execute("UPDATE app_user SET active = 0 WHERE id = ?", (gone,)))
    device, _ = make_device(db)
    chat = make_chat(db, device)
    if body["id"] == "inactive":
        body = {**body, "id": gone}
    admin = await bearer(client, "admin")
    r = await client.post(f"/api/v1/chats/{chat}/assignees", json=body, headers=admin)
    assert r.status_code == 400
    assert r.json()["code"] == code
    assert "inexistente" in r.json()["message"]
    history = (await client.get(f"/api/v1/chats/{chat}/assignments", headers=admin)).json()
    assert history == []


async def test_a_user_who_removes_themselves_loses_the_chat(client: Client, db: Database) -> None:
    ana = make_user(db, "ana", name="Ana")
    bruno = make_user(db, "bruno", name="Bruno")
    device, _ = make_device(db)
    chat = make_chat(db, device, name="Cliente")
    assign(db, chat, user=ana)
    headers = await bearer(client, "ana")
    # A normal user who sees the chat may add someone else.
    r = await client.post(
        f"/api/v1/chats/{chat}/assignees", json={"kind": "user", "id": bruno}, headers=headers
    )
    assert r.status_code == 200
    r = await client.delete(f"/api/v1/chats/{chat}/assignees/user/{ana}", headers=headers)
    assert r.status_code == 200
    assert r.json()["chat"] is None
    assert names(r.json()["assignees"]) == [("user", "Bruno")]
    assert (await client.get(f"/api/v1/chats/{chat}", headers=headers)).status_code == 404
    listed = (await client.get("/api/v1/chats", headers=headers)).json()["items"]
    assert listed == []
    bruno_headers = await bearer(client, "bruno")
    assert (await client.get(f"/api/v1/chats/{chat}", headers=bruno_headers)).status_code == 200


async def test_a_department_member_sees_the_chat_once_the_department_is_assigned(
    client: Client, db: Database
) -> None:
    vendas = make_department(db, "Vendas")
    make_user(db, "admin", is_admin=True)
    make_user(db, "ana", departments=[vendas])
    device, _ = make_device(db)
    chat = make_chat(db, device)
    admin, ana = await bearer(client, "admin"), await bearer(client, "ana")
    assert (await client.get(f"/api/v1/chats/{chat}", headers=ana)).status_code == 404
    await client.post(
        f"/api/v1/chats/{chat}/assignees", json={"kind": "department", "id": vendas}, headers=admin
    )
    assert (await client.get(f"/api/v1/chats/{chat}", headers=ana)).status_code == 200
    await client.delete(f"/api/v1/chats/{chat}/assignees/department/{vendas}", headers=admin)
    assert (await client.get(f"/api/v1/chats/{chat}", headers=ana)).status_code == 404


async def test_every_route_hides_a_chat_the_user_may_not_see(client: Client, db: Database) -> None:
    make_user(db, "ana")
    bruno = make_user(db, "bruno")
    device, _ = make_device(db)
    chat = make_chat(db, device)
    assign(db, chat, user=bruno)
    make_user(db, "admin", is_admin=True)
    db.write_sync(set_queue, [(bruno, False)], None)
    ana = await bearer(client, "ana")
    base = f"/api/v1/chats/{chat}"
    calls = [
        client.get(f"{base}/assignees", headers=ana),
        client.post(f"{base}/assignees", json={"kind": "user", "id": bruno}, headers=ana),
        client.delete(f"{base}/assignees/user/{bruno}", headers=ana),
        client.post(f"{base}/delegate", headers=ana),
        client.get(f"{base}/assignments", headers=ana),
        client.put(f"{base}/archived", json={"archived": True}, headers=ana),
    ]
    for call in calls:
        r = await call
        assert r.status_code == 404, r.request.url
        assert r.json()["code"] == "chat.not_found"
    admin = await bearer(client, "admin")
    chat_now = (await client.get(base, headers=admin)).json()
    assert names(chat_now["assignees"]) == [("user", "Bruno")]
    assert chat_now["chatbot_enabled"] is True
    assert chat_now["archived"] is False
    assert (await client.get(f"{base}/assignments", headers=admin)).json() == []


async def test_the_queue_admin_api_is_for_admins(client: Client, db: Database) -> None:
    make_user(db, "ana", permissions=["see_all_chats", "manage_users"])
    ana = await bearer(client, "ana")
    assert (await client.get("/api/v1/queue", headers=ana)).status_code == 403
    r = await client.put("/api/v1/queue", json={"queue_new_chats": True}, headers=ana)
    assert r.status_code == 403
    assert r.json()["code"] == "permission.admin_only"


async def test_archive_switch(client: Client, db: Database) -> None:
    ana = make_user(db, "ana")
    device, _ = make_device(db)
    chat = make_chat(db, device, name="Cliente")
    assign(db, chat, user=ana)
    headers = await bearer(client, "ana")
    r = await client.put(f"/api/v1/chats/{chat}/archived", json={"archived": True}, headers=headers)
    assert r.json()["archived"] is True
    listed = (await client.get("/api/v1/chats", headers=headers)).json()["items"]
    assert listed == []
    archived = (await client.get("/api/v1/chats?archived=true", headers=headers)).json()["items"]
    assert [c["id"] for c in archived] == [chat]
    r = await client.put(
        f"/api/v1/chats/{chat}/archived", json={"archived": False}, headers=headers
    )
    assert r.json()["archived"] is False
    r = await client.put(
        f"/api/v1/chats/{chat}/archived", json={"archived": "sim"}, headers=headers
    )
    assert r.status_code == 400


async def test_the_chatbot_switch_is_absent_while_there_is_no_chatbot(
    client: Client, db: Database
) -> None:
    admin, [chat] = await admin_and_chats(client, db, "Maria")
    r = await client.put(f"/api/v1/chats/{chat}/chatbot", json={"enabled": False}, headers=admin)
    assert r.status_code == 404
    r = await client.get(f"/api/v1/chats/{chat}", headers=admin)
    assert r.json()["chatbot_enabled"] is True


async def test_assignee_choices_for_the_picker(client: Client, db: Database) -> None:
    make_department(db, "Vendas")
    make_user(db, "ana", name="Ana")
    gone = make_user(db, "gone", name="Antigo")
    db.write_sync(lambda c: c.execute("UPDATE app_user SET active = 0 WHERE id = ?", (gone,)))
    ana = await bearer(client, "ana")
    r = await client.get("/api/v1/assignees/choices", headers=ana)
    assert [u["name"] for u in r.json()["users"]] == ["Ana"]
    assert [d["name"] for d in r.json()["departments"]] == ["Vendas"]
