"""Who may fetch a message's file, and how the browser is told about it: the chat's one
visibility rule, byte ranges for players, downloads (never pages) for anything else."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from appliance.areas.accounts.permissions import Permission
from appliance.core.db import Database
from tests.appliance.test_ingest import Link, msg
from tests.conftest import bearer
from tests.factories import assign, make_device, make_user

Client = AsyncTestClient[Litestar]
OGG = b"OggS\x00\x02" + bytes(range(256)) * 20
HTML = b"<!doctype html><script>alert(document.cookie)</script>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>'
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"


class Shop:
    """A device whose customers sent files, and the staff who look at them."""

    def __init__(self, client: Client, db: Database) -> None:
        self.client, self.db = client, db
        _, self.token = make_device(db)
        self.link = Link(client, self.token)
        self.n = 0

    async def receive(
        self, data: bytes, mime: str, kind: str, *, upload: bool = True, **media: Any
    ) -> dict[str, Any]:
        """The message as an admin sees it."""
        sha = hashlib.sha256(data).hexdigest()
        if upload:
            r = await self.client.put(
                f"/bridge/v1/files/{sha}",
                content=data,
                headers={"Authorization": f"Bearer {self.token}", "Content-Type": mime},
            )
            assert r.status_code == 200, r.text
        self.n += 1
        wa_id = f"MEDIA{self.n}"
        chat = f"55119876500{self.n:02d}@s.whatsapp.net"
        meta = {"mimetype": mime, "sha256": sha, "size": len(data), **media}
        await self.link.send(msg(wa_id, chat=chat, kind=kind, body="", media=meta))
        return self.message(wa_id)

    def message(self, wa_id: str) -> dict[str, Any]:
        row = self.db.read_sync(
            lambda c: c.execute("SELECT id, chat FROM message WHERE wa_id = ?", (wa_id,)).fetchone()
        )
        return {"id": row[0], "chat": row[1], "url": f"/api/v1/chats/{row[1]}/media/{row[0]}"}


@pytest.fixture
async def shop(client: Client, db: Database) -> Shop:
    make_user(db, "gerente", is_admin=True)
    return Shop(client, db)


async def test_a_user_who_cannot_see_the_chat_gets_the_404_of_a_missing_file(
    client: Client, db: Database, shop: Shop
) -> None:
    mine = await shop.receive(OGG, "audio/ogg; codecs=opus", "voice")
    other = await shop.receive(OGG + b"!", "audio/ogg; codecs=opus", "voice")
    pending = await shop.receive(b"not uploaded", "image/jpeg", "image", upload=False)
    ana = make_user(db, "ana", permissions=[Permission.SEE_NUMBERS.value])
    assign(db, mine["chat"], user=ana)
    assign(db, pending["chat"], user=ana)
    as_ana = await bearer(client, "ana")
    as_admin = await bearer(client, "gerente")

    r = await client.get(mine["url"], headers=as_ana)
    assert r.status_code == 200
    assert r.content == OGG
    assert (await client.get(other["url"], headers=as_admin)).status_code == 200

    hidden = await client.get(other["url"], headers=as_ana)
    absent = [
        await client.get(f"/api/v1/chats/{mine['chat']}/media/999999", headers=as_ana),
        await client.get(f"/api/v1/chats/{mine['chat']}/media/{other['id']}", headers=as_ana),
        await client.get(pending["url"], headers=as_ana),
        await client.get("/api/v1/chats/999999/media/1", headers=as_admin),
    ]
    assert hidden.status_code == 404
    for response in absent:
        assert (response.status_code, response.json()) == (hidden.status_code, hidden.json())
    assert hidden.json() == {"code": "file.not_found", "message": "Arquivo não encontrado."}
    assert (await client.get(mine["url"])).status_code == 401


async def test_the_message_payload_has_a_url_only_once_the_file_is_stored(
    client: Client, shop: Shop
) -> None:
    stored = await shop.receive(OGG, "audio/ogg; codecs=opus", "voice", seconds=3)
    pending = await shop.receive(b"later", "image/jpeg", "image", upload=False)
    headers = await bearer(client, "gerente")
    for message, url in ((stored, stored["url"]), (pending, None)):
        items = await client.get(f"/api/v1/chats/{message['chat']}/messages", headers=headers)
        [payload] = items.json()["items"]
        assert payload["media"].get("url") == url
        assert "stored" not in payload["media"]


@pytest.mark.parametrize(
    ("asked", "status", "first", "last"),
    [
        ("bytes=0-9", 206, 0, 9),
        ("bytes=100-", 206, 100, len(OGG) - 1),
        ("bytes=-16", 206, len(OGG) - 16, len(OGG) - 1),
        ("bytes=5000-999999", 206, 5000, len(OGG) - 1),
        ("bytes=0-0,5-9", 200, 0, len(OGG) - 1),
        (None, 200, 0, len(OGG) - 1),
    ],
)
async def test_players_get_the_byte_range_they_ask_for(
    client: Client, shop: Shop, asked: str | None, status: int, first: int, last: int
) -> None:
    voice = await shop.receive(OGG, "audio/ogg; codecs=opus", "voice")
    headers = await bearer(client, "gerente")
    if asked:
        headers["Range"] = asked
    r = await client.get(voice["url"], headers=headers)
    assert r.status_code == status
    assert r.content == OGG[first : last + 1]
    assert r.headers["accept-ranges"] == "bytes"
    assert r.headers["content-type"] == "audio/ogg; codecs=opus"
    if status == 206:
        assert r.headers["content-range"] == f"bytes {first}-{last}/{len(OGG)}"
    assert r.headers["cache-control"] == "private, no-store"


async def test_a_client_that_accepts_gzip_still_gets_the_raw_bytes_of_its_range(
    client: Client, shop: Shop
) -> None:
    voice = await shop.receive(OGG, "audio/ogg; codecs=opus", "voice")
    headers = {
        **(await bearer(client, "gerente")),
        "Range": "bytes=100-4999",
        "Accept-Encoding": "gzip",
    }
    r = await client.get(voice["url"], headers=headers)
    assert r.status_code == 206
    assert "content-encoding" not in r.headers
    assert r.content == OGG[100:5000]


async def test_a_range_past_the_end_is_not_satisfiable(client: Client, shop: Shop) -> None:
    voice = await shop.receive(OGG, "audio/ogg; codecs=opus", "voice")
    headers = {**(await bearer(client, "gerente")), "Range": f"bytes={len(OGG)}-"}
    r = await client.get(voice["url"], headers=headers)
    assert r.status_code == 416
    assert r.headers["content-range"] == f"bytes */{len(OGG)}"


@pytest.mark.parametrize(
    ("data", "mime", "kind", "filename", "served_as", "disposition"),
    [
        (HTML, "text/html", "document", "promo.html", "application/octet-stream", "attachment"),
        (SVG, "image/svg+xml", "image", "foto.svg", "application/octet-stream", "attachment"),
        (SVG, "image/svg+xml", "sticker", "", "application/octet-stream", "attachment"),
        (HTML, "application/xhtml+xml", "document", "", "application/octet-stream", "attachment"),
        (PDF, "application/pdf", "document", "nota-fiscal.pdf", "application/pdf", "attachment"),
        (OGG, "audio/ogg; codecs=opus", "voice", "", "audio/ogg; codecs=opus", "inline"),
        (PDF + b"\x00", "image/png", "image", "IMG-1.png", "image/png", "inline"),
    ],
)
async def test_only_pictures_audio_and_video_show_inline_the_rest_downloads(
    client: Client,
    shop: Shop,
    data: bytes,
    mime: str,
    kind: str,
    filename: str,
    served_as: str,
    disposition: str,
) -> None:
    message = await shop.receive(data, mime, kind, filename=filename)
    r = await client.get(message["url"], headers=await bearer(client, "gerente"))
    assert r.status_code == 200
    assert r.content == data
    assert r.headers["content-type"] == served_as
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["content-disposition"].split(";")[0] == disposition
    if filename:
        assert f'filename="{filename}"' in r.headers["content-disposition"]
    assert "sandbox" in r.headers["content-security-policy"]


async def test_a_filename_from_the_phone_cannot_break_the_header(
    client: Client, shop: Shop
) -> None:
    name = 'nota "fiscal"\r\nSet-Cookie: x=1/../ção.pdf'
    message = await shop.receive(PDF, "application/pdf", "document", filename=name)
    r = await client.get(message["url"], headers=await bearer(client, "gerente"))
    assert r.status_code == 200
    assert "set-cookie" not in r.headers
    disposition = r.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="')
    assert "\r" not in disposition
    assert "\n" not in disposition
    assert "filename*=UTF-8''" in disposition
    assert "%C3%A7%C3%A3o.pdf" in disposition
