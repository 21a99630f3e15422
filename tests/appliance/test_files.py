"""The file store: files by content hash, written whole or not at all, one row per content;
and the bridge's upload of a message's file."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from appliance.areas.files import store
from appliance.core.db import Database
from appliance.core.errors import InvalidInput, NotFound
from appliance.core.settings import Settings
from tests.appliance.test_ingest import Link, msg
from tests.conftest import bearer
from tests.factories import make_device, make_user
from wire import contract as c

Client = AsyncTestClient[Litestar]
JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40 + b"\xff\xd9"
SHA = hashlib.sha256(JPEG).hexdigest()


def rows(db: Database) -> list[dict[str, Any]]:
    return db.read_sync(lambda conn: [dict(r) for r in conn.execute("SELECT * FROM stored_file")])


def leftovers(settings: Settings) -> list[Path]:
    tmp = settings.files_dir / "tmp"
    return list(tmp.iterdir()) if tmp.exists() else []


def test_a_file_is_kept_under_its_hash_once_whatever_the_number_of_stores(
    db: Database, settings: Settings
) -> None:
    first = db.write_sync(store.store_bytes, settings.files_dir, JPEG, "image/jpeg")
    again = db.write_sync(store.store_bytes, settings.files_dir, JPEG, "image/jpeg")

    assert first == again == SHA
    path = settings.files_dir / SHA[:2] / SHA[2:4] / SHA
    assert store.file_path(settings.files_dir, SHA) == path
    assert path.read_bytes() == JPEG
    [row] = rows(db)
    assert (row["sha256"], row["size"], row["mime"]) == (SHA, len(JPEG), "image/jpeg")
    with store.open_file(settings.files_dir, SHA) as handle:
        assert handle.read() == JPEG
    assert leftovers(settings) == []


@pytest.mark.parametrize(
    "sha",
    [
        SHA.upper(),
        SHA[:-1],
        SHA + "0",
        "../" + SHA[3:],
        "/etc/passwd",
        "",
        "g" * 64,
    ],
)
def test_only_a_sha256_in_lowercase_hex_names_a_file(settings: Settings, sha: str) -> None:
    with pytest.raises(InvalidInput):
        store.file_path(settings.files_dir, sha)
    with pytest.raises(NotFound):
        store.open_file(settings.files_dir, sha)


def test_the_size_limit_is_whatsapps_and_a_file_past_it_leaves_nothing(
    settings: Settings,
) -> None:
    assert store.MAX_FILE_BYTES == c.MAX_FILE_BYTES == 100 * 1024 * 1024
    writer = store.FileWriter(settings.files_dir, limit=1000)
    writer.write(b"x" * 600)
    with pytest.raises(store.FileTooLargeError) as refused:
        writer.write(b"x" * 600)
    assert refused.value.status == 413
    assert "100 MB" in refused.value.message
    assert leftovers(settings) == []
    assert not any(p.is_file() for p in settings.files_dir.rglob("*"))


def test_a_file_appears_under_its_name_only_once_written_whole(settings: Settings) -> None:
    writer = store.FileWriter(settings.files_dir)
    writer.write(JPEG[:100])
    target = settings.files_dir / SHA[:2] / SHA[2:4] / SHA
    assert not target.exists()
    [partial] = leftovers(settings)
    writer.write(JPEG[100:])
    assert not target.exists()

    assert writer.commit(SHA) == SHA
    assert target.read_bytes() == JPEG
    assert not partial.exists()
    assert leftovers(settings) == []


def test_content_that_does_not_match_its_hash_is_not_kept(settings: Settings) -> None:
    wrong = "0" * 64
    with pytest.raises(store.FileMismatchError):
        store.write_bytes(settings.files_dir, JPEG, expected=wrong)
    assert not (settings.files_dir / "00").exists()
    assert not (settings.files_dir / SHA[:2]).exists()
    assert leftovers(settings) == []


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("image/jpeg", "image/jpeg"),
        ("Audio/OGG; codecs=opus", "audio/ogg; codecs=opus"),
        ("text/html\r\nSet-Cookie: x=1", "application/octet-stream"),
        ("", "application/octet-stream"),
        ("nonsense", "application/octet-stream"),
    ],
)
def test_the_phones_mimetype_is_kept_only_when_well_formed(given: str, kept: str) -> None:
    assert store.clean_mime(given) == kept


# -- the bridge uploads a message's file -----------------------------------------------------


async def _put(client: Client, token: str, sha: str, data: bytes, mime: str = "image/jpeg") -> Any:
    return await client.put(
        f"/bridge/v1/files/{sha}",
        content=data,
        headers={"Authorization": f"Bearer {token}", "Content-Type": mime},
    )


async def test_the_bridge_uploads_a_file_once_and_the_message_then_shows_it(
    client: Client, db: Database, settings: Settings
) -> None:
    _, token = make_device(db)
    for _ in range(2):
        r = await _put(client, token, SHA, JPEG)
        assert r.status_code == 200, r.text
        assert r.json() == {"version": c.CONTRACT_VERSION}
    assert [row["sha256"] for row in rows(db)] == [SHA]

    media = {"mimetype": "image/jpeg", "sha256": SHA, "size": len(JPEG), "filename": "a.jpg"}
    await Link(client, token).send(msg("IMG1", kind="image", body="", media=media))
    make_user(db, "gerente", is_admin=True)
    headers = await bearer(client, "gerente")
    [chat] = (await client.get("/api/v1/chats", headers=headers)).json()["items"]
    [message] = (await client.get(f"/api/v1/chats/{chat['id']}/messages", headers=headers)).json()[
        "items"
    ]
    assert message["media"]["url"] == f"/api/v1/chats/{chat['id']}/media/{message['id']}"
    assert "stored" not in message["media"]
    r = await client.get(message["media"]["url"], headers=headers)
    assert r.status_code == 200
    assert r.content == JPEG


async def test_a_message_whose_file_comes_later_shows_it_once_it_lands(
    client: Client, db: Database
) -> None:
    _, token = make_device(db)
    media = {"mimetype": "image/jpeg", "sha256": SHA, "size": len(JPEG)}
    await Link(client, token).send(msg("IMG2", kind="image", body="", media=media))
    make_user(db, "gerente", is_admin=True)
    headers = await bearer(client, "gerente")
    [chat] = (await client.get("/api/v1/chats", headers=headers)).json()["items"]
    url = f"/api/v1/chats/{chat['id']}/messages"

    [pending] = (await client.get(url, headers=headers)).json()["items"]
    assert "url" not in pending["media"]
    r = await client.get(f"/api/v1/chats/{chat['id']}/media/{pending['id']}", headers=headers)
    assert r.status_code == 404

    assert (await _put(client, token, SHA, JPEG)).status_code == 200
    [shown] = (await client.get(url, headers=headers)).json()["items"]
    assert shown["media"]["url"].endswith(f"/media/{pending['id']}")
    assert (await client.get(shown["media"]["url"], headers=headers)).content == JPEG


@pytest.mark.parametrize(
    ("path_sha", "body", "token_ok", "status", "code"),
    [
        (SHA, JPEG, False, 401, "bridge.bad_token"),
        (SHA.upper(), JPEG, True, 400, "bridge.bad_sha"),
        ("..%2F..%2Fbalcao.db", JPEG, True, 404, "not_found"),
        ("g" * 64, JPEG, True, 400, "bridge.bad_sha"),
        ("0" * 64, JPEG, True, 400, "bridge.file.hash_mismatch"),
    ],
)
async def test_the_web_refuses_an_upload_it_cannot_trust(
    client: Client,
    db: Database,
    settings: Settings,
    path_sha: str,
    body: bytes,
    token_ok: bool,
    status: int,
    code: str,
) -> None:
    _, token = make_device(db)
    r = await _put(client, token if token_ok else "not-the-token", path_sha, body)
    assert r.status_code == status, r.text
    assert r.json()["code"] == code
    assert rows(db) == []
    assert not [p for p in settings.files_dir.rglob("*") if p.is_file()]


async def test_an_upload_past_the_limit_is_refused_before_it_is_read(
    client: Client, db: Database
) -> None:
    _, token = make_device(db)
    r = await client.put(
        f"/bridge/v1/files/{SHA}",
        content=_Huge(c.MAX_FILE_BYTES + 1),
        headers={"Authorization": f"Bearer {token}", "Content-Length": str(c.MAX_FILE_BYTES + 1)},
    )
    assert r.status_code == 413
    assert r.json()["code"] == "bridge.file_too_large"
    assert rows(db) == []


class _Huge:
    """A body that says how long it is but is never read past its first piece."""

    def __init__(self, size: int) -> None:
        self.size = size

    async def __aiter__(self) -> Any:
        yield os.urandom(16)
