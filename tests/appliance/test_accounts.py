"""Users, departments and permissions through the admin API and the CLI; settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from appliance.core.db import Database
from appliance.core.settings import SettingsError, load_settings
from tests.conftest import bearer
from tests.factories import make_user
from tests.harness import balcao


async def test_admin_creates_users_departments_and_permissions(
    client: AsyncTestClient[Litestar], db: Database
) -> None:
    make_user(db, "admin", is_admin=True)
    admin = await bearer(client, "admin")
    vendas = (
        await client.post("/api/v1/departments", json={"name": "Vendas"}, headers=admin)
    ).json()["id"]
    r = await client.post(
        "/api/v1/users",
        headers=admin,
        json={
            "login": "Ana",
            "name": "Ana Souza",
            "password": "ana-12345",
            "permissions": ["see_numbers"],
            "departments": [vendas],
        },
    )
    assert r.status_code == 201, r.text
    ana = r.json()
    assert ana["login"] == "ana"
    assert ana["permissions"] == ["see_numbers"]
    assert ana["departments"] == [vendas]
    assert "password" not in r.text
    assert "hash" not in r.text

    me = await client.get("/api/v1/me", headers=await bearer(client, "ana", "ana-12345"))
    assert me.json()["name"] == "Ana Souza"

    r = await client.patch(
        f"/api/v1/users/{ana['id']}",
        headers=admin,
        json={"permissions": ["see_numbers", "see_all_chats"]},
    )
    assert r.json()["permissions"] == ["see_all_chats", "see_numbers"]

    suporte = (
        await client.post("/api/v1/departments", json={"name": "Suporte"}, headers=admin)
    ).json()["id"]
    r = await client.put(
        f"/api/v1/departments/{suporte}/members", headers=admin, json={"user_ids": [ana["id"]]}
    )
    assert r.status_code == 200
    r = await client.get(f"/api/v1/users/{ana['id']}", headers=admin)
    assert sorted(r.json()["departments"]) == sorted([vendas, suporte])
    listed = (await client.get("/api/v1/departments", headers=admin)).json()
    assert {d["name"]: d["members"] for d in listed} == {"Vendas": 1, "Suporte": 1}
    names = {p["name"] for p in (await client.get("/api/v1/permissions", headers=admin)).json()}
    assert {"see_all_chats", "see_numbers", "manage_tags", "manage_fields", "manage_users"} <= names


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"login": "a", "password": "senha-forte"}, 400, "user.invalid_login"),
        ({"login": "ana maria", "password": "senha-forte"}, 400, "user.invalid_login"),
        ({"login": "ana", "password": "12"}, 400, "user.weak_password"),
        ({"login": "ana", "password": "1234567"}, 400, "user.weak_password"),
        (
            {"login": "ana", "password": "senha-forte", "permissions": ["voar"]},
            400,
            "user.unknown_permission",
        ),
        (
            {"login": "ana", "password": "senha-forte", "departments": [999]},
            400,
            "department.not_found",
        ),
        ({"login": "admin", "password": "senha-forte"}, 409, "user.login_taken"),
        ({"login": "ana"}, 400, "invalid_input"),
        ({"login": "ana", "password": "senha-forte", "extra": 1}, 400, "invalid_input"),
    ],
)
async def test_bad_user_input_gets_a_clear_error(
    client: AsyncTestClient[Litestar], db: Database, body: dict[str, object], status: int, code: str
) -> None:
    make_user(db, "admin", is_admin=True)
    r = await client.post("/api/v1/users", json=body, headers=await bearer(client, "admin"))
    assert r.status_code == status
    assert r.json()["code"] == code
    assert r.json()["message"]
    users = (await client.get("/api/v1/users", headers=await bearer(client, "admin"))).json()
    assert [u["login"] for u in users] == ["admin"]


async def test_users_api_needs_manage_users(
    client: AsyncTestClient[Litestar], db: Database
) -> None:
    make_user(db, "ana")
    make_user(db, "gerente", permissions=["manage_users"])
    ana = await bearer(client, "ana")
    for method, url in (
        ("GET", "/api/v1/users"),
        ("POST", "/api/v1/departments"),
        ("GET", "/api/v1/departments"),
        ("PATCH", "/api/v1/users/1"),
    ):
        r = await client.request(method, url, headers=ana, json={"name": "X"})
        assert r.status_code == 403, (method, url)
        assert r.json()["message"] == "Você não tem permissão para esta ação."
    gerente = await bearer(client, "gerente")
    assert (await client.get("/api/v1/users", headers=gerente)).status_code == 200
    r = await client.post(
        "/api/v1/users",
        headers=gerente,
        json={"login": "chefe", "password": "senha-forte", "is_admin": True},
    )
    assert r.status_code == 403
    assert "administradores" in r.json()["message"]


async def test_deactivated_user_loses_tokens(
    client: AsyncTestClient[Litestar], db: Database
) -> None:
    make_user(db, "admin", is_admin=True)
    ana_id = make_user(db, "ana")
    ana = await bearer(client, "ana")
    admin = await bearer(client, "admin")
    assert (await client.get("/api/v1/me", headers=ana)).status_code == 200
    await client.patch(f"/api/v1/users/{ana_id}", headers=admin, json={"active": False})
    assert (await client.get("/api/v1/me", headers=ana)).status_code == 401
    r = await client.post("/api/v1/auth/token", json={"login": "ana", "password": "ana"})
    assert r.status_code == 401


def test_createuser_command(tmp_path: Path) -> None:
    data = tmp_path / "data"
    r = balcao(data, "migrate")
    assert r.returncode == 0, r.stderr
    r = balcao(
        data,
        *("createuser", "dona", "--name", "Dona Rosa", "--admin", "--password-stdin"),
        stdin="segredo1\n",
    )
    assert r.returncode == 0, r.stderr
    r = balcao(
        data,
        *("createuser", "caixa", "--department", "Caixa", "--permission", "see_numbers"),
        "--password-stdin",
        stdin="segredo2\n",
    )
    assert r.returncode == 0, r.stderr
    r = balcao(data, "createuser", "dona", "--password-stdin", stdin="outra123\n")
    assert r.returncode == 2
    assert "Já existe um usuário" in r.stderr
    r = balcao(data, "createuser", "x y", "--password-stdin", stdin="outra123\n")
    assert r.returncode == 2
    assert "Login inválido" in r.stderr

    db = Database(data / "balcao.db", readers=1)
    try:
        rows = db.read_sync(
            lambda c: [
                tuple(r)
                for r in c.execute(
                    "SELECT u.login, u.is_admin, u.permissions, d.name FROM app_user u "
                    "LEFT JOIN department_member m ON m.member = u.id "
                    "LEFT JOIN department d ON d.id = m.department ORDER BY u.login"
                )
            ]
        )
    finally:
        db.close()
    assert rows == [("caixa", 0, '["see_numbers"]', "Caixa"), ("dona", 1, "[]", None)]
    # Migrating again changes nothing.
    r = balcao(data, "migrate")
    assert r.returncode == 0
    assert "0 migração(ões)" in r.stdout


def test_settings_from_file_and_environment(tmp_path: Path) -> None:
    config = tmp_path / "balcao.toml"
    config.write_text('port = 9000\nhost = "0.0.0.0"\ntime_zone = "America/Manaus"\n')
    settings = load_settings(
        {"BALCAO_CONFIG": str(config), "BALCAO_PORT": "9100", "BALCAO_DATA": str(tmp_path / "d")}
    )
    assert settings.port == 9100
    assert settings.host == "0.0.0.0"
    assert settings.time_zone == "America/Manaus"
    assert settings.db_path == tmp_path / "d" / "balcao.db"
    with pytest.raises(SettingsError):
        load_settings({"BALCAO_CONFIG": str(config), "BALCAO_PORT": "muitos"})
    config.write_text("port = [")
    with pytest.raises(SettingsError):
        load_settings({"BALCAO_CONFIG": str(config)})


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"login": "ana"}, "Dados inválidos: password: campo obrigatório ausente"),
        (
            {"login": "ana", "password": "senha-forte", "extra": 1},
            "Dados inválidos: extra: campo desconhecido",
        ),
        ({"login": "ana", "password": 1234}, "Dados inválidos: password: esperado um texto"),
    ],
)
async def test_a_malformed_body_is_explained_in_portuguese(
    client: AsyncTestClient[Litestar], db: Database, body: dict[str, object], message: str
) -> None:
    make_user(db, "admin", is_admin=True)
    r = await client.post("/api/v1/users", json=body, headers=await bearer(client, "admin"))
    assert (r.status_code, r.json()) == (400, {"code": "invalid_input", "message": message})
