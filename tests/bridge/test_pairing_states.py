"""A phone that pairs as a linked device, through the bridge's runner to the web: the QR
codes while it waits (a new one as WhatsApp rotates them), connected once scanned, and the
states WhatsApp may end a session in (logged out, replaced, banned until a time)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from bridge.drivers.sim import SimulatedPhone
from tests.bridge.fake_web import answer_json, read_body
from tests.bridge.sim_helpers import bridge_against
from tests.harness import wait_until_async
from wire import contract as c


class StateWeb:
    """A web that keeps every state frame the bridge reports and has no work for it."""

    def __init__(self) -> None:
        self.states: list[dict[str, Any]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = await read_body(receive)
        answer = c.encode_frame(c.Ok(version=c.CONTRACT_VERSION))
        if scope["path"] == "/bridge/v1/state":
            self.states.append(json.loads(body))
        elif scope["path"] == "/bridge/v1/outbox":
            await asyncio.sleep(0.2)
            answer = c.encode_frame(c.Work(version=c.CONTRACT_VERSION))
        elif scope["path"] == "/bridge/v1/events":
            upto = json.loads(body)["events"][-1]["seq"]
            answer = c.encode_frame(c.EventAck(version=c.CONTRACT_VERSION, upto=upto))
        await answer_json(send, answer)

    def last(self) -> dict[str, Any]:
        return self.states[-1] if self.states else {}

    def qr_codes(self) -> list[str]:
        codes = [s["pairing"]["qr"] for s in self.states if s.get("pairing")]
        return list(dict.fromkeys(codes))


def linked(folder: Path) -> SimulatedPhone:
    """A quiet simulated phone that pairs like a linked device, a new QR code every 0.3 s."""
    return SimulatedPhone(folder, rate=0, initial_sync=False, linked=True, qr_seconds=0.3)


async def until_state(web: StateWeb, state: str) -> None:
    await wait_until_async(lambda: web.last().get("state") == state, what=state)


async def pair(web: StateWeb, phone: SimulatedPhone) -> None:
    """The phone scans the QR code shown; the bridge reports it ready."""
    await wait_until_async(lambda: web.qr_codes(), what="a QR code")
    phone.pair()
    await until_state(web, "ready")


async def test_pairing_shows_rotating_qr_codes_then_connects(tmp_path: Path) -> None:
    web = StateWeb()
    phone = linked(tmp_path / "sim")
    async with bridge_against(web, tmp_path, phone=phone):
        await wait_until_async(lambda: len(web.qr_codes()) >= 2, what="two QR codes")
        pairing = web.last()
        assert pairing["state"] == "pairing"
        assert pairing["detail"] == "aguardando pareamento"
        assert pairing["driver"] == "sim"
        assert "pairing" in pairing["capabilities"]
        assert pairing["pairing"]["qr"].startswith("2@")
        assert pairing["pairing"]["expires_at"] > 0

        phone.pair()
        await until_state(web, "ready")
        assert web.last()["pairing"] is None
        assert web.last()["phone"] == "+5511940000000"


async def test_a_session_ended_by_whatsapp_is_reported_as_such(tmp_path: Path) -> None:
    web = StateWeb()
    phone = linked(tmp_path / "sim")
    async with bridge_against(web, tmp_path, phone=phone):
        await pair(web, phone)
        phone.end_session("replace")
        await until_state(web, "replaced")
        assert web.last()["detail"] == "outra sessão assumiu este aparelho"

    web = StateWeb()
    phone = linked(tmp_path / "sim")
    async with bridge_against(web, tmp_path, phone=phone):
        await until_state(web, "ready")  # still paired
        phone.end_session("ban", minutes=90)
        await until_state(web, "banned")
        banned = web.last()
        assert banned["until"] > banned["at"] + 89 * 60_000

    web = StateWeb()
    phone = linked(tmp_path / "sim2")
    async with bridge_against(web, tmp_path / "b2", phone=phone):
        await pair(web, phone)
        phone.end_session("logout")
        await until_state(web, "logged_out")
        assert web.last()["detail"] == "o WhatsApp desconectou este aparelho"
        # A new QR code follows at once, saying why.
        seen = len(web.qr_codes())
        await wait_until_async(lambda: len(web.qr_codes()) > seen, what="a new QR code")
        assert web.last()["state"] == "pairing"
        assert web.last()["detail"] == "o WhatsApp desconectou este aparelho: pareie de novo"
