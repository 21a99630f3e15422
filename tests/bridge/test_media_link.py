"""Media over the bridge link: a message's file reaches the web before the message, is kept
in the journal until the web has both, and a file the web refuses does not hold the rest.

The peer stands in for a web that fails: it answers 503 to the first upload, or refuses a
file for good. The runner, journal, client and simulated phone are the real ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bridge.drivers.sim import SimulatedPhone
from bridge.journal import Journal
from bridge.runner import Runner
from tests.bridge.fake_web import answer_json, read_body
from tests.bridge.sim_helpers import bridge_against
from wire import contract as c

CUSTOMER = "+5511987650042"


class FlakyWeb:
    """Stores what the bridge sends, in order; answers each file upload from ``file_answers``
    (then 200) and acknowledges every event."""

    def __init__(self, *file_answers: int) -> None:
        self.file_answers = list(file_answers)
        self.log: list[tuple[str, Any]] = []
        self.files: dict[str, bytes] = {}
        self.types: dict[str, str] = {}
        self.messages: list[dict[str, Any]] = []
        self.changed = asyncio.Event()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = await read_body(receive)
        path, status, answer = scope["path"], 200, c.encode_frame(c.Ok(version=c.CONTRACT_VERSION))
        if path.startswith("/bridge/v1/files/"):
            sha = path.rsplit("/", 1)[1]
            status = self.file_answers.pop(0) if self.file_answers else 200
            self.log.append(("file", (sha, status)))
            if status == 200:
                assert hashlib.sha256(body).hexdigest() == sha
                self.files[sha] = body
                self.types[sha] = dict(scope["headers"])[b"content-type"].decode()
            else:
                answer = json.dumps({"code": "bridge.refused", "message": "não"}).encode()
        elif path == "/bridge/v1/events":
            frame = json.loads(body)
            messages = [e for e in frame["events"] if e["type"] == "message"]
            self.log.append(("events", [m["wa_id"] for m in messages]))
            self.messages.extend(messages)
            answer = c.encode_frame(
                c.EventAck(version=c.CONTRACT_VERSION, upto=frame["events"][-1]["seq"])
            )
        elif path == "/bridge/v1/outbox":
            await asyncio.sleep(0.05)
            answer = c.encode_frame(c.Work(version=c.CONTRACT_VERSION))
        self.changed.set()
        await answer_json(send, answer, status)

    async def until(self, check: Any, within: float = 30.0) -> None:
        async with asyncio.timeout(within):
            while not check():
                self.changed.clear()
                await self.changed.wait()


class Bridge:
    def __init__(self, web: FlakyWeb, runner: Runner, phone: SimulatedPhone) -> None:
        self.web, self.runner, self.phone = web, runner, phone


@pytest.fixture
async def bridge_for(tmp_path: Path) -> AsyncIterator[Any]:
    async with contextlib.AsyncExitStack() as stack:

        async def start(web: FlakyWeb) -> Bridge:
            runner = await stack.enter_async_context(bridge_against(web, tmp_path))
            await web.until(lambda: runner.state.value == "ready")
            assert isinstance(runner.driver, SimulatedPhone)
            return Bridge(web, runner, runner.driver)

        yield start


def journal_files(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT count(*) FROM media").fetchone()[0])
    finally:
        conn.close()


async def test_a_photo_reaches_the_web_before_its_message_even_when_the_upload_fails_first(
    bridge_for: Any, tmp_path: Path
) -> None:
    web = FlakyWeb(503)
    bridge = await bridge_for(web)
    [wa_id] = bridge.phone.receive(CUSTOMER, "Tem essa em azul?", kind="image")
    [voice_id] = bridge.phone.receive(CUSTOMER, kind="voice")

    await web.until(lambda: {m["wa_id"] for m in web.messages} == {wa_id, voice_id})
    photo = next(m for m in web.messages if m["wa_id"] == wa_id)["media"]
    voice = next(m for m in web.messages if m["wa_id"] == voice_id)["media"]
    first_try, *_ = [entry for entry in web.log if entry[0] == "file"]
    assert first_try == ("file", (photo["sha256"], 503))
    # no event naming a file went before the file was accepted
    accepted = [i for i, e in enumerate(web.log) if e == ("file", (photo["sha256"], 200))]
    sent = [i for i, e in enumerate(web.log) if e[0] == "events" and wa_id in e[1]]
    assert accepted
    assert sent
    assert accepted[0] < sent[0]

    phone_bytes = bridge.phone.store.get_blob(photo["sha256"])
    assert phone_bytes is not None
    assert web.files[photo["sha256"]] == phone_bytes
    assert photo["size"] == len(phone_bytes)
    assert web.types[photo["sha256"]] == photo["mimetype"]
    assert web.files[voice["sha256"]] == bridge.phone.store.get_blob(voice["sha256"])
    assert web.types[voice["sha256"]] == "audio/ogg; codecs=opus"
    await web.until(lambda: bridge.runner.journal.count() == 0)
    assert journal_files(tmp_path / "journal.db") == 0


async def test_a_file_the_web_refuses_for_good_does_not_hold_its_message(
    bridge_for: Any, tmp_path: Path
) -> None:
    web = FlakyWeb(413)
    bridge = await bridge_for(web)
    [wa_id] = bridge.phone.receive(CUSTOMER, kind="document")
    [after] = bridge.phone.receive(CUSTOMER, "Recebeu?")

    await web.until(lambda: {m["wa_id"] for m in web.messages} == {wa_id, after})
    [document] = [m["media"] for m in web.messages if m["wa_id"] == wa_id]
    assert web.files == {}
    assert [e for e in web.log if e[0] == "file"] == [("file", (document["sha256"], 413))]
    await web.until(lambda: bridge.runner.journal.count() == 0)
    assert journal_files(tmp_path / "journal.db") == 0


def test_the_journal_keeps_a_file_until_every_event_naming_it_is_acknowledged(
    tmp_path: Path,
) -> None:
    journal = Journal(tmp_path / "journal.db")
    data = b"%PDF-1.4 pedido"
    sha = hashlib.sha256(data).hexdigest()

    def message(wa_id: str) -> c.InboundMessage:
        media = c.Media(mimetype="application/pdf", sha256=sha, size=len(data))
        return c.InboundMessage(
            seq=0, wa_id=wa_id, chat="5511987650042@s.whatsapp.net", from_me=False,
            sent_at=1, kind="document", media=media,
        )  # fmt: skip

    first = journal.append([message("D1")], {sha: data})
    second = journal.append([message("D2")], {sha: data})
    assert journal.file(sha) == data
    journal.ack(first)
    assert journal.file(sha) == data
    journal.ack(second)
    assert journal.file(sha) is None
    journal.close()
