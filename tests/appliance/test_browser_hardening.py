"""The browser's side of the box: Host names (DNS rebinding), the security headers of every
answer, media kept out of shared caches, and session cookies Secure over HTTPS."""

from __future__ import annotations

import re
import shutil
import socket
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from appliance.areas.accounts.service import create_session
from appliance.core.db import Database, migrate
from appliance.core.settings import Settings, load_settings
from appliance.http.app import create_app
from appliance.http.guard import host_allowed, host_name, own_names
from tests.conftest import bearer
from tests.factories import make_user
from tests.harness import running_server

Client = AsyncTestClient[Litestar]
SECRET = "S3nha-Muito-Secreta-42"
REBOUND = "rebind.attacker.example"


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]+)"', html)
    assert match, f"no hidden field {name}"
    return match.group(1)


async def _browser_login(client: Client, login: str, password: str) -> httpx.Response:
    page = await client.get("/login")
    return await client.post(
        "/login",
        data={"login": login, "password": password, "_csrf": _hidden(page.text, "_csrf")},
        follow_redirects=False,
    )


def _data_dir(tmp_path: Path, template_db: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copyfile(template_db, data / "balcao.db")
    migrate(data / "balcao.db")
    return data


# --- Host names ------------------------------------------------------------------------


def test_host_names_the_box_answers_to() -> None:
    names = own_names(["Balcao.Loja.Example.", "*.vilacell.example"], hostname="caixa")
    for header in (
        "caixa",
        "caixa.local:8080",
        "localhost:8080",
        "balcao.loja.example",
        "BALCAO.LOJA.EXAMPLE:443",
        "pdv.vilacell.example",
        "192.168.0.10:8080",
        "10.0.0.5",
        "[fe80::1]:8080",
        "[::1]",
    ):
        assert host_allowed(header, names), header
    for header in (REBOUND, "caixa.evil.example", "vilacell.example.evil", "", ":8080"):
        assert not host_allowed(header, names), header
    assert host_name("[2804:14c::1]:8080") == "2804:14c::1"
    assert host_allowed("anything.example", own_names(["*"], hostname="caixa"))


def test_allowed_hosts_come_from_the_file_and_the_environment(tmp_path: Path) -> None:
    config = tmp_path / "balcao.toml"
    config.write_text('allowed_hosts = ["balcao.loja.example", "*.vilacell.example"]\n')
    assert load_settings({}, config).allowed_hosts == ("balcao.loja.example", "*.vilacell.example")
    env = {"BALCAO_ALLOWED_HOSTS": "a.example, b.example", "BALCAO_TRUSTED_PROXIES": "10.0.0.1"}
    settings = load_settings(env, config)
    assert settings.allowed_hosts == ("a.example", "b.example")
    assert settings.trusted_proxies == ("10.0.0.1",)
    assert load_settings({}, tmp_path / "none.toml").allowed_hosts == ()


async def test_a_rebound_host_is_refused_on_pages_api_and_bridge_link(
    client: Client, db: Database
) -> None:
    make_user(db, "admin", is_admin=True)
    headers = await bearer(client, "admin")
    for method, path in (
        ("GET", "/login"),
        ("GET", "/"),
        ("GET", "/api/v1/chats"),
        ("GET", "/healthz"),
        ("GET", "/schema"),
        ("POST", "/bridge/v1/events"),
    ):
        r = await client.request(
            method, path, headers={**headers, "host": f"{REBOUND}:8080"}, json={}
        )
        assert r.status_code == 400, (method, path, r.status_code)
        body = r.json()
        assert body["code"] == "http.bad_host"
        assert f"Endereço não reconhecido pelo Balcão: {REBOUND}:8080" in body["message"]
        assert r.headers["x-content-type-options"] == "nosniff"


async def test_ip_literals_own_names_and_configured_names_are_served(
    settings: Settings, db: Database
) -> None:
    make_user(db, "admin", is_admin=True)
    app = create_app(replace(settings, allowed_hosts=("balcao.loja.example",)))
    hostname = socket.gethostname().lower()
    async with AsyncTestClient(app=app, base_url="http://balcao.loja.example") as client:
        headers = await bearer(client, "admin")
        for host in (
            "balcao.loja.example",
            "192.168.15.20:8080",
            "10.0.0.5",
            "[fe80::1]:8080",
            "localhost:8080",
            hostname,
            f"{hostname}.local:8080",
        ):
            r = await client.get("/api/v1/me", headers={**headers, "host": host})
            assert r.status_code == 200, (host, r.text)
        r = await client.get("/api/v1/me", headers={**headers, "host": "testserver.local"})
        assert r.status_code == 400


def _handshake(port: int, host: str, session: str) -> str:
    """The status line the server answers a browser's WebSocket handshake on /ws with."""
    request = (
        "GET /ws HTTP/1.1\r\n"
        f"Host: {host}\r\n"
        f"Origin: http://{host}\r\n"
        f"Cookie: balcao_session={session}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(request.encode())
        return conn.makefile("rb").readline().decode().strip()


@pytest.mark.slow
def test_the_live_socket_refuses_a_rebound_host(tmp_path: Path, template_db: Path) -> None:
    data = _data_dir(tmp_path, template_db)
    db = Database(data / "balcao.db", readers=1)
    try:
        admin = make_user(db, "admin", is_admin=True)
        session, _ = db.write_sync(create_session, admin)
    finally:
        db.close()
    with running_server(data) as server:
        port = int(server.url.rsplit(":", 1)[1])
        # The origin matches the host, as it does for a page loaded from a rebound name:
        # only the Host rule stands between that page and the live events.
        assert _handshake(port, f"{REBOUND}:{port}", session).split(" ")[1] == "403"
        assert _handshake(port, f"127.0.0.1:{port}", session).split(" ")[1] == "101"
        assert _handshake(port, f"localhost:{port}", session).split(" ")[1] == "101"


# --- Headers ---------------------------------------------------------------------------

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)


def _policy(response: httpx.Response) -> dict[str, str]:
    parts = [p.strip() for p in response.headers["content-security-policy"].split(";")]
    return {p.split(" ", 1)[0]: p.partition(" ")[2] for p in parts if p}


async def test_pages_carry_a_policy_without_inline_script(client: Client, db: Database) -> None:
    make_user(db, "admin", password=SECRET, is_admin=True)
    login = await client.get("/login")
    assert (await _browser_login(client, "admin", SECRET)).status_code == 303
    inbox = await client.get("/", headers={"accept": "text/html"})
    admin = await client.get("/admin", headers={"accept": "text/html"})
    schema = await client.get("/schema")
    for page in (login, inbox, admin, schema):
        assert page.status_code == 200, page.url
        policy = _policy(page)
        assert policy["script-src"] == "'self'", page.url
        assert "unsafe" not in page.headers["content-security-policy"]
        assert policy["frame-ancestors"] == "'none'"
        assert policy["object-src"] == "'none'"
        assert page.headers["referrer-policy"] == "same-origin"
        assert page.headers["x-content-type-options"] == "nosniff"
        assert page.headers["x-frame-options"] == "DENY"
        assert "<script" in page.text or page is login
        assert INLINE_SCRIPT.findall(page.text) == [], page.url
        assert INLINE_HANDLER.findall(page.text) == [], page.url
    for page in (inbox, admin):
        assert page.headers["cache-control"] == "no-store"


async def test_api_answers_carry_the_headers_and_are_not_stored(
    client: Client, db: Database
) -> None:
    make_user(db, "admin", is_admin=True)
    headers = await bearer(client, "admin")
    for path in ("/api/v1/chats", "/api/v1/me", "/schema/openapi.json"):
        r = await client.get(path, headers=headers)
        assert r.headers["cache-control"] == "no-store", path
        assert r.headers["referrer-policy"] == "same-origin"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert _policy(r)["frame-ancestors"] == "'none'"
    script = await client.get("/static/js/app.js")
    assert script.status_code == 200
    assert script.headers["x-content-type-options"] == "nosniff"
    assert "no-store" not in script.headers.get("cache-control", "")


# --- Cookies over HTTPS ----------------------------------------------------------------


def _session_cookie(response: httpx.Response) -> str:
    cookies = [c for c in response.headers.get_list("set-cookie") if "balcao_session=" in c]
    assert len(cookies) == 1, response.headers
    return cookies[0].lower()


async def test_the_session_cookie_is_secure_when_the_page_came_over_https(
    settings: Settings, db: Database
) -> None:
    make_user(db, "admin", password=SECRET, is_admin=True)
    # One app per client: a client's exit shuts its app down.
    app = create_app(settings)
    async with AsyncTestClient(app=app, base_url="https://testserver.local") as https:
        cookie = _session_cookie(await _browser_login(https, "admin", SECRET))
        assert "; secure" in cookie
        assert "httponly" in cookie
    app = create_app(settings)
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as plain:
        assert "; secure" not in _session_cookie(await _browser_login(plain, "admin", SECRET))


def _live_login(url: str, forwarded_proto: str) -> str:
    with httpx.Client(base_url=url, headers={"x-forwarded-proto": forwarded_proto}) as http:
        page = http.get("/login")
        r = http.post(
            "/login",
            data={"login": "admin", "password": SECRET, "_csrf": _hidden(page.text, "_csrf")},
        )
        assert r.status_code == 303, r.text
        return _session_cookie(r)


@pytest.mark.slow
def test_x_forwarded_proto_counts_only_from_a_trusted_proxy(
    tmp_path: Path, template_db: Path
) -> None:
    data = _data_dir(tmp_path, template_db)
    db = Database(data / "balcao.db", readers=1)
    try:
        make_user(db, "admin", password=SECRET, is_admin=True)
    finally:
        db.close()
    # By default a proxy on the box itself (loopback) is trusted.
    with running_server(data) as server:
        assert "; secure" in _live_login(server.url, "https")
        assert "; secure" not in _live_login(server.url, "http")
    # A proxy elsewhere is named in trusted_proxies; then loopback's header is not believed.
    with running_server(data, BALCAO_TRUSTED_PROXIES="10.20.30.40") as server:
        assert "; secure" not in _live_login(server.url, "https")
