"""Jobs for the phone: the API asks, the worker prepares, the web hands them to the bridge."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from appliance.areas.devices import jobs
from appliance.areas.devices.tasks import RECONCILE_TASK
from appliance.core.db import Database
from appliance.core.settings import Settings
from appliance.jobs import build_jobs
from tests.conftest import bearer
from tests.factories import make_chat, make_device, make_message, make_user
from tests.harness import Box, wait_until
from wire import contract as c

Client = AsyncTestClient[Litestar]
JID = "5511987650001@s.whatsapp.net"


def _link(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _work(client: Client, token: str) -> dict[str, Any]:
    r = await client.get("/bridge/v1/outbox", headers=_link(token))
    assert r.status_code == 200
    return dict(r.json())


async def _events(client: Client, token: str, *events: dict[str, Any]) -> None:
    frame = {
        "version": c.CONTRACT_VERSION,
        "events": [{"seq": n + 1, **e} for n, e in enumerate(events)],
    }
    r = await client.post("/bridge/v1/events", json=frame, headers=_link(token))
    assert r.status_code == 200, r.text


def _job(db: Database, job_id: int) -> dict[str, Any]:
    job = db.read_sync(jobs.get_job, job_id)
    assert job is not None
    return job


async def test_sync_of_older_messages_runs_through_the_bridge(client: Client, db: Database) -> None:
    make_user(db, "admin", is_admin=True)
    device, token = make_device(db)
    chat = make_chat(db, device, wa_id=JID, phone="+5511987650001")
    make_message(db, chat, body="A mais antiga que temos", sent_at=50_000)
    headers = await bearer(client, "admin")

    r = await client.post(f"/api/v1/chats/{chat}/sync", json={"older": True}, headers=headers)
    assert r.status_code == 202
    job_id = r.json()["id"]
    [command] = (await _work(client, token))["commands"]
    assert command == {
        "id": job_id,
        "kind": "sync",
        "args": {"chat": JID, "older": True, "before": 50_000, "limit": 1000},
    }
    assert (await _work(client, token))["commands"] == []  # handed once, not twice

    history = [
        {
            "type": "message",
            "wa_id": f"OLD{n}",
            "chat": JID,
            "from_me": n % 2 == 1,
            "sent_at": 10_000 + n,
            "body": f"antiga {n}",
            "history": True,
        }
        for n in range(6)
    ]
    await _events(
        client,
        token,
        *history,
        {"type": "command_done", "command_id": job_id, "ok": True, "result": {"messages": 6}},
    )
    assert _job(db, job_id)["state"] == "done"
    assert (
        db.read_sync(
            lambda c: c.execute("SELECT count(*) FROM message WHERE wa_id LIKE 'OLD%'").fetchone()[
                0
            ]
        )
        == 6
    )
    assert (
        db.read_sync(
            lambda c: c.execute("SELECT unread_count FROM chat WHERE id = ?", (chat,)).fetchone()[0]
        )
        == 0
    )


async def test_recheck_receipts_and_photo_reload(client: Client, db: Database) -> None:
    make_user(db, "admin", is_admin=True)
    device, token = make_device(db)
    chat = make_chat(db, device, wa_id=JID, phone="+5511987650001")
    headers = await bearer(client, "admin")
    out = (
        await client.post(
            f"/api/v1/chats/{chat}/messages", json={"body": "Chegou?"}, headers=headers
        )
    ).json()
    item = (await _work(client, token))["outbound"][0]
    await _events(
        client,
        token,
        {"type": "sent", "client_id": item["client_id"], "wa_id": item["wa_id"], "at": 1_000},
    )

    recheck = (await client.post(f"/api/v1/chats/{chat}/recheck-receipts", headers=headers)).json()
    photo = (await client.post(f"/api/v1/chats/{chat}/reload-photo", headers=headers)).json()
    commands = {c["kind"]: c for c in (await _work(client, token))["commands"]}
    assert commands["recheck"]["args"] == {"chat": JID, "wa_ids": [out["wa_id"]]}
    assert commands["photo"]["args"] == {"chat": JID}

    picture = b"\x89PNG fake photo bytes"
    await _events(
        client,
        token,
        {"type": "receipt", "chat": JID, "wa_ids": [out["wa_id"]], "status": "read", "at": 5_000},
        {"type": "command_done", "command_id": recheck["id"], "ok": True},
        {"type": "photo", "chat": JID, "data": base64.b64encode(picture).decode()},
        {"type": "command_done", "command_id": photo["id"], "ok": True},
    )
    assert (_job(db, recheck["id"])["state"], _job(db, photo["id"])["state"]) == ("done", "done")
    page = (await client.get(f"/api/v1/chats/{chat}/messages", headers=headers)).json()
    assert page["items"][0]["status"] == "read"
    digest = hashlib.sha256(picture).hexdigest()
    assert (await client.get(f"/api/v1/chats/{chat}", headers=headers)).json()["has_photo"]
    settings: Settings = client.app.state.runtime.settings
    assert (settings.files_dir / "photos" / digest).read_bytes() == picture


async def test_jobs_are_only_for_chats_the_caller_may_see(client: Client, db: Database) -> None:
    make_user(db, "ana")
    device, _ = make_device(db)
    chat = make_chat(db, device)
    headers = await bearer(client, "ana")
    for path in ("sync", "recheck-receipts", "reload-photo"):
        r = await client.post(f"/api/v1/chats/{chat}/{path}", json={}, headers=headers)
        assert r.status_code == 404
    assert db.read_sync(lambda c: c.execute("SELECT count(*) FROM device_job").fetchone()[0]) == 0


async def test_a_reconnect_is_followed_by_a_reconciliation(client: Client, db: Database) -> None:
    device, token = make_device(db)
    active = make_chat(db, device, wa_id=JID, phone="+5511987650001")
    make_message(db, active, body="Oi", direction="out")
    frame = {
        "version": c.CONTRACT_VERSION,
        "state": "ready",
        "phone_queue": 0,
        "capabilities": ["history", "recheck", "photos"],
    }
    assert (
        await client.put("/bridge/v1/state", json=frame, headers=_link(token))
    ).status_code == 200
    commands = (await _work(client, token))["commands"]
    assert sorted(cmd["kind"] for cmd in commands) == ["recheck", "sync"]
    assert {cmd["args"]["chat"] for cmd in commands} == {JID}
    # still ready: no second reconciliation
    assert (
        await client.put("/bridge/v1/state", json=frame, headers=_link(token))
    ).status_code == 200
    assert (
        db.read_sync(
            lambda c: c.execute(
                "SELECT count(*) FROM device_job WHERE kind = 'reconcile'"
            ).fetchone()[0]
        )
        == 1
    )


async def test_what_the_phone_cannot_do_is_neither_asked_nor_offered(
    client: Client, db: Database
) -> None:
    """A driver without history, recheck or photos (as its bridge reports): the reconcile
    asks nothing of it, and staff asking get 409 with the reason in words."""
    make_user(db, "admin", is_admin=True)
    device, token = make_device(db)
    chat = make_chat(db, device, wa_id=JID, phone="+5511987650001")
    make_message(db, chat, body="Oi", direction="out")
    frame = {"version": c.CONTRACT_VERSION, "state": "ready", "capabilities": ["chosen_id"]}
    r = await client.put("/bridge/v1/state", json=frame, headers=_link(token))
    assert r.status_code == 200, r.text
    assert (await _work(client, token))["commands"] == []
    headers = await bearer(client, "admin")
    said = {}
    for path in ("sync", "recheck-receipts", "reload-photo"):
        r = await client.post(f"/api/v1/chats/{chat}/{path}", json={}, headers=headers)
        assert (r.status_code, r.json()["code"]) == (409, "device.not_supported")
        said[path] = r.json()["message"]
    assert said == {
        "sync": "O celular deste aparelho não busca mensagens antigas.",
        "recheck-receipts": "O celular deste aparelho não reconfere confirmações.",
        "reload-photo": "O celular deste aparelho não recarrega fotos de perfil.",
    }
    devices = (await client.get("/api/v1/devices", headers=headers)).json()
    assert devices[0]["capabilities"] == ["chosen_id"]


def test_a_lost_trigger_is_caught_by_the_periodic_reconcile(
    settings: Settings, db: Database
) -> None:
    device, _ = make_device(db)
    chat = make_chat(db, device)
    job_id = db.write_sync(jobs.request_job, device, "photo", chat, {})
    # its trigger was lost ten minutes ago (worker down, queue file lost)
    db.write_sync(lambda c: c.execute("UPDATE device_job SET created_at = created_at - 600000"))
    assert build_jobs(settings).run_now(RECONCILE_TASK) == 1
    assert _job(db, job_id)["state"] == "ready"


@pytest.mark.slow
def test_jobs_asked_while_the_worker_is_down_run_when_it_starts(box: Box) -> None:
    box.start_web()
    [chat] = box.make_chats(1)
    r = box.api.post(f"/api/v1/chats/{chat}/sync", json={"older": False})
    assert r.status_code == 202
    job_id = r.json()["id"]
    assert box.scalar("SELECT state FROM device_job WHERE id = ?", (job_id,)) == "pending"
    box.start_worker()
    wait_until(
        lambda: box.scalar("SELECT state FROM device_job WHERE id = ?", (job_id,)) == "ready",
        what="the worker to prepare the job",
    )
