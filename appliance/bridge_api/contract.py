"""The wire contract between the bridge daemon and the web: plain, versioned structs.

This module imports msgspec and the standard library only: the bridge imports it
and nothing else from the appliance. Every frame carries ``version``; a frame of
another version, malformed or larger than ``MAX_FRAME_BYTES`` is refused whole.

Endpoints (a device token in ``Authorization: Bearer``):

- ``POST /bridge/v1/events``  EventBatch -> EventAck   inbound messages, receipts,
  identities, sent reports and command results, in journal order
- ``GET  /bridge/v1/outbox?after=N&wait=S``  -> Work   messages to hand to the phone
  and commands to run
- ``PUT  /bridge/v1/state``  DeviceState -> Ok
- ``PUT  /bridge/v1/files/{sha256}``  the raw bytes of a media file (``Content-Type``: its
  mimetype) -> Ok. The web checks the hash and keeps the file; the same file again is a
  no-op. The bridge uploads a message's file before the event that names it, so a stored
  message already has its file; a file that comes later is attached to it then.
"""

from __future__ import annotations

import hashlib
from typing import Literal

import msgspec

CONTRACT_VERSION = 1
MAX_FRAME_BYTES = 4 * 1024 * 1024
# Events per frame; a journal larger than this goes in several frames.
MAX_EVENTS_PER_FRAME = 500
# A set-aside event's JSON as reported to the admin: the rest of a longer one stays in the
# bridge's journal.
MAX_SET_ASIDE_EVENT_CHARS = 200_000
# A media file on the link (WhatsApp's own limit for a document).
MAX_FILE_BYTES = 100 * 1024 * 1024

WaStatus = Literal["sent", "delivered", "read"]
LinkState = Literal["disconnected", "connecting", "pairing", "ready", "retrying", "needs_attention"]


def wa_id_for_client(client_id: str) -> str:
    """The WhatsApp message id the shop's phone uses for the box's message ``client_id``.

    WhatsApp lets the sender choose the id, so deriving it makes a resend after a
    crash the same message: the phone and WhatsApp see one id, never a second copy.
    """
    digest = hashlib.sha256(client_id.encode()).hexdigest().upper()
    return "3EB0" + digest[:20]


class Media(msgspec.Struct, frozen=True, forbid_unknown_fields=False):
    """A message's attachment; ``sha256`` names its file (uploaded apart, see above)."""

    mimetype: str
    filename: str = ""
    size: int = 0
    sha256: str = ""
    caption: str = ""
    seconds: int = 0
    extra: dict[str, object] = msgspec.field(default_factory=dict)


class InboundMessage(msgspec.Struct, frozen=True, tag="message"):
    """A message the phone saw: from a customer, or sent from the phone itself."""

    seq: int
    wa_id: str
    chat: str
    from_me: bool
    sent_at: int
    kind: str = "text"
    body: str = ""
    media: Media | None = None
    sender_name: str = ""
    chat_lid: str | None = None
    history: bool = False


class Receipt(msgspec.Struct, frozen=True, tag="receipt"):
    seq: int
    chat: str
    wa_ids: list[str]
    status: WaStatus
    at: int


class Identity(msgspec.Struct, frozen=True, tag="identity"):
    """A LID and a phone-number JID are the same customer."""

    seq: int
    lid: str
    jid: str
    name: str = ""


class Sent(msgspec.Struct, frozen=True, tag="sent"):
    """The phone accepted an outbound message (``pending``: it holds it in its own queue)."""

    seq: int
    client_id: str
    wa_id: str
    at: int
    pending: bool = False


class SendFailed(msgspec.Struct, frozen=True, tag="send_failed"):
    """The phone refused an outbound message for good (e.g. not a WhatsApp number)."""

    seq: int
    client_id: str
    error: str


class CommandDone(msgspec.Struct, frozen=True, tag="command_done"):
    seq: int
    command_id: int
    ok: bool
    error: str = ""
    # e.g. {"messages": 37, "oldest": 1700000000000} for a history sync
    result: dict[str, object] = msgspec.field(default_factory=dict)


class PhoneQueue(msgspec.Struct, frozen=True, tag="phone_queue"):
    seq: int
    pending: int


class Photo(msgspec.Struct, frozen=True, tag="photo"):
    seq: int
    chat: str
    data: bytes | None


class SetAside(msgspec.Struct, frozen=True, tag="set_aside"):
    """The bridge gave up on the event ``event_seq`` of its journal and went on without it:
    the web refused it for good (4xx), or failed on it (5xx) ``failures`` times. It stays in
    the journal's set-aside list; this report lets the admin see it."""

    seq: int
    event_seq: int
    kind: str
    reason: str
    event: str  # the event as JSON
    failures: int = 0
    at: int = 0


Event = (
    InboundMessage
    | Receipt
    | Identity
    | Sent
    | SendFailed
    | CommandDone
    | PhoneQueue
    | Photo
    | SetAside
)


class EventBatch(msgspec.Struct, frozen=True):
    version: int
    events: list[Event]


class EventAck(msgspec.Struct, frozen=True):
    """Every event up to and including ``upto`` (journal seq) is stored."""

    version: int
    upto: int


class OutboundItem(msgspec.Struct, frozen=True):
    outbox_id: int
    client_id: str
    wa_id: str
    chat: str
    kind: str = "text"
    body: str = ""


class Command(msgspec.Struct, frozen=True):
    """Work for the phone asked by the job worker: ``sync`` ({"chat", "older", "before",
    "limit"}), ``recheck`` ({"chat", "wa_ids"}), ``photo`` ({"chat"})."""

    id: int
    kind: str
    args: dict[str, object] = msgspec.field(default_factory=dict)


class Work(msgspec.Struct, frozen=True):
    version: int
    outbound: list[OutboundItem] = msgspec.field(default_factory=list)
    commands: list[Command] = msgspec.field(default_factory=list)


class DeviceState(msgspec.Struct, frozen=True):
    version: int
    state: LinkState
    detail: str = ""
    phone: str | None = None
    phone_queue: int = 0
    at: int = 0


class Ok(msgspec.Struct, frozen=True):
    version: int


class LinkError(msgspec.Struct, frozen=True):
    """What the web answers to a refused frame."""

    code: str
    message: str


class FrameError(ValueError):
    """A frame that is not valid under this contract; ``code`` says which way."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def decode_frame(data: bytes, kind: type[msgspec.Struct]) -> msgspec.Struct:
    """Parse one frame or raise FrameError saying why: too large, not JSON, wrong version."""
    if len(data) > MAX_FRAME_BYTES:
        raise FrameError("frame_too_large", f"frame of {len(data)} bytes exceeds {MAX_FRAME_BYTES}")
    try:
        head = msgspec.json.decode(data, type=_Versioned)
    except msgspec.DecodeError as exc:
        raise FrameError("bad_frame", f"malformed frame: {exc}") from exc
    if head.version != CONTRACT_VERSION:
        raise FrameError(
            "wrong_version", f"contract version {head.version} is not {CONTRACT_VERSION}"
        )
    try:
        return msgspec.json.decode(data, type=kind)
    except msgspec.DecodeError as exc:
        raise FrameError("bad_frame", f"invalid {kind.__name__}: {exc}") from exc


def encode_frame(frame: msgspec.Struct) -> bytes:
    return msgspec.json.encode(frame)


class _Versioned(msgspec.Struct):
    version: int
