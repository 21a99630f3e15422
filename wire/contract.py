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
- ``GET  /bridge/v1/files/{sha256}``  the bytes of a file an outbound message of this
  device names (``OutboundItem.media``): the box sends files to the phone this way.

Version 2 added the driver's capabilities, its pairing payload and the states logged out,
replaced and banned to ``DeviceState``, and media to ``OutboundItem``.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any, Literal, TypeVar, cast, get_args

import msgspec
from msgspec import UNSET, Meta, UnsetType

CONTRACT_VERSION = 2
MAX_FRAME_BYTES = 4 * 1024 * 1024
# Events per frame; a journal larger than this goes in several frames.
MAX_EVENTS_PER_FRAME = 500
# A set-aside event's JSON as reported to the admin: the rest of a longer one stays in the
# bridge's journal.
MAX_SET_ASIDE_EVENT_CHARS = 200_000
# A media file on the link (WhatsApp's own limit for a document).
MAX_FILE_BYTES = 100 * 1024 * 1024
# A profile photo (WhatsApp's are 640×640 JPEGs of about 100 KB).
MAX_PHOTO_BYTES = 2 * 1024 * 1024
# A message's text and a caption, as WhatsApp allows.
MAX_TEXT_CHARS = 65_536
# The free-form maps (a message's ``extra``, a command's ``result``): their JSON
# and their depth. A contact card with a dozen numbers is under 4 KB.
MAX_MAP_BYTES = 64 * 1024
MAX_MAP_DEPTH = 8

# Every field has a size. Ids (WhatsApp ids, JIDs, client ids) are printable ASCII-ish
# runs without spaces; texts may hold any character but NUL and the other C0 controls
# (tab, line feeds kept), which no WhatsApp text carries and SQLite's C strings stop at.
_ID = r"^[^\x00-\x20\x7f]+$"
_TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
Id = Annotated[str, Meta(min_length=1, max_length=128, pattern=_ID)]
Text = Annotated[str, Meta(max_length=MAX_TEXT_CHARS, pattern=_TEXT)]
Name = Annotated[str, Meta(max_length=256, pattern=_TEXT)]
Detail = Annotated[str, Meta(max_length=2000, pattern=_TEXT)]
Kind = Annotated[str, Meta(max_length=32, pattern=r"^[a-z_]*$")]
Sha256 = Annotated[str, Meta(pattern=r"^([0-9a-f]{64})?$")]
# SQLite's integers are signed 64-bit.
Int64 = Annotated[int, Meta(ge=0, le=2**63 - 1)]
Count = Annotated[int, Meta(ge=0, le=2**31 - 1)]
Phone = Annotated[str, Meta(max_length=32, pattern=r"^\+?[0-9]*$")]
Map = Annotated[dict[str, Any], Meta(max_length=64)]

WaStatus = Literal["sent", "delivered", "read"]
LinkState = Literal[
    "disconnected",
    "connecting",
    "pairing",
    "ready",
    "retrying",
    "needs_attention",
    "logged_out",  # WhatsApp unlinked this device: pair again
    "replaced",  # another session of this number took over
    "banned",  # temporarily banned; DeviceState.until says until when
]
# What a driver may do beyond receiving and sending text (bridge.protocol.Capability).
Capability = Literal[
    "history", "recheck", "photos", "phone_status", "pairing", "chosen_id", "send_media"
]
CAPABILITIES: tuple[str, ...] = get_args(Capability)


def capability(name: str) -> Capability:
    """``name`` as a Capability; ValueError for a name this contract does not list."""
    if name not in CAPABILITIES:
        raise ValueError(f"unknown capability {name!r}")
    return cast(Capability, name)


def _check_map(value: dict[str, Any], name: str) -> None:
    """A free-form map within ``MAX_MAP_DEPTH`` levels and ``MAX_MAP_BYTES`` of JSON;
    raises ValueError (a refused frame) otherwise."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_MAP_DEPTH:
            raise ValueError(f"{name} nested deeper than {MAX_MAP_DEPTH} levels")
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
        elif isinstance(item, int) and not -(2**63) <= item < 2**63:
            raise ValueError(f"{name} holds an integer beyond 64 bits")
        elif isinstance(item, str) and "\x00" in item:
            raise ValueError(f"{name} holds a NUL character")
    if len(msgspec.json.encode(value)) > MAX_MAP_BYTES:
        raise ValueError(f"{name} larger than {MAX_MAP_BYTES} bytes")


def wa_id_for_client(client_id: str) -> str:
    """The WhatsApp message id the shop's phone uses for the box's message ``client_id``.

    WhatsApp lets the sender choose the id, so deriving it makes a resend after a
    crash the same message: the phone and WhatsApp see one id, never a second copy.
    """
    digest = hashlib.sha256(client_id.encode()).hexdigest().upper()
    return "3EB0" + digest[:20]


class Media(msgspec.Struct, frozen=True, forbid_unknown_fields=False):
    """A message's attachment; ``sha256`` names its file (uploaded apart, see above)."""

    mimetype: Name
    filename: Name = ""
    size: Int64 = 0
    sha256: Sha256 = ""
    caption: Text = ""
    seconds: Count = 0
    extra: Map = msgspec.field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_map(self.extra, "media.extra")


class InboundMessage(msgspec.Struct, frozen=True, tag="message"):
    """A message the phone saw: from a customer, or sent from the phone itself."""

    seq: Int64
    wa_id: Id
    chat: Id
    from_me: bool
    sent_at: Int64
    kind: Kind = "text"
    body: Text = ""
    media: Media | None = None
    sender_name: Name = ""
    chat_lid: Id | None = None
    history: bool = False


class Receipt(msgspec.Struct, frozen=True, tag="receipt"):
    seq: Int64
    chat: Id
    wa_ids: Annotated[list[Id], Meta(max_length=1000)]
    status: WaStatus
    at: Int64


class Identity(msgspec.Struct, frozen=True, tag="identity"):
    """A LID and a phone-number JID are the same customer."""

    seq: Int64
    lid: Id
    jid: Id
    name: Name = ""


class Sent(msgspec.Struct, frozen=True, tag="sent"):
    """The phone accepted an outbound message (``pending``: it holds it in its own queue)."""

    seq: Int64
    client_id: Id
    wa_id: Id
    at: Int64
    pending: bool = False


class SendFailed(msgspec.Struct, frozen=True, tag="send_failed"):
    """The phone refused an outbound message for good (e.g. not a WhatsApp number)."""

    seq: Int64
    client_id: Id
    error: Detail


class CommandDone(msgspec.Struct, frozen=True, tag="command_done"):
    seq: Int64
    command_id: Int64
    ok: bool
    error: Detail = ""
    # e.g. {"messages": 37, "oldest": 1700000000000} for a history sync
    result: Map = msgspec.field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_map(self.result, "result")


class PhoneQueue(msgspec.Struct, frozen=True, tag="phone_queue"):
    seq: Int64
    pending: Count


class Photo(msgspec.Struct, frozen=True, tag="photo"):
    seq: Int64
    chat: Id
    data: Annotated[bytes, Meta(max_length=MAX_PHOTO_BYTES)] | None


class SetAside(msgspec.Struct, frozen=True, tag="set_aside"):
    """The bridge gave up on the event ``event_seq`` of its journal and went on without it:
    the web refused it for good (4xx), or failed on it (5xx) ``failures`` times. It stays in
    the journal's set-aside list; this report lets the admin see it."""

    seq: Int64
    event_seq: Int64
    kind: Kind
    reason: Detail
    event: Annotated[str, Meta(max_length=MAX_SET_ASIDE_EVENT_CHARS)]  # the event as JSON
    failures: Count = 0
    at: Int64 = 0


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
    events: Annotated[list[Event], Meta(max_length=MAX_EVENTS_PER_FRAME)]


class EventAck(msgspec.Struct, frozen=True):
    """Every event up to and including ``upto`` (journal seq) is stored."""

    version: int
    upto: Int64


class OutboundItem(msgspec.Struct, frozen=True):
    outbox_id: Int64
    client_id: Id
    wa_id: Id
    chat: Id
    kind: Kind = "text"
    body: Text = ""
    # The file to send (fetched with GET /bridge/v1/files/{media.sha256}); None for text.
    media: Media | None = None


class SyncArgs(msgspec.Struct, frozen=True):
    """The chat's messages older than ``before`` (epoch ms; absent or null: the most recent),
    at most ``limit``."""

    chat: Id
    older: bool
    limit: Count
    before: Int64 | UnsetType | None = UNSET


class RecheckArgs(msgspec.Struct, frozen=True):
    """The receipts of our messages ``wa_ids`` in the chat, as the phone knows them now."""

    chat: Id
    wa_ids: Annotated[list[Id], Meta(max_length=1000)]


class PhotoArgs(msgspec.Struct, frozen=True):
    """The chat's profile photo."""

    chat: Id


# Work for the phone asked by the job worker, one struct per kind. On the wire each is
# {"kind": ..., "id": ..., "args": {...}}; a kind this version does not list refuses the
# whole Work frame, so a new kind comes with a new CONTRACT_VERSION.
class SyncCommand(msgspec.Struct, frozen=True, tag_field="kind", tag="sync"):
    id: Int64
    args: SyncArgs


class RecheckCommand(msgspec.Struct, frozen=True, tag_field="kind", tag="recheck"):
    id: Int64
    args: RecheckArgs


class PhotoCommand(msgspec.Struct, frozen=True, tag_field="kind", tag="photo"):
    id: Int64
    args: PhotoArgs


Command = SyncCommand | RecheckCommand | PhotoCommand


def command_kind(command: Command) -> str:
    """The ``kind`` a command carries on the wire ("sync", "recheck", "photo")."""
    return str(command.__struct_config__.tag)


class Work(msgspec.Struct, frozen=True):
    version: int
    outbound: Annotated[list[OutboundItem], Meta(max_length=1000)] = msgspec.field(
        default_factory=list
    )
    commands: Annotated[list[Command], Meta(max_length=1000)] = msgspec.field(default_factory=list)


class Pairing(msgspec.Struct, frozen=True):
    """What the person pairing the phone needs now: the QR code's payload (rendered by the
    web), or the code to type on the phone; until ``expires_at`` (epoch ms)."""

    qr: Annotated[str, Meta(max_length=1024, pattern=_TEXT)] = ""
    code: Annotated[str, Meta(max_length=16, pattern=r"^[0-9A-Z-]*$")] = ""
    expires_at: Int64 = 0


class DeviceState(msgspec.Struct, frozen=True):
    version: int
    state: LinkState
    detail: Detail = ""
    phone: Phone | None = None
    phone_queue: Count = 0
    at: Int64 = 0
    driver: Kind = ""
    capabilities: Annotated[list[Capability], Meta(max_length=16)] = msgspec.field(
        default_factory=list
    )
    # While state is "pairing".
    pairing: Pairing | None = None
    # While state is "banned": the end of the ban (epoch ms), when WhatsApp said it.
    until: Int64 | None = None


class Ok(msgspec.Struct, frozen=True):
    version: int


class LinkError(msgspec.Struct, frozen=True):
    """What the web answers to a refused frame."""

    code: Annotated[str, Meta(max_length=200)]
    message: Annotated[str, Meta(max_length=10_000)]


class FrameError(ValueError):
    """A frame that is not valid under this contract; ``code`` says which way."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


_Frame = TypeVar("_Frame", bound=msgspec.Struct)


def decode_frame(data: bytes, kind: type[_Frame]) -> _Frame:
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
