"""The commands the web hands the bridge: one struct per kind on the same JSON as before,
decoded once with the contract's sizes, and a job the contract cannot carry fails alone."""

from __future__ import annotations

import json
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from appliance.areas.devices import jobs
from appliance.core.db import Database
from tests.conftest import bearer
from tests.factories import make_chat, make_device, make_user
from wire import contract as c

Client = AsyncTestClient[Litestar]
JID = "5511987650001@s.whatsapp.net"


def _work(*commands: dict[str, Any]) -> bytes:
    return json.dumps({"version": c.CONTRACT_VERSION, "commands": list(commands)}).encode()


def test_each_kind_decodes_to_its_own_struct_and_encodes_to_the_same_json() -> None:
    wire = [
        {"id": 1, "kind": "sync", "args": {"chat": JID, "older": True, "limit": 1000,
                                           "before": 50_000}},
        {"id": 2, "kind": "sync", "args": {"chat": JID, "older": False, "limit": 100}},
        {"id": 3, "kind": "sync", "args": {"chat": JID, "older": True, "limit": 1000,
                                           "before": None}},
        {"id": 4, "kind": "recheck", "args": {"chat": JID, "wa_ids": ["3EB0AA", "3EB0BB"]}},
        {"id": 5, "kind": "photo", "args": {"chat": JID}},
    ]  # fmt: skip
    work = c.decode_frame(_work(*wire), c.Work)
    assert [type(command) for command in work.commands] == [
        c.SyncCommand,
        c.SyncCommand,
        c.SyncCommand,
        c.RecheckCommand,
        c.PhotoCommand,
    ]
    assert [c.command_kind(command) for command in work.commands] == [
        "sync",
        "sync",
        "sync",
        "recheck",
        "photo",
    ]
    assert json.loads(c.encode_frame(work))["commands"] == wire


@pytest.mark.parametrize(
    "command",
    [
        {"id": 1, "kind": "reboot", "args": {"chat": JID}},
        {"id": 1, "args": {"chat": JID}},
        {"id": 1, "kind": "photo", "args": {}},
        {"id": 1, "kind": "photo", "args": {"chat": "a b"}},
        {"id": 1, "kind": "photo", "args": {"chat": "x" * 129}},
        {"id": -1, "kind": "photo", "args": {"chat": JID}},
        {"id": 1, "kind": "sync", "args": {"chat": JID, "older": True}},
        {"id": 1, "kind": "sync", "args": {"chat": JID, "older": 1, "limit": 100}},
        {"id": 1, "kind": "sync", "args": {"chat": JID, "older": True, "limit": 10, "before": -5}},
        {"id": 1, "kind": "recheck", "args": {"chat": JID, "wa_ids": ["3EB0"] * 1001}},
        {"id": 1, "kind": "recheck", "args": {"chat": JID, "wa_ids": ["3EB0\x00"]}},
    ],
)
def test_a_command_outside_the_contract_refuses_the_frame(command: dict[str, Any]) -> None:
    with pytest.raises(c.FrameError) as refused:
        c.decode_frame(_work(command), c.Work)
    assert refused.value.code == "bad_frame"


async def test_a_job_the_contract_cannot_carry_fails_alone(client: Client, db: Database) -> None:
    make_user(db, "admin", is_admin=True)
    device, token = make_device(db)
    good = make_chat(db, device, wa_id=JID, phone="+5511987650001")
    # A chat id with a space: the link's ids are runs of printable characters without one.
    bad = make_chat(db, device, wa_id="5511 987650002@s.whatsapp.net", phone="+5511987650002")
    headers = await bearer(client, "admin")
    refused = (await client.post(f"/api/v1/chats/{bad}/reload-photo", headers=headers)).json()
    handed = (await client.post(f"/api/v1/chats/{good}/reload-photo", headers=headers)).json()

    r = await client.get("/bridge/v1/outbox", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200
    assert r.json()["commands"] == [{"id": handed["id"], "kind": "photo", "args": {"chat": JID}}]
    job = db.read_sync(jobs.get_job, refused["id"])
    assert job is not None
    assert job["state"] == "failed"
    assert job["error"].startswith("invalid command:")
    still = db.read_sync(jobs.get_job, handed["id"])
    assert still is not None
    assert still["state"] == "ready"
