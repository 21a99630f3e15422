"""What the UI and the docs offer exists: phone drivers the bridge runs, modules with code
behind them, permissions that guard something, and no claim of work nothing does."""

from __future__ import annotations

import re
from pathlib import Path

from litestar import Litestar
from litestar.testing import AsyncTestClient

from appliance.areas.accounts.permissions import Permission
from appliance.areas.devices.service import DRIVERS
from appliance.areas.modules.service import Module
from appliance.core.db import Database
from bridge.cli import DRIVERS as BRIDGE_DRIVERS
from tests.conftest import admin_and_chats, bearer
from tests.factories import make_user

Client = AsyncTestClient[Litestar]
REPO = Path(__file__).resolve().parent.parent.parent
# Modules with no code behind them yet.
PLANNED = {"chatbot", "nps", "files"}


def test_the_web_registers_exactly_the_drivers_the_bridge_runs() -> None:
    assert set(DRIVERS) == set(BRIDGE_DRIVERS)
    admin_js = (REPO / "web/static/js/admin/devices.js").read_text(encoding="utf-8")
    choosable = re.search(r"const DRIVERS = (\[.*?\]);\n", admin_js, re.S)
    assert choosable is not None
    # Each choice is ["name", t("label")]: the label comes from the message catalog.
    assert set(re.findall(r'\["(\w+)", t\("', choosable.group(1))) == set(BRIDGE_DRIVERS)


async def test_a_device_of_a_planned_driver_is_refused(client: Client, db: Database) -> None:
    make_user(db, "admin", is_admin=True)
    admin = await bearer(client, "admin")
    r = await client.post(
        "/api/v1/devices", json={"name": "Celular", "driver": "adb"}, headers=admin
    )
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["code"] == "device.driver_planned"
    assert (
        body["message"]
        == "O driver adb (Android no USB) ainda não existe (em breve). Use sim, waweb."
    )
    assert (await client.get("/api/v1/devices", headers=admin)).json() == []
    r = await client.post(
        "/api/v1/devices", json={"name": "Celular", "driver": "sim"}, headers=admin
    )
    assert r.status_code == 201
    assert r.json()["command"] == f"balcao bridge --device {r.json()['device']['id']}"
    r = await client.post(
        "/api/v1/devices", json={"name": "Celular da loja", "driver": "waweb"}, headers=admin
    )
    assert r.status_code == 201
    device = r.json()["device"]["id"]
    assert r.json()["command"] == f"balcao bridge --device {device} --driver waweb"


async def test_modules_with_nothing_behind_them_are_off_and_cannot_be_switched_on(
    client: Client, db: Database
) -> None:
    admin, [chat] = await admin_and_chats(client, db, "Maria")
    listed = {m["name"]: m for m in (await client.get("/api/v1/modules", headers=admin)).json()}
    assert {name for name, m in listed.items() if not m.get("available", True)} == PLANNED
    assert all(not listed[name]["enabled"] for name in PLANNED)
    enabled = (await client.get("/api/v1/modules/enabled", headers=admin)).json()
    assert enabled == {m.value: m.value not in PLANNED for m in Module}

    for name, label in (
        ("nps", "Pesquisa NPS"),
        ("files", "Biblioteca de arquivos"),
        ("chatbot", "Chatbot"),
    ):
        r = await client.patch("/api/v1/modules", json={name: True}, headers=admin)
        assert r.status_code == 400
        assert r.json()["code"] == "module.planned"
        assert r.json()["message"] == (
            f"Ainda não existe e não pode ser ligado (em breve): {label}."
        )
    # Switching one off is no promise: accepted, and it stays off.
    r = await client.patch("/api/v1/modules", json={"nps": False, "funnel": True}, headers=admin)
    assert r.status_code == 200
    assert (await client.get("/api/v1/modules/enabled", headers=admin)).json()["nps"] is False
    # The chatbot's per-chat switch goes with the chatbot.
    r = await client.put(f"/api/v1/chats/{chat}/chatbot", json={"enabled": False}, headers=admin)
    assert r.status_code == 404


async def test_only_permissions_that_guard_something_are_offered(
    client: Client, db: Database
) -> None:
    make_user(db, "admin", is_admin=True)
    admin = await bearer(client, "admin")
    offered = {p["name"] for p in (await client.get("/api/v1/permissions", headers=admin)).json()}
    assert "manage_files" not in offered
    assert offered == {p.value for p in Permission}
    r = await client.post(
        "/api/v1/users",
        json={
            "login": "ana",
            "name": "Ana",
            "password": "senha-longa-1",
            "permissions": ["manage_files"],
        },
        headers=admin,
    )
    assert r.status_code == 400
    assert r.json()["code"] == "user.unknown_permission"


def test_the_docs_and_units_claim_no_scheduled_sends_or_planned_drivers() -> None:
    texts = {
        path: path.read_text(encoding="utf-8")
        for path in [
            REPO / "README.md",
            REPO / "CONTRIBUTING.md",
            REPO / "Vagrantfile",
            *sorted((REPO / "systemd").glob("*.service")),
            *sorted((REPO / "web/templates").glob("*.html")),
        ]
    }
    for path, text in texts.items():
        assert not re.search(r"scheduled send|agendad", text, re.I), path
    readme = texts[REPO / "README.md"]
    # The planned drivers are named only as planned, never in a command to run.
    assert not re.search(r"balcao (bridge|createdevice)[^\n`]*--driver adb", readme)
    assert "(attendance, funnel, chatbot, NPS, add chats, files)" not in readme
