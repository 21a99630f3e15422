"""The simulated phone through its public interface: the PhoneDriver protocol and its controls."""

from __future__ import annotations

import asyncio
import io
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path

import av
import httpx
import pytest
from PIL import Image

from bridge import protocol as p
from bridge.drivers.sim import SimulatedPhone, simulated_phone
from bridge.protocol import MessageEvent, MessageKind, ReceiptEvent, ReceiptStatus
from tests.bridge.sim_helpers import Drain, connected
from wire.numbers import InvalidNumberError, normalize_number

CUSTOMER = "5511987654321@s.whatsapp.net"
QUIET = {"rate": 0, "delivery_delay": 0, "read_delay": 0, "initial_sync": False}


@pytest.fixture
async def phone(tmp_path: Path) -> AsyncIterator[SimulatedPhone]:
    async with connected(simulated_phone(tmp_path / "sim", **QUIET)) as p:
        yield p


def out(wa_id: str, chat: str = CUSTOMER, client_id: str | None = None, text: str = "Olá!"):
    return p.OutboundMessage(client_id=client_id or f"c-{wa_id}", wa_id=wa_id, chat=chat, body=text)


def receipts_of(drain: Drain, wa_id: str) -> list[ReceiptStatus]:
    return [e.status for e in drain.of(ReceiptEvent) if wa_id in e.wa_ids]


async def test_is_a_phone_driver(phone: SimulatedPhone) -> None:
    assert isinstance(phone, p.PhoneDriver)
    assert phone.name == "sim"
    info = await phone.connect()
    assert info == p.DeviceInfo(phone="+5511940000000", name=info.name, platform="sim")
    status = await phone.status()
    assert (status.online, status.pending, status.signal) == (True, 0, 4)


async def test_a_second_process_cannot_take_the_same_phone(
    phone: SimulatedPhone, tmp_path: Path
) -> None:
    other = simulated_phone(tmp_path / "sim", **QUIET)
    with pytest.raises(p.DeviceUnavailableError):
        await other.connect()


async def test_resending_the_same_wa_id_is_not_a_second_copy(
    phone: SimulatedPhone, drain: Drain
) -> None:
    first = await phone.send(out("W1", client_id="c1"))
    again = await phone.send(out("W1", client_id="c1"))
    assert again == first
    assert first.pending is False
    await drain.until(lambda d: ReceiptStatus.READ in receipts_of(d, "W1"), "W1 read")
    assert await phone.send(out("W1", client_id="c1")) == first
    assert phone.received() == [
        {"client_id": "c1", "wa_id": "W1", "to": CUSTOMER, "text": "Olá!", "copies": 1}
    ]
    # A new wa_id for the same client message is a real second copy on the customer's phone.
    await phone.send(out("W2", client_id="c1"))
    assert [r["copies"] for r in phone.received()] == [2]


async def test_offline_phone_queues_in_order_and_drains_when_back(
    phone: SimulatedPhone, drain: Drain
) -> None:
    phone.set_online(False)
    receipts = [await phone.send(out(f"Q{i}", text=f"msg {i}")) for i in range(3)]
    assert [r.pending for r in receipts] == [True, True, True]
    assert (await phone.send(out("Q0", text="msg 0"))).pending is True
    status = await phone.status()
    assert (status.online, status.pending, status.signal) == (False, 3, 0)
    assert [r["copies"] for r in phone.received()] == [0, 0, 0]
    await drain.until(lambda d: p.PhoneQueueEvent(pending=3) in d.events, "queue of 3")
    assert drain.of(ReceiptEvent) == []

    phone.set_online(True)
    await drain.until(
        lambda d: all(ReceiptStatus.READ in receipts_of(d, f"Q{i}") for i in range(3)), "reads"
    )
    sent = [e.wa_ids for e in drain.of(ReceiptEvent) if e.status == ReceiptStatus.SENT]
    assert sent == [("Q0",), ("Q1",), ("Q2",)]
    assert drain.events.index(p.PhoneQueueEvent(pending=0)) > drain.events.index(
        next(e for e in drain.of(ReceiptEvent) if e.wa_ids == ("Q2",))
    )
    assert (await phone.status()).pending == 0
    assert [(r["wa_id"], r["copies"]) for r in phone.received()] == [
        ("Q0", 1),
        ("Q1", 1),
        ("Q2", 1),
    ]


async def test_receipts_only_move_forward(phone: SimulatedPhone, drain: Drain) -> None:
    phone.set_online(False)
    for i in range(5):
        await phone.send(out(f"R{i}"))
    phone.set_online(True)
    for i in range(5, 10):
        await phone.send(out(f"R{i}"))
    await drain.until(
        lambda d: all(ReceiptStatus.READ in receipts_of(d, f"R{i}") for i in range(10)), "reads"
    )
    order = [ReceiptStatus.SENT, ReceiptStatus.DELIVERED, ReceiptStatus.READ]
    for i in range(10):
        seen = receipts_of(drain, f"R{i}")
        assert seen == sorted(seen, key=order.index)
        assert len(seen) == len(set(seen))
    checked = await phone.recheck_receipts(CUSTOMER, [f"R{i}" for i in range(10)] + ["nope"])
    assert [(e.status, len(e.wa_ids)) for e in checked] == [(ReceiptStatus.READ, 10)]


async def test_customer_known_by_lid_reveals_the_number(
    phone: SimulatedPhone, drain: Drain
) -> None:
    phone.receive("+55 21 99876-5432", "Oi, vocês entregam em Niterói?", lid_only=True, name="Bia")
    first = (await drain.until(lambda d: d.of(MessageEvent), "a message"))[0]
    assert first.chat.endswith("@lid")
    assert first.chat_lid == first.chat
    assert (first.sender_name, first.body) == ("Bia", "Oi, vocês entregam em Niterói?")
    assert await phone.fetch_history("5521998765432@s.whatsapp.net", None, 10) == []

    await phone.send(out("L1", chat=first.chat, client_id="c-lid"))
    await drain.until(lambda d: ReceiptStatus.READ in receipts_of(d, "L1"), "L1 read")
    assert {e.chat for e in drain.of(ReceiptEvent)} == {first.chat}

    identity = phone.reveal(first.chat)
    assert identity == p.IdentityEvent(
        lid=first.chat, jid="5521998765432@s.whatsapp.net", name="Bia"
    )
    phone.receive("21998765432", "Meu número é esse")
    await drain.until(lambda d: len(d.of(MessageEvent)) == 2, "second message")
    assert identity in drain.events
    second = drain.of(MessageEvent)[1]
    assert (second.chat, second.chat_lid) == ("5521998765432@s.whatsapp.net", first.chat)
    assert drain.events.index(identity) < drain.events.index(second)
    assert [(r["to"], r["copies"]) for r in phone.received()] == [(first.chat, 1)]


async def test_history_older_than_the_box_is_there_from_the_first_run(tmp_path: Path) -> None:
    started = int(time.time() * 1000)
    phone = simulated_phone(tmp_path / "sim", rate=0, initial_sync=True, contacts=6)
    await phone.connect()
    try:
        drain = Drain(phone)
        synced = await drain.until(
            lambda d: phone.describe()["events_waiting"] == 0 and d.of(MessageEvent),
            "history sync",
        )
        assert all(e.history and e.sent_at < started for e in synced)
        chat = next(e.chat for e in synced if e.chat.endswith("@s.whatsapp.net"))
        oldest_synced = min(e.sent_at for e in synced if e.chat == chat)

        older = await phone.fetch_history(chat, oldest_synced, 50)
        assert older, "reload older messages finds something"
        assert all(m.sent_at < oldest_synced and m.history and m.chat == chat for m in older)
        assert [m.sent_at for m in older] == sorted(m.sent_at for m in older)
        assert {m.from_me for m in older} | {e.from_me for e in synced if e.chat == chat} == {
            True,
            False,
        }
        page = await phone.fetch_history(chat, None, 2)
        assert len(page) == 2
        assert page[-1].sent_at == max(e.sent_at for e in synced if e.chat == chat)
        assert await phone.fetch_history(chat, older[0].sent_at, 50) == [
            m for m in older if m.sent_at < older[0].sent_at
        ]
        lists = phone.broadcast_lists()
        assert [b["name"] for b in lists] == ["Promoções da semana", "Clientes VIP"]
        assert any(e.chat == lists[0]["jid"] and e.from_me for e in synced)
        drain.task.cancel()
    finally:
        await phone.close()


async def test_customers_send_media_people_can_open(phone: SimulatedPhone, drain: Drain) -> None:
    kinds = ("image", "voice", "audio", "video", "sticker", "document", "location", "contact")
    for kind in kinds:
        phone.receive("11 98765-4321", kind=kind)
    messages = await drain.until(
        lambda d: len(d.of(MessageEvent)) == len(kinds) and d.of(MessageEvent)
    )
    by_kind = {m.kind: m for m in messages}

    image = by_kind[MessageKind.IMAGE].media
    assert image is not None
    assert image.data is not None
    assert Image.open(io.BytesIO(image.data)).size == (320, 240)
    assert image.mimetype in ("image/jpeg", "image/png")
    assert image.size == len(image.data)

    voice = by_kind[MessageKind.VOICE].media
    assert voice is not None
    assert voice.data is not None
    assert voice.mimetype == "audio/ogg; codecs=opus"
    assert voice.seconds >= 1
    with av.open(io.BytesIO(voice.data)) as container:
        assert container.streams.audio[0].codec_context.name == "opus"

    audio = by_kind[MessageKind.AUDIO].media
    assert audio is not None
    assert audio.data is not None
    assert audio.mimetype == "audio/mpeg"
    with av.open(io.BytesIO(audio.data)) as container:
        assert container.streams.audio[0].codec_context.name.startswith("mp3")
        assert container.duration is not None
        assert container.duration / 1_000_000 == pytest.approx(audio.seconds, abs=0.2)

    video = by_kind[MessageKind.VIDEO].media
    assert video is not None
    assert video.data is not None
    assert video.mimetype == "video/mp4"
    with av.open(io.BytesIO(video.data)) as container:
        assert container.streams.video[0].codec_context.name == "h264"
        frame = next(container.decode(video=0))
        assert (frame.width, frame.height) == (160, 120)

    sticker = by_kind[MessageKind.STICKER].media
    assert sticker is not None
    assert sticker.data is not None
    assert sticker.mimetype == "image/webp"
    with Image.open(io.BytesIO(sticker.data)) as picture:
        assert picture.format == "WEBP"
        assert picture.mode == "RGBA"

    document = by_kind[MessageKind.DOCUMENT].media
    assert document is not None
    assert document.data is not None
    assert document.data.startswith(b"%PDF-")
    assert document.data.rstrip().endswith(b"%%EOF")

    location = by_kind[MessageKind.LOCATION].media
    assert location is not None
    assert {"lat", "lng", "name"} <= set(location.extra)
    contact = by_kind[MessageKind.CONTACT].media
    assert contact is not None
    assert contact.extra["phones"][0].startswith("+55")
    assert contact.data is not None
    assert contact.data.startswith(b"BEGIN:VCARD")


async def test_customers_write_on_their_own_at_the_configured_rate(
    phone: SimulatedPhone, drain: Drain
) -> None:
    phone.update_settings(rate=60_000)
    await drain.until(lambda d: len(d.of(MessageEvent)) >= 5, "customer messages")
    phone.update_settings(rate=0)
    for message in drain.of(MessageEvent):
        assert not message.from_me
        assert not message.history
        assert message.chat.endswith(("@s.whatsapp.net", "@lid"))
        assert message.sender_name
        if message.chat.endswith("@s.whatsapp.net"):
            assert message.chat.startswith("55")
            assert message.chat[4] == "9"


async def test_same_seed_tells_the_same_story(tmp_path: Path) -> None:
    names = []
    for folder in ("a", "b"):
        p = simulated_phone(tmp_path / folder, seed=7, **QUIET)
        names.append([(e.chat, e.sender_name, e.body) for e in await _history(p)])
        await p.close()
    assert names[0] == names[1]
    other = simulated_phone(tmp_path / "c", seed=8, **QUIET)
    assert [(e.chat, e.sender_name, e.body) for e in await _history(other)] != names[0]
    await other.close()


async def _history(phone: SimulatedPhone) -> list[MessageEvent]:
    await phone.connect()
    events = []
    for chat in ("5511987654321@s.whatsapp.net",):
        phone.receive(chat, "Oi")
        events += await phone.fetch_history(chat, None, 5)
    for contact in phone.contacts()[:4]:
        events += await phone.fetch_history(contact["chat"], None, 10)
    return [replace_wa_id(e) for e in events]


def replace_wa_id(event: MessageEvent) -> MessageEvent:
    return MessageEvent(**{**event.__dict__, "wa_id": "", "sent_at": 0})


async def test_profile_photos(phone: SimulatedPhone) -> None:
    contacts = phone.contacts()
    assert any(c["jid"] is None and c["chat"] == c["lid"] for c in contacts), "a LID-only one"
    photos = [await phone.fetch_profile_photo(c["chat"]) for c in contacts]
    assert [p is not None for p in photos] == [c["photo"] for c in contacts]
    assert None in photos
    jpeg = next(p for p in photos if p)
    assert Image.open(io.BytesIO(jpeg)).size == (96, 96)
    assert await phone.fetch_profile_photo("5599999999999@s.whatsapp.net") is None


async def test_events_pending_when_the_bridge_stops_come_back(tmp_path: Path) -> None:
    phone = simulated_phone(tmp_path / "sim", **QUIET)
    await phone.connect()
    wa_ids = phone.receive("11987654321", "pedido", count=4)
    events = phone.events()
    first = await anext(events)
    second = await anext(events)  # asking for the second one marks the first as taken
    await events.aclose()
    await phone.close()
    assert [first.wa_id, second.wa_id] == wa_ids[:2]  # type: ignore[union-attr]

    again = simulated_phone(tmp_path / "sim", **QUIET)
    await again.connect()
    events = again.events()
    redelivered = [await anext(events) for _ in range(3)]
    await events.aclose()
    await again.close()
    assert [e.wa_id for e in redelivered] == wa_ids[1:]  # type: ignore[union-attr]


async def test_chaos_duplicates_replays_and_reorders(phone: SimulatedPhone, drain: Drain) -> None:
    phone.set_chaos(duplicate=1.0)
    doubled = phone.receive("11987654321", "duas vezes")
    await drain.until(lambda d: len(d.of(MessageEvent)) == 2)
    assert [e.wa_id for e in drain.of(MessageEvent)] == doubled * 2

    phone.set_chaos(duplicate=0)
    more = phone.receive("11987654321", "de novo", count=3)
    await drain.until(
        lambda d: len(d.of(MessageEvent)) == 5 and not phone.describe()["events_waiting"]
    )
    assert phone.replay(2) == 2
    await drain.until(lambda d: len(d.of(MessageEvent)) == 7)
    assert [e.wa_id for e in drain.of(MessageEvent)[5:]] == more[1:]

    drain.task.cancel()
    phone.set_chaos(reorder=2)
    burst = phone.burst(4)
    events = phone.events()
    got = [await anext(events) for _ in range(4)]
    await events.aclose()
    assert [e.wa_id for e in got] == [burst[1], burst[0], burst[3], burst[2]]  # type: ignore[union-attr]


async def test_chaos_can_be_set_when_the_phone_is_made(tmp_path: Path) -> None:
    phone = simulated_phone(tmp_path / "sim", **QUIET, duplicate=1.0, reorder=3)
    assert phone.describe()["chaos"] == {"duplicate": 1.0, "reorder": 3}
    await phone.connect()
    try:
        [wa_id] = phone.receive("11987654321", "oi")
        events = phone.events()
        assert [(await anext(events)).wa_id for _ in range(2)] == [wa_id, wa_id]  # type: ignore[union-attr]
        await events.aclose()
    finally:
        await phone.close()


async def test_broadcast_lists_and_messages_typed_on_the_phone(
    phone: SimulatedPhone, drain: Drain
) -> None:
    promo = phone.broadcast_lists()[0]
    assert promo["jid"].endswith("@broadcast")
    assert promo["members"]
    assert (await phone.send(out("B1", chat=promo["jid"]))).pending is False
    wa_id = phone.type_on_phone("+55 11 98765-4321", "Oi, aqui é da loja")
    typed = await drain.until(lambda d: [m for m in d.of(MessageEvent) if m.wa_id == wa_id])
    assert typed[0].from_me
    assert typed[0].chat == CUSTOMER
    assert [r["wa_id"] for r in phone.received()] == ["B1"]


@pytest.mark.parametrize(
    ("chat", "message"),
    [("5511987654321", "JID inválido"), ("123456@broadcast", "lista de transmissão desconhecida")],
)
async def test_sending_to_a_bad_chat_fails(phone: SimulatedPhone, chat: str, message: str) -> None:
    from bridge.protocol import DriverError

    with pytest.raises(DriverError, match=message):
        await phone.send(out("X1", chat=chat))
    assert phone.received() == []


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("+55 11 98765-4321", "+5511987654321"),
        ("11987654321", "+5511987654321"),
        ("(11) 8765-4321", "+5511987654321"),
        ("5521998765432", "+5521998765432"),
        ("+55 11 3456-7890", "+551134567890"),
        ("+1 650 253 0000", "+16502530000"),
    ],
)
def test_numbers_as_people_type_them(typed: str, e164: str) -> None:
    assert normalize_number(typed) == e164


@pytest.mark.parametrize("typed", ["12345", "", "abc", "+55 11 1234"])
def test_invalid_numbers_are_refused_in_portuguese(typed: str) -> None:
    with pytest.raises(InvalidNumberError, match="Número de telefone inválido"):
        normalize_number(typed)


async def test_control_api_needs_the_token_and_explains_bad_requests(
    phone: SimulatedPhone, drain: Drain
) -> None:
    control = json.loads((phone.state_dir / "control.json").read_text())
    assert oct((phone.state_dir / "control.json").stat().st_mode & 0o777) == "0o600"
    base = f"http://127.0.0.1:{control['port']}"
    auth = {"Authorization": f"Bearer {control['token']}"}
    async with httpx.AsyncClient(base_url=base, timeout=10) as http:
        assert (await http.get("/status")).status_code == 401
        wrong = await http.get("/status", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401

        bad = [
            ("/send", {"text": "oi"}, "'from' é obrigatório"),
            ("/send", {"from": "123", "text": "oi"}, "Número de telefone inválido"),
            ("/send", {"from": "11987654321", "count": "3"}, "número inteiro"),
            ("/send", {"from": "11987654321", "kind": "enquete"}, "não suportado"),
            ("/settings", {"rate": -1}, "negativos"),
            ("/settings", {"speed": 2}, "campos desconhecidos: speed"),
            ("/chaos", {"duplicate": 2}, "entre 0 e 1"),
            ("/reveal", {"who": "999999@lid"}, "contato desconhecido"),
        ]
        for path, body, message in bad:
            r = await http.post(path, json=body, headers=auth)
            assert r.status_code == 400, (path, body, r.text)
            assert message in r.json()["error"]
        r = await http.post("/send", content=b"{not json", headers=auth)
        assert (r.status_code, r.json()["error"]) == (400, "o corpo não é JSON válido")
        assert (await http.get("/nowhere", headers=auth)).status_code == 404
        assert (await http.get("/send", headers=auth)).status_code == 405

        ok = await http.post("/send", json={"from": "11987654321", "text": "oi"}, headers=auth)
        assert ok.status_code == 200
        [wa_id] = ok.json()["wa_ids"]
        await drain.until(lambda d: [m for m in d.of(MessageEvent) if m.wa_id == wa_id])
        burst = await http.post("/burst", json={"count": 3}, headers=auth)
        assert burst.json()["count"] == 3


async def test_close_ends_the_event_stream_and_removes_control_file(tmp_path: Path) -> None:
    phone = simulated_phone(tmp_path / "sim", **QUIET)
    await phone.connect()
    assert (tmp_path / "sim" / "control.json").exists()
    drain = Drain(phone)
    phone.receive("11987654321", "oi")
    await drain.until(lambda d: d.events)
    await phone.close()
    await asyncio.wait_for(drain.task, 5)
    assert not (tmp_path / "sim" / "control.json").exists()
    with pytest.raises(p.DeviceUnavailableError):
        await phone.send(out("late"))

    await phone.connect()
    try:
        assert (await phone.send(out("late"))).pending is False
        assert (tmp_path / "sim" / "control.json").exists()
    finally:
        await phone.close()


async def test_customers_sometimes_answer_what_they_read(
    phone: SimulatedPhone, drain: Drain
) -> None:
    phone.update_settings(rate=0.0001)
    for i in range(20):
        await phone.send(out(f"A{i}", chat=f"55119876543{i:02d}@s.whatsapp.net"))
    answers = await drain.until(lambda d: d.of(MessageEvent), "an answer")
    phone.update_settings(rate=0)
    answer = answers[0]
    assert not answer.from_me
    read = [e for e in drain.of(ReceiptEvent) if e.status == ReceiptStatus.READ]
    assert any(e.chat == answer.chat for e in read)
    assert drain.events.index(answer) > drain.events.index(
        next(e for e in read if e.chat == answer.chat)
    )


async def test_without_signal_customers_messages_wait_for_the_phone(
    phone: SimulatedPhone, drain: Drain
) -> None:
    phone.set_online(False)
    waiting = phone.receive("11987654321", "Alô?", count=2)
    await phone.send(out("S1"))
    await drain.until(lambda d: d.of(p.PhoneQueueEvent), "queue event")
    assert drain.of(MessageEvent) == []
    phone.set_online(True)
    arrived = await drain.until(lambda d: len(d.of(MessageEvent)) == 2 and d.of(MessageEvent))
    assert [m.wa_id for m in arrived] == waiting
    sent = next(e for e in drain.of(ReceiptEvent) if e.status == ReceiptStatus.SENT)
    assert drain.events.index(sent) < drain.events.index(arrived[0])


async def test_lid_only_customers_reveal_their_number_on_their_own(tmp_path: Path) -> None:
    phone = simulated_phone(
        tmp_path / "sim", **QUIET, contacts=0, lid_only_share=1.0, customer_media=False
    )
    await phone.connect()
    try:
        drain = Drain(phone)
        phone.update_settings(rate=60_000)
        identity = (await drain.until(lambda d: d.of(p.IdentityEvent), "an identity"))[0]
        later = await drain.until(
            lambda d: [
                m
                for m in d.of(MessageEvent)
                if m.chat_lid == identity.lid and d.events.index(m) > d.events.index(identity)
            ],
            "a message after the reveal",
        )
        phone.update_settings(rate=0)
        assert later[0].chat == identity.jid
        before = [m for m in drain.of(MessageEvent) if m.chat == identity.lid]
        assert before, "the customer wrote from the LID before"
        assert identity.name == before[0].sender_name
        drain.task.cancel()
    finally:
        await phone.close()
