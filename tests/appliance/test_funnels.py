"""Funnels and stages (funnel module), a chat's stage in each funnel (H3), the stage filter (L5)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from appliance.areas.accounts.permissions import Actor
from appliance.core.db import Database
from tests.conftest import bearer
from tests.factories import assign, make_chat, make_device, make_user
from tests.harness import make_people

Client = AsyncTestClient[Litestar]


@dataclass
class Shop:
    admin: dict[str, str]
    ana: dict[str, str]  # normal user in Vendas, no permission
    gerente: dict[str, str]  # normal user allowed to manage funnels
    chats: dict[str, int]
    ana_id: int
    vendas: int


@pytest.fixture
async def shop(client: Client, db: Database) -> Shop:
    people = make_people(db)
    vendas, ana_id = people.vendas, people.ana
    make_user(db, "gerente", permissions=["manage_funnels"])
    device, _ = make_device(db)
    chats = {name: make_chat(db, device, name=name) for name in "abcdef"}
    for name in "abc":
        assign(db, chats[name], department=vendas)
    return Shop(
        admin=await bearer(client, "admin"),
        ana=await bearer(client, "ana"),
        gerente=await bearer(client, "gerente"),
        chats=chats,
        ana_id=ana_id,
        vendas=vendas,
    )


async def _ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


async def _funnel(client: Client, headers: dict[str, str], name: str, stages: list[str]) -> Any:
    return await _ok(
        await client.post(
            "/api/v1/funnels", json={"name": name, "stages": stages}, headers=headers
        ),
        201,
    )


def _ids(funnel: dict[str, Any]) -> dict[str, int]:
    return {s["name"]: s["id"] for s in funnel["stages"]}


async def _place(client: Client, shop: Shop, chat: str, funnel: int, stage: int | None) -> Any:
    return await _ok(
        await client.put(
            f"/api/v1/chats/{shop.chats[chat]}/funnels/{funnel}",
            json={"stage_id": stage},
            headers=shop.admin,
        )
    )


async def test_funnels_are_listed_in_order_with_their_stages(client: Client, shop: Shop) -> None:
    await _funnel(client, shop.admin, "  Vendas   online ", ["Lead", " Proposta ", "Fechado"])
    await _funnel(client, shop.gerente, "Suporte", [])
    funnels = await _ok(await client.get("/api/v1/funnels", headers=shop.ana))
    assert [f["name"] for f in funnels] == ["Vendas online", "Suporte"]
    assert [s["name"] for s in funnels[0]["stages"]] == ["Lead", "Proposta", "Fechado"]
    assert [s["position"] for s in funnels[0]["stages"]] == [0, 1, 2]
    assert funnels[1]["stages"] == []


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/v1/funnels", {"name": "Novo"}),
        ("PATCH", "/api/v1/funnels/{funnel}", {"name": "Outro"}),
        ("DELETE", "/api/v1/funnels/{funnel}?confirm=true", None),
        ("POST", "/api/v1/funnels/{funnel}/stages", {"name": "Nova"}),
        ("PATCH", "/api/v1/funnels/{funnel}/stages/{stage}", {"color": "#ff0000"}),
        ("PUT", "/api/v1/funnels/{funnel}/stages/order", {"stage_ids": "reversed"}),
        ("DELETE", "/api/v1/funnels/{funnel}/stages/{stage}?confirm=true", None),
    ],
)
async def test_editing_funnels_needs_manage_funnels(
    client: Client, shop: Shop, method: str, path: str, body: dict[str, Any] | None
) -> None:
    funnel = await _funnel(client, shop.admin, "Vendas", ["Lead", "Proposta"])
    stage = funnel["stages"][0]["id"]
    url = path.format(funnel=funnel["id"], stage=stage)
    if body and body.get("stage_ids") == "reversed":
        body = {"stage_ids": [s["id"] for s in reversed(funnel["stages"])]}
    denied = await client.request(method, url, json=body, headers=shop.ana)
    assert denied.status_code == 403, denied.text
    assert denied.json()["code"] == "permission.denied"
    allowed = await client.request(method, url, json=body, headers=shop.gerente)
    assert allowed.status_code in (200, 201), allowed.text


async def test_names_are_trimmed_and_unique(client: Client, shop: Shop) -> None:
    funnel = await _funnel(client, shop.admin, "Vendas", ["Lead"])
    r = await client.post("/api/v1/funnels", json={"name": " vendas "}, headers=shop.admin)
    assert r.status_code == 409
    assert r.json()["code"] == "funnel.duplicate"
    assert "Vendas" in r.json()["message"]
    r = await client.post("/api/v1/funnels", json={"name": "   "}, headers=shop.admin)
    assert r.status_code == 400
    url = f"/api/v1/funnels/{funnel['id']}/stages"
    r = await client.post(url, json={"name": " LEAD"}, headers=shop.admin)
    assert r.status_code == 409
    assert r.json()["code"] == "funnel.stage_duplicate"
    stage = await _ok(await client.post(url, json={"name": " Ganho "}, headers=shop.admin), 201)
    assert stage["name"] == "Ganho"
    # The same stage name in another funnel is fine.
    other = await _funnel(client, shop.admin, "Suporte", ["Lead"])
    assert [s["name"] for s in other["stages"]] == ["Lead"]
    r = await client.patch(
        f"/api/v1/funnels/{other['id']}", json={"name": "VENDAS"}, headers=shop.admin
    )
    assert r.status_code == 409


async def test_stages_are_renamed_recoloured_and_reordered(client: Client, shop: Shop) -> None:
    funnel = await _funnel(client, shop.admin, "Vendas", ["Lead", "Proposta", "Fechado"])
    ids = _ids(funnel)
    base = f"/api/v1/funnels/{funnel['id']}/stages"
    stage = await _ok(
        await client.patch(
            f"{base}/{ids['Lead']}",
            json={"name": "Contato", "color": "#FF8800"},
            headers=shop.admin,
        )
    )
    assert (stage["name"], stage["color"]) == ("Contato", "#ff8800")
    r = await client.patch(f"{base}/{ids['Lead']}", json={"color": "laranja"}, headers=shop.admin)
    assert r.status_code == 400
    order = [ids["Fechado"], ids["Lead"], ids["Proposta"]]
    moved = await _ok(
        await client.put(f"{base}/order", json={"stage_ids": order}, headers=shop.admin)
    )
    assert [s["id"] for s in moved["stages"]] == order
    r = await client.put(f"{base}/order", json={"stage_ids": order[:2]}, headers=shop.admin)
    assert r.status_code == 400
    await _ok(
        await client.patch(f"{base}/{ids['Fechado']}", json={"position": 2}, headers=shop.admin)
    )
    funnels = await _ok(await client.get("/api/v1/funnels", headers=shop.admin))
    assert [s["name"] for s in funnels[0]["stages"]] == ["Contato", "Proposta", "Fechado"]


async def test_a_chat_is_at_one_stage_per_funnel(client: Client, shop: Shop) -> None:
    vendas = await _funnel(client, shop.admin, "Vendas", ["Lead", "Proposta"])
    suporte = await _funnel(client, shop.admin, "Suporte", ["Aberto"])
    url = f"/api/v1/chats/{shop.chats['a']}/funnels"
    before = await _ok(await client.get(url, headers=shop.ana))
    assert [(f["funnel"]["name"], f["stage_id"]) for f in before] == [
        ("Vendas", None),
        ("Suporte", None),
    ]
    lead, proposta = vendas["stages"][0]["id"], vendas["stages"][1]["id"]
    out = await _ok(
        await client.put(f"{url}/{vendas['id']}", json={"stage_id": lead}, headers=shop.ana)
    )
    assert out["funnels"][0]["stage_id"] == lead
    assert out["funnels"][0]["entered_at"] is not None
    assert out["chat"]["id"] == shop.chats["a"]
    await _ok(
        await client.put(f"{url}/{vendas['id']}", json={"stage_id": proposta}, headers=shop.ana)
    )
    after = await _ok(await client.get(url, headers=shop.ana))
    assert [f["stage_id"] for f in after] == [proposta, None]
    r = await client.put(f"{url}/{suporte['id']}", json={"stage_id": proposta}, headers=shop.ana)
    assert r.status_code == 400
    assert r.json()["code"] == "funnel.stage_mismatch"
    await _ok(await client.put(f"{url}/{vendas['id']}", json={"stage_id": None}, headers=shop.ana))
    assert [f["stage_id"] for f in await _ok(await client.get(url, headers=shop.ana))] == [
        None,
        None,
    ]
    r = await client.put(f"{url}/999", json={"stage_id": None}, headers=shop.ana)
    assert r.status_code == 404


async def test_a_chat_the_user_cannot_see_is_not_found(client: Client, shop: Shop) -> None:
    vendas = await _funnel(client, shop.admin, "Vendas", ["Lead"])
    hidden = f"/api/v1/chats/{shop.chats['d']}/funnels"
    r = await client.get(hidden, headers=shop.ana)
    assert (r.status_code, r.json()["code"]) == (404, "chat.not_found")
    r = await client.put(
        f"{hidden}/{vendas['id']}",
        json={"stage_id": vendas["stages"][0]["id"]},
        headers=shop.ana,
    )
    assert (r.status_code, r.json()["code"]) == (404, "chat.not_found")
    assert [f["stage_id"] for f in await _ok(await client.get(hidden, headers=shop.admin))] == [
        None
    ]


async def test_changing_a_stage_tells_who_sees_the_chat(
    client: Client, app: Litestar, shop: Shop
) -> None:
    vendas = await _funnel(client, shop.admin, "Vendas", ["Lead"])
    sub = app.state["live"].subscribe(
        Actor(
            id=shop.ana_id,
            login="ana",
            name="Ana",
            is_admin=False,
            departments=frozenset({shop.vendas}),
        )
    )
    await client.put(
        f"/api/v1/chats/{shop.chats['b']}/funnels/{vendas['id']}",
        json={"stage_id": vendas["stages"][0]["id"]},
        headers=shop.ana,
    )
    frames = []
    while not sub.queue.empty():
        frames.append(json.loads(sub.queue.get_nowait()))
    assert any(
        f["type"] == "chat.updated" and f["chat"]["id"] == shop.chats["b"] for f in frames
    ), frames


async def test_deleting_a_stage_with_chats_moves_them_or_needs_confirmation(
    client: Client, shop: Shop
) -> None:
    vendas = await _funnel(client, shop.admin, "Vendas", ["Lead", "Proposta", "Fechado"])
    suporte = await _funnel(client, shop.admin, "Suporte", ["Aberto"])
    ids = _ids(vendas)
    for chat in "ab":
        await _place(client, shop, chat, vendas["id"], ids["Lead"])
    await _place(client, shop, "c", vendas["id"], ids["Proposta"])
    base = f"/api/v1/funnels/{vendas['id']}/stages"

    r = await client.delete(f"{base}/{ids['Lead']}", headers=shop.admin)
    assert r.status_code == 409
    assert (r.json()["code"], r.json()["chats"]) == ("funnel.stage_in_use", 2)
    assert "2 chats" in r.json()["message"]
    r = await client.delete(
        f"{base}/{ids['Lead']}?move_to={suporte['stages'][0]['id']}", headers=shop.admin
    )
    assert r.status_code == 400

    await _ok(
        await client.delete(f"{base}/{ids['Lead']}?move_to={ids['Fechado']}", headers=shop.admin)
    )
    stages = await _ok(
        await client.get(f"/api/v1/chats?stage={ids['Fechado']}", headers=shop.admin)
    )
    assert {c["id"] for c in stages["items"]} == {shop.chats["a"], shop.chats["b"]}

    await _ok(await client.delete(f"{base}/{ids['Proposta']}?confirm=true", headers=shop.admin))
    funnels = await _ok(
        await client.get(f"/api/v1/chats/{shop.chats['c']}/funnels", headers=shop.admin)
    )
    assert funnels[0]["stage_id"] is None
    assert [s["name"] for s in funnels[0]["stages"]] == ["Fechado"]
    assert [s["position"] for s in funnels[0]["stages"]] == [0]


async def test_deleting_a_funnel_needs_confirmation(client: Client, shop: Shop) -> None:
    vendas = await _funnel(client, shop.admin, "Vendas", ["Lead"])
    for chat in "abc":
        await _place(client, shop, chat, vendas["id"], vendas["stages"][0]["id"])
    url = f"/api/v1/funnels/{vendas['id']}"
    r = await client.delete(url, headers=shop.admin)
    assert r.status_code == 409
    assert (r.json()["code"], r.json()["chats"]) == ("funnel.confirm_delete", 3)
    assert r.json()["message"].startswith("3 chats estão neste funil.")
    await _ok(await client.delete(f"{url}?confirm=true", headers=shop.admin))
    assert await _ok(await client.get("/api/v1/funnels", headers=shop.admin)) == []
    assert (await client.delete(url, headers=shop.admin)).status_code == 404


FUNNEL_ROUTES = [
    ("GET", "/api/v1/funnels", None),
    ("POST", "/api/v1/funnels", {"name": "Novo"}),
    ("PATCH", "/api/v1/funnels/{funnel}", {"name": "Outro"}),
    ("DELETE", "/api/v1/funnels/{funnel}?confirm=true", None),
    ("POST", "/api/v1/funnels/{funnel}/stages", {"name": "Nova"}),
    ("PATCH", "/api/v1/funnels/{funnel}/stages/{stage}", {"name": "X"}),
    ("PUT", "/api/v1/funnels/{funnel}/stages/order", {"stage_ids": []}),
    ("DELETE", "/api/v1/funnels/{funnel}/stages/{stage}?confirm=true", None),
    ("GET", "/api/v1/chats/{chat}/funnels", None),
    ("PUT", "/api/v1/chats/{chat}/funnels/{funnel}", {"stage_id": None}),
]


@pytest.mark.parametrize(("method", "path", "body"), FUNNEL_ROUTES)
async def test_funnel_routes_are_absent_while_the_module_is_off(
    client: Client, shop: Shop, method: str, path: str, body: dict[str, Any] | None
) -> None:
    vendas = await _funnel(client, shop.admin, "Vendas", ["Lead"])
    await _ok(await client.patch("/api/v1/modules", json={"funnel": False}, headers=shop.admin))
    url = path.format(funnel=vendas["id"], stage=vendas["stages"][0]["id"], chat=shop.chats["a"])
    r = await client.request(method, url, json=body, headers=shop.admin)
    assert r.status_code == 404, r.text


async def test_the_stage_filter_is_refused_while_the_module_is_off(
    client: Client, shop: Shop
) -> None:
    vendas = await _funnel(client, shop.admin, "Vendas", ["Lead"])
    await _ok(await client.patch("/api/v1/modules", json={"funnel": False}, headers=shop.admin))
    stage = vendas["stages"][0]["id"]
    r = await client.get(f"/api/v1/chats?stage={stage}", headers=shop.admin)
    assert r.status_code == 400
    assert r.json()["code"] == "chats.module_off"
    assert "funil está desligado" in r.json()["message"]


# Chats a–f; Vendas: a Lead, b Proposta, c Proposta, d Fechado;
# Suporte: b Aberto, e Aberto, f Resolvido.
PLACES = {
    "a": ["Lead"],
    "b": ["Proposta", "Aberto"],
    "c": ["Proposta"],
    "d": ["Fechado"],
    "e": ["Aberto"],
    "f": ["Resolvido"],
}


@pytest.mark.parametrize(
    ("stages", "admin_sees", "ana_sees"),
    [
        (["Lead"], "a", "a"),
        (["Lead", "Proposta"], "abc", "abc"),
        (["Aberto"], "be", "b"),
        # Several funnels: a chat at any of the chosen stages, whichever funnel it is in.
        (["Proposta", "Aberto"], "bce", "bc"),
        (["Lead", "Resolvido"], "af", "a"),
        (["Lead", "Proposta", "Fechado", "Aberto", "Resolvido"], "abcdef", "abc"),
        (["Fechado", "Resolvido"], "df", ""),
    ],
)
async def test_list_filtered_by_stages_of_several_funnels(
    client: Client, shop: Shop, stages: list[str], admin_sees: str, ana_sees: str
) -> None:
    vendas = await _funnel(client, shop.admin, "Vendas", ["Lead", "Proposta", "Fechado"])
    suporte = await _funnel(client, shop.admin, "Suporte", ["Aberto", "Resolvido"])
    stage_ids = {**_ids(vendas), **_ids(suporte)}
    funnel_of = {
        **dict.fromkeys(_ids(vendas), vendas["id"]),
        **dict.fromkeys(_ids(suporte), suporte["id"]),
    }
    for chat, names in PLACES.items():
        for name in names:
            await _place(client, shop, chat, funnel_of[name], stage_ids[name])
    query = "&".join(f"stage={stage_ids[s]}" for s in stages)
    by_id = {v: k for k, v in shop.chats.items()}
    for headers, expected in ((shop.admin, admin_sees), (shop.ana, ana_sees)):
        page = await _ok(await client.get(f"/api/v1/chats?limit=200&{query}", headers=headers))
        assert "".join(sorted(by_id[c["id"]] for c in page["items"])) == expected
