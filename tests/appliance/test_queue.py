"""The round-robin queue (I6): fair turns under concurrency, away members skipped, an empty
rotation refused, new customer chats delegated automatically when the account says so."""

from __future__ import annotations

import asyncio
import shutil
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient

from appliance.areas.assignments.service import set_queue
from appliance.core.db import Database
from tests.appliance.test_ingest import Link, msg
from tests.conftest import bearer
from tests.factories import assign, make_chat, make_department, make_device, make_user
from tests.harness import running_server

Client = AsyncTestClient[Litestar]


def user_assignees(db: Database) -> dict[int, list[int]]:
    """chat id -> its user assignees."""
    out: dict[int, list[int]] = {}
    for chat, member in db.read_sync(
        lambda c: c.execute(
            "SELECT chat, member FROM chat_assignee WHERE member IS NOT NULL ORDER BY id"
        ).fetchall()
    ):
        out.setdefault(chat, []).append(member)
    return out


def shop_with_queue(db: Database, users: int = 3) -> tuple[list[int], int]:
    """An admin, ``users`` staff in the rotation (in login order), and a device."""
    make_user(db, "admin", is_admin=True)
    staff = [make_user(db, f"user{n}", name=f"Atendente {n}") for n in range(users)]
    device, _ = make_device(db)
    return staff, device


async def set_rotation(
    client: Client, admin: dict[str, str], members: list[dict[str, object]]
) -> dict[str, Any]:
    r = await client.put("/api/v1/queue", json={"members": members}, headers=admin)
    assert r.status_code == 200, r.text
    return r.json()


async def test_one_hundred_concurrent_delegations_are_fair(client: Client, db: Database) -> None:
    staff, device = shop_with_queue(db)
    chats = [make_chat(db, device, name=f"Cliente {n}") for n in range(100)]
    admin = await bearer(client, "admin")
    await set_rotation(client, admin, [{"user_id": u} for u in staff])

    answers = await asyncio.gather(
        *(client.post(f"/api/v1/chats/{chat}/delegate", headers=admin) for chat in chats)
    )
    assert all(r.status_code == 200 for r in answers), [r.text for r in answers if r.is_error]
    assigned = user_assignees(db)
    assert sorted(assigned) == sorted(chats)
    assert all(len(users) == 1 for users in assigned.values())
    counts = Counter(users[0] for users in assigned.values())
    assert sorted(counts.values(), reverse=True) == [34, 33, 33]
    # The first in the rotation took the extra turn; each chat's history says "Fila".
    assert counts[staff[0]] == 34
    history = (await client.get(f"/api/v1/chats/{chats[0]}/assignments", headers=admin)).json()
    assert [(e["action"], e["source"], e["automatic"]) for e in history] == [
        ("added", "queue", True)
    ]


def test_fair_across_threads_and_two_server_processes(tmp_path: Path, template_db: Path) -> None:
    """The same 100 delegations from real threads, split over two ``balcao serve``
    processes on one database: turns are taken inside the write transaction."""
    data = tmp_path / "data"
    data.mkdir()
    shutil.copyfile(template_db, data / "balcao.db")
    db = Database(data / "balcao.db", readers=1)
    try:
        staff, device = shop_with_queue(db)
        chats = [make_chat(db, device) for _ in range(100)]
        db.write_sync(set_queue, [(u, False) for u in staff], None)
    finally:
        db.close()
    with running_server(data) as one, running_server(data) as two:
        token = httpx.post(
            f"{one.url}/api/v1/auth/token", json={"login": "admin", "password": "admin"}
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}

        def delegate(n_chat: tuple[int, int]) -> int:
            n, chat = n_chat
            url = (one if n % 2 else two).url
            return httpx.post(
                f"{url}/api/v1/chats/{chat}/delegate", headers=headers, timeout=30
            ).status_code

        with ThreadPoolExecutor(max_workers=16) as pool:
            statuses = list(pool.map(delegate, enumerate(chats)))
    assert statuses == [200] * 100
    db = Database(data / "balcao.db", readers=1)
    try:
        assigned = user_assignees(db)
    finally:
        db.close()
    assert sorted(assigned) == chats
    assert all(len(users) == 1 for users in assigned.values())
    assert sorted(Counter(u[0] for u in assigned.values()).values()) == [33, 33, 34]


async def test_away_members_are_skipped_and_come_back_level(client: Client, db: Database) -> None:
    staff, device = shop_with_queue(db)
    admin = await bearer(client, "admin")
    await set_rotation(
        client,
        admin,
        [{"user_id": staff[0]}, {"user_id": staff[1], "away": True}, {"user_id": staff[2]}],
    )
    given = []
    for _ in range(4):
        chat = make_chat(db, device)
        r = await client.post(f"/api/v1/chats/{chat}/delegate", headers=admin)
        given.append(r.json()["delegated_to"]["id"])
    assert given == [staff[0], staff[2], staff[0], staff[2]]
    # Back from being away: one turn in the round, not four in a row to catch up.
    queue = await set_rotation(client, admin, [{"user_id": u} for u in staff])
    assert [m["away"] for m in queue["members"]] == [False, False, False]
    given = []
    for _ in range(3):
        chat = make_chat(db, device)
        r = await client.post(f"/api/v1/chats/{chat}/delegate", headers=admin)
        given.append(r.json()["delegated_to"]["id"])
    assert sorted(given) == sorted(staff)


async def test_an_inactive_user_gets_no_turn(client: Client, db: Database) -> None:
    staff, device = shop_with_queue(db, users=2)
    admin = await bearer(client, "admin")
    await set_rotation(client, admin, [{"user_id": u} for u in staff])
    db.write_sync(lambda c: c.execute("UPDATE app_user SET active = 0 WHERE id = ?", (staff[0],)))
    for _ in range(2):
        chat = make_chat(db, device)
        r = await client.post(f"/api/v1/chats/{chat}/delegate", headers=admin)
        assert r.json()["delegated_to"]["id"] == staff[1]


async def test_empty_rotation_or_everyone_away_is_a_conflict(client: Client, db: Database) -> None:
    staff, device = shop_with_queue(db, users=2)
    chat = make_chat(db, device)
    admin = await bearer(client, "admin")
    r = await client.post(f"/api/v1/chats/{chat}/delegate", headers=admin)
    assert r.status_code == 409
    assert r.json()["code"] == "queue.empty"
    assert "rodízio" in r.json()["message"]
    await set_rotation(client, admin, [{"user_id": u, "away": True} for u in staff])
    r = await client.post(f"/api/v1/chats/{chat}/delegate", headers=admin)
    assert r.status_code == 409
    assert user_assignees(db) == {}


async def test_delegating_replaces_the_users_and_keeps_the_departments(
    client: Client, db: Database
) -> None:
    staff, device = shop_with_queue(db)
    vendas = make_department(db, "Vendas")
    chat = make_chat(db, device)
    assign(db, chat, user=staff[0])
    assign(db, chat, department=vendas)
    admin = await bearer(client, "admin")
    await set_rotation(client, admin, [{"user_id": u} for u in staff])
    # staff[0] is first in turn, but already has the chat: it goes to someone new.
    r = await client.post(f"/api/v1/chats/{chat}/delegate", headers=admin)
    assert r.status_code == 200
    assert [(a["kind"], a["id"]) for a in r.json()["chat"]["assignees"]] == [
        ("department", vendas),
        ("user", staff[1]),
    ]
    history = (await client.get(f"/api/v1/chats/{chat}/assignments", headers=admin)).json()
    assert {
        (e["action"], e["assignee_name"], e["source_label"], e["by_name"]) for e in history
    } == {
        ("removed", "Atendente 0", "Fila", "Admin"),
        ("added", "Atendente 1", "Fila", "Admin"),
    }


async def test_a_user_hands_their_chat_to_the_queue_and_loses_it(
    client: Client, db: Database
) -> None:
    staff, device = shop_with_queue(db, users=2)
    chat = make_chat(db, device)
    assign(db, chat, user=staff[0])
    admin = await bearer(client, "admin")
    await set_rotation(client, admin, [{"user_id": u} for u in staff])
    mine = await bearer(client, "user0")
    r = await client.post(f"/api/v1/chats/{chat}/delegate", headers=mine)
    assert r.status_code == 200
    assert r.json()["delegated_to"]["name"] == "Atendente 1"
    assert r.json()["chat"] is None
    assert (await client.get(f"/api/v1/chats/{chat}", headers=mine)).status_code == 404


async def test_queue_config_keeps_order_and_refuses_unknown_users(
    client: Client, db: Database
) -> None:
    staff, _ = shop_with_queue(db)
    admin = await bearer(client, "admin")
    queue = await set_rotation(client, admin, [{"user_id": staff[2]}, {"user_id": staff[0]}])
    assert [m["user_id"] for m in queue["members"]] == [staff[2], staff[0]]
    assert queue["next_user_id"] == staff[2]
    r = await client.put(
        "/api/v1/queue",
        json={"members": [{"user_id": 9999}], "queue_new_chats": True},
        headers=admin,
    )
    assert r.status_code == 400
    assert r.json()["code"] == "queue.unknown_user"
    r = await client.put(
        "/api/v1/queue",
        json={"members": [{"user_id": staff[0]}, {"user_id": staff[0]}]},
        headers=admin,
    )
    assert r.status_code == 400
    queue = (await client.get("/api/v1/queue", headers=admin)).json()
    assert [m["user_id"] for m in queue["members"]] == [staff[2], staff[0]]
    assert queue["queue_new_chats"] is False
    r = await client.put("/api/v1/queue", json={"queue_new_chats": True}, headers=admin)
    assert r.json()["queue_new_chats"] is True
    assert [m["user_id"] for m in r.json()["members"]] == [staff[2], staff[0]]


async def test_new_customer_chats_go_to_the_queue_when_the_setting_is_on(
    client: Client, db: Database
) -> None:
    staff, _ = shop_with_queue(db, users=2)
    _, token = make_device(db, "Segundo celular")
    link = Link(client, token)
    admin = await bearer(client, "admin")
    await set_rotation(client, admin, [{"user_id": u} for u in staff])

    await link.send(msg("OFF1", chat="5511900000001@s.whatsapp.net"))
    assert user_assignees(db) == {}

    r = await client.put("/api/v1/queue", json={"queue_new_chats": True}, headers=admin)
    assert r.status_code == 200
    # Two messages of a new customer in one frame, then a replay: one delegation.
    first = msg("ON1", chat="5511900000002@s.whatsapp.net")
    await link.send(first, msg("ON2", chat="5511900000002@s.whatsapp.net"))
    await link.send(first)
    await link.send(msg("ON3", chat="5511900000003@s.whatsapp.net"))
    # The shop writing first to a new number, and old history, are not new customer chats.
    await link.send(msg("ME1", chat="5511900000004@s.whatsapp.net", from_me=True))
    await link.send(msg("H1", chat="5511900000005@s.whatsapp.net", history=True))
    # A customer's new message in a chat that already existed is not a new chat either.
    await link.send(msg("OFF2", chat="5511900000001@s.whatsapp.net"))

    def by_number() -> dict[str, list[int]]:
        rows = db.read_sync(
            lambda c: c.execute(
                "SELECT c.wa_id, a.member FROM chat c JOIN chat_assignee a ON a.chat = c.id"
            ).fetchall()
        )
        out: dict[str, list[int]] = {}
        for wa_id, member in rows:
            out.setdefault(wa_id.split("@")[0], []).append(member)
        return out

    assert by_number() == {"5511900000002": [staff[0]], "5511900000003": [staff[1]]}
    [chat] = db.read_sync(
        lambda c: [r[0] for r in c.execute("SELECT id FROM chat WHERE wa_id LIKE '5511900000002%'")]
    )
    history = (await client.get(f"/api/v1/chats/{chat}/assignments", headers=admin)).json()
    assert [(e["action"], e["by_name"], e["automatic"]) for e in history] == [
        ("added", "Fila", True)
    ]
    # The user it went to sees it.
    user0 = await bearer(client, "user0")
    assert (await client.get(f"/api/v1/chats/{chat}", headers=user0)).status_code == 200
