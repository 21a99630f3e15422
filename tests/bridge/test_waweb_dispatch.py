"""neonize's own event dispatch carries every event the waweb driver handles, as the
builders of ``waweb_events.py`` make them.

Each test registers handlers on a neonize client that never connects, feeds an event
through the ctypes callback neonize gives its Go side (``dispatch``, ``dispatch_qr``) and
checks the handler got it whole: equal to what was built, with the fields the driver
reads. The driver's tests reuse these builders on the same path.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from bridge.drivers.waweb.gateway import new_client
from tests.bridge import waweb_events as w

# The event types the waweb driver handles.
EVENT_TYPES = [
    w.MessageEv,
    w.ReceiptEv,
    w.HistorySyncEv,
    w.ConnectedEv,
    w.DisconnectedEv,
    w.LoggedOutEv,
    w.StreamReplacedEv,
    w.TemporaryBanEv,
    w.PairStatusEv,
    w.QREv,
]


class Inbox:
    """Handlers for every event type and for QR codes; what they got, in order."""

    def __init__(self) -> None:
        self.events: asyncio.Queue[tuple[Any, Any]] = asyncio.Queue()
        self.qr: asyncio.Queue[tuple[Any, bytes]] = asyncio.Queue()

    async def on_event(self, client: Any, event: Any) -> None:
        await self.events.put((client, event))

    async def on_qr(self, client: Any, code: bytes) -> None:
        await self.qr.put((client, code))

    async def next_event(self) -> tuple[Any, Any]:
        return await asyncio.wait_for(self.events.get(), timeout=5)

    async def next_qr(self) -> tuple[Any, bytes]:
        return await asyncio.wait_for(self.qr.get(), timeout=5)


@pytest.fixture
def wa(tmp_path: Path) -> Any:
    """A neonize async client with its session in tmp_path, never connected."""
    return new_client(tmp_path / "session", uuid="dispatch-test")


@pytest.fixture
def inbox(wa: Any) -> Inbox:
    inbox = Inbox()
    for kind in EVENT_TYPES:
        wa.event(kind)(inbox.on_event)
    wa.event.qr(inbox.on_qr)
    return inbox


async def roundtrip(wa: Any, inbox: Inbox, event: Any) -> Any:
    """Dispatch ``event``; the handler's copy, checked equal to it."""
    assert event.IsInitialized(), event.FindInitializationErrors()
    w.dispatch(wa, event)
    client, got = await inbox.next_event()
    assert client is wa
    assert type(got) is type(event)
    assert got == event
    return got


async def test_a_text_message(wa: Any, inbox: Inbox) -> None:
    got = await roundtrip(
        wa, inbox, w.message_event(w.text("Oi, tem capinha pro A15?"), wa_id="3A01")
    )
    assert got.Message.conversation == "Oi, tem capinha pro A15?"
    assert got.Info.ID == "3A01"
    assert w.jid(w.CUSTOMER) == got.Info.MessageSource.Chat == got.Info.MessageSource.Sender
    assert not got.Info.MessageSource.IsFromMe
    assert not got.Info.MessageSource.IsGroup
    assert got.Info.Pushname == "Maria Souza"
    assert got.Info.Timestamp == w.T0 * 1000


async def test_a_reply_carries_the_quoted_message(wa: Any, inbox: Inbox) -> None:
    quoted = w.text("Tem sim, R$ 35,00")
    event = w.message_event(w.reply("Quero duas", "3EB0AA", w.SHOP, quoted))
    got = await roundtrip(wa, inbox, event)
    ext = got.Message.extendedTextMessage
    assert ext.text == "Quero duas"
    assert ext.contextInfo.stanzaID == "3EB0AA"
    assert ext.contextInfo.participant == w.SHOP
    assert ext.contextInfo.quotedMessage.conversation == "Tem sim, R$ 35,00"


@pytest.mark.parametrize(
    ("build", "field", "media_type"),
    [
        (lambda: w.image(caption="Essa aqui"), "imageMessage", "image"),
        (lambda: w.video(caption="Olha o defeito"), "videoMessage", "video"),
        (w.audio, "audioMessage", "audio"),
        (w.voice_note, "audioMessage", "ptt"),
        (w.document, "documentMessage", "document"),
        (w.sticker, "stickerMessage", "sticker"),
    ],
    ids=["image", "video", "audio", "voice note", "document", "sticker"],
)
async def test_a_media_message_carries_what_its_download_needs(
    wa: Any, inbox: Inbox, build: Any, field: str, media_type: str
) -> None:
    raw = build()
    got = await roundtrip(wa, inbox, w.message_event(raw))
    media = getattr(got.Message, field)
    sent = getattr(raw, field)
    for key in ("URL", "directPath", "mediaKey", "fileSHA256", "fileEncSHA256", "fileLength"):
        assert getattr(media, key) == getattr(sent, key), key
    assert len(media.mediaKey) == len(media.fileSHA256) == 32
    assert got.Info.Type == "media"
    assert got.Info.MediaType == media_type


async def test_a_voice_note_is_ptt_opus_with_its_waveform(wa: Any, inbox: Inbox) -> None:
    got = await roundtrip(wa, inbox, w.message_event(w.voice_note(seconds=7)))
    note = got.Message.audioMessage
    assert note.PTT
    assert note.mimetype == "audio/ogg; codecs=opus"
    assert note.seconds == 7
    assert len(note.waveform) == 64


async def test_a_document_with_a_caption_arrives_unwrapped(wa: Any, inbox: Inbox) -> None:
    raw = w.document(file_name="nota.pdf", caption="Segue a nota")
    got = await roundtrip(wa, inbox, w.message_event(raw))
    assert got.IsDocumentWithCaption
    assert got.Message.documentMessage.fileName == "nota.pdf"
    assert got.Message.documentMessage.caption == "Segue a nota"
    assert got.Raw.documentWithCaptionMessage.message == got.Message


async def test_a_location(wa: Any, inbox: Inbox) -> None:
    raw = w.location(-22.9035, -43.1145, name="Loja Centro", address="Rua da Conceição, 10")
    got = await roundtrip(wa, inbox, w.message_event(raw))
    place = got.Message.locationMessage
    assert (place.degreesLatitude, place.degreesLongitude) == (-22.9035, -43.1145)
    assert (place.name, place.address) == ("Loja Centro", "Rua da Conceição, 10")


async def test_one_contact_card(wa: Any, inbox: Inbox) -> None:
    got = await roundtrip(wa, inbox, w.message_event(w.contact("Joana Lima", "+55 21 98888-7777")))
    card = got.Message.contactMessage
    assert card.displayName == "Joana Lima"
    assert "waid=5521988887777:+55 21 98888-7777" in card.vcard


async def test_several_contact_cards(wa: Any, inbox: Inbox) -> None:
    cards = [("Joana Lima", "+55 21 98888-7777"), ("Seu Zé", "+55 21 3333-4444")]
    got = await roundtrip(wa, inbox, w.message_event(w.contacts(cards)))
    array = got.Message.contactsArrayMessage
    assert array.displayName == "2 contatos"
    assert [c.displayName for c in array.contacts] == ["Joana Lima", "Seu Zé"]
    assert "waid=552133334444" in array.contacts[1].vcard


async def test_a_reaction_names_the_message_it_reacts_to(wa: Any, inbox: Inbox) -> None:
    got = await roundtrip(wa, inbox, w.message_event(w.reaction("3EB0BB", "👍")))
    reaction = got.Message.reactionMessage
    assert (reaction.key.ID, reaction.key.remoteJID, reaction.key.fromMe) == (
        "3EB0BB",
        w.SHOP,
        False,
    )
    assert reaction.text == "👍"
    assert got.Info.Type == "reaction"


async def test_an_edit_arrives_unwrapped_with_the_new_content(wa: Any, inbox: Inbox) -> None:
    event = w.message_event(w.edit("3A0C", w.text("Quero três")), edit_attr=w.EDIT_MESSAGE)
    got = await roundtrip(wa, inbox, event)
    assert got.IsEdit
    assert got.Info.Edit == w.EDIT_MESSAGE
    protocol = got.Message.protocolMessage
    assert protocol.type == protocol.MESSAGE_EDIT
    assert protocol.key.ID == "3A0C"
    assert protocol.editedMessage.conversation == "Quero três"


async def test_a_revoke_names_the_deleted_message(wa: Any, inbox: Inbox) -> None:
    event = w.message_event(w.revoke("3A0D"), edit_attr=w.EDIT_SENDER_REVOKE)
    got = await roundtrip(wa, inbox, event)
    protocol = got.Message.protocolMessage
    assert protocol.type == protocol.REVOKE
    assert protocol.key.ID == "3A0D"
    assert got.Info.Edit == w.EDIT_SENDER_REVOKE


async def test_a_view_once_photo_is_flagged(wa: Any, inbox: Inbox) -> None:
    got = await roundtrip(wa, inbox, w.message_event(w.view_once(w.image(view_once=True))))
    assert got.IsViewOnce
    assert got.IsViewOnceV2
    assert got.Message.imageMessage.viewOnce
    assert got.Raw.viewOnceMessageV2.message == got.Message


async def test_a_message_from_me_on_the_phone_carries_its_destination(
    wa: Any, inbox: Inbox
) -> None:
    got = await roundtrip(wa, inbox, w.message_event(w.text("Saiu para entrega"), from_me=True))
    source = got.Info.MessageSource
    assert source.IsFromMe
    assert source.Chat == w.jid(w.CUSTOMER)
    assert source.Sender == w.jid(w.SHOP)
    assert got.Message.conversation == "Saiu para entrega"
    assert got.Info.DeviceSentMeta.DestinationJID == w.CUSTOMER


async def test_a_group_message_names_its_sender(wa: Any, inbox: Inbox) -> None:
    event = w.message_event(
        w.text("Chegou o pedido do grupo?"),
        chat=w.GROUP,
        sender=w.MEMBER_LID,
        sender_alt=w.MEMBER,
        push_name="Carlos",
    )
    got = await roundtrip(wa, inbox, event)
    source = got.Info.MessageSource
    assert source.IsGroup
    assert source.Chat == w.jid(w.GROUP)
    assert source.Sender == w.jid(w.MEMBER_LID)
    assert source.SenderAlt == w.jid(w.MEMBER)
    assert source.AddressingMode == w.nz.AddressingMode.LID
    assert got.Info.Pushname == "Carlos"


async def test_a_message_in_a_lid_chat_carries_the_phone_number(wa: Any, inbox: Inbox) -> None:
    event = w.message_event(
        w.text("Oi"), chat=w.CUSTOMER_LID, sender=w.CUSTOMER_LID, sender_alt=w.CUSTOMER
    )
    got = await roundtrip(wa, inbox, event)
    source = got.Info.MessageSource
    assert source.Chat == w.jid(w.CUSTOMER_LID)
    assert source.Chat.Server == "lid"
    assert source.SenderAlt == w.jid(w.CUSTOMER)


@pytest.mark.parametrize(
    "kind",
    [w.ReceiptEv.DELIVERED, w.ReceiptEv.READ, w.ReceiptEv.PLAYED, w.ReceiptEv.READ_SELF],
    ids=["delivered", "read", "played", "read_self"],
)
async def test_a_receipt(wa: Any, inbox: Inbox, kind: int) -> None:
    got = await roundtrip(wa, inbox, w.receipt_event(["3EB0C1", "3EB0C2"], kind))
    assert list(got.MessageIDs) == ["3EB0C1", "3EB0C2"]
    assert got.Type == kind
    assert got.Timestamp == w.T0 + 5
    assert got.MessageSource.Chat == w.jid(w.CUSTOMER)
    own = kind == w.ReceiptEv.READ_SELF
    assert got.MessageSource.IsFromMe is own
    assert got.MessageSource.Sender == w.jid(w.SHOP if own else w.CUSTOMER)


async def test_a_receipt_from_a_lid_carries_the_phone_number(wa: Any, inbox: Inbox) -> None:
    event = w.receipt_event(
        ["3EB0C3"], w.ReceiptEv.READ, chat=w.CUSTOMER_LID, sender_alt=w.CUSTOMER
    )
    got = await roundtrip(wa, inbox, event)
    assert got.MessageSource.Sender == w.jid(w.CUSTOMER_LID)
    assert got.MessageSource.SenderAlt == w.jid(w.CUSTOMER)


async def test_a_history_chunk_with_its_chats_names_and_lid_mappings(wa: Any, inbox: Inbox) -> None:
    person = w.conversation(
        w.CUSTOMER,
        [
            w.history_message(w.image(caption="foto"), wa_id="3A10", at=w.T0 - 60, order=2),
            w.history_message(w.text("bom dia"), wa_id="3A11", from_me=True, at=w.T0 - 120),
        ],
        name="Maria Souza",
        unread=1,
        lid=w.CUSTOMER_LID,
    )
    group = w.group_history(name="Clientes VIP")
    event = w.history_sync(
        [person, group],
        chunk=3,
        progress=40,
        push_names=[(w.CUSTOMER, "Maria Souza"), (w.MEMBER, "Carlos")],
        lid_mappings=[(w.CUSTOMER, w.CUSTOMER_LID), (w.MEMBER, w.MEMBER_LID)],
    )
    got = await roundtrip(wa, inbox, event)
    data = got.Data
    assert data.syncType == data.INITIAL_BOOTSTRAP
    assert (data.chunkOrder, data.progress) == (3, 40)
    assert [c.ID for c in data.conversations] == [w.CUSTOMER, w.GROUP]
    first = data.conversations[0]
    assert (first.name, first.unreadCount, first.lidJID) == ("Maria Souza", 1, w.CUSTOMER_LID)
    assert first.lastMsgTimestamp == w.T0 - 60
    [photo, hello] = [m.message for m in first.messages]
    assert (photo.key.ID, photo.key.fromMe, photo.messageTimestamp) == ("3A10", False, w.T0 - 60)
    assert photo.message.imageMessage.caption == "foto"
    assert (hello.key.ID, hello.key.fromMe) == ("3A11", True)
    [member] = [m.message for m in data.conversations[1].messages]
    assert (member.key.participant, member.pushName) == (w.MEMBER, "Carlos")
    assert [(p.ID, p.pushname) for p in data.pushnames] == [
        (w.CUSTOMER, "Maria Souza"),
        (w.MEMBER, "Carlos"),
    ]
    assert [(m.pnJID, m.lidJID) for m in data.phoneNumberToLidMappings] == [
        (w.CUSTOMER, w.CUSTOMER_LID),
        (w.MEMBER, w.MEMBER_LID),
    ]


async def test_an_on_demand_history_chunk(wa: Any, inbox: Inbox) -> None:
    page = w.conversation(w.CUSTOMER, [w.history_message(w.text("pedido antigo"))])
    got = await roundtrip(
        wa, inbox, w.history_sync([page], sync_type=w.hs.HistorySync.ON_DEMAND, progress=100)
    )
    assert got.Data.syncType == w.hs.HistorySync.ON_DEMAND


async def test_connected_marks_the_client_connected(wa: Any, inbox: Inbox) -> None:
    assert not wa.connected
    got = await roundtrip(wa, inbox, w.connected())
    assert got.status
    assert wa.connected  # neonize's execute sets it for this event code


@pytest.mark.parametrize(
    "build",
    [w.disconnected, w.stream_replaced],
    ids=["disconnected", "stream replaced"],
)
async def test_a_link_event(wa: Any, inbox: Inbox, build: Any) -> None:
    await roundtrip(wa, inbox, build())


async def test_logged_out_says_why(wa: Any, inbox: Inbox) -> None:
    got = await roundtrip(wa, inbox, w.logged_out(on_connect=True))
    assert got.OnConnect
    assert got.Reason == w.nz.ConnectFailureReason.LOGGED_OUT


async def test_a_temporary_ban_says_when_it_ends(wa: Any, inbox: Inbox) -> None:
    got = await roundtrip(wa, inbox, w.temporary_ban(expire_seconds=7200))
    assert got.Expire == 7200
    assert got.Code == w.TemporaryBanEv.SEND_TO_TOO_MANY_PEOPLE


async def test_pairing_success_names_this_device(wa: Any, inbox: Inbox) -> None:
    got = await roundtrip(wa, inbox, w.pair_success(device=12, platform="android"))
    assert got.Status == w.PairStatusEv.SUCCESS
    assert (got.ID.User, got.ID.Device, got.ID.Server) == ("5521990001234", 12, "s.whatsapp.net")
    assert got.Platform == "android"


async def test_pairing_failure_says_why(wa: Any, inbox: Inbox) -> None:
    got = await roundtrip(wa, inbox, w.pair_error("pair-device signature mismatch"))
    assert got.Status == w.PairStatusEv.ERROR
    assert got.Error == "pair-device signature mismatch"


async def test_the_qr_event_lists_every_code(wa: Any, inbox: Inbox) -> None:
    codes = [w.qr_code(1), w.qr_code(2), w.qr_code(3)]
    got = await roundtrip(wa, inbox, w.qr_codes(codes))
    assert list(got.Codes) == codes


async def test_qr_codes_arrive_one_by_one_as_whatsapp_rotates_them(wa: Any, inbox: Inbox) -> None:
    for n in (1, 2):
        w.dispatch_qr(wa, w.qr_code(n))
    assert await inbox.next_qr() == (wa, w.qr_code(1).encode())
    assert await inbox.next_qr() == (wa, w.qr_code(2).encode())


async def test_events_keep_their_order_when_the_handler_queues_them_before_awaiting(
    wa: Any, inbox: Inbox
) -> None:
    sent = [w.message_event(w.text(f"mensagem {n}"), wa_id=f"3A2{n}") for n in range(5)]
    for event in sent:
        w.dispatch(wa, event)
    got = [(await inbox.next_event())[1] for _ in sent]
    assert [e.Info.ID for e in got] == [e.Info.ID for e in sent]


async def test_neonize_runs_each_event_s_handler_as_its_own_task(wa: Any) -> None:
    """So a handler that awaits before it records the event can see them out of order:
    the driver has to queue each event before its handler's first await."""
    seen: list[str] = []
    done = asyncio.Event()

    async def slow_handler(client: Any, event: Any) -> None:
        # the first event waits longest
        await asyncio.sleep(0.05 * (3 - int(event.Info.ID[-1])))
        seen.append(event.Info.ID)
        if len(seen) == 3:
            done.set()

    wa.event(w.MessageEv)(slow_handler)
    for n in range(3):
        w.dispatch(wa, w.message_event(w.text("oi"), wa_id=f"3A3{n}"))
    await asyncio.wait_for(done.wait(), timeout=5)
    assert seen == ["3A32", "3A31", "3A30"]
