"""Numbers never reach a user without ``see_numbers``, end to end: the simulated customers
share contact cards and vCard text through the real bridge into the web over HTTP; every
answer such a user can get (API, search, fields, panel, .vcf download, the first HTML page,
live events on /ws) is searched byte by byte for every number, and a user with the
permission finds them all."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import websockets

from bridge.drivers.sim import media as sim_media
from tests.harness import Box, wait_until

pytestmark = pytest.mark.slow

CUSTOMER = "+5511987650311"
HIDDEN_CUSTOMER = "+5511987650322"  # writes only under a LID, the number unknown to the box
NAME_NUMBER = "+55 21 99876-5432"  # a contact card without a name: the number is the name
CARD_IN_TEXT = "+5531993334444"  # a vCard pasted as text
FIELD_PHONE = "+5541995556666"  # a custom field of kind phone


def runs(number: str) -> re.Pattern[str]:
    """The number's last 8 digits as an answer could carry them: plain, or split 4+4."""
    d = re.sub(r"\D", "", number)[-8:]
    return re.compile(rf"{d[:4]}[\s.\-]?{d[4:]}")


def found(text: str, numbers: list[str]) -> list[str]:
    return [n for n in numbers if runs(n).search(text)]


async def _until(ws: Any, frames: list[str], done: Callable[[list[dict[str, Any]]], bool]) -> None:
    """Read frames (kept raw in ``frames``) until ``done`` holds for the decoded ones."""
    async with asyncio.timeout(30):
        while not done([json.loads(f) for f in frames]):
            frames.append(str(await ws.recv()))


def _received(events: list[dict[str, Any]]) -> int:
    return sum(e["type"] == "message.received" for e in events)


def _answers(box: Box, session: str, chats: list[int]) -> dict[str, str]:
    """Every answer a logged-in browser can read about these chats, raw."""
    out: dict[str, str] = {}
    with httpx.Client(base_url=box.url, cookies={"balcao_session": session}, timeout=30) as client:

        def get(path: str, **params: Any) -> httpx.Response:
            r = client.get(path, params=params)
            assert r.status_code == 200, f"{path}: {r.status_code} {r.text}"
            out[f"{path} {params}"] = r.content.decode("utf-8", errors="replace")
            return r

        get("/")
        get("/api/v1/chats")
        get("/api/v1/attendance/panel")
        get("/api/v1/devices")
        for q in ("Rosa", "VCARD", "Oi"):
            get("/api/v1/search/messages", q=q)
        for chat in chats:
            get("/", chat=chat)
            get(f"/api/v1/chats/{chat}")
            get(f"/api/v1/chats/{chat}/fields")
            for message in get(f"/api/v1/chats/{chat}/messages").json()["items"]:
                url = (message["media"] or {}).get("url")
                if url:
                    get(url)
    return out


async def test_a_user_without_see_numbers_finds_no_number_in_any_answer(box: Box) -> None:
    box.start_web()
    box.start_bridge()
    box.sim("POST", "/send", {"from": CUSTOMER, "text": "Oi, bom dia"})
    box.sim("POST", "/send", {"from": HIDDEN_CUSTOMER, "text": "Oi", "lid_only": True})
    wait_until(lambda: box.scalar("SELECT count(*) FROM chat") == 2, what="the two chats")
    chats = [r[0] for r in box.query("SELECT id FROM chat ORDER BY id")]
    ana = box.session_of("ana", ("see_reports",), tuple(chats))
    bruno = box.session_of("bruno", ("see_reports", "see_numbers"), tuple(chats))
    field = box.api.post("/api/v1/fields", json={"name": "Telefone fixo", "kind": "phone"})
    r = box.api.put(
        f"/api/v1/chats/{chats[0]}/fields/{field.json()['id']}", json={"value": FIELD_PHONE}
    )
    assert r.status_code == 200, r.text

    frames: dict[str, list[str]] = {"ana": [], "bruno": []}
    sockets = [
        websockets.connect(
            f"ws://127.0.0.1:{box.port}/ws",
            additional_headers={"Cookie": f"balcao_session={session}"},
            origin=box.url,  # type: ignore[arg-type]
            open_timeout=30,
        )
        for session in (ana, bruno)
    ]
    async with sockets[0] as ws_ana, sockets[1] as ws_bruno:
        live = {"ana": ws_ana, "bruno": ws_bruno}
        for who, ws in live.items():
            await _until(ws, frames[who], lambda s: any(e["type"] == "device.status" for e in s))
        for body in (
            {"from": CUSTOMER, "kind": "contact", "text": "Dona Rosa"},
            {"from": CUSTOMER, "kind": "contact", "text": NAME_NUMBER},
            {"from": CUSTOMER, "text": sim_media.vcard("Marcos", CARD_IN_TEXT).decode()},
            {"from": HIDDEN_CUSTOMER, "kind": "contact", "text": "Seu Zé"},
        ):
            await asyncio.to_thread(box.sim, "POST", "/send", body)
        for who, ws in live.items():
            await _until(ws, frames[who], lambda s: _received(s) == 4)

    cards = [
        phone
        for (media,) in box.query("SELECT media FROM message WHERE kind = 'contact'")
        for phone in json.loads(media)["extra"]["phones"]
    ]
    assert len(cards) == 3
    # the chats' numbers and JIDs (a LID for the customer who hides the number), the shop's
    # own phone; and the LIDs behind numbers, which no payload carries
    shown = [v for (v,) in box.query("SELECT phone FROM chat UNION ALL SELECT wa_id FROM chat")]
    shown += [v for (v,) in box.query("SELECT phone FROM device")]
    lids = [v for (v,) in box.query("SELECT lid FROM chat WHERE lid IS NOT NULL")]
    shown_to_bruno = [
        CUSTOMER,
        NAME_NUMBER,
        CARD_IN_TEXT,
        FIELD_PHONE,
        *cards,
        *filter(None, shown),
    ]
    numbers = [*shown_to_bruno, HIDDEN_CUSTOMER, *lids]

    answers = {
        who: _answers(box, session, chats) for who, session in (("ana", ana), ("bruno", bruno))
    }
    leaks = [
        (where[:60], found(text, numbers))
        for where, text in [*answers["ana"].items(), *(("/ws " + f[:40], f) for f in frames["ana"])]
        if found(text, numbers)
    ]
    assert leaks == []

    everything = "\n".join([*answers["bruno"].values(), *frames["bruno"]])
    assert found(everything, shown_to_bruno) == shown_to_bruno
    # and each channel carries the card's numbers to him, so each check above can fail
    live_cards = "\n".join(frames["bruno"])
    assert found(live_cards, cards) == cards
    downloads = "\n".join(t for k, t in answers["bruno"].items() if "/media/" in k)
    assert found(downloads, cards) == cards
    assert "FN:Dona Rosa" in "\n".join(t for k, t in answers["ana"].items() if "/media/" in k)
