"""The administration API behind the users, departments and devices screens (P1, P2, P4)."""

from __future__ import annotations

from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from appliance.areas.accounts.permissions import Actor
from appliance.core.db import Database
from appliance.core.settings import Settings
from appliance.http.live import hub_of
from tests.conftest import bearer
from tests.factories import assign, make_chat, make_department, make_device, make_user


def _read_token(path: Path) -> tuple[str, int]:
    return path.read_text().strip(), path.stat().st_mode & 0o777


async def _login_cookie(client: AsyncTestClient[Litestar], login: str) -> str:
    """A browser session: the login form, as a person would use it."""
    page = await client.get("/login")
    csrf = page.text.split('name="_csrf" value="')[1].split('"')[0]
    r = await client.post(
        "/login",
        data={"login": login, "password": login, "_csrf": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return r.cookies["balcao_session"]


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("PATCH", "/api/v1/departments/1", {"name": "X"}),
        ("DELETE", "/api/v1/departments/1", None),
        ("PUT", "/api/v1/departments/1/members", {"user_ids": []}),
        ("PATCH", "/api/v1/users/1", {"active": False}),
        ("PATCH", "/api/v1/users/1", {"password": "nova-senha"}),
        ("GET", "/api/v1/permissions", None),
    ],
)
async def test_account_admin_needs_manage_users(
    client: AsyncTestClient[Litestar],
    db: Database,
    method: str,
    url: str,
    body: dict[str, object] | None,
) -> None:
    make_user(db, "admin", is_admin=True)
    make_department(db, "Vendas")
    make_user(db, "ana")
    r = await client.request(method, url, headers=await bearer(client, "ana"), json=body)
    assert r.status_code == 403
    assert r.json()["message"] == "Você não tem permissão para esta ação."


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("POST", "/api/v1/devices", {"name": "Outro"}),
        ("PATCH", "/api/v1/devices/1", {"name": "Outro"}),
        ("POST", "/api/v1/devices/1/token", None),
    ],
)
async def test_devices_admin_is_for_admins_only(
    client: AsyncTestClient[Litestar],
    db: Database,
    method: str,
    url: str,
    body: dict[str, object] | None,
) -> None:
    make_device(db)
    make_user(db, "gerente", permissions=["manage_users", "see_all_chats", "see_numbers"])
    r = await client.request(method, url, headers=await bearer(client, "gerente"), json=body)
    assert r.status_code == 403
    assert "administradores" in r.json()["message"]


async def test_departments_renamed_and_deleted(
    client: AsyncTestClient[Litestar], db: Database
) -> None:
    make_user(db, "admin", is_admin=True)
    admin = await bearer(client, "admin")
    vendas = (
        await client.post("/api/v1/departments", json={"name": "Vendas"}, headers=admin)
    ).json()["id"]
    make_department(db, "Suporte")
    ana = make_user(db, "ana", departments=[vendas])

    r = await client.patch(f"/api/v1/departments/{vendas}", json={"name": "Suporte"}, headers=admin)
    assert (r.status_code, r.json()["code"]) == (409, "department.name_taken")
    r = await client.patch(f"/api/v1/departments/{vendas}", json={"name": " "}, headers=admin)
    assert r.status_code == 400
    r = await client.patch(
        f"/api/v1/departments/{vendas}", json={"name": "Vendas e Trocas"}, headers=admin
    )
    assert r.json() == {"id": vendas, "name": "Vendas e Trocas"}
    listed = (await client.get("/api/v1/departments", headers=admin)).json()
    assert [(d["name"], d["user_ids"]) for d in listed] == [
        ("Suporte", []),
        ("Vendas e Trocas", [ana]),
    ]

    r = await client.delete(f"/api/v1/departments/{vendas}", headers=admin)
    assert r.status_code == 204
    assert [d["name"] for d in (await client.get("/api/v1/departments", headers=admin)).json()] == [
        "Suporte"
    ]
    assert (await client.get(f"/api/v1/users/{ana}", headers=admin)).json()["departments"] == []
    r = await client.delete(f"/api/v1/departments/{vendas}", headers=admin)
    assert r.status_code == 404


async def test_deleting_a_department_takes_its_chats_from_its_members(
    client: AsyncTestClient[Litestar], db: Database
) -> None:
    device, _ = make_device(db)
    vendas = make_department(db, "Vendas")
    chat = make_chat(db, device, name="Cliente")
    assign(db, chat, department=vendas)
    admin_id = make_user(db, "admin", is_admin=True)
    make_user(db, "ana", departments=[vendas])
    ana = await bearer(client, "ana")
    assert len((await client.get("/api/v1/chats", headers=ana)).json()["items"]) == 1

    await client.delete(f"/api/v1/departments/{vendas}", headers=await bearer(client, "admin"))
    assert (await client.get("/api/v1/chats", headers=ana)).json()["items"] == []
    history = db.write_sync(
        lambda c: [
            tuple(r)
            for r in c.execute(
                "SELECT assignee_name, action, source, by_user FROM assignment_event "
                "WHERE chat = ?",
                (chat,),
            )
        ]
    )
    assert history == [("Vendas", "removed", "manual", admin_id)]


async def test_user_removed_from_a_department_stops_seeing_its_chats_on_the_next_request(
    client: AsyncTestClient[Litestar], db: Database
) -> None:
    device, _ = make_device(db)
    vendas = make_department(db, "Vendas")
    suporte = make_department(db, "Suporte")
    chat = make_chat(db, device, name="Cliente")
    assign(db, chat, department=vendas)
    make_user(db, "admin", is_admin=True)
    ana_id = make_user(db, "ana", departments=[vendas])
    admin = await bearer(client, "admin")
    ana = await bearer(client, "ana")
    assert (await client.get(f"/api/v1/chats/{chat}", headers=ana)).status_code == 200

    r = await client.patch(
        f"/api/v1/users/{ana_id}", json={"departments": [suporte]}, headers=admin
    )
    assert r.json()["departments"] == [suporte]
    assert (await client.get(f"/api/v1/chats/{chat}", headers=ana)).status_code == 404

    await client.put(
        f"/api/v1/departments/{vendas}/members", json={"user_ids": [ana_id]}, headers=admin
    )
    assert (await client.get(f"/api/v1/chats/{chat}", headers=ana)).status_code == 200
    await client.put(f"/api/v1/departments/{vendas}/members", json={"user_ids": []}, headers=admin)
    assert (await client.get("/api/v1/chats", headers=ana)).json()["items"] == []


async def test_open_live_connection_follows_department_changes(
    app: Litestar, client: AsyncTestClient[Litestar], db: Database
) -> None:
    vendas = make_department(db, "Vendas")
    make_user(db, "admin", is_admin=True)
    ana_id = make_user(db, "ana", departments=[vendas])
    hub = hub_of(app)
    sub = hub.subscribe(Actor(id=ana_id, login="ana", name="Ana", is_admin=False, csrf_token="c"))
    admin = await bearer(client, "admin")

    await client.put(f"/api/v1/departments/{vendas}/members", json={"user_ids": []}, headers=admin)
    assert sub.actor.departments == frozenset()
    assert sub.actor.csrf_token == "c"
    await client.patch(
        f"/api/v1/users/{ana_id}",
        json={"departments": [vendas], "permissions": ["see_numbers"]},
        headers=admin,
    )
    assert sub.actor.departments == {vendas}
    assert sub.actor.has("see_numbers")  # type: ignore[arg-type]

    await client.patch(f"/api/v1/users/{ana_id}", json={"active": False}, headers=admin)
    assert sub.id not in {s.id for s in hub._subs.values()}
    frames = []
    while not sub.queue.empty():
        frames.append(sub.queue.get_nowait())
    assert None in frames


async def test_deactivated_user_cannot_log_in_and_their_session_and_token_stop_working(
    client: AsyncTestClient[Litestar], db: Database
) -> None:
    make_user(db, "admin", is_admin=True)
    ana_id = make_user(db, "ana")
    cookie = await _login_cookie(client, "ana")
    token = await bearer(client, "ana")
    client.cookies.clear()
    assert (
        await client.get("/api/v1/me", headers={"Cookie": f"balcao_session={cookie}"})
    ).status_code == 200
    admin = await bearer(client, "admin")

    r = await client.patch(f"/api/v1/users/{ana_id}", json={"active": False}, headers=admin)
    assert r.json()["active"] is False
    assert (await client.get("/api/v1/me", headers=token)).status_code == 401
    r = await client.get("/api/v1/me", headers={"Cookie": f"balcao_session={cookie}"})
    assert r.status_code == 401
    r = await client.post("/api/v1/auth/token", json={"login": "ana", "password": "ana"})
    assert r.status_code == 401
    # The admin still lists the user, deactivated, and may bring them back.
    users = (await client.get("/api/v1/users", headers=admin)).json()
    assert {u["login"]: u["active"] for u in users} == {"admin": True, "ana": False}
    await client.patch(f"/api/v1/users/{ana_id}", json={"active": True}, headers=admin)
    assert (await client.get("/api/v1/me", headers=await bearer(client, "ana"))).status_code == 200


async def test_admin_resets_a_password(client: AsyncTestClient[Litestar], db: Database) -> None:
    make_user(db, "admin", is_admin=True)
    ana_id = make_user(db, "ana")
    old = await bearer(client, "ana")
    admin = await bearer(client, "admin")
    r = await client.patch(f"/api/v1/users/{ana_id}", json={"password": "12"}, headers=admin)
    assert r.json()["code"] == "user.weak_password"
    r = await client.patch(
        f"/api/v1/users/{ana_id}", json={"password": "nova-senha"}, headers=admin
    )
    assert r.status_code == 200
    assert (await client.get("/api/v1/me", headers=old)).status_code == 401
    r = await client.post("/api/v1/auth/token", json={"login": "ana", "password": "ana"})
    assert r.status_code == 401
    assert (
        await client.get("/api/v1/me", headers=await bearer(client, "ana", "nova-senha"))
    ).json()["login"] == "ana"


async def test_manager_grants_only_permissions_they_hold_and_leaves_admins_alone(
    client: AsyncTestClient[Litestar], db: Database
) -> None:
    admin_id = make_user(db, "admin", is_admin=True)
    gerente_id = make_user(db, "gerente", permissions=["manage_users", "manage_tags"])
    ana_id = make_user(db, "ana", permissions=["see_all_chats"])
    gerente = await bearer(client, "gerente")

    r = await client.patch(
        f"/api/v1/users/{gerente_id}",
        json={"permissions": ["manage_users", "see_all_chats"]},
        headers=gerente,
    )
    assert (r.status_code, r.json()["code"]) == (403, "permission.not_held")
    assert "Ver todos os chats" in r.json()["message"]
    r = await client.post(
        "/api/v1/users",
        json={"login": "novo", "password": "senha-forte", "permissions": ["see_numbers"]},
        headers=gerente,
    )
    assert r.status_code == 403
    r_novo = await client.post(
        "/api/v1/users",
        json={"login": "novo", "password": "senha-forte", "permissions": ["manage_tags"]},
        headers=gerente,
    )
    assert r_novo.status_code == 201
    # Ana sees all chats, which the manager does not: the manager may not change her at all.
    r = await client.patch(
        f"/api/v1/users/{ana_id}",
        json={"permissions": ["see_all_chats", "manage_tags"], "name": "Ana Lima"},
        headers=gerente,
    )
    assert (r.status_code, r.json()["code"]) == (403, "permission.user_out_of_reach")
    novo = r_novo.json()["id"]
    r = await client.patch(f"/api/v1/users/{novo}", json={"permissions": []}, headers=gerente)
    assert r.json()["permissions"] == []

    for body in ({"password": "tomada-123"}, {"active": False}, {"name": "Outro"}):
        r = await client.patch(f"/api/v1/users/{admin_id}", json=body, headers=gerente)
        assert r.status_code == 403, body
    assert (
        await client.get("/api/v1/me", headers=await bearer(client, "admin"))
    ).status_code == 200


async def test_the_shop_keeps_an_active_admin(
    client: AsyncTestClient[Litestar], db: Database
) -> None:
    admin_id = make_user(db, "admin", is_admin=True)
    other_id = make_user(db, "dono", is_admin=True)
    admin = await bearer(client, "admin")
    r = await client.patch(f"/api/v1/users/{admin_id}", json={"active": False}, headers=admin)
    assert r.json()["code"] == "user.deactivate_self"
    r = await client.patch(f"/api/v1/users/{other_id}", json={"active": False}, headers=admin)
    assert r.status_code == 200
    r = await client.patch(f"/api/v1/users/{admin_id}", json={"is_admin": False}, headers=admin)
    assert (r.status_code, r.json()["code"]) == (409, "user.last_admin")
    assert (await client.get("/api/v1/me", headers=admin)).json()["is_admin"] is True


async def test_devices_added_renamed_and_bridge_token_given_once(
    client: AsyncTestClient[Litestar], db: Database, settings: Settings
) -> None:
    make_device(db, "Celular da loja")
    make_user(db, "admin", is_admin=True)
    make_user(db, "ana")
    admin = await bearer(client, "admin")

    r = await client.post(
        "/api/v1/devices", json={"name": "  WhatsApp das entregas "}, headers=admin
    )
    assert r.status_code == 201, r.text
    setup = r.json()
    device_id = setup["device"]["id"]
    assert setup["device"]["name"] == "WhatsApp das entregas"
    assert setup["command"] == f"balcao bridge --device {device_id}"
    token_file = Path(setup["token_file"])
    assert token_file == settings.device_dir(device_id) / "bridge.token"
    assert _read_token(token_file) == (setup["token"], 0o600)

    r = await client.patch(f"/api/v1/devices/{device_id}", json={"name": "Entregas"}, headers=admin)
    assert r.json()["name"] == "Entregas"
    for who in (admin, await bearer(client, "ana")):
        devices = (await client.get("/api/v1/devices", headers=who)).json()
        assert [d["name"] for d in devices] == ["Celular da loja", "Entregas"]
        assert setup["token"] not in str(devices)
    r = await client.patch(f"/api/v1/devices/{device_id}", json={"name": ""}, headers=admin)
    assert r.status_code == 400
    r = await client.patch("/api/v1/devices/999", json={"name": "X"}, headers=admin)
    assert r.status_code == 404
    r = await client.post("/api/v1/devices", json={"name": "X", "driver": "voo"}, headers=admin)
    assert r.json()["code"] == "device.invalid_driver"

    r = await client.post(f"/api/v1/devices/{device_id}/token", headers=admin)
    assert r.status_code == 200
    assert r.json()["token"] != setup["token"]
    assert _read_token(token_file) == (r.json()["token"], 0o600)
