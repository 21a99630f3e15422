"""The bridge refuses bad frames from the web, says so in its log, and keeps its link.

The peer here stands in for a web gone wrong (a proxy mangling answers, an older or newer
version): it answers garbage, truncated and wrong-version frames before good ones. The
runner, journal, client and simulated phone are the real ones.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from bridge.journal import Journal
from tests.bridge.fake_web import answer_json, read_body
from tests.bridge.sim_helpers import bridge_against
from wire import contract as c

CLIENT_ID = "0b6f5a3e-1111-4222-8333-944455556666"
GOOD_WORK = c.encode_frame(
    c.Work(
        version=c.CONTRACT_VERSION,
        outbound=[
            c.OutboundItem(
                outbox_id=1,
                client_id=CLIENT_ID,
                wa_id=c.wa_id_for_client(CLIENT_ID),
                chat="5511987650001@s.whatsapp.net",
                body="Chegou sua encomenda!",
            )
        ],
    )
)
BAD_WORK = [
    b"\x00\x01garbage",
    GOOD_WORK[: len(GOOD_WORK) // 2],
    GOOD_WORK.replace(b'"version":%d' % c.CONTRACT_VERSION, b'"version":9'),
]


class MangledWeb:
    """Answers the bridge's outbox polls with ``BAD_WORK`` first; records what it is sent."""

    def __init__(self) -> None:
        self.polls: list[bytes] = [*BAD_WORK, GOOD_WORK]
        self.events: list[dict[str, Any]] = []
        self.sent = asyncio.Event()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        body = await read_body(receive)
        path = scope["path"]
        if path == "/bridge/v1/outbox":
            answer = (
                self.polls.pop(0)
                if self.polls
                else c.encode_frame(c.Work(version=c.CONTRACT_VERSION))
            )
            if not self.polls:
                await asyncio.sleep(0.05)
        elif path == "/bridge/v1/events":
            frame = json.loads(body)
            self.events.extend(frame["events"])
            if any(e["type"] == "sent" for e in frame["events"]):
                self.sent.set()
            answer = c.encode_frame(
                c.EventAck(version=c.CONTRACT_VERSION, upto=frame["events"][-1]["seq"])
            )
        else:
            answer = c.encode_frame(c.Ok(version=c.CONTRACT_VERSION))
        await answer_json(send, answer)


async def test_bad_frames_from_the_web_are_refused_and_the_link_survives(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    web = MangledWeb()
    caplog.set_level(logging.WARNING, logger="bridge")
    async with bridge_against(web, tmp_path) as runner:
        await asyncio.wait_for(web.sent.wait(), 30)
    refused = [
        r.getMessage()
        for r in caplog.records
        if r.getMessage().startswith("link: refused frame from the web on GET /bridge/v1/outbox")
    ]
    assert len(refused) == 3
    assert any("malformed frame" in m for m in refused)
    assert any(f"contract version 9 is not {c.CONTRACT_VERSION}" in m for m in refused)
    [sent] = [e for e in web.events if e["type"] == "sent"]
    assert sent["client_id"] == CLIENT_ID
    assert runner.journal.count() == 0


class RefusingWeb(MangledWeb):
    """Refuses (400) any frame holding the event ``poison``; stores the others."""

    def __init__(self, poison: str) -> None:
        super().__init__()
        self.polls = []
        self.poison = poison

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["path"] != "/bridge/v1/events":
            await super().__call__(scope, receive, send)
            return
        body = await read_body(receive)
        events = json.loads(body)["events"]
        if any(e.get("wa_id") == self.poison for e in events):
            status = 400
            answer = c.encode_frame(c.LinkError(code="bridge.bad_frame", message="refused"))
        else:
            status = 200
            self.events.extend(events)
            answer = c.encode_frame(c.EventAck(version=c.CONTRACT_VERSION, upto=events[-1]["seq"]))
            if any(e["type"] == "set_aside" for e in self.events):
                self.sent.set()
        await answer_json(send, answer, status)


async def test_an_event_the_web_refuses_for_good_is_set_aside_not_blocking_the_rest(
    tmp_path: Path,
) -> None:
    web = RefusingWeb(poison="BAD")
    journal = Journal(tmp_path / "journal.db")
    journal.append(
        [
            c.InboundMessage(
                seq=0, wa_id=wa_id, chat="5511987650001@s.whatsapp.net", from_me=False, sent_at=n
            )
            for n, wa_id in enumerate(["OK1", "BAD", "OK2", "OK3"])
        ]
    )
    async with bridge_against(web, tmp_path, journal):
        await asyncio.wait_for(web.sent.wait(), 30)
    *stored, report = web.events
    assert [e["wa_id"] for e in stored] == ["OK1", "OK2", "OK3"]
    assert journal.count() == 0
    [(event, reason)] = journal.set_aside()
    assert isinstance(event, c.InboundMessage)
    assert (event.wa_id, reason) == ("BAD", "400 bridge.bad_frame: refused")
    # the web is told, for the admin to see
    assert (report["type"], report["kind"], report["event_seq"], report["reason"]) == (
        "set_aside",
        "message",
        event.seq,
        reason,
    )
    assert json.loads(report["event"])["wa_id"] == "BAD"
