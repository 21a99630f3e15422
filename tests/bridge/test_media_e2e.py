"""A customer's photo and voice note, end to end: the simulated phone, the real bridge process,
the web over HTTP; staff download exactly the bytes the phone had."""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
import uuid

import av
import pytest
from PIL import Image

from appliance.areas.accounts.service import load_actor
from appliance.areas.files import store
from appliance.areas.messages.outbound import Attachment, queue_message
from appliance.core.db import Database
from tests.harness import Box, wait_until

pytestmark = pytest.mark.slow

CUSTOMER = "+5511987650099"


def phone_file(box: Box, sha: str) -> bytes:
    path = box.device_dir / "sim" / "phone.db"
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=15)
    try:
        row = conn.execute("SELECT data FROM blob WHERE sha256 = ?", (sha,)).fetchone()
    finally:
        conn.close()
    assert row is not None, f"the phone has no file {sha}"
    return bytes(row[0])


def test_a_customers_photo_and_voice_note_download_with_the_phones_bytes(box: Box) -> None:
    box.start_web()
    box.start_bridge()
    [photo_id] = box.sim("POST", "/send", {"from": CUSTOMER, "kind": "image", "text": "Essa aqui"})[
        "wa_ids"
    ]
    [voice_id] = box.sim("POST", "/send", {"from": CUSTOMER, "kind": "voice"})["wa_ids"]

    wait_until(
        lambda: (
            box.scalar("SELECT count(*) FROM message WHERE wa_id IN (?, ?)", (photo_id, voice_id))
            == 2
        ),
        what="the photo and the voice note",
    )
    chat = box.scalar("SELECT chat FROM message WHERE wa_id = ?", (photo_id,))
    items = box.api.get(f"/api/v1/chats/{chat}/messages").json()["items"]
    by_wa = {m["wa_id"]: m for m in items}
    photo, voice = by_wa[photo_id], by_wa[voice_id]
    assert photo["kind"] == "image"
    assert voice["kind"] == "voice"

    for message in (photo, voice):
        url = message["media"]["url"]
        assert url == f"/api/v1/chats/{chat}/media/{message['id']}"
        r = box.api.get(url)
        assert r.status_code == 200
        assert r.content == phone_file(box, message["media"]["sha256"])
        assert hashlib.sha256(r.content).hexdigest() == message["media"]["sha256"]
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["content-disposition"].startswith("inline")

    image = Image.open(io.BytesIO(box.api.get(photo["media"]["url"]).content))
    assert image.size == (320, 240)
    assert box.api.get(photo["media"]["url"]).headers["content-type"] == photo["media"]["mimetype"]
    with av.open(io.BytesIO(box.api.get(voice["media"]["url"]).content)) as container:
        assert container.streams.audio[0].codec_context.name == "opus"

    # a player seeking in the voice note
    whole = box.api.get(voice["media"]["url"]).content
    part = box.api.get(voice["media"]["url"], headers={"Range": "bytes=100-"})
    assert part.status_code == 206
    assert part.content == whole[100:]
    assert part.headers["content-range"] == f"bytes 100-{len(whole) - 1}/{len(whole)}"
    assert box.journal_pending() == 0
    stored = json.loads(box.scalar("SELECT media FROM message WHERE wa_id = ?", (voice_id,)))
    assert stored["stored"] is True


def test_a_photo_the_shop_sends_reaches_the_phone_with_the_box_s_bytes(box: Box) -> None:
    """The box's outbound file over the real link: the web's outbox names it, the bridge
    fetches it by hash and hands it to the phone, which keeps exactly those bytes."""
    box.start_web()
    box.start_bridge()
    box.sim("POST", "/send", {"from": CUSTOMER, "text": "Me manda uma foto?"})
    wait_until(lambda: box.scalar("SELECT count(*) FROM chat") == 1, what="the chat")
    chat = box.scalar("SELECT id FROM chat")
    picture = Image.new("RGB", (64, 48), (200, 30, 60))
    buf = io.BytesIO()
    picture.save(buf, "JPEG")
    photo = buf.getvalue()
    db = Database(box.db_path)
    try:
        sha = db.write_sync(store.store_bytes, box.data / "files", photo, "image/jpeg")
        admin = db.read_sync(load_actor, 1)
        assert admin is not None
        attachment = Attachment("image", sha, "image/jpeg", "vermelha.jpg", len(photo))
        db.write_sync(
            queue_message, admin, chat, "Essa é a vermelha", str(uuid.uuid4()), attachment
        )
    finally:
        db.close()
    # A text through the API wakes the bridge; the photo, queued first, goes first.
    r = box.api.post(f"/api/v1/chats/{chat}/messages", json={"body": "Chegou?"})
    assert r.status_code == 202, r.text

    def sent_photo() -> dict[str, object] | None:
        received = box.sim("GET", "/received")
        return next((m for m in received if m["text"] == "Essa é a vermelha"), None)

    wait_until(sent_photo, what="the photo on the phone")
    assert phone_file(box, sha) == photo
    wait_until(
        lambda: (
            box.scalar("SELECT status FROM message WHERE body = 'Essa é a vermelha'")
            in ("sent", "delivered", "read")
        ),
        what="the photo reported sent",
    )
