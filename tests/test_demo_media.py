"""The demo's photos, voice notes, videos, stickers and documents are real files the inbox
shows and serves, and the scenarios file is what the demo's conversations say."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from litestar import Litestar
from litestar.testing import AsyncTestClient

from appliance.core.db import Database
from appliance.core.settings import Settings
from appliance.demo import seed_demo
from appliance.demo.data import SHOP
from appliance.demo.writer import FILE_KINDS
from tests.conftest import bearer

NOW = 1_795_000_000_000  # a fixed "now" keeps the shop the same on every run
# What each kind's file starts with: JPEG, OGG, ISO MP4 ("....ftyp"), RIFF/WebP, PDF.
MAGIC = {
    "image": (0, b"\xff\xd8\xff"),
    "voice": (0, b"OggS"),
    "video": (4, b"ftyp"),
    "sticker": (8, b"WEBP"),
    "document": (0, b"%PDF-"),
}


def _media_messages(db: Database) -> list[tuple[int, int, str, dict[str, object]]]:
    marks = ",".join("?" * len(FILE_KINDS))
    return db.read_sync(
        lambda c: [
            (r["id"], r["chat"], r["kind"], json.loads(r["media"]))
            for r in c.execute(
                f"SELECT id, chat, kind, media FROM message WHERE kind IN ({marks}) ORDER BY id",
                FILE_KINDS,
            )
        ]
    )


async def test_every_media_message_of_the_demo_is_stored_and_served(
    db: Database, settings: Settings, client: AsyncTestClient[Litestar]
) -> None:
    assert seed_demo(db, files_dir=settings.files_dir, now=NOW) is not None
    messages = _media_messages(db)
    assert {kind for _, _, kind, _ in messages} == set(FILE_KINDS)
    admin = await bearer(client, "admin")
    for message_id, chat_id, kind, media in messages:
        r = await client.get(f"/api/v1/chats/{chat_id}/media/{message_id}", headers=admin)
        assert r.status_code == 200, (kind, r.text)
        assert r.headers["content-type"] == media["mimetype"], kind
        assert hashlib.sha256(r.content).hexdigest() == media["sha256"]
        assert len(r.content) == media["size"]
        offset, magic = MAGIC[kind]
        assert r.content[offset : offset + len(magic)] == magic, kind
    # The inbox gets each file's address, so none shows "arquivo ainda não disponível".
    for chat_id in sorted({chat for _, chat, _, _ in messages})[:20]:
        r = await client.get(f"/api/v1/chats/{chat_id}/messages?limit=200", headers=admin)
        assert r.status_code == 200
        shown = [m for m in r.json()["items"] if m["kind"] in FILE_KINDS]
        assert shown
        assert all(m["media"]["url"].endswith(f"/media/{m['id']}") for m in shown)


SCENARIOS = """
[[scenario]]
name = "tijolao"
department = "Suporte"
tags = ["Troca/Garantia"]
weight = 1

[[scenario.steps]]
who = "c"
kind = "text"
text = ["Vocês consertam Nokia tijolão?", "Tem bateria de Nokia tijolão?"]

[[scenario.steps]]
who = "c"
kind = "voice"
text = [""]

[[scenario.steps]]
who = "s"
kind = "text"
text = ["Consertamos sim, {nome_ou_oi}! Traz {dia} que a gente olha."]

[broadcasts]
"Relíquias" = ["Chegaram capas para Nokia tijolão 📦"]
"""


def test_the_scenarios_file_is_what_the_conversations_say(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    scenarios = tmp_path / "scenarios.toml"
    scenarios.write_text(SCENARIOS, encoding="utf-8")
    shop = seed_demo(db, files_dir=settings.files_dir, now=NOW, chats=12, scenarios=scenarios)
    assert shop is not None
    rows = db.read_sync(
        lambda c: [
            tuple(r)
            for r in c.execute(
                "SELECT c.is_broadcast, c.wa_name, m.direction, m.author_kind, m.kind, m.body "
                "FROM message m JOIN chat c ON c.id = m.chat"
            )
        ]
    )
    customers = [r for r in rows if not r[0] and r[3] != "chatbot"]
    said = {(direction, kind, body.split(",")[0]) for _, _, direction, _, kind, body in customers}
    assert said == {
        ("in", "text", "Vocês consertam Nokia tijolão?"),
        ("in", "text", "Tem bateria de Nokia tijolão?"),
        ("in", "voice", ""),
        ("out", "text", "Consertamos sim"),
    }
    assert {body for _, _, _, kind, _, body in rows if kind == "chatbot"} <= {SHOP.chatbot_greeting}
    assert {(name, body) for broadcast, name, _, _, _, body in rows if broadcast} == {
        ("Relíquias", "Chegaram capas para Nokia tijolão 📦")
    }
    tags = db.read_sync(
        lambda c: {
            r[0]
            for r in c.execute(
                "SELECT DISTINCT t.name FROM chat_tag JOIN tag t ON t.id = chat_tag.tag"
            )
        }
    )
    assert "Troca/Garantia" in tags
