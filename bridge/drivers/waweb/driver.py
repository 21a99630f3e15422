"""The WhatsApp Web driver: the shop's number as a linked device, through neonize.

``WawebDriver`` implements ``bridge.protocol.PhoneDriver`` over a ``Gateway``
(``gateway.py``) for every call to WhatsApp, and over the neonize client's own event
dispatch for what WhatsApp tells it: the handlers are registered on the client before its
first ``connect()``, since neonize hands the Go side the list of events it wants only then.

What it declares, and why no more (neonize 0.5.2, ``gateway.py`` and
docs/decisions.md#neonize-offline-and-pinned):

- PAIRING: it links as a device, showing WhatsApp's QR codes (or a pair code).
- PHOTOS: profile photos by URL.
- SEND_MEDIA: files are uploaded, then sent as the waE2E message of their kind.
- not CHOSEN_ID: neonize's ``send_message`` lets whatsmeow pick the id, so the driver keeps
  client id → WhatsApp id itself (``Outbox``).
- not HISTORY: an on-demand history request is a peer message neonize cannot send; history
  arrives only as WhatsApp pushes it after pairing (HistorySync chunks, mapped to
  ``MessageEvent(history=True)``).
- not RECHECK: a linked device cannot ask for a message's receipts; they only arrive.
- not PHONE_STATUS: a linked device sees neither the phone's battery nor its queue.

Ordering: neonize schedules each event's handler as its own task, so a handler that awaits
before it records its event can be overtaken by the next one. Every handler therefore takes
its place in the stream (``_slot``) before its first await, and fills it once done (a media
download, the LID of a chat).
"""

from __future__ import annotations

import array
import asyncio
import contextlib
import hashlib
import io
import logging
import os
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar

from bridge import protocol as proto
from bridge.drivers.waweb.gateway import (
    Gateway,
    GatewayError,
    MediaKind,
    NotConnectedError,
    Uploaded,
    jid_text,
    load_neonize,
    session_path,
)
from bridge.drivers.waweb.options import WawebOptions
from bridge.protocol import DeviceUnavailableError, DriverError, MessageKind

load_neonize()  # the library check, before anything imports neonize

from neonize.proto import Neonize_pb2 as nz  # noqa: E402
from neonize.proto.waE2E import WAWebProtobufsE2E_pb2 as e2e  # noqa: E402

log = logging.getLogger(__name__)

# whatsmeow shows the first QR code for 60 s and each of the next five for 20 s (its
# qrIntervals), 160 s in all; then it closes the socket.
FIRST_QR_SECONDS = 60
NEXT_QR_SECONDS = 20
# Sent messages remembered for idempotency: the runner resends a message only while it is
# queued, within minutes or hours; a month covers a box left off for weeks.
OUTBOX_KEEP_DAYS = 30
OUTBOX_FILE = "sent.db"
# The voice note's waveform: WhatsApp's phones draw 64 bars, each 0–100.
WAVEFORM_BARS = 64
WAVEFORM_TOP = 100
VOICE_MIMETYPE = "audio/ogg; codecs=opus"
# Profile photos WhatsApp serves are 640×640 JPEGs of about 50 KB; 5 MB leaves room.
PHOTO_MAX_BYTES = 5 * 1024 * 1024

_USER_SERVER = "s.whatsapp.net"
_LID_SERVER = "lid"
# Not chats of the shop: WhatsApp's statuses (stories) and channels.
_NOT_CHATS = ("status@broadcast",)
_NOT_CHAT_SERVERS = ("newsletter",)


@dataclass(frozen=True)
class _End:
    """The end of one session's event stream: ``error`` to raise, None after close()."""

    generation: int
    error: DriverError | None = None


_Item = list[proto.InboundEvent] | _End


class WawebDriver:
    """One linked device. ``client`` is the neonize client whose events it handles (the
    gateway's own for ``NeonizeGateway``); ``folder`` holds the session and the outbox."""

    name: ClassVar[str] = "waweb"
    capabilities: frozenset[proto.Capability] = frozenset(
        {proto.Capability.PAIRING, proto.Capability.PHOTOS, proto.Capability.SEND_MEDIA}
    )

    def __init__(
        self,
        gateway: Gateway,
        client: Any,
        folder: Path,
        options: WawebOptions | None = None,
    ) -> None:
        self.gateway = gateway
        self.client = client
        self.folder = folder
        self.options = options or WawebOptions()
        self._registered = False
        self._generation = 0
        self._ready = False
        self._closed = True
        self._info: proto.DeviceInfo | None = None
        self._queue: asyncio.Queue[asyncio.Future[_Item]] = asyncio.Queue()
        # connect(): resolved by Connected, failed by what ends the session
        self._link: asyncio.Future[None] | None = None
        self._pairing: proto.PairingSink | None = None
        self._deadline = 0.0
        self._qr_seen = 0
        self._paired: nz.PairStatus | None = None
        self._pn_of: dict[str, str] = {}  # LID -> phone-number JID
        self._lid_of: dict[str, str] = {}
        self._outbox: Outbox | None = None

    # -- the session -----------------------------------------------------------------------

    async def connect(self, pairing: proto.PairingSink | None = None) -> proto.DeviceInfo:
        if self._ready and self._info is not None:
            return self._info
        loop = asyncio.get_running_loop()
        self._register()
        self._generation += 1
        self._closed = False
        self._pairing = pairing
        self._qr_seen = 0
        self._paired = None
        self._link = loop.create_future()
        self._deadline = loop.time() + self.options.connect_timeout
        if self._outbox is None:
            self._outbox = Outbox(self.folder / OUTBOX_FILE)
        try:
            await asyncio.wait_for(self.gateway.connect(), self.options.connect_timeout)
            await self._wait_for_link()
            self._info = await self._device_info()
        except BaseException:
            if not self._link.done():
                self._link.cancel()  # what WhatsApp says later goes nowhere
            await self._stop_session()
            raise
        self._ready = True
        return self._info

    async def _wait_for_link(self) -> None:
        link = self._link
        assert link is not None
        loop = asyncio.get_running_loop()
        # The deadline moves when the first QR code arrives: from then on a person has
        # qr_timeout seconds to scan it.
        while not link.done():
            remaining = self._deadline - loop.time()
            if remaining <= 0:
                waited = "o pareamento" if self._qr_seen else "o WhatsApp"
                raise DeviceUnavailableError(f"{waited} não respondeu a tempo")
            await asyncio.wait({link}, timeout=remaining)
        link.result()

    async def _device_info(self) -> proto.DeviceInfo:
        try:
            me = await self.gateway.me()
            account, name, platform = me.jid, me.push_name, me.platform
        except GatewayError as exc:
            log.warning("WhatsApp did not say which account this is: %s", exc)
            account, name, platform = "", "", ""
        if not account and self._paired is not None:
            account, platform = jid_text(self._paired.ID), self._paired.Platform
        user = account.partition("@")[0].partition(":")[0].partition(".")[0]
        phone = f"+{user}" if user.isdigit() else None
        return proto.DeviceInfo(
            phone=phone, name=name or phone or self.options.device_name, platform=platform
        )

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._ready = False
        self._info = None
        self._end(None)
        if self._link is not None and not self._link.done():
            self._link.cancel()
        await self._stop_session()

    async def _stop_session(self) -> None:
        self._ready = False
        try:
            await self.gateway.disconnect()
        except GatewayError as exc:
            log.warning("neonize did not disconnect cleanly: %s", exc)
        if self._closed and self._outbox is not None:
            self._outbox.close()
            self._outbox = None

    def _unpair(self) -> None:
        """Forget the session WhatsApp has unlinked: the next connect() shows a QR code. The
        empty file is made again 0600, as new_client does, so whatsmeow keeps that mode."""
        path = session_path(self.folder)
        for leftover in (path, path.with_name(path.name + "-journal")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
        if path.parent.is_dir():
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))

    # -- events --------------------------------------------------------------------------

    def events(self) -> AsyncIterator[proto.InboundEvent]:
        return self._events()

    async def _events(self) -> AsyncIterator[proto.InboundEvent]:
        while True:
            if self._closed and self._queue.empty():
                return
            slot = await self._queue.get()
            item = await slot
            if isinstance(item, _End):
                if item.generation != self._generation:
                    continue  # the end of an earlier session
                if item.error is not None:
                    raise item.error
                return
            for event in item:
                yield event

    def _slot(self) -> asyncio.Future[_Item]:
        """A place in the stream, taken in the order neonize delivered the events."""
        slot: asyncio.Future[_Item] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(slot)
        return slot

    def _end(self, error: DriverError | None) -> None:
        self._slot().set_result(_End(self._generation, error))

    def _fail(self, error: DriverError) -> None:
        """What ends the session: connect() raises it, or the event stream once ready."""
        if self._link is not None and not self._link.done():
            self._link.set_exception(error)
        elif self._ready:
            self._ready = False
            self._end(error)
        else:
            log.info("WhatsApp ended a session already over: %s", error)

    def _register(self) -> None:
        if self._registered:
            return
        self._registered = True
        on = self.client.event
        on(nz.Message)(self._on_message)
        on(nz.Receipt)(self._on_receipt)
        on(nz.HistorySync)(self._on_history)
        on(nz.Connected)(self._on_connected)
        on(nz.Disconnected)(self._on_disconnected)
        on(nz.LoggedOut)(self._on_logged_out)
        on(nz.StreamReplaced)(self._on_replaced)
        on(nz.TemporaryBan)(self._on_ban)
        on(nz.ConnectFailure)(self._on_connect_failure)
        on(nz.ClientOutdated)(self._on_outdated)
        on(nz.PairStatus)(self._on_pair_status)
        on.qr(self._on_qr)

    async def _on_qr(self, _client: Any, code: bytes) -> None:
        loop = asyncio.get_running_loop()
        first = self._qr_seen == 0
        self._qr_seen += 1
        if first:
            self._deadline = loop.time() + self.options.qr_timeout
        sink = self._pairing
        if sink is None:
            self._fail(
                proto.DeviceSetupError(
                    "este aparelho não está conectado ao WhatsApp: conecte-o pela tela de "
                    "aparelhos do Balcão"
                )
            )
            return
        lasts = FIRST_QR_SECONDS if first else NEXT_QR_SECONDS
        expires_at = int(time.time() * 1000) + lasts * 1000
        if self.options.pair_phone:
            # One code for the whole wait: whatsmeow keeps it while the QR codes rotate.
            if first:
                expires_at = int((time.time() + self.options.qr_timeout) * 1000)
                try:
                    code_text = await self.gateway.pair_phone(self.options.pair_phone)
                except GatewayError as exc:
                    self._fail(DeviceUnavailableError(f"o código de pareamento falhou: {exc}"))
                    return
                sink(proto.Pairing(code=code_text, expires_at=expires_at))
            return
        sink(proto.Pairing(qr=code.decode(), expires_at=expires_at))

    async def _on_pair_status(self, _client: Any, event: Any) -> None:
        if event.Status == nz.PairStatus.SUCCESS:
            self._paired = event
            log.info("paired as %s (%s)", jid_text(event.ID), event.Platform)
        else:
            self._fail(DeviceUnavailableError(f"o pareamento falhou: {event.Error}"))

    async def _on_connected(self, _client: Any, _event: Any) -> None:
        if self._link is not None and not self._link.done():
            self._link.set_result(None)

    async def _on_disconnected(self, _client: Any, _event: Any) -> None:
        if self._paired is not None and self._link is not None and not self._link.done():
            return  # after pairing whatsmeow reconnects once, then Connected follows
        self._fail(DeviceUnavailableError("a conexão com o WhatsApp caiu"))

    async def _on_logged_out(self, _client: Any, _event: Any) -> None:
        error = proto.LoggedOutError("o WhatsApp desconectou este aparelho: conecte-o de novo")
        link = self._link
        if link is not None and not link.done():
            await self._stop_session()
            self._unpair()
            if not link.done():
                link.set_exception(error)
            return
        if not self._ready:
            return
        self._ready = False
        slot = self._slot()
        try:
            await self._stop_session()
            self._unpair()
        finally:
            slot.set_result(_End(self._generation, error))

    async def _on_replaced(self, _client: Any, _event: Any) -> None:
        self._fail(proto.ReplacedError("outra sessão deste aparelho assumiu a conexão"))

    async def _on_ban(self, _client: Any, event: Any) -> None:
        until = int(time.time() * 1000) + int(event.Expire) * 1000
        self._fail(proto.BannedError("o WhatsApp suspendeu este número por um tempo", until=until))

    async def _on_connect_failure(self, _client: Any, event: Any) -> None:
        self._fail(DeviceUnavailableError(f"o WhatsApp recusou a conexão: {event.Message}"))

    async def _on_outdated(self, _client: Any, _event: Any) -> None:
        self._fail(
            proto.DeviceSetupError(
                "o WhatsApp não aceita mais a versão do WhatsApp Web do Balcão: atualize o Balcão"
            )
        )

    async def _on_message(self, _client: Any, event: Any) -> None:
        slot = self._slot()
        try:
            slot.set_result(await self._live_message(event))
        except Exception:
            log.exception("message %s could not be read", event.Info.ID)
            if not slot.done():
                slot.set_result([])

    async def _on_receipt(self, _client: Any, event: Any) -> None:
        slot = self._slot()
        slot.set_result(self._receipt(event))

    async def _on_history(self, _client: Any, event: Any) -> None:
        slot = self._slot()
        try:
            slot.set_result(await self._history(event.Data))
        except Exception:
            log.exception("a history chunk could not be read")
            if not slot.done():
                slot.set_result([])

    # -- mapping -------------------------------------------------------------------------

    def _learn(self, lid: str, pn: str, name: str, out: list[proto.InboundEvent]) -> None:
        """A LID and a phone number are the same person: an IdentityEvent the first time."""
        if not lid or not pn or self._pn_of.get(lid) == pn:
            return
        self._pn_of[lid] = pn
        self._lid_of[pn] = lid
        out.append(proto.IdentityEvent(lid=lid, jid=pn, name=name))

    async def _chat(
        self, chat: str, alt: str, name: str, out: list[proto.InboundEvent]
    ) -> tuple[str, str | None]:
        """The chat's JID as the box keys it (the phone number once known) and its LID."""
        server = chat.rpartition("@")[2]
        alt_server = alt.rpartition("@")[2]
        if server == _LID_SERVER:
            pn = alt if alt_server == _USER_SERVER else self._pn_of.get(chat, "")
            if not pn:
                with contextlib.suppress(GatewayError):
                    pn = await self.gateway.phone_for_lid(chat) or ""
            self._learn(chat, pn, name, out)
            return (pn or chat), chat
        if server == _USER_SERVER:
            lid = alt if alt_server == _LID_SERVER else self._lid_of.get(chat, "")
            self._learn(lid, chat, name, out)
            return chat, (lid or None)
        return chat, None

    async def _live_message(self, event: Any) -> list[proto.InboundEvent]:
        info = event.Info
        source = info.MessageSource
        chat = jid_text(source.Chat)
        if _skipped_chat(chat):
            log.debug("message %s in %s skipped: not a chat of the shop", info.ID, chat)
            return []
        from_me = bool(source.IsFromMe)
        name = "" if from_me else info.Pushname
        out: list[proto.InboundEvent] = []
        if source.IsGroup:
            # The member's other identity is still a fact about a customer.
            sender, alt = jid_text(source.Sender), jid_text(source.SenderAlt)
            if sender.endswith("@" + _LID_SERVER):
                self._learn(sender, alt, name, out)
            elif alt.endswith("@" + _LID_SERVER):
                self._learn(alt, sender, name, out)
            chat_jid, chat_lid = chat, None
        else:
            alt = jid_text(source.RecipientAlt if from_me else source.SenderAlt)
            chat_jid, chat_lid = await self._chat(chat, alt, name, out)
        if event.IsViewOnce or event.IsViewOnceV2 or event.IsViewOnceV2Extension:
            log.debug("message %s skipped: view once, the phone shows it once", info.ID)
            return out
        if event.IsEdit:
            log.debug("message %s skipped: an edit (the contract has none yet)", info.ID)
            return out
        content = await self._content(event.Message, info.ID, download=True)
        if content is None:
            return out
        kind, body, media = content
        out.append(
            proto.MessageEvent(
                wa_id=info.ID,
                chat=chat_jid,
                from_me=from_me,
                sent_at=int(info.Timestamp),  # neonize's encoder: milliseconds
                kind=kind,
                body=body,
                media=media,
                sender_name=name,
                chat_lid=chat_lid,
            )
        )
        return out

    def _receipt(self, event: Any) -> list[proto.InboundEvent]:
        kinds = {
            nz.Receipt.DELIVERED: proto.ReceiptStatus.DELIVERED,
            nz.Receipt.READ: proto.ReceiptStatus.READ,
            nz.Receipt.PLAYED: proto.ReceiptStatus.READ,
        }
        status = kinds.get(event.Type)
        source = event.MessageSource
        if status is None or source.IsFromMe:
            # READ_SELF/PLAYED_SELF: the shop's own phone opened the chat; SENDER: another
            # device of ours sent it; SERVER_ERROR: WhatsApp could not deliver it (the
            # contract has no failed receipt yet, so it is only logged, louder).
            type_name = nz.Receipt.ReceiptType.Name(event.Type)
            level = logging.WARNING if event.Type == nz.Receipt.SERVER_ERROR else logging.DEBUG
            log.log(level, "receipt %s of %s ignored", type_name, list(event.MessageIDs))
            return []
        chat = jid_text(source.Chat)
        if not source.IsGroup and chat.endswith("@" + _LID_SERVER):
            chat = self._pn_of.get(chat) or _pn(jid_text(source.SenderAlt)) or chat
        return [
            proto.ReceiptEvent(
                chat=chat,
                wa_ids=tuple(event.MessageIDs),
                status=status,
                at=int(event.Timestamp) * 1000,  # neonize's encoder: seconds
            )
        ]

    async def _history(self, data: Any) -> list[proto.InboundEvent]:
        out: list[proto.InboundEvent] = []
        names = {p.ID: p.pushname for p in data.pushnames}
        for mapping in data.phoneNumberToLidMappings:
            self._learn(mapping.lidJID, mapping.pnJID, names.get(mapping.pnJID, ""), out)
        for conversation in data.conversations:
            chat = conversation.ID
            if _skipped_chat(chat):
                continue
            group = chat.endswith("@g.us")
            lid = conversation.lidJID or (chat if chat.endswith("@" + _LID_SERVER) else "")
            pn = conversation.pnJID or (chat if chat.endswith("@" + _USER_SERVER) else "")
            if not group:
                self._learn(lid, pn, conversation.name or names.get(pn, ""), out)
                pn = pn or self._pn_of.get(lid, "")
                lid = lid or self._lid_of.get(pn, "")
            chat_jid = chat if group else (pn or chat)
            chat_lid = None if group else (lid or None)
            # WhatsApp sends a chat's messages newest first.
            items = sorted(
                (m.message for m in conversation.messages),
                key=lambda m: (m.messageTimestamp, m.key.ID),
            )
            for item in items:
                if not item.HasField("message"):
                    continue  # a system line (a group created, a number changed)
                content = await self._content(
                    item.message, item.key.ID, download=self.options.history_media
                )
                if content is None:
                    continue
                kind, body, media = content
                from_me = bool(item.key.fromMe)
                sender = item.key.participant or chat
                out.append(
                    proto.MessageEvent(
                        wa_id=item.key.ID,
                        chat=chat_jid,
                        from_me=from_me,
                        sent_at=int(item.messageTimestamp) * 1000,  # seconds in history
                        kind=kind,
                        body=body,
                        media=media,
                        sender_name="" if from_me else (item.pushName or names.get(sender, "")),
                        chat_lid=chat_lid,
                        history=True,
                    )
                )
        return out

    async def _content(
        self, message: Any, wa_id: str, *, download: bool
    ) -> tuple[MessageKind, str, proto.Media | None] | None:
        """A waE2E message as (kind, body, media); None for what the protocol cannot carry."""
        m, skipped = _unwrap(message)
        if skipped:
            log.debug("message %s skipped: %s", wa_id, skipped)
            return None
        if m.HasField("conversation"):
            return MessageKind.TEXT, m.conversation, None
        if m.HasField("extendedTextMessage"):
            # a reply or a link: its text (the quoted message waits for a contract change)
            return MessageKind.TEXT, m.extendedTextMessage.text, None
        for field, kind in _FILE_FIELDS:
            if not m.HasField(field):
                continue
            part = getattr(m, field)
            if kind is MessageKind.AUDIO and part.PTT:
                kind = MessageKind.VOICE
            caption = getattr(part, "caption", "") if field in _CAPTIONED else ""
            filename = part.fileName if field == "documentMessage" else ""
            seconds = part.seconds if field in ("videoMessage", "audioMessage") else 0
            media = proto.Media(
                mimetype=part.mimetype,
                filename=filename,
                size=int(part.fileLength),
                sha256=bytes(part.fileSHA256).hex(),
                caption=caption,
                seconds=int(seconds),
            )
            if download:
                media = await self._download(m, media, wa_id)
            return kind, caption, media
        if m.HasField("locationMessage") or m.HasField("liveLocationMessage"):
            place = m.locationMessage if m.HasField("locationMessage") else m.liveLocationMessage
            name = getattr(place, "name", "") or getattr(place, "address", "")
            extra: dict[str, object] = {
                "lat": place.degreesLatitude,
                "lng": place.degreesLongitude,
                "name": name,
            }
            return MessageKind.LOCATION, name, proto.Media(mimetype="", extra=extra)
        if m.HasField("contactMessage"):
            return _cards(m.contactMessage.displayName, [m.contactMessage])
        if m.HasField("contactsArrayMessage"):
            array_message = m.contactsArrayMessage
            return _cards(array_message.displayName, list(array_message.contacts))
        log.debug("message %s skipped: %s", wa_id, _kind_name(m))
        return None

    async def _download(self, message: Any, media: proto.Media, wa_id: str) -> proto.Media:
        try:
            data = await asyncio.wait_for(
                self.gateway.download(message), self.options.download_timeout
            )
        except (GatewayError, TimeoutError) as exc:
            log.warning("media of message %s not downloaded: %s", wa_id, exc or "timeout")
            return media
        return replace(media, data=data, size=len(data), sha256=hashlib.sha256(data).hexdigest())

    # -- sending -------------------------------------------------------------------------

    async def send(self, msg: proto.OutboundMessage) -> proto.SentReceipt:
        outbox = self._outbox
        if outbox is None or not self._ready:
            raise DeviceUnavailableError("o WhatsApp não está conectado")
        known = outbox.get(msg.client_id)
        if known is not None:
            if known.wa_id:
                return proto.SentReceipt(wa_id=known.wa_id, at=known.at)
            raise DriverError(
                "o envio desta mensagem foi interrompido e não dá para saber se ela chegou ao "
                "WhatsApp; confira no celular antes de enviá-la de novo"
            )
        message = await self._message(msg)
        outbox.intend(msg.client_id, msg.chat)
        try:
            sent = await self.gateway.send(msg.chat, message)
        except NotConnectedError as exc:
            outbox.forget(msg.client_id)  # refused before anything left
            raise DeviceUnavailableError(f"o WhatsApp não está conectado: {exc}") from exc
        except GatewayError as exc:
            outbox.failed(msg.client_id, str(exc))
            raise DriverError(f"o WhatsApp não confirmou o envio: {exc}") from exc
        at = _epoch_ms(int(sent.at)) if sent.at else _now_ms()
        outbox.sent(msg.client_id, sent.id, at)
        return proto.SentReceipt(wa_id=sent.id, at=at)

    async def _message(self, msg: proto.OutboundMessage) -> Any:
        """The waE2E message for ``msg``, its file uploaded first."""
        if msg.kind is MessageKind.TEXT:
            return e2e.Message(conversation=msg.body)
        media = msg.media
        if media is None:
            raise DriverError(f"mensagem do tipo {msg.kind} sem arquivo")
        caption = media.caption or msg.body
        if msg.kind is MessageKind.LOCATION:
            extra = media.extra
            return e2e.Message(
                locationMessage=e2e.LocationMessage(
                    degreesLatitude=_number(extra.get("lat")),
                    degreesLongitude=_number(extra.get("lng")),
                    name=str(extra.get("name", "")),
                )
            )
        if media.data is None:
            raise DriverError("o arquivo da mensagem não chegou ao bridge")
        data = media.data
        if msg.kind is MessageKind.CONTACT:
            name = str(media.extra.get("name", "")) or media.filename.removesuffix(".vcf")
            return e2e.Message(
                contactMessage=e2e.ContactMessage(displayName=name, vcard=data.decode())
            )
        kind = _UPLOAD_KIND.get(msg.kind)
        if kind is None:
            raise proto.NotSupportedError(f"o WhatsApp Web não envia mensagens do tipo {msg.kind}")
        voice: tuple[int, bytes] | None = None
        if msg.kind is MessageKind.VOICE:
            try:
                voice = await asyncio.to_thread(voice_shape, data)
            except ValueError as exc:
                raise DriverError(f"a nota de voz não é um OGG/Opus legível: {exc}") from exc
        try:
            up = await self.gateway.upload(data, kind)
        except GatewayError as exc:
            raise DeviceUnavailableError(f"o envio do arquivo ao WhatsApp falhou: {exc}") from exc
        fields = _uploaded(up, int(time.time()))
        if msg.kind is MessageKind.IMAGE:
            width, height = _image_size(data)
            return e2e.Message(
                imageMessage=e2e.ImageMessage(
                    mimetype=media.mimetype or "image/jpeg",
                    caption=caption,
                    width=width,
                    height=height,
                    **fields,
                )
            )
        if msg.kind is MessageKind.VIDEO:
            return e2e.Message(
                videoMessage=e2e.VideoMessage(
                    mimetype=media.mimetype or "video/mp4",
                    caption=caption,
                    seconds=media.seconds,
                    **fields,
                )
            )
        if msg.kind in (MessageKind.VOICE, MessageKind.AUDIO):
            # A voice note (PTT) carries the duration and waveform measured from its OGG/Opus;
            # any other audio, what the box knows of it.
            audio: dict[str, Any] = {"PTT": voice is not None}
            if voice is not None:
                audio.update(mimetype=VOICE_MIMETYPE, seconds=voice[0], waveform=voice[1])
            else:
                audio.update(mimetype=media.mimetype or "audio/mpeg", seconds=media.seconds)
            return e2e.Message(audioMessage=e2e.AudioMessage(**audio, **fields))
        if msg.kind is MessageKind.STICKER:
            return e2e.Message(
                stickerMessage=e2e.StickerMessage(mimetype=media.mimetype or "image/webp", **fields)
            )
        document = e2e.Message(
            documentMessage=e2e.DocumentMessage(
                mimetype=media.mimetype or "application/octet-stream",
                fileName=media.filename or "arquivo",
                title=media.filename or "arquivo",
                caption=caption,
                **fields,
            )
        )
        if caption:
            # as WhatsApp's phones send a document with a caption
            return e2e.Message(documentWithCaptionMessage=e2e.FutureProofMessage(message=document))
        return document

    # -- the rest ------------------------------------------------------------------------

    async def fetch_profile_photo(self, chat: str) -> bytes | None:
        if not self._ready:
            raise DeviceUnavailableError("o WhatsApp não está conectado")
        try:
            picture = await self.gateway.profile_picture(chat)
            if picture is None:
                return None
            return await self.gateway.download_url(picture.url, PHOTO_MAX_BYTES)
        except NotConnectedError as exc:
            raise DeviceUnavailableError(f"o WhatsApp não está conectado: {exc}") from exc
        except GatewayError as exc:
            raise DriverError(f"a foto de perfil não veio: {exc}") from exc

    async def fetch_history(
        self, chat: str, before: int | None, limit: int
    ) -> list[proto.MessageEvent]:
        raise proto.NotSupportedError(
            "o WhatsApp Web (neonize 0.5.2) não pede mensagens antigas ao celular"
        )

    async def recheck_receipts(self, chat: str, wa_ids: list[str]) -> list[proto.ReceiptEvent]:
        raise proto.NotSupportedError(
            "um aparelho conectado não consulta as confirmações de leitura"
        )

    async def status(self) -> proto.PhoneStatus:
        raise proto.NotSupportedError(
            "um aparelho conectado não vê a bateria nem a fila do celular"
        )


# -- message helpers ---------------------------------------------------------------------

_FILE_FIELDS = (
    ("imageMessage", MessageKind.IMAGE),
    ("videoMessage", MessageKind.VIDEO),
    ("audioMessage", MessageKind.AUDIO),
    ("documentMessage", MessageKind.DOCUMENT),
    ("stickerMessage", MessageKind.STICKER),
)
_CAPTIONED = ("imageMessage", "videoMessage", "documentMessage")
_UPLOAD_KIND = {
    MessageKind.IMAGE: MediaKind.IMAGE,
    MessageKind.VIDEO: MediaKind.VIDEO,
    MessageKind.AUDIO: MediaKind.AUDIO,
    MessageKind.VOICE: MediaKind.AUDIO,
    MessageKind.DOCUMENT: MediaKind.DOCUMENT,
    MessageKind.STICKER: MediaKind.STICKER,
}
# Wrappers whatsmeow may leave on a message (history keeps them as they came).
_WRAPPERS = (
    "ephemeralMessage",
    "deviceSentMessage",
    "documentWithCaptionMessage",
)
_SKIPPED_WRAPPERS = {
    "viewOnceMessage": "view once, the phone shows it once",
    "viewOnceMessageV2": "view once, the phone shows it once",
    "viewOnceMessageV2Extension": "view once, the phone shows it once",
    "editedMessage": "an edit (the contract has none yet)",
}
_SKIPPED_KINDS = {
    "reactionMessage": "a reaction (the contract has none yet)",
    "protocolMessage": "a revoke, an edit or a key share (the contract has none yet)",
    "senderKeyDistributionMessage": "a group key alone",
}


def _unwrap(message: Any) -> tuple[Any, str]:
    """The content inside the wrappers, or the reason it is skipped."""
    for _ in range(4):
        for field, why in _SKIPPED_WRAPPERS.items():
            if message.HasField(field):
                return message, why
        for field in _WRAPPERS:
            if message.HasField(field) and getattr(message, field).HasField("message"):
                message = getattr(message, field).message
                break
        else:
            break
    return message, ""


def _kind_name(message: Any) -> str:
    for field, why in _SKIPPED_KINDS.items():
        if message.HasField(field):
            return why
    fields = [f.name for f, _ in message.ListFields()]
    return f"{', '.join(fields) or 'empty'} (the contract has no such kind yet)"


def _skipped_chat(chat: str) -> bool:
    return chat in _NOT_CHATS or chat.rpartition("@")[2] in _NOT_CHAT_SERVERS


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


def _pn(jid: str) -> str:
    return jid if jid.endswith("@" + _USER_SERVER) else ""


_TEL = re.compile(r"^(?:item\d+\.)?TEL[^:]*:(.*)$", re.IGNORECASE | re.MULTILINE)
_WAID = re.compile(r"waid=(\d+)", re.IGNORECASE)


def card_phones(vcard: str) -> list[str]:
    """The numbers of a contact card in E.164: WhatsApp's ``waid`` when the card has it
    (the number's digits as WhatsApp knows it), else the typed number's digits."""
    phones = []
    for line in vcard.splitlines():
        match = _TEL.match(line.strip())
        if match is None:
            continue
        waid = _WAID.search(line)
        digits = waid.group(1) if waid else "".join(ch for ch in match.group(1) if ch.isdigit())
        if digits and f"+{digits}" not in phones:
            phones.append(f"+{digits}")
    return phones


def _cards(title: str, cards: Sequence[Any]) -> tuple[MessageKind, str, proto.Media]:
    """One or more contact cards as the sim's: the vCard file, the names and the numbers."""
    names = [c.displayName for c in cards if c.displayName]
    name = ", ".join(names) or title
    vcards = "\n".join(c.vcard for c in cards).encode()
    phones = [p for c in cards for p in card_phones(c.vcard)]
    filename = f"{names[0] if len(names) == 1 else 'contatos'}.vcf"
    media = proto.Media(
        mimetype="text/vcard",
        filename=filename,
        size=len(vcards),
        sha256=hashlib.sha256(vcards).hexdigest(),
        data=vcards,
        extra={"name": name, "phones": phones},
    )
    return MessageKind.CONTACT, name, media


def _uploaded(up: Uploaded, now: int) -> dict[str, Any]:
    return {
        "URL": up.url,
        "directPath": up.direct_path,
        "mediaKey": up.media_key,
        "fileEncSHA256": up.file_enc_sha256,
        "fileSHA256": up.file_sha256,
        "fileLength": up.file_length,
        "mediaKeyTimestamp": now,
    }


def _image_size(data: bytes) -> tuple[int, int]:
    """The photo's width and height for the phone to size its bubble; (0, 0) when unreadable."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            return int(width), int(height)
    except (UnidentifiedImageError, OSError):
        return 0, 0


def voice_shape(data: bytes) -> tuple[int, bytes]:
    """A voice note's whole seconds and its waveform, as WhatsApp's phones draw it: 64 bars
    of the mean loudness of their stretch, the loudest at 100. ValueError when ``data`` is
    not OGG/Opus."""
    import av

    levels: list[float] = []
    samples = 0
    rate = 48_000
    try:
        with av.open(io.BytesIO(data), mode="r", format="ogg") as container:
            if not container.streams.audio:
                raise ValueError("sem faixa de áudio")
            stream = container.streams.audio[0]
            if stream.codec_context.name != "opus":
                raise ValueError(f"codec {stream.codec_context.name}, não opus")
            resampler = av.AudioResampler(format="s16", layout="mono")
            for frame in container.decode(stream):
                rate = frame.sample_rate or rate
                for mono in resampler.resample(frame):
                    values = array.array("h", bytes(mono.planes[0]))[: mono.samples]
                    if values:
                        samples += len(values)
                        levels.append(sum(abs(v) for v in values) / len(values))
    except av.error.FFmpegError as exc:
        raise ValueError(str(exc)) from exc
    if not levels:
        raise ValueError("sem áudio")
    bars = []
    for i in range(WAVEFORM_BARS):
        start = i * len(levels) // WAVEFORM_BARS
        stop = max(start + 1, (i + 1) * len(levels) // WAVEFORM_BARS)
        stretch = levels[start:stop]
        bars.append(sum(stretch) / len(stretch))
    top = max(bars)
    waveform = bytes(round(WAVEFORM_TOP * b / top) if top else 0 for b in bars)
    return max(1, round(samples / rate)), waveform


# -- idempotency ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Known:
    wa_id: str  # "" while only the intent is recorded
    at: int
    error: str


class Outbox:
    """client id → WhatsApp id, for a resend to be no second message.

    WhatsApp picks the id (neonize cannot choose it), so a resend of the same client id
    cannot be recognised by WhatsApp itself. Each send writes, with a full sync:

    1. the intent (client id, chat), before the message is handed to WhatsApp;
    2. the id WhatsApp gave it, once WhatsApp acknowledged it.

    A resend finds the id and answers with the first receipt. A resend that finds only
    the intent follows a crash, a cancelled send or an unacknowledged one between 1 and
    2: whether WhatsApp got it cannot be known from here (its acknowledgement is the only
    evidence, and it did not come). Sending again could make a second copy in the
    customer's chat, so ``send`` raises DriverError: the runner reports SendFailed and a
    person, who can look at the phone, decides. A refusal known to precede any sending
    (no connection, an upload that failed) leaves no intent, and the runner retries.
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS sent (client_id TEXT PRIMARY KEY, chat TEXT NOT NULL,"
            " intent_at INTEGER NOT NULL, wa_id TEXT, at INTEGER, error TEXT)"
        )
        cutoff = _now_ms() - OUTBOX_KEEP_DAYS * 86_400_000
        self.conn.execute("DELETE FROM sent WHERE intent_at < ?", (cutoff,))

    def get(self, client_id: str) -> Known | None:
        row = self.conn.execute(
            "SELECT wa_id, at, error FROM sent WHERE client_id = ?", (client_id,)
        ).fetchone()
        if row is None:
            return None
        return Known(wa_id=row[0] or "", at=row[1] or 0, error=row[2] or "")

    def intend(self, client_id: str, chat: str) -> None:
        self.conn.execute(
            "INSERT INTO sent (client_id, chat, intent_at) VALUES (?, ?, ?)",
            (client_id, chat, _now_ms()),
        )

    def sent(self, client_id: str, wa_id: str, at: int) -> None:
        self.conn.execute(
            "UPDATE sent SET wa_id = ?, at = ?, error = NULL WHERE client_id = ?",
            (wa_id, at, client_id),
        )

    def failed(self, client_id: str, error: str) -> None:
        self.conn.execute("UPDATE sent SET error = ? WHERE client_id = ?", (error, client_id))

    def forget(self, client_id: str) -> None:
        self.conn.execute("DELETE FROM sent WHERE client_id = ? AND wa_id IS NULL", (client_id,))

    def close(self) -> None:
        self.conn.close()


def _epoch_ms(at: int) -> int:
    """WhatsApp's time in milliseconds. The gateway gives seconds; neonize's encoder writes
    some timestamps in milliseconds, and 10^11 tells them apart (as seconds, the year 5138;
    as milliseconds, 1973)."""
    return at if at > 10**11 else at * 1000


def _now_ms() -> int:
    return int(time.time() * 1000)
