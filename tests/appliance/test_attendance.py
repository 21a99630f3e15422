"""Attendance module: statuses, a chat's status and its archive rule, the history with the
time in each status, the control panel, the list's status filter, the module switch."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from appliance.areas.accounts import service as accounts
from appliance.areas.attendance import service
from appliance.areas.attendance.panel import control_panel
from appliance.core.clock import now_ms
from appliance.core.db import Database
from tests.conftest import admin_and_chats, bearer
from tests.factories import assign, make_chat, make_department, make_device, make_user

MINUTE = 60_000
HOUR = 60 * MINUTE


async def _statuses(client: AsyncTestClient[Litestar], headers: dict[str, str]) -> dict[str, Any]:
    r = await client.get("/api/v1/statuses", headers=headers)
    assert r.status_code == 200, r.text
    return {s["name"]: s for s in r.json()}


async def test_default_statuses_exist_once(client: AsyncTestClient[Litestar], db: Database) -> None:
    make_user(db, "ana")
    ana = await bearer(client, "ana")
    r = await client.get("/api/v1/statuses", headers=ana)
    assert [(s["name"], s["archive_rule"]) for s in r.json()] == [
        ("Aberto", "unarchive"),
        ("Em atendimento", "keep"),
        ("Aguardando", "keep"),
        ("Resolvido", "archive"),
        ("Fechado", "archive"),
    ]
    # A second start (or an older database) does not add them again.
    assert db.write_sync(service.ensure_default_statuses) is False
    assert len((await client.get("/api/v1/statuses", headers=ana)).json()) == 5


async def test_resolved_archives_and_open_unarchives(
    client: AsyncTestClient[Litestar], db: Database
) -> None:
    make_user(db, "ana", permissions=["see_all_chats"])
    device, _ = make_device(db)
    chat = make_chat(db, device, name="Joana")
    ana = await bearer(client, "ana")
    statuses = await _statuses(client, ana)

    r = await client.put(
        f"/api/v1/chats/{chat}/status",
        json={"status_id": statuses["Resolvido"]["id"]},
        headers=ana,
    )
    assert r.status_code == 200, r.text
    assert r.json()["status_id"] == statuses["Resolvido"]["id"]
    assert r.json()["archived"] is True
    archived = (await client.get("/api/v1/chats?archived=true", headers=ana)).json()["items"]
    assert [c["id"] for c in archived] == [chat]

    r = await client.put(
        f"/api/v1/chats/{chat}/status", json={"status_id": statuses["Aberto"]["id"]}, headers=ana
    )
    assert r.json()["archived"] is False
    r = await client.put(
        f"/api/v1/chats/{chat}/status",
        json={"status_id": statuses["Em atendimento"]["id"]},
        headers=ana,
    )
    assert r.json()["archived"] is False
    assert r.json()["status_id"] == statuses["Em atendimento"]["id"]

    history = (await client.get(f"/api/v1/chats/{chat}/status-history", headers=ana)).json()
    assert [(c["status_name"], c["by"], c["source"]) for c in history["changes"]] == [
        ("Resolvido", "Ana", "manual"),
        ("Aberto", "Ana", "manual"),
        ("Em atendimento", "Ana", "manual"),
    ]
    assert [c["current"] for c in history["changes"]] == [False, False, True]

    r = await client.put(f"/api/v1/chats/{chat}/status", json={"status_id": 9999}, headers=ana)
    assert r.status_code == 400
    assert r.json()["code"] == "status.unknown"


async def test_time_spent_in_each_status_across_changes(
    client: AsyncTestClient[Litestar], db: Database
) -> None:
    user = make_user(db, "ana", permissions=["see_all_chats"])
    device, _ = make_device(db)
    chat = make_chat(db, device, name="Joana")
    ids = {s["name"]: s["id"] for s in db.read_sync(service.list_statuses)}
    actor = db.read_sync(accounts.load_actor, user)
    assert actor is not None
    t0 = now_ms() - 40 * HOUR

    def at(offset: int, status: str, source: str = "manual") -> None:
        if source == "manual":
            db.write_sync(service.set_chat_status, actor, chat, ids[status], t0 + offset)
        else:
            db.write_sync(
                lambda c: service.change_status(
                    c, chat, ids[status], source=service.Source(source), at=t0 + offset
                )
            )

    at(0, "Aberto", "chatbot")
    at(10 * MINUTE, "Em atendimento")
    at(2 * HOUR + 15 * MINUTE, "Aguardando")
    at(2 * HOUR + 45 * MINUTE, "Em atendimento")
    at(3 * HOUR, "Resolvido", "system")
    now = t0 + 27 * HOUR + 30 * MINUTE

    history = db.read_sync(service.status_history, actor, chat, now)
    assert [
        (c["status_name"], c["by"], c["duration_ms"], c["duration_text"])
        for c in history["changes"]
    ] == [
        ("Aberto", "Chatbot", 10 * MINUTE, "10 min"),
        ("Em atendimento", "Ana", 2 * HOUR + 5 * MINUTE, "2 h 5 min"),
        ("Aguardando", "Ana", 30 * MINUTE, "30 min"),
        ("Em atendimento", "Ana", 15 * MINUTE, "15 min"),
        ("Resolvido", "Sistema", 24 * HOUR + 30 * MINUTE, "1 d"),
    ]
    totals = {t["status_name"]: t["duration_ms"] for t in history["totals"]}
    assert totals == {
        "Aberto": 10 * MINUTE,
        "Em atendimento": 2 * HOUR + 20 * MINUTE,
        "Aguardando": 30 * MINUTE,
        "Resolvido": 24 * HOUR + 30 * MINUTE,
    }
    # Setting the status the chat is in adds no change (and so no time is split).
    at(28 * HOUR, "Resolvido")
    assert len(db.read_sync(service.status_history, actor, chat, now)["changes"]) == 5

    # The same history over HTTP: the current status runs until now.
    ana = await bearer(client, "ana")
    r = await client.get(f"/api/v1/chats/{chat}/status-history", headers=ana)
    assert r.status_code == 200
    current = r.json()["changes"][-1]
    assert current["current"] is True
    assert current["duration_ms"] > 24 * HOUR


async def test_statuses_are_managed_by_admins_only(
    client: AsyncTestClient[Litestar], db: Database
) -> None:
    make_user(db, "admin", is_admin=True)
    make_user(db, "ana", permissions=["see_all_chats", "see_reports", "manage_tags"])
    admin = await bearer(client, "admin")
    ana = await bearer(client, "ana")
    aberto = (await _statuses(client, ana))["Aberto"]["id"]

    assert (
        await client.post("/api/v1/statuses", json={"name": "Orçamento"}, headers=ana)
    ).status_code == 403
    assert (
        await client.patch(f"/api/v1/statuses/{aberto}", json={"name": "X"}, headers=ana)
    ).status_code == 403
    assert (await client.delete(f"/api/v1/statuses/{aberto}", headers=ana)).status_code == 403

    r = await client.post(
        "/api/v1/statuses",
        json={"name": " Orçamento  enviado ", "color": "#FF8800", "archive_rule": "keep"},
        headers=admin,
    )
    assert r.status_code == 201, r.text
    created = r.json()
    assert (created["name"], created["color"], created["position"]) == (
        "Orçamento enviado",
        "#ff8800",
        5,
    )
    r = await client.post("/api/v1/statuses", json={"name": "aberto"}, headers=admin)
    assert r.status_code == 409
    r = await client.post("/api/v1/statuses", json={"name": "Y", "color": "red"}, headers=admin)
    assert r.status_code == 400
    r = await client.post(
        "/api/v1/statuses", json={"name": "Y", "archive_rule": "never"}, headers=admin
    )
    assert r.status_code == 400

    r = await client.patch(
        f"/api/v1/statuses/{created['id']}",
        json={"name": "Proposta", "position": 1, "archive_rule": "archive"},
        headers=admin,
    )
    assert r.status_code == 200
    names = list((await _statuses(client, ana)).keys())
    assert names == [
        "Aberto",
        "Proposta",
        "Em atendimento",
        "Aguardando",
        "Resolvido",
        "Fechado",
    ]


async def test_deleting_a_status_in_use_needs_a_destination(
    client: AsyncTestClient[Litestar], db: Database
) -> None:
    admin, [chat] = await admin_and_chats(client, db, "Joana")
    statuses = await _statuses(client, admin)
    waiting, done = statuses["Aguardando"]["id"], statuses["Resolvido"]["id"]
    await client.put(f"/api/v1/chats/{chat}/status", json={"status_id": waiting}, headers=admin)

    r = await client.delete(f"/api/v1/statuses/{waiting}", headers=admin)
    assert r.status_code == 409
    assert r.json()["code"] == "status.in_use"
    r = await client.delete(f"/api/v1/statuses/{waiting}?move_to={done}", headers=admin)
    assert r.status_code == 200
    assert r.json() == {"deleted": waiting, "moved": 1}
    assert "Aguardando" not in await _statuses(client, admin)

    chat_now = (await client.get(f"/api/v1/chats/{chat}", headers=admin)).json()
    assert (chat_now["status_id"], chat_now["archived"]) == (done, True)
    history = (await client.get(f"/api/v1/chats/{chat}/status-history", headers=admin)).json()
    assert [c["status_name"] for c in history["changes"]] == ["Aguardando", "Resolvido"]

    # An unused status goes without a destination; the last one never goes.
    for status in list((await _statuses(client, admin)).values())[:-1]:
        r = await client.delete(
            f"/api/v1/statuses/{status['id']}",
            params={"move_to": statuses["Fechado"]["id"]} if status["id"] == done else {},
            headers=admin,
        )
        assert r.status_code == 200, r.text
    r = await client.delete(f"/api/v1/statuses/{statuses['Fechado']['id']}", headers=admin)
    assert r.status_code == 409
    assert r.json()["code"] == "status.last"


async def test_a_chat_the_user_cannot_see_is_not_found(
    client: AsyncTestClient[Litestar], db: Database
) -> None:
    ana_id = make_user(db, "ana")
    make_user(db, "bia")
    device, _ = make_device(db)
    mine = make_chat(db, device, name="Da Ana")
    other = make_chat(db, device, name="Da Bia")
    assign(db, mine, user=ana_id)
    ana = await bearer(client, "ana")
    aberto = (await _statuses(client, ana))["Aberto"]["id"]
    r = await client.put(f"/api/v1/chats/{mine}/status", json={"status_id": aberto}, headers=ana)
    assert r.status_code == 200
    r = await client.put(f"/api/v1/chats/{other}/status", json={"status_id": aberto}, headers=ana)
    assert r.status_code == 404
    r = await client.get(f"/api/v1/chats/{other}/status-history", headers=ana)
    assert r.status_code == 404
    assert (await client.get("/api/v1/chats/999999/status-history", headers=ana)).status_code == (
        404
    )


async def test_module_off_removes_every_attendance_route(
    client: AsyncTestClient[Litestar], db: Database
) -> None:
    admin, [chat] = await admin_and_chats(client, db, "Joana")
    aberto = (await _statuses(client, admin))["Aberto"]["id"]
    await client.put(f"/api/v1/chats/{chat}/status", json={"status_id": aberto}, headers=admin)
    r = await client.patch("/api/v1/modules", json={"attendance": False}, headers=admin)
    assert r.status_code == 200

    calls = [
        ("GET", "/api/v1/statuses", None),
        ("POST", "/api/v1/statuses", {"name": "Novo"}),
        ("PATCH", f"/api/v1/statuses/{aberto}", {"name": "Outro"}),
        ("DELETE", f"/api/v1/statuses/{aberto}", None),
        ("PUT", f"/api/v1/chats/{chat}/status", {"status_id": aberto}),
        ("GET", f"/api/v1/chats/{chat}/status-history", None),
        ("GET", "/api/v1/attendance/panel", None),
    ]
    for method, path, body in calls:
        r = await client.request(method, path, json=body, headers=admin)
        assert r.status_code == 404, (method, path, r.text)
    # Chats keep their status while the module is off, but the list cannot be filtered
    # by it (the page leaves the filter out of its requests).
    r = await client.get(f"/api/v1/chats?status={aberto}", headers=admin)
    assert r.status_code == 400
    assert r.json()["code"] == "chats.module_off"
    assert "atendimento está desligado" in r.json()["message"]
    r = await client.get("/api/v1/chats", headers=admin)
    assert [c["id"] for c in r.json()["items"]] == [chat]

    await client.patch("/api/v1/modules", json={"attendance": True}, headers=admin)
    assert (await client.get("/api/v1/statuses", headers=admin)).status_code == 200


async def test_status_filter_lists_exactly_the_chats_in_those_statuses(
    client: AsyncTestClient[Litestar], db: Database
) -> None:
    make_user(db, "admin", is_admin=True)
    device, _ = make_device(db)
    admin = await bearer(client, "admin")
    statuses = await _statuses(client, admin)
    chats = {name: make_chat(db, device, name=name) for name in ["Ana", "Bia", "Caio", "Duda"]}
    plan = {"Ana": "Em atendimento", "Bia": "Aguardando", "Caio": "Em atendimento"}
    for name, status in plan.items():
        r = await client.put(
            f"/api/v1/chats/{chats[name]}/status",
            json={"status_id": statuses[status]["id"]},
            headers=admin,
        )
        assert r.status_code == 200

    async def listed(*names: str, **extra: Any) -> set[str]:
        params: dict[str, Any] = {"status": [statuses[n]["id"] for n in names], **extra}
        r = await client.get("/api/v1/chats", params=params, headers=admin)
        assert r.status_code == 200, r.text
        return {c["name"] for c in r.json()["items"]}

    assert await listed("Em atendimento") == {"Ana", "Caio"}
    assert await listed("Aguardando") == {"Bia"}
    assert await listed("Em atendimento", "Aguardando") == {"Ana", "Bia", "Caio"}
    assert await listed("Aberto") == set()
    await client.put(
        f"/api/v1/chats/{chats['Duda']}/status",
        json={"status_id": statuses["Fechado"]["id"]},
        headers=admin,
    )
    # Fechado archives: the chat is in the archived listing, with the filter applied there.
    assert await listed("Fechado") == set()
    assert await listed("Fechado", archived="true") == {"Duda"}


async def test_control_panel_counts_what_the_caller_may_see(
    client: AsyncTestClient[Litestar], db: Database
) -> None:
    vendas = make_department(db, "Vendas")
    admin_id = make_user(db, "admin", is_admin=True)
    ana_id = make_user(db, "ana", permissions=["see_reports"], departments=[vendas])
    bia_id = make_user(db, "bia")
    make_user(db, "caio")
    device, _ = make_device(db)
    t0 = 1_800_000_000_000
    a1 = make_chat(db, device, name="Ana 1")
    a2 = make_chat(db, device, name="Ana 2")
    v1 = make_chat(db, device, name="Vendas 1")
    b1 = make_chat(db, device, name="Bia 1")
    loose = make_chat(db, device, name="Solto")
    make_chat(db, device, name="Lista", is_broadcast=True)
    assign(db, a1, user=ana_id)
    assign(db, a2, user=ana_id)
    assign(db, v1, department=vendas)
    assign(db, b1, user=bia_id)
    waits = {a1: t0 - 3 * HOUR, v1: t0 - 5 * MINUTE, b1: t0 - 2 * HOUR, loose: t0 - HOUR}
    db.write_sync(
        lambda c: c.executemany(
            "UPDATE chat SET waiting_since = ? WHERE id = ?", [(w, i) for i, w in waits.items()]
        )
    )
    ids = {s["name"]: s["id"] for s in db.read_sync(service.list_statuses)}
    for chat, status in [
        (a1, "Em atendimento"),
        (a2, "Resolvido"),
        (v1, "Em atendimento"),
        (b1, "Aguardando"),
    ]:
        db.write_sync(lambda c, ch=chat, st=status: service.change_status(c, ch, ids[st]))

    admin = db.read_sync(accounts.load_actor, admin_id)
    ana = db.read_sync(accounts.load_actor, ana_id)
    assert admin is not None
    assert ana is not None

    def by_status(panel: dict[str, Any]) -> dict[str, int]:
        return {s["name"]: s["count"] for s in panel["by_status"]}

    def by_assignee(panel: dict[str, Any]) -> dict[str, int]:
        return {a["name"]: a["count"] for a in panel["by_assignee"]}

    full = db.read_sync(control_panel, admin, t0)
    assert by_status(full) == {
        "Aberto": 0,
        "Em atendimento": 2,
        "Aguardando": 1,
        "Resolvido": 1,
        "Fechado": 0,
        "Sem status": 1,
    }
    # Resolvido archived Ana 2: only chats in the inbox count as someone's work.
    assert by_assignee(full) == {"Ana": 1, "Bia": 1, "Vendas": 1, "Sem responsável": 1}
    assert [(w["name"], w["waiting_text"]) for w in full["waiting"]] == [
        ("Ana 1", "3 h"),
        ("Bia 1", "2 h"),
        ("Solto", "1 h"),
        ("Vendas 1", "5 min"),
    ]

    mine = db.read_sync(control_panel, ana, t0)
    assert by_status(mine) == {
        "Aberto": 0,
        "Em atendimento": 2,
        "Aguardando": 0,
        "Resolvido": 1,
        "Fechado": 0,
        "Sem status": 0,
    }
    assert by_assignee(mine) == {"Ana": 1, "Vendas": 1, "Sem responsável": 0}
    assert [w["name"] for w in mine["waiting"]] == ["Ana 1", "Vendas 1"]

    # Over HTTP: admins and see_reports get it, others are refused.
    r = await client.get("/api/v1/attendance/panel", headers=await bearer(client, "ana"))
    assert r.status_code == 200
    assert by_status(r.json())["Em atendimento"] == 2
    r = await client.get("/api/v1/attendance/panel", headers=await bearer(client, "admin"))
    assert by_status(r.json())["Sem status"] == 1
    r = await client.get("/api/v1/attendance/panel", headers=await bearer(client, "caio"))
    assert r.status_code == 403


async def test_a_customer_message_opens_a_new_chat_and_reopens_a_resolved_one(
    client: AsyncTestClient[Litestar], db: Database
) -> None:
    from tests.appliance.test_ingest import JID, Link, msg

    make_user(db, "admin", is_admin=True)
    _, token = make_device(db)
    admin = await bearer(client, "admin")
    statuses = await _statuses(client, admin)
    link = Link(client, token)

    await link.send(msg("w1", body="Oi, tem capinha?"))
    [chat] = (await client.get("/api/v1/chats", headers=admin)).json()["items"]
    assert chat["status_id"] == statuses["Aberto"]["id"]

    r = await client.put(
        f"/api/v1/chats/{chat['id']}/status",
        json={"status_id": statuses["Resolvido"]["id"]},
        headers=admin,
    )
    assert r.status_code == 200
    assert (await client.get(f"/api/v1/chats/{chat['id']}", headers=admin)).json()["archived"]

    await link.send(msg("w2", JID, body="Esqueci de perguntar o preço"))
    again = (await client.get(f"/api/v1/chats/{chat['id']}", headers=admin)).json()
    assert (again["status_id"], again["archived"]) == (statuses["Aberto"]["id"], False)
    history = (await client.get(f"/api/v1/chats/{chat['id']}/status-history", headers=admin)).json()
    assert [(c["status_name"], c["by"]) for c in history["changes"]] == [
        ("Aberto", "Sistema"),
        ("Resolvido", "Admin"),
        ("Aberto", "Sistema"),
    ]

    # A customer writing to a chat in progress leaves its status alone.
    await client.put(
        f"/api/v1/chats/{chat['id']}/status",
        json={"status_id": statuses["Em atendimento"]["id"]},
        headers=admin,
    )
    await link.send(msg("w3", JID, body="Obrigada!"))
    now = (await client.get(f"/api/v1/chats/{chat['id']}", headers=admin)).json()
    assert now["status_id"] == statuses["Em atendimento"]["id"]
