"""A manager (manage_users, not admin) changes only users who see no more than they do, and
places people only in their own departments: every path of the users and departments API."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from appliance.areas.accounts import service as accounts
from appliance.core.db import Database
from tests.conftest import bearer
from tests.factories import make_department, make_user


@dataclass
class Shop:
    ids: dict[str, int]
    gerente: dict[str, str]
    admin: dict[str, str]


@pytest.fixture
async def shop(client: AsyncTestClient[Litestar], db: Database) -> Shop:
    vendas = make_department(db, "Vendas")
    suporte = make_department(db, "Suporte")
    ids = {
        "vendas": vendas,
        "suporte": suporte,
        "admin": make_user(db, "admin", is_admin=True),
        "gerente": make_user(
            db, "gerente", permissions=["manage_users", "manage_tags"], departments=[vendas]
        ),
        # Within reach: nothing the manager lacks.
        "ana": make_user(db, "ana", permissions=["manage_tags"], departments=[vendas]),
        "leo": make_user(db, "leo"),
        # Out of reach: sees the numbers / is in a department the manager is not in.
        "bia": make_user(db, "bia", permissions=["see_numbers"]),
        "caio": make_user(db, "caio", departments=[suporte]),
        "dono": make_user(db, "dono", is_admin=True),
    }
    return Shop(ids, await bearer(client, "gerente"), await bearer(client, "admin"))


def _token_of(db: Database, user_id: int) -> int:
    token = db.write_sync(accounts.create_api_token, user_id, "Integração")
    return int(
        db.read_sync(
            lambda c: c.execute(
                "SELECT id FROM api_token WHERE token_hash = ?", (accounts.hash_token(token),)
            ).fetchone()[0]
        )
    )


def _state(db: Database) -> list[tuple[object, ...]]:
    """Everything a refused change could have touched."""
    return db.read_sync(
        lambda c: [
            *(tuple(r) for r in c.execute("SELECT * FROM app_user ORDER BY id")),
            *(tuple(r) for r in c.execute("SELECT * FROM department ORDER BY id")),
            *(
                tuple(r)
                for r in c.execute("SELECT department, member FROM department_member ORDER BY 1, 2")
            ),
            *(tuple(r) for r in c.execute("SELECT id, member FROM api_token ORDER BY id")),
        ]
    )


OUT_OF_REACH = "permission.user_out_of_reach"
NOT_MY_DEPARTMENT = "permission.department_not_held"
ADMIN_ONLY = "permission.admin_only"

# (method, path, body, code): each path of the API the manager may not take here.
REFUSED = [
    ("PATCH", "/api/v1/users/{bia}", {"password": "tomada-1234"}, OUT_OF_REACH),
    ("PATCH", "/api/v1/users/{caio}", {"password": "tomada-1234"}, OUT_OF_REACH),
    ("PATCH", "/api/v1/users/{dono}", {"password": "tomada-1234"}, ADMIN_ONLY),
    ("PATCH", "/api/v1/users/{bia}", {"name": "Outra"}, OUT_OF_REACH),
    ("PATCH", "/api/v1/users/{bia}", {"email": "x@example.com"}, OUT_OF_REACH),
    ("PATCH", "/api/v1/users/{caio}", {"active": False}, OUT_OF_REACH),
    ("PATCH", "/api/v1/users/{bia}", {"permissions": []}, OUT_OF_REACH),
    ("PATCH", "/api/v1/users/{caio}", {"departments": []}, OUT_OF_REACH),
    ("PATCH", "/api/v1/users/{ana}", {"departments": ["suporte"]}, NOT_MY_DEPARTMENT),
    ("PATCH", "/api/v1/users/{gerente}", {"departments": ["vendas", "suporte"]}, NOT_MY_DEPARTMENT),
    ("PATCH", "/api/v1/users/{ana}", {"is_admin": True}, ADMIN_ONLY),
    (
        "POST",
        "/api/v1/users",
        {"login": "nova", "password": "senha-forte", "departments": ["suporte"]},
        NOT_MY_DEPARTMENT,
    ),
    (
        "POST",
        "/api/v1/users",
        {"login": "nova", "password": "senha-forte", "permissions": ["see_numbers"]},
        "permission.not_held",
    ),
    (
        "POST",
        "/api/v1/users",
        {"login": "nova", "password": "senha-forte", "is_admin": True},
        ADMIN_ONLY,
    ),
    ("GET", "/api/v1/users/{bia}/tokens", None, OUT_OF_REACH),
    ("DELETE", "/api/v1/users/{bia}/tokens/{bia_token}", None, OUT_OF_REACH),
    ("DELETE", "/api/v1/users/{dono}/tokens/{dono_token}", None, ADMIN_ONLY),
    (
        "PUT",
        "/api/v1/departments/{vendas}/members",
        {"user_ids": ["gerente", "ana", "bia"]},
        OUT_OF_REACH,
    ),
    (
        "PUT",
        "/api/v1/departments/{vendas}/members",
        {"user_ids": ["gerente", "ana", "caio"]},
        OUT_OF_REACH,
    ),
    (
        "PUT",
        "/api/v1/departments/{suporte}/members",
        {"user_ids": ["caio", "gerente"]},
        NOT_MY_DEPARTMENT,
    ),
    ("PUT", "/api/v1/departments/{suporte}/members", {"user_ids": []}, NOT_MY_DEPARTMENT),
    ("PATCH", "/api/v1/departments/{suporte}", {"name": "Assistência"}, NOT_MY_DEPARTMENT),
    ("DELETE", "/api/v1/departments/{suporte}", None, NOT_MY_DEPARTMENT),
]


def _fill(value: object, ids: dict[str, int]) -> object:
    if isinstance(value, str) and value.startswith("/"):
        return value.format(**ids)
    if isinstance(value, list):
        return [ids[v] if isinstance(v, str) and v in ids else v for v in value]
    if isinstance(value, dict):
        return {
            k: _fill(v, ids) if k not in ("login", "password", "name", "email") else v
            for k, v in value.items()
        }
    return value


@pytest.mark.parametrize(("method", "path", "body", "code"), REFUSED)
async def test_a_manager_is_refused_beyond_their_reach(
    client: AsyncTestClient[Litestar],
    db: Database,
    shop: Shop,
    method: str,
    path: str,
    body: dict[str, object] | None,
    code: str,
) -> None:
    for who in ("bia", "dono", "ana"):
        shop.ids[f"{who}_token"] = _token_of(db, shop.ids[who])
    before = _state(db)
    r = await client.request(
        method, _fill(path, shop.ids), json=_fill(body, shop.ids), headers=shop.gerente
    )
    assert (r.status_code, r.json()["code"]) == (403, code), r.text
    assert r.json()["message"]
    assert _state(db) == before


async def test_the_password_of_someone_who_sees_more_cannot_be_taken(
    client: AsyncTestClient[Litestar], shop: Shop
) -> None:
    r = await client.patch(
        f"/api/v1/users/{shop.ids['bia']}", json={"password": "tomada-1234"}, headers=shop.gerente
    )
    assert r.status_code == 403
    r = await client.post("/api/v1/auth/token", json={"login": "bia", "password": "tomada-1234"})
    assert r.status_code == 401
    assert (await client.get("/api/v1/me", headers=await bearer(client, "bia"))).json()[
        "permissions"
    ] == ["see_numbers"]


async def test_a_manager_changes_whoever_is_within_reach(
    client: AsyncTestClient[Litestar], db: Database, shop: Shop
) -> None:
    ids, gerente = shop.ids, shop.gerente
    r = await client.patch(
        f"/api/v1/users/{ids['ana']}",
        json={"name": "Ana Lima", "permissions": [], "departments": []},
        headers=gerente,
    )
    assert r.status_code == 200, r.text
    assert (r.json()["permissions"], r.json()["departments"]) == ([], [])
    r = await client.patch(
        f"/api/v1/users/{ids['leo']}", json={"departments": [ids["vendas"]]}, headers=gerente
    )
    assert r.json()["departments"] == [ids["vendas"]]
    r = await client.patch(
        f"/api/v1/users/{ids['leo']}", json={"password": "nova-senha-1"}, headers=gerente
    )
    assert r.status_code == 200
    r = await client.post(
        "/api/v1/users",
        json={"login": "nova", "password": "senha-forte", "departments": [ids["vendas"]]},
        headers=gerente,
    )
    assert r.status_code == 201, r.text
    nova = r.json()["id"]
    r = await client.put(
        f"/api/v1/departments/{ids['vendas']}/members",
        json={"user_ids": [ids["gerente"], ids["leo"], ids["ana"]]},
        headers=gerente,
    )
    assert r.status_code == 200, r.text
    token = _token_of(db, ids["ana"])
    listed = (await client.get(f"/api/v1/users/{ids['ana']}/tokens", headers=gerente)).json()
    assert [t["id"] for t in listed] == [token]
    r = await client.delete(f"/api/v1/users/{ids['ana']}/tokens/{token}", headers=gerente)
    assert r.status_code == 204
    r = await client.patch(f"/api/v1/users/{nova}", json={"active": False}, headers=gerente)
    assert r.json()["active"] is False
    r = await client.patch(
        f"/api/v1/departments/{ids['vendas']}", json={"name": "Vendas e Trocas"}, headers=gerente
    )
    assert r.status_code == 200


async def test_a_manager_joins_the_department_they_create_and_may_delete_it(
    client: AsyncTestClient[Litestar], shop: Shop
) -> None:
    r = await client.post("/api/v1/departments", json={"name": "Caixa"}, headers=shop.gerente)
    caixa = r.json()["id"]
    me = (await client.get("/api/v1/me", headers=shop.gerente)).json()
    assert sorted(me["departments"]) == sorted([shop.ids["vendas"], caixa])
    r = await client.put(
        f"/api/v1/departments/{caixa}/members",
        json={"user_ids": [shop.ids["gerente"], shop.ids["leo"]]},
        headers=shop.gerente,
    )
    assert r.status_code == 200
    assert (
        await client.delete(f"/api/v1/departments/{caixa}", headers=shop.gerente)
    ).status_code == 204


async def test_a_department_with_someone_out_of_reach_is_not_deleted(
    client: AsyncTestClient[Litestar], shop: Shop
) -> None:
    ids = shop.ids
    await client.put(
        f"/api/v1/departments/{ids['vendas']}/members",
        json={"user_ids": [ids["gerente"], ids["ana"], ids["bia"]]},
        headers=shop.admin,
    )
    r = await client.delete(f"/api/v1/departments/{ids['vendas']}", headers=shop.gerente)
    assert (r.status_code, r.json()["code"]) == (403, OUT_OF_REACH)


async def test_lists_say_whom_and_which_department_the_caller_may_change(
    client: AsyncTestClient[Litestar], shop: Shop
) -> None:
    users = (await client.get("/api/v1/users", headers=shop.gerente)).json()
    assert {u["login"]: u["can_manage"] for u in users} == {
        "admin": False,
        "gerente": True,
        "ana": True,
        "leo": True,
        "bia": False,
        "caio": False,
        "dono": False,
    }
    departments = (await client.get("/api/v1/departments", headers=shop.gerente)).json()
    assert {d["name"]: d["can_manage"] for d in departments} == {"Vendas": True, "Suporte": False}
    users = (await client.get("/api/v1/users", headers=shop.admin)).json()
    assert all(u["can_manage"] for u in users)
