"""WhatsApp Web: the phone's number as a linked device, through neonize (whatsmeow).

Importing this module imports neither neonize nor the driver: the registry reads the
options here, and ``_build`` loads the Go library only when the driver runs.
"""

from __future__ import annotations

from pathlib import Path

from bridge.drivers import DriverOptionsError, DriverSpec
from bridge.drivers.waweb.options import WawebOptions
from bridge.protocol import PhoneDriver

__all__ = ["SPEC", "WawebOptions"]


def _build(folder: Path, options: WawebOptions) -> PhoneDriver:
    from bridge.drivers.waweb.gateway import LibraryError, NeonizeGateway, new_client

    # whatsmeow keys its Go-side client by uuid: one per device folder.
    uuid = f"balcao-{folder.parent.name or 'device'}"
    try:
        gateway = NeonizeGateway(new_client(folder, uuid=uuid, device_name=options.device_name))
    except LibraryError as exc:
        # `balcao bridge` prints it and exits 2, as for a wrong option
        raise DriverOptionsError(
            f"o driver waweb precisa do neonize 0.5.2 (pip install 'balcao[waweb]'): {exc}"
        ) from exc
    from bridge.drivers.waweb.driver import WawebDriver

    return WawebDriver(gateway, gateway.client, folder, options)


SPEC = DriverSpec(
    name="waweb",
    summary="o número da loja como aparelho conectado (WhatsApp Web, via neonize)",
    options=WawebOptions,
    build=_build,
)
