"""What every phone driver does, whatever phone it drives (bridge/protocol.py).

Each registered driver runs the same checks through a ``Seat``: how to build it quiet in a
folder and how to make a customer write to it (the one thing the protocol itself cannot
do). A driver is built both with everything it can do and with the least it may declare,
so each optional capability is checked present and absent: an absent one raises
NotSupportedError and the runner never asks for it.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
import pytest

from bridge.drivers import DRIVERS, DriverOptionsError, driver_spec, load_driver, read_options
from bridge.drivers.sim import SimulatedPhone
from bridge.drivers.sim import media as sim_media
from bridge.drivers.waweb.driver import WawebDriver
from bridge.protocol import (
    Capability,
    DeviceInfo,
    Media,
    MessageEvent,
    MessageKind,
    NotSupportedError,
    OutboundMessage,
    PhoneDriver,
    PhoneStatus,
    ReceiptEvent,
    SentReceipt,
)
from tests.bridge import waweb_events as w
from tests.bridge.sim_helpers import Drain, connected
from tests.bridge.waweb_fake import PHOTO, FakeGateway, fake_driver
from tests.harness import wait_until_async
from wire import contract as c

CUSTOMER_NUMBER = "+5511987654321"
CUSTOMER = "5511987654321@s.whatsapp.net"
OPTIONAL = frozenset(Capability) - {Capability.PAIRING}


@dataclass(frozen=True)
class Seat:
    """One way to run a driver in the tests."""

    driver: str
    options: dict[str, Any]
    # What the driver built with those options declares.
    capabilities: frozenset[Capability]
    # A customer writes ``text`` to the phone; returns the chat's JID.
    customer_writes: Callable[[PhoneDriver, str], Awaitable[str]]
    # Builds the driver in a device's folder, for a driver whose phone the tests replace
    # (None: the registry builds it, as the bridge does).
    build: Callable[[Path], PhoneDriver] | None = None

    def make(self, device_dir: Path) -> PhoneDriver:
        if self.build is not None:
            return self.build(device_dir)
        return load_driver(self.driver, device_dir, self.options)


async def _sim_customer_writes(phone: PhoneDriver, text: str) -> str:
    assert isinstance(phone, SimulatedPhone)
    phone.receive(CUSTOMER_NUMBER, text)
    return CUSTOMER


async def _waweb_customer_writes(phone: PhoneDriver, text: str) -> str:
    """WhatsApp delivers a customer's message: through neonize's own dispatch."""
    assert isinstance(phone, WawebDriver)
    w.dispatch(phone.client, w.message_event(w.text(text), chat=CUSTOMER, push_name="Cliente"))
    return CUSTOMER


def _waweb(device_dir: Path) -> PhoneDriver:
    """The waweb driver, WhatsApp replaced at the gateway (tests/bridge/waweb_fake.py)."""

    def with_photo(gateway: FakeGateway) -> None:
        gateway.photos[CUSTOMER] = PHOTO

    return fake_driver(device_dir / "waweb", with_photo)


QUIET = {"rate": 0, "delivery_delay": 0, "read_delay": 0, "initial_sync": False}
SEATS = {
    "sim": Seat("sim", QUIET, OPTIONAL, _sim_customer_writes),
    "sim-least": Seat(
        "sim",
        {**QUIET, "own_ids": True, "without": sorted(OPTIONAL)},
        frozenset(),
        _sim_customer_writes,
    ),
    "waweb": Seat(
        "waweb",
        {},
        frozenset({Capability.PAIRING, Capability.PHOTOS, Capability.SEND_MEDIA}),
        _waweb_customer_writes,
        _waweb,
    ),
}


@pytest.fixture(params=sorted(SEATS))
def seat(request: pytest.FixtureRequest) -> Seat:
    return SEATS[request.param]


@pytest.fixture
async def driver(seat: Seat, tmp_path: Path) -> AsyncIterator[PhoneDriver]:
    async with connected(seat.make(tmp_path)) as phone:
        yield phone


@pytest.fixture
def phone(driver: PhoneDriver) -> PhoneDriver:
    """The driver under test, as tests/bridge/conftest.py's ``drain`` asks for it."""
    return driver


def outbound(client_id: str, **kw: Any) -> OutboundMessage:
    return OutboundMessage(
        client_id=client_id, wa_id=c.wa_id_for_client(client_id), chat=CUSTOMER, **kw
    )


# -- registration -------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(DRIVERS))
def test_every_registered_driver_has_typed_options_that_refuse_the_unknown(name: str) -> None:
    spec = driver_spec(name)
    assert spec.name == name
    assert spec.summary
    read_options(spec, {})  # every option has a default
    with pytest.raises(DriverOptionsError, match=f"opção inválida para o driver {name}"):
        read_options(spec, {"no_such_option": 1})
    assert issubclass(spec.options, msgspec.Struct)


def test_an_unknown_driver_is_named_in_the_error(tmp_path: Path) -> None:
    with pytest.raises(DriverOptionsError, match="driver desconhecido: 'nokia'"):
        load_driver("nokia", tmp_path, {})


def test_option_values_are_checked_against_their_types(tmp_path: Path) -> None:
    spec = driver_spec("sim")
    assert read_options(spec, {"rate": "0", "initial_sync": "false"}).rate == 0
    for bad in ({"rate": "depressa"}, {"rate": -1}, {"without": ["teleport"]}):
        with pytest.raises(DriverOptionsError):
            read_options(spec, bad)


# -- every driver ---------------------------------------------------------------------------


async def test_it_declares_what_it_can_do_and_says_who_it_is(
    seat: Seat, driver: PhoneDriver
) -> None:
    assert isinstance(driver, PhoneDriver)
    assert driver.name in DRIVERS
    assert driver.capabilities == seat.capabilities
    assert {str(x) for x in driver.capabilities} <= set(c.CAPABILITIES)
    info = await driver.connect()  # again: the same session
    assert isinstance(info, DeviceInfo)
    assert info.name


async def test_a_customer_s_message_comes_through_the_event_stream(
    seat: Seat, driver: PhoneDriver, drain: Drain
) -> None:
    chat = await seat.customer_writes(driver, "Vocês abrem no sábado?")
    await wait_until_async(lambda: drain.messages("Vocês abrem no sábado?"), what="the message")
    [message] = drain.messages("Vocês abrem no sábado?")
    assert (message.chat, message.from_me, message.kind) == (chat, False, MessageKind.TEXT)
    assert message.wa_id
    assert message.sent_at > 0


async def test_a_text_goes_out_once_whatever_the_resends(driver: PhoneDriver) -> None:
    message = outbound("conf-1", body="Abrimos sim, das 9h às 13h.")
    first = await driver.send(message)
    assert isinstance(first, SentReceipt)
    assert first.at > 0
    if Capability.CHOSEN_ID in driver.capabilities:
        assert first.wa_id == message.wa_id
    again = await driver.send(message)
    assert again.wa_id == first.wa_id


async def test_media_goes_out_only_from_a_driver_that_sends_files(driver: PhoneDriver) -> None:
    data = sim_media.photo(random.Random(7), "A vitrine nova", "JPEG")
    media = Media(
        mimetype="image/jpeg",
        filename="vitrine.jpg",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        caption="A vitrine nova",
        data=data,
    )
    message = outbound("conf-media", kind=MessageKind.IMAGE, body="A vitrine nova", media=media)
    if Capability.SEND_MEDIA in driver.capabilities:
        receipt = await driver.send(message)
        assert receipt.wa_id
    else:
        with pytest.raises(NotSupportedError):
            await driver.send(message)


async def test_each_optional_capability_works_or_says_it_is_not_there(
    seat: Seat, driver: PhoneDriver, drain: Drain
) -> None:
    chat = await seat.customer_writes(driver, "Tem a camiseta azul?")
    await wait_until_async(lambda: drain.messages("Tem a camiseta azul?"), what="the message")
    sent = await driver.send(outbound("conf-2", body="Tem sim!"))
    calls: dict[Capability, Callable[[], Awaitable[Any]]] = {
        Capability.HISTORY: lambda: driver.fetch_history(chat, None, 10),
        Capability.RECHECK: lambda: driver.recheck_receipts(chat, [sent.wa_id]),
        Capability.PHOTOS: lambda: driver.fetch_profile_photo(chat),
        Capability.PHONE_STATUS: driver.status,
    }
    for capability, call in calls.items():
        if capability not in driver.capabilities:
            with pytest.raises(NotSupportedError):
                await call()
            continue
        answer = await call()
        if capability is Capability.HISTORY:
            assert all(isinstance(m, MessageEvent) and m.chat == chat for m in answer)
            assert "Tem a camiseta azul?" in [m.body for m in answer]
        elif capability is Capability.RECHECK:
            assert all(isinstance(r, ReceiptEvent) for r in answer)
        elif capability is Capability.PHOTOS:
            assert answer is None or answer.startswith(b"\xff\xd8")  # a JPEG
        else:
            assert isinstance(answer, PhoneStatus)
            assert answer.pending >= 0


async def test_closing_ends_the_event_stream_and_may_be_repeated(
    seat: Seat, tmp_path: Path
) -> None:
    phone = seat.make(tmp_path / "closing")
    await phone.connect()
    reader = Drain(phone)
    await phone.close()
    await asyncio.wait_for(reader.task, 10)
    await phone.close()
