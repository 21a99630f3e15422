"""The narrow interface between the bridge runner and a phone driver.

A driver speaks to one phone (simulated, WhatsApp Web through neonize, an
Android phone over ADB). It does not retry and does not journal: the runner
owns connection states, retries and the journal. Drivers raise
``DeviceUnavailableError`` for what a retry may fix and ``DeviceSetupError``
(or one of its kinds: logged out, replaced, banned) for what needs a person.

Beyond receiving and sending text, each driver declares its ``capabilities``; the
runner, the web's jobs and its screens offer only those, and a method of a capability
the driver lacks raises ``NotSupportedError``. A driver that pairs as a linked device
hands the QR payload or the pair code to ``connect``'s ``pairing`` callback while it
waits for the person at the phone.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar, Protocol, runtime_checkable

from wire.contract import CAPABILITIES


class DriverState(StrEnum):
    DISCONNECTED = "disconnected"
    CONNECTING = "connecting"
    PAIRING = "pairing"
    READY = "ready"
    RETRYING = "retrying"
    NEEDS_ATTENTION = "needs_attention"
    LOGGED_OUT = "logged_out"
    REPLACED = "replaced"
    BANNED = "banned"


class Capability(StrEnum):
    """What a driver can do beyond receiving and sending text."""

    HISTORY = "history"  # fetch_history: a chat's older messages on demand
    RECHECK = "recheck"  # recheck_receipts
    PHOTOS = "photos"  # fetch_profile_photo
    PHONE_STATUS = "phone_status"  # status(): the phone's own queue, battery, signal
    PAIRING = "pairing"  # pairs as a linked device (QR code or pair code) in connect()
    CHOSEN_ID = "chosen_id"  # sends with the wa_id the box derived from its client id
    SEND_MEDIA = "send_media"  # sends images, audio, voice notes, video, documents, stickers


if {c.value for c in Capability} != set(CAPABILITIES):
    raise RuntimeError("bridge.protocol.Capability and wire.contract.Capability differ")


class DriverError(Exception):
    """A driver failed."""


class NotSupportedError(DriverError):
    """The driver lacks the capability this call needs."""


class DeviceUnavailableError(DriverError):
    """The phone cannot be reached now (no signal, link down); the runner retries."""


class DeviceSetupError(DriverError):
    """The phone needs a person (pairing lost, logged out); the runner stops and reports."""

    state: ClassVar[str] = "needs_attention"


class LoggedOutError(DeviceSetupError):
    """WhatsApp unlinked this device (from the phone, or after a long time offline): the
    session is gone and the phone must be paired again."""

    state = "logged_out"


class ReplacedError(DeviceSetupError):
    """Another session of the same device took over the connection."""

    state = "replaced"


class BannedError(DeviceSetupError):
    """WhatsApp banned the number for a while; ``until`` is the end (epoch ms) if known."""

    state = "banned"

    def __init__(self, message: str, until: int | None = None) -> None:
        super().__init__(message)
        self.until = until


class MessageKind(StrEnum):
    TEXT = "text"
    IMAGE = "image"
    AUDIO = "audio"
    VOICE = "voice"
    VIDEO = "video"
    DOCUMENT = "document"
    LOCATION = "location"
    CONTACT = "contact"
    STICKER = "sticker"


class ReceiptStatus(StrEnum):
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"


@dataclass(frozen=True)
class DeviceInfo:
    """What the phone says about itself once connected."""

    phone: str | None  # E.164 of the server phone
    name: str
    platform: str = ""


@dataclass(frozen=True)
class Media:
    """A media attachment. ``data`` is filled for downloads; ``sha256`` names the stored file."""

    mimetype: str
    filename: str = ""
    size: int = 0
    sha256: str = ""
    caption: str = ""
    seconds: int = 0
    data: bytes | None = None
    # location: {"lat", "lng", "name"}; contact: {"name", "phones": [...]}
    extra: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class MessageEvent:
    """A message the phone saw: from a customer, or sent from the phone itself."""

    wa_id: str  # WhatsApp message id
    chat: str  # chat JID: "5511…@s.whatsapp.net", "…@lid", "…@broadcast"
    from_me: bool
    sent_at: int  # epoch ms, by the phone's clock
    kind: MessageKind = MessageKind.TEXT
    body: str = ""
    media: Media | None = None
    sender_name: str = ""  # the customer's WhatsApp name (push name)
    chat_lid: str | None = None  # the chat's LID, when the phone knows it
    history: bool = False  # from a history sync, not live


@dataclass(frozen=True)
class ReceiptEvent:
    """The customer's phone got (delivered) or opened (read) our messages."""

    chat: str
    wa_ids: tuple[str, ...]
    status: ReceiptStatus
    at: int  # epoch ms


@dataclass(frozen=True)
class IdentityEvent:
    """The phone learnt that a LID and a phone-number JID are the same customer."""

    lid: str
    jid: str
    name: str = ""


@dataclass(frozen=True)
class PhoneQueueEvent:
    """How many messages wait in the phone's own queue (e.g. without signal)."""

    pending: int


InboundEvent = MessageEvent | ReceiptEvent | IdentityEvent | PhoneQueueEvent


@dataclass(frozen=True)
class OutboundMessage:
    client_id: str  # the box's UUID for the message
    wa_id: str  # chosen by the sender, derived from client_id: a resend is the same message
    chat: str
    kind: MessageKind = MessageKind.TEXT
    body: str = ""
    media: Media | None = None


@dataclass(frozen=True)
class SentReceipt:
    wa_id: str
    at: int  # epoch ms the phone accepted it
    # True when the phone holds it in its own queue (no signal): a ReceiptEvent(SENT)
    # follows when it really leaves the phone.
    pending: bool = False


@dataclass(frozen=True)
class PhoneStatus:
    pending: int = 0  # the phone's own queue
    battery: int | None = None  # percent
    charging: bool | None = None
    signal: int | None = None  # 0–4 bars
    online: bool = True


@dataclass(frozen=True)
class Pairing:
    """What the person pairing the phone needs now: a QR payload to show (WhatsApp ›
    Aparelhos conectados › Conectar um aparelho), or a code to type on the phone."""

    qr: str = ""
    code: str = ""
    expires_at: int = 0  # epoch ms; WhatsApp rotates QR codes every 20 s or so


PairingSink = Callable[[Pairing], None]


@runtime_checkable
class PhoneDriver(Protocol):
    name: ClassVar[str]
    capabilities: frozenset[Capability]

    async def connect(self, pairing: PairingSink | None = None) -> DeviceInfo:
        """Open the session; raises DeviceUnavailableError or DeviceSetupError. A driver
        with PAIRING and no session calls ``pairing`` with each QR payload or pair code
        and returns once the phone is paired and connected."""
        ...

    def events(self) -> AsyncIterator[InboundEvent]:
        """Events in the order the phone saw them, until close()."""
        ...

    async def send(self, msg: OutboundMessage) -> SentReceipt:
        """Hand one message to the phone. Sending a wa_id the phone already has is a no-op
        that returns the first receipt (WhatsApp does not deliver a second copy). Media
        (``msg.media.data`` holds the file) needs SEND_MEDIA; without CHOSEN_ID the phone
        picks the id, which the receipt carries."""
        ...

    async def fetch_history(self, chat: str, before: int | None, limit: int) -> list[MessageEvent]:
        """HISTORY: messages of ``chat`` older than ``before`` (epoch ms; None: the most
        recent)."""
        ...

    async def fetch_profile_photo(self, chat: str) -> bytes | None:
        """PHOTOS: the chat's profile photo (JPEG), None when it has none."""
        ...

    async def recheck_receipts(self, chat: str, wa_ids: list[str]) -> list[ReceiptEvent]:
        """RECHECK: the current receipt state of our messages, as the phone knows it."""
        ...

    async def status(self) -> PhoneStatus:
        """PHONE_STATUS: the phone's queue, battery and signal."""
        ...

    async def close(self) -> None: ...
