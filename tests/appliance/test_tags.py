"""Tags (I7): the account's list, who may change it, tags on chats, live events."""

from __future__ import annotations

import json

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from appliance.areas.accounts.permissions import Actor
from appliance.core.db import Database
from appliance.http.live import Subscriber, hub_of
from tests.conftest import admin_and_chats, bearer
from tests.factories import (
    assign,
    make_chat,
    make_department,
    make_device,
    make_tag,
    make_user,
    tag_chat,
)


def _events(sub: Subscriber) -> list[dict[str, object]]:
    out = []
    while not sub.queue.empty():
        frame = sub.queue.get_nowait()
        assert frame is not None
        out.append(json.loads(frame))
    return out


async def test_create_rename_recolour_delete(
    client: AsyncTestClient[Litestar], db: Database
) -> None:
    make_user(db, "admin", is_admin=True)
    admin = await bearer(client, "admin")
    r = await client.post(
        "/api/v1/tags", json={"name": "  Clientes   VIP ", "color": "#FF0000"}, headers=admin
    )
    assert r.status_code == 201, r.text
    vip = r.json()
    assert (vip["name"], vip["color"]) == ("Clientes VIP", "#ff0000")
    r = await client.post("/api/v1/tags", json={"name": "Atacado"}, headers=admin)
    assert r.json()["color"] == "#5b8def"
    r = await client.patch(
        f"/api/v1/tags/{vip['id']}", json={"name": "VIP", "color": "#00aa00"}, headers=admin
    )
    assert r.status_code == 200
    assert (r.json()["name"], r.json()["color"]) == ("VIP", "#00aa00")
    listed = (await client.get("/api/v1/tags", headers=admin)).json()
    assert [t["name"] for t in listed] == ["Atacado", "VIP"]
    r = await client.delete(f"/api/v1/tags/{vip['id']}", headers=admin)
    assert r.status_code == 204
    listed = (await client.get("/api/v1/tags", headers=admin)).json()
    assert [t["name"] for t in listed] == ["Atacado"]
    r = await client.patch(f"/api/v1/tags/{vip['id']}", json={"name": "X"}, headers=admin)
    assert r.status_code == 404


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"name": "clientes vip"}, 409, "Já existe uma tag com esse nome."),
        ({"name": "CLIENTES VÍP"}, 409, "Já existe uma tag com esse nome."),
        ({"name": "   "}, 400, "Informe o nome da tag."),
        ({"name": "x" * 61}, 400, "no máximo 60 caracteres"),
        ({"name": "Nova", "color": "vermelho"}, 400, "#rrggbb"),
        ({"name": "Nova", "color": "#12345"}, 400, "#rrggbb"),
    ],
)
async def test_bad_tags_are_refused(
    client: AsyncTestClient[Litestar],
    db: Database,
    body: dict[str, str],
    status: int,
    message: str,
) -> None:
    make_user(db, "admin", is_admin=True)
    make_tag(db, "Clientes VIP")
    admin = await bearer(client, "admin")
    r = await client.post("/api/v1/tags", json=body, headers=admin)
    assert r.status_code == status
    assert message in r.json()["message"]


async def test_rename_to_an_existing_name_is_refused_but_own_name_is_fine(
    client: AsyncTestClient[Litestar], db: Database
) -> None:
    make_user(db, "admin", is_admin=True)
    vip = make_tag(db, "VIP")
    make_tag(db, "Atacado")
    admin = await bearer(client, "admin")
    r = await client.patch(f"/api/v1/tags/{vip}", json={"name": "atacado"}, headers=admin)
    assert r.status_code == 409
    assert r.json()["code"] == "tag.duplicate"
    r = await client.patch(f"/api/v1/tags/{vip}", json={"name": "vip"}, headers=admin)
    assert r.status_code == 200
    assert r.json()["name"] == "vip"


async def test_managing_tags_needs_the_permission(
    client: AsyncTestClient[Litestar], db: Database
) -> None:
    make_user(db, "ana")
    make_user(db, "bia", permissions=["manage_tags"])
    vip = make_tag(db, "VIP")
    ana = await bearer(client, "ana")
    assert (await client.get("/api/v1/tags", headers=ana)).status_code == 200
    assert (await client.post("/api/v1/tags", json={"name": "X"}, headers=ana)).status_code == 403
    r = await client.patch(f"/api/v1/tags/{vip}", json={"name": "X"}, headers=ana)
    assert r.status_code == 403
    assert (await client.delete(f"/api/v1/tags/{vip}", headers=ana)).status_code == 403
    bia = await bearer(client, "bia")
    r = await client.post("/api/v1/tags", json={"name": "Atacado"}, headers=bia)
    assert r.status_code == 201
    r = await client.patch(f"/api/v1/tags/{vip}", json={"color": "#123456"}, headers=bia)
    assert r.status_code == 200
    assert (await client.delete(f"/api/v1/tags/{vip}", headers=bia)).status_code == 204


async def test_tags_on_a_chat_for_whoever_sees_it(
    client: AsyncTestClient[Litestar], db: Database
) -> None:
    vendas = make_department(db, "Vendas")
    make_user(db, "ana", departments=[vendas])
    device, _ = make_device(db)
    mine = make_chat(db, device, name="Meu")
    theirs = make_chat(db, device, name="De outro")
    assign(db, mine, department=vendas)
    vip = make_tag(db, "VIP", "#ff0000")
    ana = await bearer(client, "ana")
    r = await client.put(f"/api/v1/chats/{mine}/tags/{vip}", headers=ana)
    assert r.status_code == 200
    assert r.json()["tags"] == [{"id": vip, "name": "VIP", "color": "#ff0000"}]
    # idempotent
    r = await client.put(f"/api/v1/chats/{mine}/tags/{vip}", headers=ana)
    assert [t["id"] for t in r.json()["tags"]] == [vip]
    r = await client.delete(f"/api/v1/chats/{mine}/tags/{vip}", headers=ana)
    assert r.status_code == 200
    assert r.json()["tags"] == []
    r = await client.delete(f"/api/v1/chats/{mine}/tags/{vip}", headers=ana)
    assert r.status_code == 200
    # a chat she cannot see looks like one that does not exist
    for method in (client.put, client.delete):
        r = await method(f"/api/v1/chats/{theirs}/tags/{vip}", headers=ana)
        assert r.status_code == 404
        assert r.json()["code"] == "chat.not_found"
    r = await client.put(f"/api/v1/chats/{mine}/tags/9999", headers=ana)
    assert r.status_code == 404
    assert r.json()["code"] == "tag.not_found"


async def test_deleting_a_tag_takes_it_off_every_chat(
    client: AsyncTestClient[Litestar], db: Database
) -> None:
    admin, (one, two) = await admin_and_chats(client, db, "Um", "Dois")
    vip = make_tag(db, "VIP")
    atacado = make_tag(db, "Atacado")
    tag_chat(db, one, vip, atacado)
    tag_chat(db, two, vip)
    assert (await client.delete(f"/api/v1/tags/{vip}", headers=admin)).status_code == 204
    for chat, names in ((one, ["Atacado"]), (two, [])):
        r = await client.get(f"/api/v1/chats/{chat}", headers=admin)
        assert [t["name"] for t in r.json()["tags"]] == names
    r = await client.get(f"/api/v1/chats?tag={vip}", headers=admin)
    assert r.json()["items"] == []


async def test_the_list_filter_still_works_after_a_rename(
    client: AsyncTestClient[Litestar], db: Database
) -> None:
    admin, (one, _) = await admin_and_chats(client, db, "Um", "Dois")
    vip = (await client.post("/api/v1/tags", json={"name": "VIP"}, headers=admin)).json()["id"]
    await client.put(f"/api/v1/chats/{one}/tags/{vip}", headers=admin)
    await client.patch(f"/api/v1/tags/{vip}", json={"name": "Ouro"}, headers=admin)
    r = await client.get(f"/api/v1/chats?tag={vip}", headers=admin)
    items = r.json()["items"]
    assert [c["name"] for c in items] == ["Um"]
    assert [t["name"] for t in items[0]["tags"]] == ["Ouro"]
    r = await client.get(f"/api/v1/chats?tag={vip}&tag_mode=none", headers=admin)
    assert [c["name"] for c in r.json()["items"]] == ["Dois"]


async def test_changes_are_announced_live(
    app: Litestar, client: AsyncTestClient[Litestar], db: Database
) -> None:
    admin_id = make_user(db, "admin", is_admin=True)
    device, _ = make_device(db)
    chat = make_chat(db, device, name="Um")
    admin = await bearer(client, "admin")
    sub = hub_of(app).subscribe(Actor(id=admin_id, login="admin", name="Admin", is_admin=True))
    vip = (await client.post("/api/v1/tags", json={"name": "VIP"}, headers=admin)).json()["id"]
    assert {"type": "account.changed", "what": "tags"} in _events(sub)
    await client.put(f"/api/v1/chats/{chat}/tags/{vip}", headers=admin)
    updated = [e for e in _events(sub) if e["type"] == "chat.updated"]
    assert [e["chat"]["tags"][0]["name"] for e in updated] == ["VIP"]  # type: ignore[index]
    await client.delete(f"/api/v1/chats/{chat}/tags/{vip}", headers=admin)
    updated = [e for e in _events(sub) if e["type"] == "chat.updated"]
    assert [e["chat"]["tags"] for e in updated] == [[]]  # type: ignore[index]
    await client.delete(f"/api/v1/tags/{vip}", headers=admin)
    assert {"type": "account.changed", "what": "tags"} in _events(sub)
