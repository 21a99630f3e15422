"""A session's live socket closes as soon as the session ends: logout, a password change, a
deactivation, idle expiry, a revoked API token. The real app is served by uvicorn on a
loopback port in this process (so that the test can move its clock), and the sockets are
real WebSockets."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
import websockets
from litestar import Litestar

from appliance.areas.accounts import service as accounts
from appliance.core import clock
from appliance.core.db import Database
from appliance.core.settings import Settings
from appliance.http.live import hub_of
from tests.factories import make_user

SECRET = "S3nha-da-Dona-Rosa"
# A guard, not the promise: sockets are checked every second and at once after a change.
CLOSE_GUARD_SECONDS = 5


@dataclass
class Served:
    url: str
    http: httpx.AsyncClient
    app: Litestar

    def ws(self, headers: dict[str, str]) -> Any:
        return websockets.connect(
            self.url.replace("http", "ws") + "/ws",
            additional_headers=headers,
            origin=self.url,  # type: ignore[arg-type]
            open_timeout=30,
        )


@pytest.fixture(autouse=True)
def _wall_clock() -> Iterator[None]:
    yield
    clock.reset()


@pytest.fixture
async def served(app: Litestar) -> AsyncIterator[Served]:
    # Listening before the server starts: connections wait in the backlog until it accepts.
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, lifespan="on", log_level="warning"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            yield Served(url, http, app)
    finally:
        server.should_exit = True
        await task
        sock.close()


def _session(db: Database, user_id: int) -> tuple[dict[str, str], dict[str, str]]:
    """(headers of the websocket, headers of a form post) for a new browser session."""
    token, csrf = db.write_sync(accounts.create_session, user_id)
    cookie = {"Cookie": f"balcao_session={token}"}
    return cookie, {**cookie, "x-csrf-token": csrf}


async def _closed(ws: Any, *, chatty: bool = False) -> int:
    """Read until the server closes the socket; its close code. A ``chatty`` client keeps
    sending while it waits."""

    async def chat() -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            while True:
                await ws.send(json.dumps({"type": "ping"}))
                await asyncio.sleep(0.05)  # a client's pace, not a wait for the server

    talker = asyncio.create_task(chat()) if chatty else None
    try:
        async with asyncio.timeout(CLOSE_GUARD_SECONDS):
            with contextlib.suppress(websockets.ConnectionClosed):
                while True:
                    await ws.recv()
    finally:
        if talker is not None:
            talker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await talker
    assert ws.close_code is not None
    return int(ws.close_code)


async def _hello(ws: Any) -> None:
    assert json.loads(await ws.recv())["type"] == "hello"


async def test_logout_closes_that_sessions_socket_and_no_other(
    served: Served, db: Database
) -> None:
    ana = make_user(db, "ana", password=SECRET)
    first_ws, first_post = _session(db, ana)
    second_ws, _ = _session(db, ana)
    async with served.ws(first_ws) as first, served.ws(second_ws) as second:
        await _hello(first)
        await _hello(second)
        r = await served.http.post("/logout", headers=first_post)
        assert r.status_code == 303
        assert await _closed(first) == 4401
        # The other session goes on: its socket still answers and its page still loads.
        assert (await served.http.get("/api/v1/me", headers=second_ws)).status_code == 200
        await second.ping()
        await second.close()


@pytest.mark.parametrize("chatty", [False, True])
async def test_changing_ones_password_closes_ones_sockets(
    served: Served, db: Database, chatty: bool
) -> None:
    ana = make_user(db, "ana", password=SECRET)
    ws_headers, post = _session(db, ana)
    async with served.ws(ws_headers) as ws:
        await _hello(ws)
        r = await served.http.patch(
            "/api/v1/me",
            json={"current_password": SECRET, "new_password": "outra-senha-1"},
            headers=post,
        )
        assert r.status_code == 200, r.text
        assert await _closed(ws, chatty=chatty) == 4401


@pytest.mark.parametrize("change", [{"password": "senha-nova-1"}, {"active": False}])
async def test_a_reset_or_a_deactivation_closes_the_users_sockets(
    served: Served, db: Database, change: dict[str, object]
) -> None:
    admin = make_user(db, "admin", password=SECRET, is_admin=True)
    ana = make_user(db, "ana", password=SECRET)
    _, admin_post = _session(db, admin)
    ana_ws, _ = _session(db, ana)
    async with served.ws(ana_ws) as ws:
        await _hello(ws)
        r = await served.http.patch(f"/api/v1/users/{ana}", json=change, headers=admin_post)
        assert r.status_code == 200, r.text
        assert await _closed(ws) == 4401


async def test_an_idle_session_closes_its_socket(
    served: Served, db: Database, settings: Settings
) -> None:
    ana = make_user(db, "ana", password=SECRET)
    ws_headers, _ = _session(db, ana)
    async with served.ws(ws_headers) as ws:
        await _hello(ws)
        clock.advance((settings.session_idle_seconds + 1) * 1000)
        assert await _closed(ws) == 4401
    assert (await served.http.get("/api/v1/me", headers=ws_headers)).status_code == 401


async def test_a_session_in_use_keeps_its_socket(
    served: Served, db: Database, settings: Settings
) -> None:
    """Uses not yet written to the database count: a page that just asked for something
    is not idle, however old the session's last written use."""
    ana = make_user(db, "ana", password=SECRET)
    ws_headers, _ = _session(db, ana)
    async with served.ws(ws_headers) as ws:
        await _hello(ws)
        clock.advance((settings.session_idle_seconds - 5) * 1000)
        assert (await served.http.get("/api/v1/me", headers=ws_headers)).status_code == 200
        clock.advance(10_000)  # past the written use, not past the one just made
        # What the once-a-second sweep does, run now: the socket stays, and so does the page.
        await hub_of(served.app).check_sessions()
        await ws.ping()
        assert (await served.http.get("/api/v1/me", headers=ws_headers)).status_code == 200
        clock.advance((settings.session_idle_seconds + 1) * 1000)
        assert await _closed(ws) == 4401


async def test_revoking_an_api_token_closes_the_sockets_opened_with_it(
    served: Served, db: Database
) -> None:
    make_user(db, "ana", password=SECRET)
    tokens = []
    for name in ("Integração ERP", "Painel da TV"):
        r = await served.http.post(
            "/api/v1/auth/token", json={"login": "ana", "password": SECRET, "name": name}
        )
        tokens.append({"Authorization": f"Bearer {r.json()['access_token']}"})
    erp, tv = tokens
    listed = (await served.http.get("/api/v1/auth/tokens", headers=tv)).json()
    assert [t["name"] for t in listed] == ["Painel da TV", "Integração ERP"]
    assert all(set(t) == {"id", "name", "created_at", "last_used_at", "expires_at"} for t in listed)
    # The listing is itself a use of the TV's token; the ERP's was never used.
    assert [t["last_used_at"] is not None for t in listed] == [True, False]
    erp_id = listed[1]["id"]
    async with served.ws(erp) as erp_ws, served.ws(tv) as tv_ws:
        await _hello(erp_ws)
        await _hello(tv_ws)
        r = await served.http.delete(f"/api/v1/auth/tokens/{erp_id}", headers=tv)
        assert r.status_code == 204
        assert await _closed(erp_ws) == 4401
        await tv_ws.ping()
    assert (await served.http.get("/api/v1/me", headers=erp)).status_code == 401
    assert (await served.http.get("/api/v1/me", headers=tv)).status_code == 200
