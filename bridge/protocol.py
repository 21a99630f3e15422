"""The narrow interface between the bridge runner and a phone driver.

A driver speaks to one phone (simulated, WhatsApp Web through neonize, an
Android phone over ADB). It does not retry and does not journal: the runner
owns connection states, retries and the journal. Drivers raise
``DeviceUnavailableError`` for what a retry may fix and ``DeviceSetupError``
for what needs a person (pairing lost, phone logged out).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar, Protocol, runtime_checkable


class DriverState(StrEnum):
    DISCONNECTED = "disconnected"
    CONNECTING = "connecting"
    PAIRING = "pairing"
    READY = "ready"
    RETRYING = "retrying"
    NEEDS_ATTENTION = "needs_attention"


class DriverError(Exception):
    """A driver failed."""


class DeviceUnavailableError(DriverError):
    """The phone cannot be reached now (no signal, link down); the runner retries."""


class DeviceSetupError(DriverError):
    """The phone needs a person (pairing lost, logged out); the runner stops and reports."""


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


@runtime_checkable
class PhoneDriver(Protocol):
    name: ClassVar[str]

    async def connect(self) -> DeviceInfo:
        """Open the session; raises DeviceUnavailableError or DeviceSetupError."""
        ...

    def events(self) -> AsyncIterator[InboundEvent]:
        """Events in the order the phone saw them, until close()."""
        ...

    async def send(self, msg: OutboundMessage) -> SentReceipt:
        """Hand one message to the phone. Sending a wa_id the phone already has is a no-op
        that returns the first receipt (WhatsApp does not deliver a second copy)."""
        ...

    async def fetch_history(self, chat: str, before: int | None, limit: int) -> list[MessageEvent]:
        """Messages of ``chat`` older than ``before`` (epoch ms; None: the most recent)."""
        ...

    async def fetch_profile_photo(self, chat: str) -> bytes | None: ...

    async def recheck_receipts(self, chat: str, wa_ids: list[str]) -> list[ReceiptEvent]:
        """The current receipt state of our messages, as the phone knows it."""
        ...

    async def status(self) -> PhoneStatus: ...

    async def close(self) -> None: ...
