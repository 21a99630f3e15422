"""Phone drivers, registered by name: each implements bridge.protocol.PhoneDriver for one
kind of phone and reads its options (``balcao bridge -o KEY=VALUE``) into a typed struct.

A driver's module is imported only when that driver runs (the WhatsApp Web driver loads a
Go library of its own).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

import msgspec

from bridge.protocol import PhoneDriver

OptionsT = TypeVar("OptionsT", bound=msgspec.Struct)


@dataclass(frozen=True)
class DriverSpec(Generic[OptionsT]):
    """How to build one kind of driver: its options' struct (unknown keys refused) and the
    factory that takes the driver's own folder and those options."""

    name: str
    summary: str  # pt-BR, for `balcao bridge --help`
    options: type[OptionsT]
    build: Callable[[Path, OptionsT], PhoneDriver]


# name -> "module:SPEC", imported on use
DRIVERS = {"sim": "bridge.drivers.sim:SPEC", "waweb": "bridge.drivers.waweb:SPEC"}


class DriverOptionsError(ValueError):
    """Options a driver does not take, or values of the wrong type (a pt-BR message)."""


def driver_spec(name: str) -> DriverSpec[Any]:
    target = DRIVERS.get(name)
    if target is None:
        raise DriverOptionsError(f"driver desconhecido: {name!r} (use {', '.join(DRIVERS)})")
    module_name, _, attribute = target.partition(":")
    spec: DriverSpec[Any] = getattr(importlib.import_module(module_name), attribute)
    return spec


def read_options(spec: DriverSpec[OptionsT], raw: dict[str, Any]) -> OptionsT:
    """The driver's options from ``-o KEY=VALUE`` pairs (values may be JSON or text)."""
    try:
        return msgspec.convert(raw, type=spec.options, strict=False)
    except msgspec.ValidationError as exc:
        raise DriverOptionsError(f"opção inválida para o driver {spec.name}: {exc}") from exc


def load_driver(name: str, device_dir: Path, raw_options: dict[str, Any]) -> PhoneDriver:
    """The driver ``name`` for the device at ``device_dir``: it keeps its state in its own
    folder there (``devices/<id>/<name>/``)."""
    spec = driver_spec(name)
    return spec.build(device_dir / spec.name, read_options(spec, raw_options))
