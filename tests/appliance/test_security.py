"""CSRF, bearer tokens, login throttling, secrets at rest and in logs, escaping."""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from playwright.sync_api import sync_playwright

from appliance.core.db import Database, connect, migrate
from appliance.core.settings import Settings
from tests.conftest import bearer
from tests.factories import make_chat, make_device, make_message, make_user
from tests.harness import running_server

SECRET = "S3nha-Muito-Secreta-42"


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]+)"', html)
    assert match, f"no hidden field {name}"
    return match.group(1)


async def _browser_login(
    client: AsyncTestClient[Litestar], login: str, password: str
) -> httpx.Response:
    page = await client.get("/login")
    return await client.post(
        "/login",
        data={"login": login, "password": password, "_csrf": _hidden(page.text, "_csrf")},
        follow_redirects=False,
    )


async def _csrf_of_inbox(client: AsyncTestClient[Litestar]) -> str:
    page = await client.get("/", headers={"accept": "text/html"})
    assert page.status_code == 200
    match = re.search(r'<meta name="csrf-token" content="([^"]+)">', page.text)
    assert match
    return match.group(1)


async def test_cookie_post_without_csrf_token_is_refused(
    client: AsyncTestClient[Litestar], db: Database
) -> None:
    make_user(db, "admin", password=SECRET, is_admin=True)
    r = await _browser_login(client, "admin", SECRET)
    assert r.status_code == 303
    assert r.headers["location"] == "/"
    csrf = await _csrf_of_inbox(client)

    r = await client.post("/api/v1/departments", json={"name": "Vendas"})
    assert r.status_code == 403
    assert "CSRF" in r.json()["message"]
    r = await client.post(
        "/api/v1/departments", json={"name": "Vendas"}, headers={"x-csrf-token": "errado"}
    )
    assert r.status_code == 403
    r = await client.post("/logout", data={})
    assert r.status_code == 403

    r = await client.post(
        "/api/v1/departments", json={"name": "Vendas"}, headers={"x-csrf-token": csrf}
    )
    assert r.status_code == 201
    r = await client.post("/logout", data={"_csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303
    # The session is gone on the server, not just the cookie.
    r = await client.get("/api/v1/me")
    assert r.status_code == 401


async def test_login_form_needs_its_own_token(
    client: AsyncTestClient[Litestar], db: Database
) -> None:
    make_user(db, "admin", password=SECRET, is_admin=True)
    await client.get("/login")
    r = await client.post("/login", data={"login": "admin", "password": SECRET, "_csrf": "forjado"})
    assert r.status_code == 403
    assert "expirou" in r.text
    assert "balcao_session" not in r.headers.get("set-cookie", "")


async def test_bearer_requests_need_no_csrf(
    client: AsyncTestClient[Litestar], db: Database
) -> None:
    make_user(db, "admin", is_admin=True)
    headers = await bearer(client, "admin")
    r = await client.post("/api/v1/departments", json={"name": "Suporte"}, headers=headers)
    assert r.status_code == 201
    r = await client.get("/api/v1/me", headers={"Authorization": "Bearer invalido"})
    assert r.status_code == 401
    r = await client.get("/api/v1/me", headers={"Authorization": "Basic YWRtaW46YWRtaW4="})
    assert r.status_code == 401


async def test_repeated_failures_are_throttled(
    client: AsyncTestClient[Litestar], db: Database, settings: Settings
) -> None:
    make_user(db, "ana", password=SECRET)
    for _ in range(settings.login_max_failures):
        r = await client.post("/api/v1/auth/token", json={"login": "ana", "password": "x"})
        assert r.status_code == 401
        assert r.json()["message"] == "Login ou senha incorretos."
    r = await client.post("/api/v1/auth/token", json={"login": "ana", "password": SECRET})
    assert r.status_code == 429
    assert "Muitas tentativas" in r.json()["message"]
    assert int(r.headers["retry-after"]) > 0
    page = await client.get("/login")
    r = await client.post(
        "/login", data={"login": "ANA", "password": SECRET, "_csrf": _hidden(page.text, "_csrf")}
    )
    assert r.status_code == 429
    assert "Muitas tentativas" in r.text
    # Another login from the same place still works.
    make_user(db, "bruno", password=SECRET)
    r = await client.post("/api/v1/auth/token", json={"login": "bruno", "password": SECRET})
    assert r.status_code == 200


async def test_unknown_login_answers_like_a_wrong_password(
    client: AsyncTestClient[Litestar], db: Database
) -> None:
    make_user(db, "ana", password=SECRET)
    unknown = await client.post("/api/v1/auth/token", json={"login": "zé", "password": "x"})
    wrong = await client.post("/api/v1/auth/token", json={"login": "ana", "password": "x"})
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()


async def test_no_password_or_token_in_clear_in_database_or_logs(
    client: AsyncTestClient[Litestar],
    db: Database,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    make_user(db, "admin", is_admin=True)
    admin = await bearer(client, "admin")
    r = await client.post(
        "/api/v1/users", headers=admin, json={"login": "carla", "name": "Carla", "password": SECRET}
    )
    assert r.status_code == 201
    assert SECRET not in r.text
    token = (
        await client.post("/api/v1/auth/token", json={"login": "carla", "password": SECRET})
    ).json()
    await client.post("/api/v1/auth/token", json={"login": "carla", "password": SECRET + "x"})
    page = await client.get("/login")
    await client.post(
        "/login", data={"login": "carla", "password": SECRET, "_csrf": _hidden(page.text, "_csrf")}
    )
    r = await client.patch("/api/v1/users/2", headers=admin, json={"password": SECRET + "!"})
    assert r.status_code == 200
    db.close()
    conn = connect(settings.db_path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()

    stored = b"".join(p.read_bytes() for p in settings.data_dir.glob("balcao.db*"))
    for secret in (SECRET, SECRET + "!", token["access_token"]):
        assert secret.encode() not in stored
        assert secret not in caplog.text
    assert b"$argon2id$" in stored


async def test_customer_html_is_shown_as_text(
    client: AsyncTestClient[Litestar], db: Database
) -> None:
    make_user(db, "admin", password=SECRET, is_admin=True)
    device, _ = make_device(db)
    payload = "<img src=x onerror=alert(1)>"
    chat = make_chat(db, device, name=payload, preview="<script>alert(2)</script>")
    make_message(db, chat, body="<script>alert(2)</script>")
    await _browser_login(client, "admin", SECRET)
    page = await client.get("/", headers={"accept": "text/html"})
    assert "&lt;img src=x onerror=alert(1)&gt;" in page.text
    assert payload not in page.text
    assert "<script>alert(2)" not in page.text


@pytest.mark.browser
def test_customer_html_does_not_run_in_the_browser(
    tmp_path: Path, template_db: Path, output_dir: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copyfile(template_db, data / "balcao.db")
    migrate(data / "balcao.db")
    db = Database(data / "balcao.db", readers=1)
    try:
        make_user(db, "admin", password=SECRET, is_admin=True)
        device, _ = make_device(db)
        make_chat(
            db, device, name="<img src=x onerror=alert(1)>", preview="<script>alert(2)</script>"
        )
    finally:
        db.close()
    with running_server(data) as server, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page()
            dialogs: list[str] = []
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(f"{server.url}/login")
            page.fill("input[name=login]", "admin")
            page.fill("input[name=password]", SECRET)
            page.click("button[type=submit]")
            page.wait_for_selector(".chat .name")
            assert page.inner_text(".chat .name") == "<img src=x onerror=alert(1)>"
            assert page.inner_text(".chat .preview") == "<script>alert(2)</script>"
            page.screenshot(path=str(output_dir / "xss-chat-list.png"))
            assert dialogs == []
        finally:
            browser.close()
