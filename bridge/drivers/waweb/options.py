"""The waweb driver's options: what ``balcao bridge --driver waweb -o KEY=VALUE`` takes,
read by the registry without loading neonize."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta


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
