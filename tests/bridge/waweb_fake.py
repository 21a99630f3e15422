"""A gateway that answers as WhatsApp would, offline, for the waweb driver's tests.

Only the gateway is replaced: the driver registers its handlers on a real neonize client
(never connected), and what WhatsApp "says" goes through neonize's own dispatch
(``waweb_events.dispatch``). ``connect()`` plays the events WhatsApp would send on
connecting (a stored session: Connected; none: QR codes, pair success, Connected).
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from bridge.drivers.waweb.driver import WawebDriver
from bridge.drivers.waweb.gateway import (
    GatewayError,
    Group,
    Me,
    MediaGoneError,
    MediaKind,
    NotConnectedError,
    Picture,
    Sent,
    UnsupportedError,
    Uploaded,
    new_client,
)
from bridge.drivers.waweb.options import WawebOptions
from tests.bridge import waweb_events as w

# A JPEG's first bytes are all the driver's callers check of a profile photo.
PHOTO = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00 foto de perfil"
_FILE_FIELDS = ("imageMessage", "videoMessage", "audioMessage", "documentMessage", "stickerMessage")
_sent_ids = itertools.count(1)


@dataclass
class FakeGateway:
    client: Any
    # What WhatsApp sends as the session starts: events, or QR payloads (str).
    on_connect: list[Any] = field(default_factory=lambda: [w.connected()])
    me_answer: Me = field(default_factory=lambda: Me(w.SHOP, w.SHOP_LID, "Loja da Maria", "smba"))
    files: dict[bytes, bytes] = field(default_factory=dict)  # fileSHA256 -> bytes
    photos: dict[str, bytes] = field(default_factory=dict)  # chat -> JPEG
    lids: dict[str, str] = field(default_factory=dict)  # LID -> phone JID
    send_error: GatewayError | None = None
    sent: list[tuple[str, Any]] = field(default_factory=list)
    uploads: list[tuple[bytes, MediaKind]] = field(default_factory=list)
    download_delay: dict[bytes, float] = field(default_factory=dict)  # fileSHA256 -> s
    connects: int = 0
    disconnects: int = 0
    connected: bool = False
    chooses_message_id: ClassVar[bool] = False
    requests_history: ClassVar[bool] = False

    def serve(self, data: bytes) -> bytes:
        """WhatsApp's servers hold ``data`` (a received file) from now on."""
        self.files[hashlib.sha256(data).digest()] = data
        return data

    def play(self, events: Sequence[Any]) -> None:
        for event in events:
            if isinstance(event, str):
                w.dispatch_qr(self.client, event)
            else:
                w.dispatch(self.client, event)

    async def connect(self) -> None:
        self.connects += 1
        self.connected = True
        self.play(self.on_connect)

    async def disconnect(self) -> None:
        self.disconnects += 1
        self.connected = False

    async def logout(self) -> None:
        self.connected = False

    async def pair_phone(self, phone: str) -> str:
        return "ABCD-EFGH"

    async def send(self, to: str, message: Any, message_id: str | None = None) -> Sent:
        if message_id is not None:
            raise UnsupportedError("cannot choose a message id")
        if not self.connected:
            raise NotConnectedError("websocket not connected")
        if self.send_error is not None:
            raise self.send_error
        self.sent.append((to, message))
        return Sent(id=f"3EB0{next(_sent_ids):016X}", at=w.T0 + 30)

    async def upload(self, data: bytes, kind: MediaKind) -> Uploaded:
        self.uploads.append((data, kind))
        digest = hashlib.sha256(data).digest()
        return Uploaded(
            url=f"https://mmg.whatsapp.net/o1/{digest.hex()[:16]}",
            direct_path=f"/o1/{digest.hex()[:16]}",
            media_key=hashlib.sha256(b"key" + data).digest(),
            file_enc_sha256=hashlib.sha256(b"enc" + data).digest(),
            file_sha256=digest,
            file_length=len(data),
        )

    async def download(self, message: Any) -> bytes:
        for name in _FILE_FIELDS:
            if message.HasField(name):
                digest = bytes(getattr(message, name).fileSHA256)
                await asyncio.sleep(self.download_delay.get(digest, 0))
                data = self.files.get(digest)
                if data is None:
                    raise MediaGoneError("failed to download media: status code 410")
                return data
        raise GatewayError("not a media message")

    async def download_url(self, url: str, limit: int) -> bytes:
        chat = url.rpartition("/")[2]
        return self.photos[chat][:limit]

    async def mark_read(
        self, chat: str, ids: Sequence[str], sender: str | None = None, at: int | None = None
    ) -> None:
        return None

    async def profile_picture(self, jid: str, preview: bool = False) -> Picture | None:
        if jid not in self.photos:
            return None
        return Picture(id="1", url=f"https://pps.whatsapp.net/v/{jid}", direct_path="/v")

    async def request_history(
        self, chat: str, oldest_id: str, oldest_from_me: bool, oldest_at: int, count: int
    ) -> Sent:
        raise UnsupportedError("cannot send a peer message")

    async def group_info(self, jid: str) -> Group:
        return Group(jid=jid, subject="", participants=())

    async def me(self) -> Me:
        if not self.connected:
            raise NotConnectedError("WhatsApp is not connected")
        return self.me_answer

    async def phone_for_lid(self, lid: str) -> str | None:
        return self.lids.get(lid)


def fake_driver(
    folder: Path, configure: Callable[[FakeGateway], None] | None = None, **options: Any
) -> WawebDriver:
    """The waweb driver over a FakeGateway and a real, never-connected neonize client whose
    session would live in ``folder``."""
    client = new_client(folder, uuid=f"test-{folder.name}")
    gateway = FakeGateway(client)
    if configure is not None:
        configure(gateway)
    return WawebDriver(gateway, client, folder, WawebOptions(**options))
