"""A customer's photo and voice note, end to end: the simulated phone, the real bridge process,
the web over HTTP; staff download exactly the bytes the phone had."""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3

import av
import pytest
from PIL import Image

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
