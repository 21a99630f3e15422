"""neonize's events built as whatsmeow delivers them, and ``dispatch`` to feed them through
neonize's real event path.

The Go side of neonize 0.5.2 serializes each whatsmeow event into a protobuf of
``neonize/proto/Neonize_pb2`` and calls, through ctypes, the ``Event.execute`` that
``connect()`` registered, with the event's code from ``neonize.events.EVENT_TO_INT``;
``execute`` parses the bytes and schedules the handler on neonize's event loop. QR codes
take another callback (the client's ``__onQr``), one code at a time as whatsmeow rotates
them. ``dispatch`` and ``dispatch_qr`` make the same ctypes calls on a client that never
connected.

A message event carries the message twice, as whatsmeow does (``events.Message.UnwrapRaw``):
``Raw`` as it came (a view-once, an edit or a copy sent from the phone is wrapped) and
``Message`` unwrapped, with the flags the wrappers set. Builders fill every field the
protobufs mark required, as the Go encoder does, so the events serialize whole.

Units, as neonize's Go encoder writes them: ``MessageInfo.Timestamp`` in milliseconds,
``Receipt.Timestamp`` in seconds, ``TemporaryBan.Expire`` in seconds from now;
``WebMessageInfo.messageTimestamp`` (history) in seconds, as WhatsApp sends it.

neonize 0.5.2 has no event for a LID ↔ phone-number mapping. Mappings arrive in
``MessageSource.SenderAlt``/``RecipientAlt`` of live messages and receipts, and in a history
chunk's ``phoneNumberToLidMappings`` and each conversation's ``lidJID``/``pnJID``; whatsmeow
stores them (``Gateway.phone_for_lid`` asks it).
"""

from __future__ import annotations

import asyncio
import ctypes
import hashlib
import itertools
from collections.abc import Iterable, Sequence
from typing import Any

from bridge.drivers.waweb.gateway import bind_event_loop, load_neonize, parse_jid

load_neonize()  # the library check, before anything imports neonize

from neonize._binder import func_callback_bytes, func_string  # noqa: E402
from neonize.events import EVENT_TO_INT  # noqa: E402
from neonize.proto import Neonize_pb2 as nz  # noqa: E402
from neonize.proto.waCommon.WACommon_pb2 import MessageKey  # noqa: E402
from neonize.proto.waE2E import WAWebProtobufsE2E_pb2 as e2e  # noqa: E402
from neonize.proto.waHistorySync import WAWebProtobufsHistorySync_pb2 as hs  # noqa: E402
from neonize.proto.waWeb.WAWebProtobufsWeb_pb2 import WebMessageInfo  # noqa: E402

# The event types, by the names neonize.aioze.events gives them.
MessageEv = nz.Message
ReceiptEv = nz.Receipt
HistorySyncEv = nz.HistorySync
ConnectedEv = nz.Connected
DisconnectedEv = nz.Disconnected
LoggedOutEv = nz.LoggedOut
StreamReplacedEv = nz.StreamReplaced
TemporaryBanEv = nz.TemporaryBan
PairStatusEv = nz.PairStatus
QREv = nz.QR

SHOP = "5521990001234@s.whatsapp.net"  # the shop's number, this linked device's account
SHOP_LID = "98765432109876@lid"
CUSTOMER = "5521987654321@s.whatsapp.net"
CUSTOMER_LID = "123456789012345@lid"
MEMBER = "5511912345678@s.whatsapp.net"  # a customer in the group
MEMBER_LID = "55555555555555@lid"
GROUP = "120363025246125486@g.us"
T0 = 1_764_000_000  # epoch seconds: 2025-11-24 16:00 UTC

# whatsmeow's types.EditAttribute values a message event's Info.Edit takes.
EDIT_MESSAGE = "1"
EDIT_SENDER_REVOKE = "7"

_ids = itertools.count(1)


def new_id() -> str:
    """A message id shaped as an Android phone makes them (32 hex digits)."""
    return f"3A{next(_ids):030X}"


def jid(text: str) -> nz.JID:
    return parse_jid(text)


# --- the message contents, as they travel (waE2E) -------------------------------------


def _media(data: bytes, path: str) -> dict[str, Any]:
    """The fields WhatsApp's media messages share; ``fileSHA256`` is the real hash of
    ``data``, so a fake download returning ``data`` matches it."""
    digest = hashlib.sha256(data).digest()
    return {
        "URL": f"https://mmg.whatsapp.net/v/{path}/{digest.hex()[:24]}.enc",
        "directPath": f"/v/{path}/{digest.hex()[:24]}.enc",
        "mediaKey": hashlib.sha256(b"key" + data).digest(),
        "fileSHA256": digest,
        "fileEncSHA256": hashlib.sha256(b"enc" + data).digest(),
        "fileLength": len(data),
        "mediaKeyTimestamp": T0,
    }


def text(body: str) -> e2e.Message:
    return e2e.Message(conversation=body)


def reply(body: str, quoted_id: str, quoted_sender: str, quoted: e2e.Message) -> e2e.Message:
    """A reply: the quoted message's id, author and content ride in contextInfo."""
    return e2e.Message(
        extendedTextMessage=e2e.ExtendedTextMessage(
            text=body,
            contextInfo=e2e.ContextInfo(
                stanzaID=quoted_id, participant=quoted_sender, quotedMessage=quoted
            ),
        )
    )


def image(
    data: bytes = b"\xff\xd8\xff\xe0 jpeg", caption: str = "", view_once: bool = False
) -> e2e.Message:
    return e2e.Message(
        imageMessage=e2e.ImageMessage(
            mimetype="image/jpeg",
            caption=caption,
            height=1280,
            width=960,
            JPEGThumbnail=b"\xff\xd8\xff\xe0 thumb",
            viewOnce=view_once,
            **_media(data, "t62.7118-24"),
        )
    )


def video(data: bytes = b"\x00\x00\x00\x18ftypmp42", caption: str = "") -> e2e.Message:
    return e2e.Message(
        videoMessage=e2e.VideoMessage(
            mimetype="video/mp4",
            caption=caption,
            seconds=12,
            height=640,
            width=360,
            **_media(data, "t62.7161-24"),
        )
    )


def audio(data: bytes = b"ID3\x04 mp3", seconds: int = 95) -> e2e.Message:
    return e2e.Message(
        audioMessage=e2e.AudioMessage(
            mimetype="audio/mpeg", seconds=seconds, PTT=False, **_media(data, "t62.7114-24")
        )
    )


def voice_note(data: bytes = b"OggS\x00 opus", seconds: int = 7) -> e2e.Message:
    """A voice note (PTT) as WhatsApp's phones record it: mono OGG/Opus with a waveform of
    64 levels."""
    return e2e.Message(
        audioMessage=e2e.AudioMessage(
            mimetype="audio/ogg; codecs=opus",
            seconds=seconds,
            PTT=True,
            waveform=bytes(range(0, 64)),
            **_media(data, "t62.7117-24"),
        )
    )


def document(
    data: bytes = b"%PDF-1.7 orcamento",
    file_name: str = "orcamento.pdf",
    mimetype: str = "application/pdf",
    caption: str = "",
) -> e2e.Message:
    """A document; with a caption WhatsApp wraps it in documentWithCaptionMessage."""
    message = e2e.Message(
        documentMessage=e2e.DocumentMessage(
            mimetype=mimetype,
            title=file_name,
            fileName=file_name,
            pageCount=1,
            caption=caption,
            **_media(data, "t62.7119-24"),
        )
    )
    if caption:
        return e2e.Message(documentWithCaptionMessage=e2e.FutureProofMessage(message=message))
    return message


def sticker(data: bytes = b"RIFF\x00\x00\x00\x00WEBP", animated: bool = False) -> e2e.Message:
    return e2e.Message(
        stickerMessage=e2e.StickerMessage(
            mimetype="image/webp",
            height=512,
            width=512,
            isAnimated=animated,
            **_media(data, "t62.15575-24"),
        )
    )


def location(
    lat: float = -22.8832, lng: float = -43.1034, name: str = "", address: str = ""
) -> e2e.Message:
    return e2e.Message(
        locationMessage=e2e.LocationMessage(
            degreesLatitude=lat, degreesLongitude=lng, name=name, address=address
        )
    )


def vcard(name: str, phone: str) -> str:
    """A contact card as WhatsApp writes it: ``waid`` is the number's digits."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return (
        "BEGIN:VCARD\nVERSION:3.0\n"
        f"N:;{name};;;\nFN:{name}\n"
        f"TEL;type=CELL;type=VOICE;waid={digits}:{phone}\n"
        "END:VCARD"
    )


def contact(name: str = "Joana Lima", phone: str = "+55 21 98888-7777") -> e2e.Message:
    return e2e.Message(
        contactMessage=e2e.ContactMessage(displayName=name, vcard=vcard(name, phone))
    )


def contacts(cards: Sequence[tuple[str, str]]) -> e2e.Message:
    """Several contact cards in one message; WhatsApp titles it "N contatos"."""
    return e2e.Message(
        contactsArrayMessage=e2e.ContactsArrayMessage(
            displayName=f"{len(cards)} contatos",
            contacts=[
                e2e.ContactMessage(displayName=name, vcard=vcard(name, phone))
                for name, phone in cards
            ],
        )
    )


def reaction(
    target_id: str, emoji: str, target_chat: str = SHOP, target_from_me: bool = False
) -> e2e.Message:
    """A reaction to a message (``emoji`` "" takes it back). The key names the target as
    the reactor's phone sees it: in the chat with the reactor's peer, ``fromMe`` when the
    reactor wrote it. The defaults are a customer reacting to the shop's message."""
    return e2e.Message(
        reactionMessage=e2e.ReactionMessage(
            key=MessageKey(remoteJID=target_chat, fromMe=target_from_me, ID=target_id),
            text=emoji,
            senderTimestampMS=T0 * 1000,
        )
    )


def edit(target_id: str, new: e2e.Message, target_chat: str = SHOP) -> e2e.Message:
    """An edit as the author's phone sends it: the author's own message (fromMe), in the
    chat as the author sees it (with the shop, for a customer's edit)."""
    return e2e.Message(
        editedMessage=e2e.FutureProofMessage(
            message=e2e.Message(
                protocolMessage=e2e.ProtocolMessage(
                    key=MessageKey(remoteJID=target_chat, fromMe=True, ID=target_id),
                    type=e2e.ProtocolMessage.MESSAGE_EDIT,
                    editedMessage=new,
                    timestampMS=(T0 + 60) * 1000,
                )
            )
        )
    )


def revoke(target_id: str, target_chat: str = SHOP) -> e2e.Message:
    """ "Apagar para todos" by the author."""
    return e2e.Message(
        protocolMessage=e2e.ProtocolMessage(
            key=MessageKey(remoteJID=target_chat, fromMe=True, ID=target_id),
            type=e2e.ProtocolMessage.REVOKE,
        )
    )


def view_once(content: e2e.Message) -> e2e.Message:
    """A view-once photo or video, in the wrapper phones use today (viewOnceMessageV2)."""
    return e2e.Message(viewOnceMessageV2=e2e.FutureProofMessage(message=content))


# --- events -----------------------------------------------------------------------------


def unwrap(raw: e2e.Message) -> tuple[e2e.Message, dict[str, bool], nz.DeviceSentMeta | None]:
    """The message, flags and device-sent meta whatsmeow derives from a raw message
    (``events.Message.UnwrapRaw``, the wrappers these builders use)."""
    message, flags, meta = raw, {}, None
    if message.deviceSentMessage.HasField("message"):
        dsm = message.deviceSentMessage
        meta = nz.DeviceSentMeta(DestinationJID=dsm.destinationJID, Phash=dsm.phash)
        message = dsm.message
    if message.viewOnceMessage.HasField("message"):
        message, flags["IsViewOnce"] = message.viewOnceMessage.message, True
    if message.viewOnceMessageV2.HasField("message"):
        message = message.viewOnceMessageV2.message
        flags["IsViewOnce"] = flags["IsViewOnceV2"] = True
    if message.documentWithCaptionMessage.HasField("message"):
        message = message.documentWithCaptionMessage.message
        flags["IsDocumentWithCaption"] = True
    if message.editedMessage.HasField("message"):
        message, flags["IsEdit"] = message.editedMessage.message, True
    return message, flags, meta


def _stanza_types(message: e2e.Message) -> tuple[str, str]:
    """The stanza's ``type`` and ``mediatype`` attributes WhatsApp sends with a message, which
    whatsmeow copies to MessageInfo.Type and MediaType."""
    for field, media in _MEDIA_TYPES.items():
        if message.HasField(field):
            if field == "audioMessage" and message.audioMessage.PTT:
                media = "ptt"
            return ("media", media)
    if message.HasField("reactionMessage"):
        return ("reaction", "")
    return ("text", "")


_MEDIA_TYPES = {
    "imageMessage": "image",
    "videoMessage": "video",
    "audioMessage": "audio",
    "documentMessage": "document",
    "stickerMessage": "sticker",
    "locationMessage": "location",
    "contactMessage": "vcard",
    "contactsArrayMessage": "contact_array",
}


def message_event(
    raw: e2e.Message,
    *,
    chat: str = CUSTOMER,
    sender: str | None = None,
    from_me: bool = False,
    push_name: str | None = None,
    wa_id: str | None = None,
    at: int = T0,
    sender_alt: str = "",
    recipient_alt: str = "",
    edit_attr: str = "",
) -> nz.Message:
    """A MessageEv. ``sender`` defaults to the chat (one-to-one) or to the shop (from me);
    a message from me written on the phone arrives wrapped in deviceSentMessage, as
    whatsmeow receives the phone's copy. ``sender_alt``/``recipient_alt`` carry the other
    identity (phone number for a LID, LID for a number) when WhatsApp sends it. The
    customer's push name defaults to "Maria Souza"."""
    if push_name is None:
        push_name = "" if from_me else "Maria Souza"
    if from_me:
        sender = sender or SHOP
        raw = e2e.Message(deviceSentMessage=e2e.DeviceSentMessage(destinationJID=chat, message=raw))
    sender = sender or chat
    group = chat.endswith("@g.us")
    lid_addressed = sender.endswith("@lid")
    message, flags, meta = unwrap(raw)
    stanza_type, media_type = _stanza_types(message)
    info = nz.MessageInfo(
        MessageSource=nz.MessageSource(
            Chat=jid(chat),
            Sender=jid(sender),
            IsFromMe=from_me,
            IsGroup=group,
            AddressingMode=nz.AddressingMode.LID if lid_addressed else nz.AddressingMode.PN,
            SenderAlt=jid(sender_alt),
            RecipientAlt=jid(recipient_alt),
            BroadcastListOwner=jid(""),
        ),
        ID=wa_id or new_id(),
        ServerID=0,
        Type=stanza_type,
        Pushname=push_name,
        Timestamp=at * 1000,
        Category="",
        Multicast=False,
        MediaType=media_type,
        Edit=edit_attr,
    )
    if meta is not None:
        info.DeviceSentMeta.CopyFrom(meta)
    return nz.Message(
        Info=info,
        Message=message,
        Raw=raw,
        IsEphemeral=False,
        IsViewOnce=flags.get("IsViewOnce", False),
        IsViewOnceV2=flags.get("IsViewOnceV2", False),
        IsViewOnceV2Extension=False,
        IsDocumentWithCaption=flags.get("IsDocumentWithCaption", False),
        IsLottieSticker=False,
        IsEdit=flags.get("IsEdit", False),
        UnavailableRequestID="",
        RetryCount=0,
    )


def receipt_event(
    ids: Sequence[str],
    kind: int,
    *,
    chat: str = CUSTOMER,
    sender: str | None = None,
    at: int = T0 + 5,
    sender_alt: str = "",
) -> nz.Receipt:
    """A ReceiptEv (``kind``: ReceiptEv.DELIVERED, READ, PLAYED, READ_SELF, …). READ_SELF
    and PLAYED_SELF come from the shop's own phone reading the chat, so their sender is the
    shop and IsFromMe is true; the others come from the customer."""
    own = kind in (nz.Receipt.READ_SELF, nz.Receipt.PLAYED_SELF)
    sender = sender or (SHOP if own else chat)
    return nz.Receipt(
        MessageSource=nz.MessageSource(
            Chat=jid(chat),
            Sender=jid(sender),
            IsFromMe=own,
            IsGroup=chat.endswith("@g.us"),
            AddressingMode=nz.AddressingMode.LID
            if sender.endswith("@lid")
            else nz.AddressingMode.PN,
            SenderAlt=jid(sender_alt),
            RecipientAlt=jid(""),
            BroadcastListOwner=jid(""),
        ),
        MessageIDs=list(ids),
        Timestamp=at,
        Type=kind,
    )


def history_message(
    content: e2e.Message,
    *,
    chat: str = CUSTOMER,
    wa_id: str | None = None,
    from_me: bool = False,
    at: int = T0 - 3600,
    participant: str = "",
    push_name: str = "",
    status: int = WebMessageInfo.READ,
    order: int = 1,
) -> hs.HistorySyncMsg:
    """One message of a history chunk; ``participant`` is the author in a group."""
    return hs.HistorySyncMsg(
        message=WebMessageInfo(
            key=MessageKey(
                remoteJID=chat, fromMe=from_me, ID=wa_id or new_id(), participant=participant
            ),
            message=content,
            messageTimestamp=at,
            pushName=push_name,
            status=status,
        ),
        msgOrderID=order,
    )


def conversation(
    chat: str,
    messages: Iterable[hs.HistorySyncMsg],
    *,
    name: str = "",
    unread: int = 0,
    pn: str = "",
    lid: str = "",
) -> hs.Conversation:
    """A chat of a history chunk, newest message first as WhatsApp sends them."""
    items = list(messages)
    return hs.Conversation(
        ID=chat,
        messages=items,
        name=name,
        unreadCount=unread,
        pnJID=pn,
        lidJID=lid,
        lastMsgTimestamp=max((m.message.messageTimestamp for m in items), default=0),
        conversationTimestamp=max((m.message.messageTimestamp for m in items), default=0),
    )


def group_history(name: str = "") -> hs.Conversation:
    """The group of the history samples: one message of a member, Carlos."""
    message = history_message(
        text("alguém da loja?"), chat=GROUP, wa_id="3A12", participant=MEMBER, push_name="Carlos"
    )
    return conversation(GROUP, [message], name=name)


def history_sync(
    conversations: Iterable[hs.Conversation],
    *,
    sync_type: int = hs.HistorySync.INITIAL_BOOTSTRAP,
    chunk: int = 1,
    progress: int = 50,
    push_names: Sequence[tuple[str, str]] = (),
    lid_mappings: Sequence[tuple[str, str]] = (),
) -> nz.HistorySync:
    """A HistorySyncEv: one chunk of history (``progress`` in percent of the whole),
    with the push names and the (phone number, LID) pairs it carries."""
    return nz.HistorySync(
        Data=hs.HistorySync(
            syncType=sync_type,
            conversations=list(conversations),
            chunkOrder=chunk,
            progress=progress,
            pushnames=[hs.Pushname(ID=who, pushname=name) for who, name in push_names],
            phoneNumberToLidMappings=[
                hs.PhoneNumberToLIDMapping(pnJID=pn, lidJID=lid) for pn, lid in lid_mappings
            ],
        )
    )


def connected() -> nz.Connected:
    return nz.Connected(status=True)


def disconnected() -> nz.Disconnected:
    return nz.Disconnected(status=True)


def logged_out(
    reason: int = nz.ConnectFailureReason.LOGGED_OUT, on_connect: bool = False
) -> nz.LoggedOut:
    """The phone unlinked this device (on_connect: WhatsApp refused the stored session)."""
    return nz.LoggedOut(OnConnect=on_connect, Reason=reason)


def stream_replaced() -> nz.StreamReplaced:
    """Another client took over this session."""
    return nz.StreamReplaced()


def temporary_ban(
    expire_seconds: int = 3600, code: int = nz.TemporaryBan.SEND_TO_TOO_MANY_PEOPLE
) -> nz.TemporaryBan:
    return nz.TemporaryBan(Code=code, Expire=expire_seconds)


def pair_success(account: str = SHOP, device: int = 12, platform: str = "android") -> nz.PairStatus:
    """The phone scanned the QR code (or took the pair code): this device's JID."""
    user, _, server = account.partition("@")
    return nz.PairStatus(
        ID=jid(f"{user}:{device}@{server}"),
        BusinessName="",
        Platform=platform,
        Status=nz.PairStatus.SUCCESS,
    )


def pair_error(message: str = "pair-device signature mismatch") -> nz.PairStatus:
    return nz.PairStatus(
        ID=jid(""), BusinessName="", Platform="", Status=nz.PairStatus.ERROR, Error=message
    )


def qr_codes(codes: Sequence[str]) -> nz.QR:
    """The QR event: every code whatsmeow will rotate through (whatsmeow's events.QR)."""
    return nz.QR(Codes=list(codes))


def qr_code(n: int = 1) -> str:
    """A QR payload shaped as WhatsApp's: ref, noise key, identity key, adv secret."""
    return f"2@ref{n:04d}Abc+/=,bm9pc2Vfa2V5X2Jhc2U2NA==,aWRlbnRpdHlfa2V5,YWR2X3NlY3JldA=="


# --- feeding them -----------------------------------------------------------------------


def dispatch(client: Any, event: Any) -> None:
    """Hand ``event`` to a neonize async client as its Go side does: serialized (partial,
    as proto2 required fields allow), through the ctypes callback type ``connect()``
    registers, to ``client.event.execute`` with the event's code. The handler then runs on
    the running loop."""
    bind_event_loop(asyncio.get_running_loop())
    data = event.SerializePartialToString()
    buffer = ctypes.create_string_buffer(data, len(data))
    callback = func_callback_bytes(client.event.execute)
    callback(client.uuid, ctypes.addressof(buffer), len(data), EVENT_TO_INT[type(event)])


def dispatch_qr(client: Any, code: str) -> None:
    """Hand one QR code to the client as the Go side does while it waits to be paired:
    a C string through the qr callback ``connect()`` registers."""
    bind_event_loop(asyncio.get_running_loop())
    buffer = ctypes.create_string_buffer(code.encode())
    callback = func_string(client._NewAClient__onQr)
    callback(None, ctypes.addressof(buffer))
