"""Fixtures the bridge's tests share."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bridge.protocol import PhoneDriver
from tests.bridge.sim_helpers import Drain


@pytest.fixture
async def drain(phone: PhoneDriver) -> AsyncIterator[Drain]:
    """The phone's events, read in the background as the bridge reads them (the test module
    provides ``phone``)."""
    reader = Drain(phone)
    yield reader
    await reader.stop()
