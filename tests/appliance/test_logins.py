"""Logins: the throttle holds under parallel attempts and works per address, and new
passwords have a minimum length."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from appliance.core import clock
from appliance.core.db import Database
from appliance.core.settings import Settings
from tests.conftest import bearer
from tests.factories import make_user
from tests.harness import balcao

SECRET = "S3nha-da-Dona-Rosa"

From = Callable[[str], AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
async def from_address(client: AsyncTestClient[Litestar], app: Litestar) -> From:
    """Clients of the real app (started by ``client``) calling from a given IP address."""

    def connect(address: str) -> AbstractAsyncContextManager[httpx.AsyncClient]:
        transport = httpx.ASGITransport(app=app, client=(address, 40000))
        return httpx.AsyncClient(transport=transport, base_url="http://testserver.local")

    return connect


@pytest.fixture(autouse=True)
def _wall_clock() -> Iterator[None]:
    yield
    clock.reset()


async def _token(http: httpx.AsyncClient, login: str, password: str) -> int:
    r = await http.post("/api/v1/auth/token", json={"login": login, "password": password})
    return r.status_code


async def test_parallel_wrong_passwords_are_counted_before_they_are_checked(
    db: Database, settings: Settings, from_address: From
) -> None:
    make_user(db, "dona", password=SECRET, is_admin=True)
    async with from_address("192.0.2.7") as stranger, from_address("198.51.100.3") as owner:
        answers = await asyncio.gather(*(_token(stranger, "dona", f"chute-{n}") for n in range(40)))
        counted = Counter(answers)
        assert set(counted) == {401, 429}
        assert counted[401] <= settings.login_max_failures
        assert counted[429] == 40 - counted[401]
        # Even the right password waits, from the stranger's machine...
        assert await _token(stranger, "dona", SECRET) == 429
        # ...while the owner, at another machine, logs in.
        assert await _token(owner, "dona", SECRET) == 200


async def test_many_addresses_shut_a_login_out_except_where_it_logged_in_before(
    db: Database, settings: Settings, from_address: From
) -> None:
    make_user(db, "dona", password=SECRET, is_admin=True)
    limit = settings.login_max_failures
    async with from_address("198.51.100.3") as counter_pc:
        assert await _token(counter_pc, "dona", SECRET) == 200
    for n in range(4):  # 4 × 5 failures: the per-login limit
        async with from_address(f"192.0.2.{n + 1}") as stranger:
            for _ in range(limit):
                assert await _token(stranger, "dona", "chute") == 401
    async with from_address("203.0.113.9") as new_machine:
        assert await _token(new_machine, "dona", SECRET) == 429
    async with from_address("198.51.100.3") as counter_pc:
        assert await _token(counter_pc, "dona", SECRET) == 200
    # The window passes and the new machine gets in too.
    clock.advance((settings.login_window_seconds + 1) * 1000)
    async with from_address("203.0.113.9") as new_machine:
        assert await _token(new_machine, "dona", SECRET) == 200


async def test_one_address_trying_many_logins_is_throttled(
    db: Database, settings: Settings, from_address: From
) -> None:
    make_user(db, "ana", password=SECRET)
    async with from_address("192.0.2.7") as stranger:
        answers = [
            await _token(stranger, f"login{n}", "chute")
            for n in range(settings.login_max_failures * 4)
        ]
        assert set(answers) == {401}
        assert await _token(stranger, "ana", SECRET) == 429
    async with from_address("198.51.100.3") as other:
        assert await _token(other, "ana", SECRET) == 200


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("POST", "/api/v1/users", {"login": "nova", "password": "1234567"}, "password"),
        ("PATCH", "/api/v1/users/{ana}", {"password": "curta"}, "password"),
        (
            "PATCH",
            "/api/v1/me",
            {"new_password": "curta", "current_password": SECRET},
            "new_password",
        ),
    ],
)
async def test_new_passwords_have_at_least_8_characters(
    client: AsyncTestClient[Litestar],
    db: Database,
    method: str,
    path: str,
    body: dict[str, str],
    field: str,
) -> None:
    make_user(db, "admin", password=SECRET, is_admin=True)
    ana = make_user(db, "ana", password=SECRET)
    who = "ana" if path == "/api/v1/me" else "admin"
    r = await client.request(
        method, path.format(ana=ana), json=body, headers=await bearer(client, who, SECRET)
    )
    assert (r.status_code, r.json()["code"]) == (400, "user.weak_password")
    assert r.json()["field"] == field
    assert r.json()["message"] == f"{field}: a senha precisa ter pelo menos 8 caracteres."
    body = {**body, field: "oito-ok8"}
    r = await client.request(
        method, path.format(ana=ana), json=body, headers=await bearer(client, who, SECRET)
    )
    assert r.status_code in (200, 201), r.text


def test_createuser_refuses_a_short_password(tmp_path: Path) -> None:
    r = balcao(tmp_path / "data", "createuser", "dona", "--password-stdin", stdin="1234567\n")
    assert r.returncode == 2
    assert "pelo menos 8 caracteres" in r.stderr
