"""The waweb driver over a fake gateway: WhatsApp's events go through neonize's real
dispatch (``waweb_events``) and come out as the protocol's events; what the driver sends
is checked as the exact waE2E message the gateway got."""

from __future__ import annotations

import asyncio
import hashlib
import random
import stat
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, cast

import pytest

from bridge import protocol as proto
from bridge.drivers import DriverOptionsError, driver_spec, load_driver, read_options
from bridge.drivers.sim import media as sim_media
from bridge.drivers.waweb import gateway as gateway_module
from bridge.drivers.waweb.driver import Outbox, WawebDriver, card_phones, voice_shape
from bridge.drivers.waweb.gateway import (
    GatewayError,
    MediaKind,
    NeonizeGateway,
    session_path,
)
from bridge.protocol import IdentityEvent, MessageEvent, MessageKind
from tests.bridge import waweb_events as w
from tests.bridge.sim_helpers import connected
from tests.bridge.waweb_fake import PHOTO, FakeGateway, fake_driver
from tests.harness import packages_loaded

REPO = Path(__file__).resolve().parents[2]


def gateway_of(driver: WawebDriver) -> FakeGateway:
    return cast(FakeGateway, driver.gateway)


class Stream:
    """The driver's event stream, read a few events at a time."""

    def __init__(self, driver: WawebDriver) -> None:
        self.iterator = driver.events()

    async def take(self, n: int = 1) -> list[proto.InboundEvent]:
        return [await asyncio.wait_for(anext(self.iterator), 5) for _ in range(n)]

    async def one(self) -> proto.InboundEvent:
        [event] = await self.take()
        return event

    async def message(self) -> MessageEvent:
        event = await self.one()
        assert isinstance(event, MessageEvent), event
        return event


@pytest.fixture
async def phone(tmp_path: Path) -> AsyncIterator[WawebDriver]:
    async with connected(fake_driver(tmp_path / "waweb")) as driver:
        yield driver


@pytest.fixture
async def stream(phone: WawebDriver) -> AsyncIterator[Stream]:
    reader = Stream(phone)
    yield reader
    await reader.iterator.aclose()  # type: ignore[attr-defined]


def customer_writes(phone: WawebDriver, raw: Any, **kw: Any) -> str:
    event = w.message_event(raw, **kw)
    w.dispatch(phone.client, event)
    return str(event.Info.ID)


# -- what it is ------------------------------------------------------------------------------


def test_it_declares_only_what_neonize_can_do(tmp_path: Path) -> None:
    driver = fake_driver(tmp_path / "waweb")
    assert isinstance(driver, proto.PhoneDriver)
    assert driver.capabilities == {
        proto.Capability.PAIRING,
        proto.Capability.PHOTOS,
        proto.Capability.SEND_MEDIA,
    }


async def test_what_it_cannot_do_says_so(phone: WawebDriver) -> None:
    with pytest.raises(proto.NotSupportedError, match="mensagens antigas"):
        await phone.fetch_history(w.CUSTOMER, None, 50)
    with pytest.raises(proto.NotSupportedError, match="confirmações"):
        await phone.recheck_receipts(w.CUSTOMER, ["3EB0"])
    with pytest.raises(proto.NotSupportedError, match="bateria"):
        await phone.status()


def test_the_registry_builds_it_over_neonize_with_a_private_session(tmp_path: Path) -> None:
    driver = load_driver("waweb", tmp_path, {"device_name": "Balcão da Loja"})
    assert isinstance(driver, WawebDriver)
    assert isinstance(driver.gateway, NeonizeGateway)
    folder = tmp_path / "waweb"
    assert driver.folder == folder
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(session_path(folder).stat().st_mode) == 0o600


def test_without_neonize_the_bridge_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def missing() -> str:
        raise gateway_module.LibraryError("neonize is not installed")

    monkeypatch.setattr(gateway_module, "check_library", missing)
    with pytest.raises(DriverOptionsError, match=r"pip install 'balcao\[waweb\]'"):
        load_driver("waweb", tmp_path, {})


def test_its_options_have_limits_and_defaults() -> None:
    spec = driver_spec("waweb")
    options = read_options(spec, {})
    assert (options.device_name, options.qr_timeout) == ("Balcão", 180.0)
    assert read_options(spec, {"qr_timeout": "120"}).qr_timeout == 120.0
    for bad in (
        {"qr_timeout": 5},
        {"connect_timeout": 3600},
        {"device_name": "x" * 51},
        {"pair_phone": "21 9999; rm"},
        {"history": True},
    ):
        with pytest.raises(DriverOptionsError, match="opção inválida para o driver waweb"):
            read_options(spec, bad)


def test_the_registry_reads_its_options_without_loading_neonize() -> None:
    code = (
        "from bridge.drivers import driver_spec, read_options\n"
        "read_options(driver_spec('waweb'), {'qr_timeout': 60})"
    )
    assert packages_loaded(code, {"neonize", "appliance"}) == []


# -- messages in -----------------------------------------------------------------------------


async def test_a_text(phone: WawebDriver, stream: Stream) -> None:
    wa_id = customer_writes(phone, w.text("Vocês abrem no sábado?"))
    message = await stream.message()
    assert message == MessageEvent(
        wa_id=wa_id,
        chat=w.CUSTOMER,
        from_me=False,
        sent_at=w.T0 * 1000,
        kind=MessageKind.TEXT,
        body="Vocês abrem no sábado?",
        sender_name="Maria Souza",
    )


async def test_a_reply_is_its_text(phone: WawebDriver, stream: Stream) -> None:
    customer_writes(phone, w.reply("Esse mesmo", "3EB0AA", w.SHOP, w.text("Temos o azul")))
    message = await stream.message()
    assert (message.kind, message.body) == (MessageKind.TEXT, "Esse mesmo")


@pytest.mark.parametrize(
    ("build", "kind", "body", "mimetype", "filename", "seconds"),
    [
        (
            lambda d: w.image(d, caption="A vitrine"),
            MessageKind.IMAGE,
            "A vitrine",
            "image/jpeg",
            "",
            0,
        ),
        (lambda d: w.video(d, caption="Chegou"), MessageKind.VIDEO, "Chegou", "video/mp4", "", 12),
        (lambda d: w.audio(d, seconds=95), MessageKind.AUDIO, "", "audio/mpeg", "", 95),
        (
            lambda d: w.voice_note(d, seconds=7),
            MessageKind.VOICE,
            "",
            "audio/ogg; codecs=opus",
            "",
            7,
        ),
        (
            lambda d: w.document(d, file_name="nota.pdf", caption="Segue a nota"),
            MessageKind.DOCUMENT,
            "Segue a nota",
            "application/pdf",
            "nota.pdf",
            0,
        ),
        (lambda d: w.sticker(d), MessageKind.STICKER, "", "image/webp", "", 0),
    ],
    ids=["image", "video", "audio", "voice", "document", "sticker"],
)
async def test_a_file_arrives_with_its_bytes(
    phone: WawebDriver,
    stream: Stream,
    build: Any,
    kind: MessageKind,
    body: str,
    mimetype: str,
    filename: str,
    seconds: int,
) -> None:
    data = gateway_of(phone).serve(f"conteúdo de {kind}".encode() * 40)
    customer_writes(phone, build(data))
    message = await stream.message()
    assert (message.kind, message.body) == (kind, body)
    assert message.media is not None
    assert message.media.data == data
    assert message.media.sha256 == hashlib.sha256(data).hexdigest()
    assert message.media.size == len(data)
    assert (message.media.mimetype, message.media.filename) == (mimetype, filename)
    assert (message.media.caption, message.media.seconds) == (body, seconds)


async def test_a_file_whatsapp_no_longer_serves_arrives_without_its_bytes(
    phone: WawebDriver, stream: Stream
) -> None:
    data = b"\xff\xd8\xff\xe0 expirada"
    customer_writes(phone, w.image(data, caption="foto antiga"))
    message = await stream.message()
    assert message.kind is MessageKind.IMAGE
    assert message.media is not None
    assert message.media.data is None
    assert message.media.sha256 == hashlib.sha256(data).hexdigest()  # WhatsApp's fileSHA256


async def test_a_slow_download_keeps_its_place_in_the_stream(
    phone: WawebDriver, stream: Stream
) -> None:
    data = gateway_of(phone).serve(b"\xff\xd8\xff\xe0 devagar")
    gateway_of(phone).download_delay[hashlib.sha256(data).digest()] = 0.2
    first = customer_writes(phone, w.image(data))
    second = customer_writes(phone, w.text("mandei a foto"))
    assert [e.wa_id for e in await stream.take(2)] == [first, second]  # type: ignore[union-attr]


async def test_a_location(phone: WawebDriver, stream: Stream) -> None:
    customer_writes(phone, w.location(-22.9035, -43.1145, name="Loja Centro"))
    message = await stream.message()
    assert (message.kind, message.body) == (MessageKind.LOCATION, "Loja Centro")
    assert message.media == proto.Media(
        mimetype="", extra={"lat": -22.9035, "lng": -43.1145, "name": "Loja Centro"}
    )


async def test_a_contact_card_like_the_sim_s(phone: WawebDriver, stream: Stream) -> None:
    customer_writes(phone, w.contact("Joana Lima", "+55 21 98888-7777"))
    message = await stream.message()
    assert (message.kind, message.body) == (MessageKind.CONTACT, "Joana Lima")
    media = message.media
    assert media is not None
    assert (media.mimetype, media.filename) == ("text/vcard", "Joana Lima.vcf")
    assert media.extra == {"name": "Joana Lima", "phones": ["+5521988887777"]}
    assert media.data == w.vcard("Joana Lima", "+55 21 98888-7777").encode()


async def test_several_contact_cards(phone: WawebDriver, stream: Stream) -> None:
    customer_writes(
        phone, w.contacts([("Joana Lima", "+55 21 98888-7777"), ("Seu Zé", "21 3333-4444")])
    )
    message = await stream.message()
    assert message.kind is MessageKind.CONTACT
    assert message.media is not None
    assert message.media.extra == {
        "name": "Joana Lima, Seu Zé",
        "phones": ["+5521988887777", "+2133334444"],
    }


def test_a_card_s_numbers_come_from_whatsapp_s_waid() -> None:
    card = (
        "BEGIN:VCARD\nTEL;type=CELL;waid=5511912345678:+55 11 91234-5678\n"
        "TEL:(21) 3333-4444\nEND:VCARD"
    )
    assert card_phones(card) == ["+5511912345678", "+2133334444"]


@pytest.mark.parametrize(
    ("raw", "edit"),
    [
        (w.reaction("3EB0BB", "👍"), ""),
        (w.edit("3A0C", w.text("Quero três")), w.EDIT_MESSAGE),
        (w.revoke("3A0D"), w.EDIT_SENDER_REVOKE),
        (w.view_once(w.image(view_once=True)), ""),
    ],
    ids=["reaction", "edit", "revoke", "view once"],
)
async def test_what_the_protocol_cannot_carry_yet_is_skipped(
    phone: WawebDriver, stream: Stream, raw: Any, edit: str
) -> None:
    customer_writes(phone, raw, edit_attr=edit)
    after = customer_writes(phone, w.text("e aí?"))
    message = await stream.message()
    assert (message.wa_id, message.body) == (after, "e aí?")


async def test_status_updates_are_not_chats(phone: WawebDriver, stream: Stream) -> None:
    customer_writes(phone, w.text("minha story"), chat="status@broadcast", sender=w.CUSTOMER)
    after = customer_writes(phone, w.text("oi"))
    assert (await stream.message()).wa_id == after


async def test_a_message_written_on_the_phone(phone: WawebDriver, stream: Stream) -> None:
    wa_id = customer_writes(phone, w.text("Saiu para entrega"), from_me=True)
    message = await stream.message()
    assert (message.wa_id, message.chat, message.from_me) == (wa_id, w.CUSTOMER, True)
    assert message.sender_name == ""


async def test_a_lid_chat_is_keyed_by_the_number_it_carries(
    phone: WawebDriver, stream: Stream
) -> None:
    for body in ("Oi", "Tudo bem?"):
        customer_writes(
            phone, w.text(body), chat=w.CUSTOMER_LID, sender=w.CUSTOMER_LID, sender_alt=w.CUSTOMER
        )
    identity, first, second = await stream.take(3)
    assert identity == IdentityEvent(lid=w.CUSTOMER_LID, jid=w.CUSTOMER, name="Maria Souza")
    for message in (first, second):  # the identity once
        assert isinstance(message, MessageEvent)
        assert (message.chat, message.chat_lid) == (w.CUSTOMER, w.CUSTOMER_LID)


async def test_a_number_chat_learns_its_lid(phone: WawebDriver, stream: Stream) -> None:
    customer_writes(phone, w.text("Oi"), sender_alt=w.CUSTOMER_LID)
    identity, message = await stream.take(2)
    assert identity == IdentityEvent(lid=w.CUSTOMER_LID, jid=w.CUSTOMER, name="Maria Souza")
    assert isinstance(message, MessageEvent)
    assert (message.chat, message.chat_lid) == (w.CUSTOMER, w.CUSTOMER_LID)


async def test_a_lid_chat_asks_whatsmeow_for_the_number(phone: WawebDriver, stream: Stream) -> None:
    gateway_of(phone).lids[w.CUSTOMER_LID] = w.CUSTOMER
    customer_writes(phone, w.text("Oi"), chat=w.CUSTOMER_LID, sender=w.CUSTOMER_LID)
    identity, message = await stream.take(2)
    assert isinstance(identity, IdentityEvent)
    assert isinstance(message, MessageEvent)
    assert (message.chat, message.chat_lid) == (w.CUSTOMER, w.CUSTOMER_LID)


async def test_a_lid_nobody_can_resolve_stays_the_chat(phone: WawebDriver, stream: Stream) -> None:
    customer_writes(phone, w.text("Oi"), chat=w.CUSTOMER_LID, sender=w.CUSTOMER_LID)
    message = await stream.message()
    assert (message.chat, message.chat_lid) == (w.CUSTOMER_LID, w.CUSTOMER_LID)


async def test_a_group_message_is_the_group_s_with_its_member_s_name(
    phone: WawebDriver, stream: Stream
) -> None:
    customer_writes(
        phone,
        w.text("Chegou o pedido do grupo?"),
        chat=w.GROUP,
        sender=w.MEMBER_LID,
        sender_alt=w.MEMBER,
        push_name="Carlos",
    )
    identity, message = await stream.take(2)
    assert identity == IdentityEvent(lid=w.MEMBER_LID, jid=w.MEMBER, name="Carlos")
    assert isinstance(message, MessageEvent)
    assert (message.chat, message.chat_lid, message.sender_name) == (w.GROUP, None, "Carlos")


# -- receipts and history -----------------------------------------------------------------


async def test_receipts(phone: WawebDriver, stream: Stream) -> None:
    for kind in (
        w.ReceiptEv.DELIVERED,
        w.ReceiptEv.READ_SELF,
        w.ReceiptEv.READ,
        w.ReceiptEv.PLAYED_SELF,
        w.ReceiptEv.SERVER_ERROR,
        w.ReceiptEv.PLAYED,
    ):
        w.dispatch(phone.client, w.receipt_event(["3EB0C1", "3EB0C2"], kind))
    got = await stream.take(3)
    at = (w.T0 + 5) * 1000
    assert got == [
        proto.ReceiptEvent(w.CUSTOMER, ("3EB0C1", "3EB0C2"), proto.ReceiptStatus.DELIVERED, at),
        proto.ReceiptEvent(w.CUSTOMER, ("3EB0C1", "3EB0C2"), proto.ReceiptStatus.READ, at),
        proto.ReceiptEvent(w.CUSTOMER, ("3EB0C1", "3EB0C2"), proto.ReceiptStatus.READ, at),
    ]


async def test_a_receipt_from_a_lid_names_the_number_s_chat(
    phone: WawebDriver, stream: Stream
) -> None:
    event = w.receipt_event(
        ["3EB0C3"], w.ReceiptEv.READ, chat=w.CUSTOMER_LID, sender_alt=w.CUSTOMER
    )
    w.dispatch(phone.client, event)
    receipt = await stream.one()
    assert isinstance(receipt, proto.ReceiptEvent)
    assert receipt.chat == w.CUSTOMER


async def test_a_history_chunk(phone: WawebDriver, stream: Stream) -> None:
    photo = gateway_of(phone).serve(b"\xff\xd8\xff\xe0 historico")
    person = w.conversation(
        w.CUSTOMER_LID,
        [
            w.history_message(w.image(photo, caption="foto"), wa_id="3A10", at=w.T0 - 60),
            w.history_message(w.text("bom dia"), wa_id="3A11", from_me=True, at=w.T0 - 120),
        ],
        name="Maria Souza",
        pn=w.CUSTOMER,
        lid=w.CUSTOMER_LID,
    )
    group = w.group_history()
    event = w.history_sync(
        [person, group],
        push_names=[(w.MEMBER, "Carlos")],
        lid_mappings=[(w.MEMBER, w.MEMBER_LID)],
    )
    w.dispatch(phone.client, event)
    got = await stream.take(5)
    assert got[:2] == [
        IdentityEvent(lid=w.MEMBER_LID, jid=w.MEMBER, name="Carlos"),
        IdentityEvent(lid=w.CUSTOMER_LID, jid=w.CUSTOMER, name="Maria Souza"),
    ]
    hello, picture, member = got[2:]
    assert all(isinstance(m, MessageEvent) and m.history for m in got[2:])
    assert hello == MessageEvent(
        wa_id="3A11",
        chat=w.CUSTOMER,
        from_me=True,
        sent_at=(w.T0 - 120) * 1000,
        body="bom dia",
        chat_lid=w.CUSTOMER_LID,
        history=True,
    )
    assert isinstance(picture, MessageEvent)
    assert (picture.wa_id, picture.kind, picture.body) == ("3A10", MessageKind.IMAGE, "foto")
    assert picture.media is not None
    assert picture.media.data == photo
    assert isinstance(member, MessageEvent)
    assert (member.chat, member.sender_name, member.chat_lid) == (w.GROUP, "Carlos", None)


# -- the session ------------------------------------------------------------------------------


def unpaired(gateway: FakeGateway) -> None:
    gateway.on_connect = [
        w.qr_code(1),
        w.qr_code(2),
        w.pair_success(platform="android"),
        w.connected(),
    ]


async def test_pairing_hands_each_qr_code_and_returns_once_paired(tmp_path: Path) -> None:
    driver = fake_driver(tmp_path / "waweb", unpaired)
    shown: list[proto.Pairing] = []
    before = int(time.time() * 1000)
    info = await driver.connect(shown.append)
    assert info == proto.DeviceInfo(phone="+5521990001234", name="Loja da Maria", platform="smba")
    assert [p.qr for p in shown] == [w.qr_code(1), w.qr_code(2)]
    first, second = (p.expires_at - before for p in shown)
    assert 59_000 <= first <= 61_000  # whatsmeow shows the first code for 60 s
    assert 19_000 <= second <= 21_000  # and the next ones for 20 s
    assert await driver.connect() is info  # connected: the same session
    await driver.close()


async def test_the_reconnect_after_pairing_is_no_failure(tmp_path: Path) -> None:
    def reconnecting(gateway: FakeGateway) -> None:
        gateway.on_connect = [w.qr_code(1), w.pair_success(), w.disconnected(), w.connected()]

    driver = fake_driver(tmp_path / "waweb", reconnecting)
    info = await driver.connect(lambda _: None)
    assert info.phone == "+5521990001234"
    await driver.close()


async def test_pairing_with_a_code_typed_on_the_phone(tmp_path: Path) -> None:
    driver = fake_driver(tmp_path / "waweb", unpaired, pair_phone="+55 21 99000-1234")
    shown: list[proto.Pairing] = []
    await driver.connect(shown.append)
    assert [(p.qr, p.code) for p in shown] == [("", "ABCD-EFGH")]
    await driver.close()


async def test_an_unpaired_device_without_anyone_to_show_the_code_needs_a_person(
    tmp_path: Path,
) -> None:
    driver = fake_driver(tmp_path / "waweb", unpaired)
    with pytest.raises(proto.DeviceSetupError, match="não está conectado ao WhatsApp"):
        await driver.connect()
    await driver.close()


async def test_a_failed_pairing_is_tried_again(tmp_path: Path) -> None:
    def failing(gateway: FakeGateway) -> None:
        gateway.on_connect = [w.qr_code(1), w.pair_error("pair-device signature mismatch")]

    driver = fake_driver(tmp_path / "waweb", failing)
    with pytest.raises(proto.DeviceUnavailableError, match="signature mismatch"):
        await driver.connect(lambda _: None)
    assert gateway_of(driver).disconnects == 1
    await driver.close()


async def test_no_answer_from_whatsapp_is_a_timeout(tmp_path: Path) -> None:
    def silent(gateway: FakeGateway) -> None:
        gateway.on_connect = []

    driver = fake_driver(tmp_path / "waweb", silent, connect_timeout=0.1)
    with pytest.raises(proto.DeviceUnavailableError, match="não respondeu"):
        await driver.connect()
    await driver.close()


async def test_logged_out_on_connect_forgets_the_session(tmp_path: Path) -> None:
    def refused(gateway: FakeGateway) -> None:
        gateway.on_connect = [w.logged_out(on_connect=True)]

    folder = tmp_path / "waweb"
    driver = fake_driver(folder, refused)
    session_path(folder).write_bytes(b"chaves do aparelho")
    with pytest.raises(proto.LoggedOutError):
        await driver.connect()
    session = session_path(folder)
    assert session.read_bytes() == b""  # a new, empty one: the next connect pairs
    assert stat.S_IMODE(session.stat().st_mode) == 0o600
    await driver.close()


@pytest.mark.parametrize(
    ("build", "error"),
    [
        (lambda: w.logged_out(), proto.LoggedOutError),
        (w.stream_replaced, proto.ReplacedError),
        (lambda: w.temporary_ban(expire_seconds=7200), proto.BannedError),
        (w.disconnected, proto.DeviceUnavailableError),
    ],
    ids=["logged out", "replaced", "banned", "disconnected"],
)
async def test_what_ends_a_session_ends_the_event_stream(
    phone: WawebDriver, stream: Stream, build: Any, error: type[Exception]
) -> None:
    session_path(phone.folder).write_bytes(b"chaves do aparelho")
    wa_id = customer_writes(phone, w.text("antes"))
    w.dispatch(phone.client, build())
    assert (await stream.message()).wa_id == wa_id  # what came before is not lost
    with pytest.raises(error) as raised:
        await stream.one()
    if isinstance(raised.value, proto.BannedError):
        assert raised.value.until is not None
        assert abs(raised.value.until - (time.time() + 7200) * 1000) < 60_000
    emptied = isinstance(raised.value, proto.LoggedOutError)
    assert (session_path(phone.folder).read_bytes() == b"") is emptied


async def test_after_a_drop_it_reconnects_and_the_stream_goes_on(
    phone: WawebDriver, stream: Stream
) -> None:
    w.dispatch(phone.client, w.disconnected())
    with pytest.raises(proto.DeviceUnavailableError):
        await stream.one()
    await phone.close()  # as the runner does
    await phone.connect()
    again = Stream(phone)
    wa_id = customer_writes(phone, w.text("voltou?"))
    assert (await again.message()).wa_id == wa_id
    await again.iterator.aclose()  # type: ignore[attr-defined]
    assert gateway_of(phone).connects == 2


async def test_close_ends_the_stream_and_may_be_repeated(phone: WawebDriver) -> None:
    reader = Stream(phone)
    task = asyncio.ensure_future(reader.take())
    await asyncio.sleep(0)
    await phone.close()
    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(task, 5)
    await phone.close()
    assert gateway_of(phone).disconnects == 1


# -- sending ----------------------------------------------------------------------------------


def outbound(client_id: str, **kw: Any) -> proto.OutboundMessage:
    return proto.OutboundMessage(client_id=client_id, wa_id="", chat=w.CUSTOMER, **kw)


def with_file(mimetype: str, data: bytes, **kw: Any) -> proto.Media:
    return proto.Media(
        mimetype=mimetype, size=len(data), sha256=hashlib.sha256(data).hexdigest(), data=data, **kw
    )


async def test_a_text_goes_out_as_a_conversation(phone: WawebDriver) -> None:
    receipt = await phone.send(outbound("c-1", body="Abrimos às 9h."))
    [(to, message)] = gateway_of(phone).sent
    assert to == w.CUSTOMER
    assert message == w.e2e.Message(conversation="Abrimos às 9h.")
    assert receipt.wa_id.startswith("3EB0")
    assert receipt.at == (w.T0 + 30) * 1000


async def test_a_photo_goes_out_uploaded_with_its_size(phone: WawebDriver) -> None:
    data = sim_media.photo(random.Random(7), "A vitrine nova", "JPEG")
    media = with_file("image/jpeg", data, filename="vitrine.jpg", caption="A vitrine nova")
    await phone.send(outbound("c-2", kind=MessageKind.IMAGE, body="A vitrine nova", media=media))
    gateway = gateway_of(phone)
    assert gateway.uploads == [(data, MediaKind.IMAGE)]
    [(_, message)] = gateway.sent
    digest = hashlib.sha256(data).digest()
    expected = w.e2e.ImageMessage(
        URL=f"https://mmg.whatsapp.net/o1/{digest.hex()[:16]}",
        directPath=f"/o1/{digest.hex()[:16]}",
        mediaKey=hashlib.sha256(b"key" + data).digest(),
        fileEncSHA256=hashlib.sha256(b"enc" + data).digest(),
        fileSHA256=digest,
        fileLength=len(data),
        mediaKeyTimestamp=message.imageMessage.mediaKeyTimestamp,
        mimetype="image/jpeg",
        caption="A vitrine nova",
        width=message.imageMessage.width,
        height=message.imageMessage.height,
    )
    assert message == w.e2e.Message(imageMessage=expected)
    assert message.imageMessage.width > 0
    assert message.imageMessage.height > 0
    assert abs(message.imageMessage.mediaKeyTimestamp - time.time()) < 60


async def test_a_voice_note_goes_out_as_whatsapp_s_phones_record_it(phone: WawebDriver) -> None:
    data = sim_media.voice_note(random.Random(3), 3)
    media = with_file("audio/ogg", data, seconds=3)
    await phone.send(outbound("c-3", kind=MessageKind.VOICE, media=media))
    gateway = gateway_of(phone)
    assert gateway.uploads == [(data, MediaKind.AUDIO)]
    [(_, message)] = gateway.sent
    note = message.audioMessage
    assert note.mimetype == "audio/ogg; codecs=opus"
    assert note.PTT
    assert note.seconds == 3
    assert len(note.waveform) == 64
    assert max(note.waveform) == 100
    assert note.fileSHA256 == hashlib.sha256(data).digest()
    assert note.fileLength == len(data)


def test_the_waveform_follows_the_loudness() -> None:
    seconds, waveform = voice_shape(sim_media.voice_note(random.Random(5), 2))
    assert seconds == 2
    assert len(waveform) == 64
    assert all(0 <= level <= 100 for level in waveform)
    assert len(set(waveform)) > 4  # pulses, not a flat line


async def test_a_voice_note_that_is_not_ogg_opus_is_refused(phone: WawebDriver) -> None:
    mp3 = sim_media.audio_file(random.Random(1), 1)
    with pytest.raises(proto.DriverError, match="OGG/Opus"):
        await phone.send(
            outbound("c-4", kind=MessageKind.VOICE, media=with_file("audio/mpeg", mp3))
        )
    assert gateway_of(phone).sent == []


async def test_a_document_with_a_caption_goes_out_wrapped(phone: WawebDriver) -> None:
    data = b"%PDF-1.7 orcamento"
    media = with_file("application/pdf", data, filename="orcamento.pdf", caption="Segue")
    await phone.send(outbound("c-5", kind=MessageKind.DOCUMENT, media=media))
    [(_, message)] = gateway_of(phone).sent
    document = message.documentWithCaptionMessage.message.documentMessage
    assert (document.fileName, document.caption, document.mimetype) == (
        "orcamento.pdf",
        "Segue",
        "application/pdf",
    )
    assert gateway_of(phone).uploads == [(data, MediaKind.DOCUMENT)]


async def test_a_file_that_did_not_reach_the_bridge_is_refused(phone: WawebDriver) -> None:
    media = proto.Media(mimetype="image/jpeg", sha256="ab" * 32)
    with pytest.raises(proto.DriverError, match="não chegou"):
        await phone.send(outbound("c-6", kind=MessageKind.IMAGE, media=media))


async def test_a_resend_is_the_first_message(phone: WawebDriver, tmp_path: Path) -> None:
    message = outbound("c-7", body="Uma vez só")
    first = await phone.send(message)
    assert await phone.send(message) == first
    assert len(gateway_of(phone).sent) == 1
    # and after a restart of the bridge, from the driver's own file
    await phone.close()
    again = fake_driver(phone.folder)
    await again.connect()
    assert await again.send(message) == first
    assert gateway_of(again).sent == []
    await again.close()


async def test_a_send_whatsapp_did_not_acknowledge_is_never_repeated(phone: WawebDriver) -> None:
    gateway_of(phone).send_error = GatewayError("context deadline exceeded")
    message = outbound("c-8", body="Chegou?")
    with pytest.raises(proto.DriverError, match="não confirmou"):
        await phone.send(message)
    gateway_of(phone).send_error = None
    with pytest.raises(proto.DriverError, match="não dá para saber se ela chegou"):
        await phone.send(message)
    assert gateway_of(phone).sent == []


async def test_a_send_cut_by_a_crash_is_not_repeated(phone: WawebDriver) -> None:
    await phone.close()
    outbox = Outbox(phone.folder / "sent.db")
    outbox.intend("c-9", w.CUSTOMER)  # the process died before WhatsApp answered
    outbox.close()
    await phone.connect()
    with pytest.raises(proto.DriverError, match="interrompido"):
        await phone.send(outbound("c-9", body="Chegou?"))
    assert gateway_of(phone).sent == []


async def test_a_send_refused_before_leaving_is_retried(phone: WawebDriver) -> None:
    gateway_of(phone).connected = False  # the socket dropped; Disconnected not yet seen
    message = outbound("c-10", body="Agora vai")
    with pytest.raises(proto.DeviceUnavailableError):
        await phone.send(message)
    gateway_of(phone).connected = True
    receipt = await phone.send(message)
    assert [m.conversation for _, m in gateway_of(phone).sent] == ["Agora vai"]
    assert receipt.wa_id


# -- photos ------------------------------------------------------------------------------------


async def test_a_profile_photo(phone: WawebDriver) -> None:
    gateway_of(phone).photos[w.CUSTOMER] = PHOTO
    assert await phone.fetch_profile_photo(w.CUSTOMER) == PHOTO
    assert await phone.fetch_profile_photo(w.MEMBER) is None
