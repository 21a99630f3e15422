"""Pairing a phone from the box: the QR code the bridge reports reaches admins only (the
devices list, the SVG the admin page shows), and ``balcao pair`` follows it in a terminal."""

from __future__ import annotations

import io
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from appliance.areas.bridge_api.service import set_device_state
from appliance.areas.devices.pairing import watch_pairing
from appliance.core.db import Database
from tests.conftest import bearer
from tests.factories import make_device, make_user
from wire import contract as c

Client = AsyncTestClient[Litestar]
QR = "2@Gd9S1mYgk2N1y8u0xQ,sim,+5511940000000"


def _state(state: str, **kw: Any) -> c.DeviceState:
    return c.DeviceState(
        version=c.CONTRACT_VERSION,
        state=state,  # type: ignore[arg-type]
        driver="sim",
        capabilities=["pairing", "history"],
        **kw,
    )


async def test_the_qr_code_is_for_admins_only(client: Client, db: Database) -> None:
    make_user(db, "admin", is_admin=True)
    make_user(db, "gerente", permissions=["manage_users", "see_numbers", "see_all_chats"])
    device, token = make_device(db)
    pairing = {
        "version": c.CONTRACT_VERSION,
        "state": "pairing",
        "driver": "sim",
        "capabilities": ["pairing"],
        "pairing": {"qr": QR, "expires_at": 1_900_000_000_000},
    }
    r = await client.put(
        "/bridge/v1/state", json=pairing, headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 200, r.text
    admin, gerente = await bearer(client, "admin"), await bearer(client, "gerente")

    [seen] = (await client.get("/api/v1/devices", headers=admin)).json()
    assert (seen["state"], seen["pairing"]["qr"]) == ("pairing", QR)
    assert seen["capabilities"] == ["pairing"]
    [hidden] = (await client.get("/api/v1/devices", headers=gerente)).json()
    assert hidden["state"] == "pairing"
    assert hidden["pairing"] is None

    svg = await client.get(f"/api/v1/devices/{device}/pairing.svg", headers=admin)
    assert svg.status_code == 200
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.headers["cache-control"] == "no-store"
    assert svg.content.startswith(b"<?xml")
    assert b"<svg" in svg.content
    refused = await client.get(f"/api/v1/devices/{device}/pairing.svg", headers=gerente)
    assert refused.status_code == 403

    ready = {"version": c.CONTRACT_VERSION, "state": "ready", "driver": "sim"}
    await client.put("/bridge/v1/state", json=ready, headers={"Authorization": f"Bearer {token}"})
    gone = await client.get(f"/api/v1/devices/{device}/pairing.svg", headers=admin)
    assert (gone.status_code, gone.json()["code"]) == (404, "device.not_pairing")
    [after] = (await client.get("/api/v1/devices", headers=admin)).json()
    assert after["pairing"] is None


def test_balcao_pair_follows_the_states_and_each_new_qr_code(db: Database) -> None:
    device, _ = make_device(db, "Balcão da frente")
    script = [
        _state("connecting"),
        _state("pairing", detail="aguardando pareamento", pairing=c.Pairing(qr=QR)),
        _state("pairing", detail="aguardando pareamento", pairing=c.Pairing(qr=QR)),
        _state("pairing", detail="aguardando pareamento", pairing=c.Pairing(qr=QR + "x")),
        _state("ready", phone="+5511940000000"),
    ]
    db.write_sync(set_device_state, device, script.pop(0))

    def next_state(_seconds: float) -> None:
        db.write_sync(set_device_state, device, script.pop(0))

    out = io.StringIO()
    assert watch_pairing(db, device, out, sleep=next_state) == 0
    text = out.getvalue()
    assert text.count("WhatsApp › Aparelhos conectados › Conectar um aparelho") == 2
    assert text.count("▀") > 100  # two QR codes drawn in half blocks
    lines = [line for line in text.splitlines() if line.startswith("Balcão da frente:")]
    assert lines == [
        "Balcão da frente: conectando…",
        "Balcão da frente: aguardando pareamento",
        "Balcão da frente: conectado",
    ]


def test_balcao_pair_gives_up_after_its_timeout(db: Database) -> None:
    device, _ = make_device(db)
    db.write_sync(set_device_state, device, _state("banned", until=1_900_000_000_000))
    now = [0.0]

    def later(seconds: float) -> None:
        now[0] += seconds

    out = io.StringIO()
    assert watch_pairing(db, device, out, timeout=2, clock=lambda: now[0], sleep=later) == 1
    assert "o WhatsApp baniu este número temporariamente (até " in out.getvalue()
    assert "tempo esgotado" in out.getvalue()
