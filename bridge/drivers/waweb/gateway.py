"""The one door between the waweb driver and neonize's client.

Every call the driver makes to WhatsApp goes through ``Gateway``; ``NeonizeGateway`` is
its implementation over a neonize 0.5.2 async client (``neonize/aioze/client.py``), one
neonize call per method. Tests replace the gateway whole and keep a real, never-connected
neonize client for the events (``tests/bridge/waweb_events.py``).

Events do not pass through the gateway. The driver registers its handlers on the client
(``client.event(MessageEv)(handler)``, ``client.event.qr(handler)``) before ``connect()``:
neonize hands the Go side the list of event codes it wants once, when it connects
(``connect_with_proxy``), so a handler registered later never receives anything.

Two things whatsmeow can do are out of reach through neonize 0.5.2, and the gateway says
so (``chooses_message_id``, ``requests_history``) instead of pretending:

- choosing a sent message's id. ``send_message`` calls the Go ``SendMessage`` with the
  recipient and the message only (5 arguments in ``neonize/_binder.py``), so whatsmeow
  makes the id up. ``SendRequestExtra.ID`` reaches only ``send_fb_message``, which sends
  Messenger's ``ConsumerApplication``, not a waE2E ``Message``.
- asking the phone for older history. whatsmeow sends that request as a peer message
  (``SendPeerMessage``, or ``SendRequestExtra{Peer: true}``), and the library exports
  neither. ``history_request`` builds the message for a neonize that can send it.

Loading neonize is guarded (``load_neonize``): imported with a bundled library of another
version, neonize downloads one from GitHub (docs/decisions.md#neonize-offline-and-pinned).
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import ctypes
import importlib.util
import io
import logging
import os
import platform
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

if TYPE_CHECKING:
    from neonize.aioze.client import NewAClient
    from neonize.proto.Neonize_pb2 import JID
    from neonize.proto.waE2E.WAWebProtobufsE2E_pb2 import Message

log = logging.getLogger(__name__)

NEONIZE_VERSION = "0.5.2"
# The session (device keys, Signal sessions, contacts, the LID map) in one SQLite file.
SESSION_FILE = "whatsapp.db"
# Shown on the phone under "Aparelhos conectados".
DEVICE_NAME = "Balcão"
# whatsmeow suggests 50 messages per on-demand history request (BuildHistorySyncRequest).
HISTORY_PAGE = 50
# How long disconnect() waits for neonize's session thread to return after Stop: well
# inside the 10 s the demo's supervisor and the 15 s systemd (TimeoutStopSec) give the
# bridge to stop.
STOP_SECONDS = 5.0
# whatsmeow's DownloadHTTPError text for a file WhatsApp no longer serves; the sender's
# phone has to upload it again (a media retry receipt).
_GONE = ("status code 403", "status code 404", "status code 410")
# whatsmeow's ErrNotConnected and ErrNotLoggedIn: refused before anything was sent.
_NOT_CONNECTED = ("websocket not connected", "the store doesn't contain a device JID")
# Where WhatsApp serves profile photos (pps.whatsapp.net) and media (mmg.whatsapp.net).
_WHATSAPP_HOST = ".whatsapp.net"
# A profile photo is one request of about 50 KB; 30 s covers a slow mobile link.
URL_SECONDS = 30.0
# whatsmeow's ErrProfilePictureNotSet and ErrProfilePictureUnauthorized.
_NO_PICTURE = ("does not have a profile picture", "has hidden their profile picture")


class GatewayError(Exception):
    """WhatsApp or neonize refused or failed a call."""


class LibraryError(GatewayError):
    """neonize or its bundled library is missing or of another version."""


class NotConnectedError(GatewayError):
    """The call needs a session: connect() first (and after disconnect(), again)."""


class UnsupportedError(GatewayError):
    """The installed neonize cannot do this."""


class MediaGoneError(GatewayError):
    """WhatsApp no longer serves the file; the sender's phone has to upload it again."""


class MediaKind(StrEnum):
    IMAGE = "image"
    VIDEO = "video"
    AUDIO = "audio"  # voice notes too
    DOCUMENT = "document"
    STICKER = "sticker"


# neonize's MediaType member for each kind. whatsmeow uploads stickers as images
# (its media type for StickerMessage is MediaImage).
_MEDIA_TYPE = {
    MediaKind.IMAGE: "MediaImage",
    MediaKind.VIDEO: "MediaVideo",
    MediaKind.AUDIO: "MediaAudio",
    MediaKind.DOCUMENT: "MediaDocument",
    MediaKind.STICKER: "MediaImage",
}


@dataclass(frozen=True)
class Uploaded:
    """An uploaded file: the fields a media ``Message`` (imageMessage, …) carries."""

    url: str
    direct_path: str
    media_key: bytes
    file_enc_sha256: bytes
    file_sha256: bytes
    file_length: int


@dataclass(frozen=True)
class Sent:
    id: str  # the WhatsApp message id
    at: int  # epoch seconds, WhatsApp's server time


@dataclass(frozen=True)
class Picture:
    id: str  # changes when the photo changes
    url: str
    direct_path: str


@dataclass(frozen=True)
class Participant:
    jid: str  # as the group addresses them: "…@s.whatsapp.net" or "…@lid"
    phone: str  # "…@s.whatsapp.net" when WhatsApp tells it, else ""
    lid: str  # "…@lid" when WhatsApp tells it, else ""
    name: str
    admin: bool


@dataclass(frozen=True)
class Group:
    jid: str
    subject: str
    participants: tuple[Participant, ...]


@dataclass(frozen=True)
class Me:
    """The linked account; ``jid`` is "" until the phone has paired."""

    jid: str
    lid: str
    push_name: str
    platform: str


@runtime_checkable
class Gateway(Protocol):
    """What the waweb driver asks of WhatsApp. JIDs are strings ("5511…@s.whatsapp.net",
    "…@lid", "…@g.us"); messages are waE2E ``Message`` protobufs."""

    chooses_message_id: ClassVar[bool]  # send() honours message_id
    requests_history: ClassVar[bool]  # request_history() works

    async def connect(self) -> None:
        """Start the session. Returns once started; the events tell how it goes (a QR
        code to show, Connected, LoggedOut, …)."""
        ...

    async def disconnect(self) -> None:
        """End the session; the stored pairing stays for the next connect()."""
        ...

    async def logout(self) -> None:
        """Unlink this device from the phone; the stored pairing becomes useless."""
        ...

    async def pair_phone(self, phone: str) -> str:
        """The code the shop types on its phone instead of scanning the QR, "ABCD-EFGH".
        ``phone`` is the number with its country code. Call it as soon as the first QR code
        arrives: whatsmeow needs the socket open and unpaired, and closes it once the QR
        codes run out, 160 s after connecting (whatsmeow's PairPhone documentation)."""
        ...

    async def send(self, to: str, message: Message, message_id: str | None = None) -> Sent:
        """Send ``message``; ``message_id`` only when ``chooses_message_id``."""
        ...

    async def upload(self, data: bytes, kind: MediaKind) -> Uploaded: ...

    async def download(self, message: Message) -> bytes:
        """The file a received media message points at; MediaGoneError when expired."""
        ...

    async def download_url(self, url: str, limit: int) -> bytes:
        """A file WhatsApp serves unencrypted at ``url`` (a profile photo), at most ``limit``
        bytes."""
        ...

    async def mark_read(
        self, chat: str, ids: Sequence[str], sender: str | None = None, at: int | None = None
    ) -> None:
        """Blue ticks for the customer. ``sender`` is the author in a group (None in a
        one-to-one chat); ``at`` in epoch seconds, default now."""
        ...

    async def profile_picture(self, jid: str, preview: bool = False) -> Picture | None:
        """The current photo of a person or group, or None when there is none for us."""
        ...

    async def request_history(
        self, chat: str, oldest_id: str, oldest_from_me: bool, oldest_at: int, count: int
    ) -> Sent:
        """Ask the phone for ``count`` messages before the oldest one we have (its id,
        whether we sent it, epoch seconds); they arrive as a HistorySync of type ON_DEMAND."""
        ...

    async def group_info(self, jid: str) -> Group: ...

    async def me(self) -> Me: ...

    async def phone_for_lid(self, lid: str) -> str | None:
        """The phone-number JID whatsmeow has stored for a LID, or None."""
        ...


def parse_jid(text: str) -> JID:
    """The neonize JID of "user@server", "user:device@server" or "user.agent:device@server",
    with every field set: its protobuf has required fields, and Go reads them all."""
    from neonize.proto.Neonize_pb2 import JID

    user, at, server = text.rpartition("@")
    if not at:
        user, server = "", text
    user, _, device = user.partition(":")
    agent = "0"
    if "." in user:
        user, agent = user.split(".", 1)
    return JID(
        User=user,
        RawAgent=int(agent or 0),
        Device=int(device or 0),
        Integrator=0,
        Server=server,
        IsEmpty=not server,
    )


def jid_text(jid: Any) -> str:
    """A neonize JID as whatsmeow writes it (``types.JID.String``); "" for an empty one."""
    if not jid.Server:
        return ""
    if jid.RawAgent:
        return f"{jid.User}.{jid.RawAgent}:{jid.Device}@{jid.Server}"
    if jid.Device:
        return f"{jid.User}:{jid.Device}@{jid.Server}"
    if jid.User:
        return f"{jid.User}@{jid.Server}"
    return str(jid.Server)


def history_request(
    chat: str, oldest_id: str, oldest_from_me: bool, oldest_at: int, count: int = HISTORY_PAGE
) -> Message:
    """The message asking the phone for history, as whatsmeow's BuildHistorySyncRequest
    builds it. ``oldestMsgTimestampMS`` takes seconds despite its name (whatsmeow's
    comment); neonize's own ``build_history_sync_request`` passes ``MessageInfo.Timestamp``,
    which neonize fills in milliseconds."""
    from neonize.proto.waE2E.WAWebProtobufsE2E_pb2 import (
        Message,
        PeerDataOperationRequestMessage,
        PeerDataOperationRequestType,
        ProtocolMessage,
    )

    request = PeerDataOperationRequestMessage.HistorySyncOnDemandRequest(
        chatJID=chat,
        oldestMsgID=oldest_id,
        oldestMsgFromMe=oldest_from_me,
        onDemandMsgCount=count,
        oldestMsgTimestampMS=oldest_at,
    )
    return Message(
        protocolMessage=ProtocolMessage(
            type=ProtocolMessage.PEER_DATA_OPERATION_REQUEST_MESSAGE,
            peerDataOperationRequestMessage=PeerDataOperationRequestMessage(
                peerDataOperationRequestType=PeerDataOperationRequestType.HISTORY_SYNC_ON_DEMAND,
                historySyncOnDemandRequest=request,
            ),
        )
    )


def _package_dir() -> Path:
    # find_spec locates the package without running neonize/__init__.py, which would load
    # (or download) the library.
    spec = importlib.util.find_spec("neonize")
    if spec is None or not spec.submodule_search_locations:
        raise LibraryError("neonize is not installed (pip install 'balcao[waweb]')")
    return Path(next(iter(spec.submodule_search_locations)))


def library_path() -> Path:
    """The Go library neonize loads, named as ``neonize.utils.platform.generated_name``
    names it on Linux."""
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(machine, machine)
    return _package_dir() / f"neonize-{platform.system().lower()}-{arch}.so"


def expected_library_version() -> str:
    """The version neonize's loader demands of the library (``__GONEONIZE_VERSION__`` in
    ``neonize/download.py``), read without importing neonize."""
    source = (_package_dir() / "download.py").read_text()
    for node in ast.parse(source).body:
        if (
            isinstance(node, ast.Assign)
            and any(
                isinstance(t, ast.Name) and t.id == "__GONEONIZE_VERSION__" for t in node.targets
            )
            and isinstance(node.value, ast.Constant)
        ):
            return str(node.value.value)
    raise LibraryError("neonize/download.py names no __GONEONIZE_VERSION__")


def check_library() -> str:
    """The bundled library's version, after checking it is the one neonize demands and the
    one Balcão pins; raises LibraryError otherwise.

    ``neonize/_binder.py`` runs on import: without the file it downloads it at once, and
    when ``GetVersion()`` differs from ``__GONEONIZE_VERSION__`` it downloads a
    replacement from GitHub up to three times. This check passing means neither happens.
    neonize offers no switch to turn the download off (its only environment variable,
    SPHINX, skips loading the library altogether)."""
    path = library_path()
    if not path.is_file():
        raise LibraryError(f"{path} is missing, and neonize would download it")
    expected = expected_library_version()
    if expected != NEONIZE_VERSION:
        raise LibraryError(f"neonize {expected} is installed; Balcão pins {NEONIZE_VERSION}")
    try:
        library = ctypes.CDLL(str(path))
    except OSError as exc:
        raise LibraryError(f"{path} does not load: {exc}") from exc
    library.GetVersion.restype = ctypes.c_char_p
    found = str(library.GetVersion().decode())
    if found != expected:
        raise LibraryError(f"{path} is version {found}, neonize expects {expected}")
    return found


def load_neonize() -> ModuleType:
    """``neonize.aioze.client``, imported only after ``check_library``."""
    check_library()
    with _popen_that_closes():
        return importlib.import_module("neonize.aioze.client")


@contextlib.contextmanager
def _popen_that_closes() -> Iterator[None]:
    """``os.popen`` for reading that waits for its command and closes its pipe.

    neonize's import calls ``os.popen("uname -a").read()`` twice
    (``neonize/utils/platform.py``) and never closes the pipe: the command is left
    unreaped, and the next subprocess started anywhere in the process frees it with two
    ResourceWarnings, which fail a test run with -W error."""
    original = os.popen

    def popen(cmd: str, mode: str = "r", buffering: int = -1) -> Any:
        if mode != "r":
            return original(cmd, mode, buffering)
        with original(cmd, mode, buffering) as pipe:
            return io.StringIO(pipe.read())

    os.popen = popen
    try:
        yield
    finally:
        os.popen = original


def session_path(session_dir: Path) -> Path:
    return session_dir / SESSION_FILE


def new_client(session_dir: Path, uuid: str, device_name: str = DEVICE_NAME) -> NewAClient:
    """A neonize client, not connected, whose session lives in ``session_dir``.

    The folder is made 0700 and the session file 0600 before neonize opens it: whatsmeow's
    SQLite creates the file with 0666 less the umask (0644 here) and keeps the mode of a
    file that exists; the rollback journal it writes beside it takes the file's mode.
    neonize passes the client's ``name`` to whatsmeow as ``file:<name>?_foreign_keys=on``,
    so the name is the file's path. ``uuid`` keys the session on the Go side."""
    path = session_path(session_dir).absolute()
    if any(ch in str(path) for ch in "?#%"):
        raise ValueError(f"{path}: neonize puts the path in a URI; ?, # and % would break it")
    module = load_neonize()
    from neonize.proto.waCompanionReg.WAWebProtobufsCompanionReg_pb2 import DeviceProps

    session_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    session_dir.chmod(0o700)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    path.chmod(0o600)
    props = DeviceProps(os=device_name, platformType=DeviceProps.SAFARI)
    client: NewAClient = module.NewAClient(str(path), props=props, uuid=uuid)
    return client


def bind_event_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Deliver neonize's events to ``loop``. neonize keeps one loop per process
    (``neonize.aioze.events.event_global_loop``), and its ``set_event_loop`` keeps the first
    one it is given, even once that loop is closed."""
    from neonize.aioze import events

    events.event_global_loop = loop


class NeonizeGateway:
    """The gateway over a neonize async client (``new_client``)."""

    chooses_message_id: ClassVar[bool] = False
    requests_history: ClassVar[bool] = False

    def __init__(self, client: NewAClient) -> None:
        self.client = client
        self._session: asyncio.Future[Any] | None = None

    def _require_session(self) -> None:
        # Without a session the Go side has no client for this uuid: most calls then
        # answer "client is nil", but GetMe and GetPNFromLID dereference it and abort
        # the whole process (observed with neonize 0.5.2).
        if self._session is None:
            raise NotConnectedError("connect() first")

    async def _require_connected(self) -> None:
        self._require_session()
        # IsConnected is the one probe Go answers safely whether or not the client exists.
        if not await self.client.is_connected:
            raise NotConnectedError("WhatsApp is not connected")

    async def connect(self) -> None:
        if self._session is not None and not self._session.done():
            return
        bind_event_loop(asyncio.get_running_loop())
        self._session = await self.client.connect()

    async def disconnect(self) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        # Stop disconnects, drops the Go client and ends the thread that runs the session.
        await self.client.stop()
        done, _ = await asyncio.wait({session}, timeout=STOP_SECONDS)
        if not done:
            log.warning("neonize's session did not end within %.0f s", STOP_SECONDS)
        elif not session.cancelled() and (error := session.exception()) is not None:
            log.warning("neonize's session ended with %s", error)

    async def logout(self) -> None:
        self._require_session()
        await _call(self.client.logout())

    async def pair_phone(self, phone: str) -> str:
        self._require_session()
        digits = "".join(ch for ch in phone if ch.isdigit())
        return str(await _call(self.client.PairPhone(digits, True)))

    async def send(self, to: str, message: Message, message_id: str | None = None) -> Sent:
        if message_id is not None:
            raise UnsupportedError(f"neonize {NEONIZE_VERSION} cannot choose a message id")
        self._require_session()
        try:
            response = await _call(self.client.send_message(parse_jid(to), message))
        except GatewayError as exc:
            if any(text in str(exc) for text in _NOT_CONNECTED):
                raise NotConnectedError(str(exc)) from exc
            raise
        return Sent(id=response.ID, at=response.Timestamp)

    async def upload(self, data: bytes, kind: MediaKind) -> Uploaded:
        from neonize.utils.enum import MediaType

        self._require_session()
        r = await _call(self.client.upload(data, MediaType[_MEDIA_TYPE[kind]]))
        return Uploaded(
            url=r.url,
            direct_path=r.DirectPath,
            media_key=r.MediaKey,
            file_enc_sha256=r.FileEncSHA256,
            file_sha256=r.FileSHA256,
            file_length=r.FileLength,
        )

    async def download(self, message: Message) -> bytes:
        self._require_session()
        try:
            return bytes(await _call(self.client.download_any(message)))
        except GatewayError as exc:
            if any(text in str(exc) for text in _GONE):
                raise MediaGoneError(str(exc)) from exc
            raise

    async def download_url(self, url: str, limit: int) -> bytes:
        """Over HTTPS from WhatsApp's own hosts only: the URL comes from WhatsApp, and a
        profile photo needs no neonize call (it is not encrypted)."""
        import httpx

        parts = httpx.URL(url)
        if parts.scheme != "https" or not parts.host.endswith(_WHATSAPP_HOST):
            raise GatewayError(f"not a WhatsApp URL: {parts.host}")
        try:
            async with (
                httpx.AsyncClient(timeout=URL_SECONDS) as http,
                http.stream("GET", url) as response,
            ):
                if response.status_code != 200:
                    raise GatewayError(f"status code {response.status_code}")
                data = bytearray()
                async for chunk in response.aiter_bytes():
                    data += chunk
                    if len(data) > limit:
                        raise GatewayError(f"larger than {limit} bytes")
                return bytes(data)
        except httpx.HTTPError as exc:
            raise GatewayError(str(exc)) from exc

    async def mark_read(
        self, chat: str, ids: Sequence[str], sender: str | None = None, at: int | None = None
    ) -> None:
        from neonize.utils.enum import ReceiptType

        self._require_session()
        # whatsmeow sends the sender as the receipt's participant only in groups; an empty
        # JID says "none".
        await _call(
            self.client.mark_read(
                *ids,
                chat=parse_jid(chat),
                sender=parse_jid(sender or ""),
                receipt=ReceiptType.READ,
                timestamp=at,
            )
        )

    async def profile_picture(self, jid: str, preview: bool = False) -> Picture | None:
        from neonize.proto.Neonize_pb2 import GetProfilePictureParams

        self._require_session()
        try:
            info = await _call(
                self.client.get_profile_picture(
                    parse_jid(jid), GetProfilePictureParams(Preview=preview)
                )
            )
        except GatewayError as exc:
            if any(text in str(exc) for text in _NO_PICTURE):
                return None
            raise
        if not info.URL:
            return None
        return Picture(id=info.ID, url=info.URL, direct_path=info.DirectPath)

    async def request_history(
        self, chat: str, oldest_id: str, oldest_from_me: bool, oldest_at: int, count: int
    ) -> Sent:
        raise UnsupportedError(f"neonize {NEONIZE_VERSION} cannot send a peer message")

    async def group_info(self, jid: str) -> Group:
        self._require_session()
        info = await _call(self.client.get_group_info(parse_jid(jid)))
        return Group(
            jid=jid_text(info.JID),
            subject=info.GroupName.Name,
            participants=tuple(
                Participant(
                    jid=jid_text(p.JID),
                    phone=jid_text(p.PhoneNumber),
                    lid=jid_text(p.LID),
                    name=p.DisplayName,
                    admin=p.IsAdmin or p.IsSuperAdmin,
                )
                for p in info.Participants
            ),
        )

    async def me(self) -> Me:
        await self._require_connected()
        device = await self.client.get_me()
        return Me(
            jid=jid_text(device.JID),
            lid=jid_text(device.LID),
            push_name=device.PushName,
            platform=device.Platform,
        )

    async def phone_for_lid(self, lid: str) -> str | None:
        await self._require_connected()
        return jid_text(await _call(self.client.get_pn_from_lid(parse_jid(lid)))) or None


async def _call(call: Any) -> Any:
    """Await a neonize call, its errors as GatewayError."""
    from neonize.exc import NeonizeError

    try:
        return await call
    except NeonizeError as exc:
        raise GatewayError(str(exc)) from exc
