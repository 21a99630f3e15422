"""The simulated phone: a WhatsApp phone with customers, for the demo and the tests."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import msgspec
from msgspec import Meta

from bridge.drivers import DriverSpec
from bridge.drivers.sim.control import ControlServer
from bridge.drivers.sim.phone import QR_SECONDS, Chaos, PhoneService, SimSettings, SimulatedPhone
from bridge.protocol import Capability, PhoneDriver

__all__ = ["SPEC", "Chaos", "PhoneService", "SimOptions", "SimSettings", "SimulatedPhone"]

Share = Annotated[float, Meta(ge=0, le=1)]
Seconds = Annotated[float, Meta(ge=0, le=86_400)]


class SimOptions(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """``balcao bridge --driver sim -o KEY=VALUE``; None keeps what the phone's store holds."""

    seed: int = 1
    rate: Annotated[float, Meta(ge=0, le=60_000)] | None = None  # customer messages/min
    delivery_delay: Seconds | None = None
    read_delay: Seconds | None = None
    contacts: Annotated[int, Meta(ge=0, le=100_000)] = 12
    history_days: Annotated[int, Meta(ge=0, le=3650)] = 90
    initial_sync: bool = True
    lid_only_share: Share = 0.15
    customer_media: bool = True
    phone_number: Annotated[str, Meta(max_length=32)] = "+5511940000000"
    device_name: Annotated[str, Meta(max_length=100)] = "Celular da loja (simulado)"
    duplicate: Share | None = None
    reorder: Annotated[int, Meta(ge=0, le=1000)] | None = None
    own_ids: bool = False
    # Capabilities the phone pretends to lack (e.g. -o without='["history","photos"]').
    without: Annotated[frozenset[Capability], Meta(max_length=16)] = frozenset()
    # Pairs like a linked device: unpaired at first, it shows QR codes (a new one every
    # qr_seconds) until the control API's /pair; /end logs it out, replaces or bans it.
    linked: bool = False
    qr_seconds: Annotated[float, Meta(ge=0.05, le=600)] = QR_SECONDS


def simulated_phone(
    state_dir: str | Path, *, control: bool = True, **options: Any
) -> SimulatedPhone:
    """The phone at ``state_dir`` with, unless ``control`` is false, its control API
    (``balcao-sim`` and the tests drive customers through it) started beside it."""
    phone = SimulatedPhone(state_dir, **options)
    if control:
        phone.services.append(ControlServer(phone, phone.state_dir))
    return phone


def _build(state_dir: Path, options: SimOptions) -> PhoneDriver:
    return simulated_phone(state_dir, **msgspec.structs.asdict(options))


SPEC = DriverSpec(
    name="sim",
    summary="celular simulado, com clientes (demonstração e testes)",
    options=SimOptions,
    build=_build,
)
