"""The simulated phone: a WhatsApp phone with customers, for the demo and the tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bridge.drivers.sim.control import ControlServer
from bridge.drivers.sim.phone import Chaos, PhoneService, SimSettings, SimulatedPhone

__all__ = ["Chaos", "PhoneService", "SimSettings", "SimulatedPhone", "simulated_phone"]


def simulated_phone(
    state_dir: str | Path, *, control: bool = True, **options: Any
) -> SimulatedPhone:
    """The phone at ``state_dir`` with, unless ``control`` is false, its control API
    (``balcao-sim`` and the tests drive customers through it) started beside it."""
    phone = SimulatedPhone(state_dir, **options)
    if control:
        phone.services.append(ControlServer(phone, phone.state_dir))
    return phone
