"""WhatsApp Web: the phone's number as a linked device, through neonize (whatsmeow).

Importing this module imports neither neonize nor the driver: the registry reads the
options here, and ``_build`` loads the Go library only when the driver runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import msgspec
from msgspec import Meta

from bridge.drivers import DriverOptionsError, DriverSpec
from bridge.protocol import PhoneDriver

__all__ = ["SPEC", "WawebOptions"]


class WawebOptions(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """``balcao bridge --driver waweb -o KEY=VALUE``."""

    # Shown on the phone under "Aparelhos conectados".
    device_name: Annotated[str, Meta(min_length=1, max_length=50)] = "Balcão"
    # Until WhatsApp answers (Connected, or the first QR code) after connecting.
    connect_timeout: Annotated[float, Meta(ge=5, le=600)] = 60.0
    # For a person to scan the QR code: whatsmeow rotates codes for 160 s, then gives up.
    qr_timeout: Annotated[float, Meta(ge=20, le=600)] = 180.0
    # Pair with a code typed on this phone ("+55 21 99000-1234") instead of a QR code.
    pair_phone: Annotated[str, Meta(max_length=32, pattern=r"^[0-9 +()-]*$")] = ""
    # For one received file: a 16 MB video over a slow link takes about a minute.
    download_timeout: Annotated[float, Meta(ge=1, le=3600)] = 120.0
    # Download the files of the history WhatsApp sends after pairing (old ones are often
    # gone from WhatsApp's servers; their messages come without them either way).
    history_media: bool = True


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

    return WawebDriver(
        gateway,
        gateway.client,
        folder,
        device_name=options.device_name,
        connect_timeout=options.connect_timeout,
        qr_timeout=options.qr_timeout,
        pair_phone=options.pair_phone,
        download_timeout=options.download_timeout,
        history_media=options.history_media,
    )


SPEC = DriverSpec(
    name="waweb",
    summary="o número da loja como aparelho conectado (WhatsApp Web, via neonize)",
    options=WawebOptions,
    build=_build,
)
