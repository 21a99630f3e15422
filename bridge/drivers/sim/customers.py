"""What a simulated customer sends: the kind of message, its text and its media."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from bridge.drivers.sim import content, media
from bridge.protocol import Media, MessageKind

# Share of each kind among generated customer messages.
KIND_WEIGHTS = (
    (MessageKind.TEXT, 70),
    (MessageKind.IMAGE, 10),
    (MessageKind.VOICE, 8),
    (MessageKind.DOCUMENT, 5),
    (MessageKind.LOCATION, 4),
    (MessageKind.CONTACT, 3),
    (MessageKind.STICKER, 3),
    (MessageKind.AUDIO, 1),
    (MessageKind.VIDEO, 2),
)
SENDABLE_KINDS = (
    MessageKind.TEXT,
    MessageKind.IMAGE,
    MessageKind.VOICE,
    MessageKind.AUDIO,
    MessageKind.VIDEO,
    MessageKind.STICKER,
    MessageKind.DOCUMENT,
    MessageKind.LOCATION,
    MessageKind.CONTACT,
)


@dataclass(frozen=True)
class Draft:
    """A customer message before it has an id and a chat."""

    kind: MessageKind
    body: str = ""
    media: Media | None = None


def pick_kind(rng: random.Random) -> MessageKind:
    kinds = [kind for kind, _ in KIND_WEIGHTS]
    return rng.choices(kinds, [weight for _, weight in KIND_WEIGHTS])[0]


def with_data(mimetype: str, data: bytes, **fields: object) -> Media:
    return replace(
        Media(mimetype=mimetype, **fields),  # type: ignore[arg-type]
        data=data,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def draft(rng: random.Random, kind: MessageKind, text: str, at_ms: int, e164: str) -> Draft:
    """A message of ``kind``; ``text`` is its body or caption ("" picks one)."""
    stamp = datetime.fromtimestamp(at_ms / 1000, UTC).strftime("%Y%m%d")
    serial = rng.randint(1, 9999)
    if kind == MessageKind.TEXT:
        return Draft(kind, text or content.customer_line(rng))
    if kind == MessageKind.IMAGE:
        caption = text or rng.choice(content.CAPTIONS)
        png = rng.random() < 0.2
        data = media.photo(rng, caption, "PNG" if png else "JPEG")
        name = f"IMG-{stamp}-WA{serial:04d}.{'png' if png else 'jpg'}"
        mimetype = "image/png" if png else "image/jpeg"
        return Draft(kind, caption, with_data(mimetype, data, filename=name, caption=caption))
    if kind == MessageKind.AUDIO:
        seconds = rng.randint(2, 5)
        return Draft(
            kind,
            text,
            with_data(
                "audio/mpeg",
                media.audio_file(rng, seconds),
                filename=f"AUD-{stamp}-WA{serial:04d}.mp3",
                seconds=seconds,
                caption=text,
            ),
        )
    if kind == MessageKind.VIDEO:
        seconds = rng.randint(1, 3)
        caption = text or rng.choice(content.CAPTIONS)
        return Draft(
            kind,
            caption,
            with_data(
                "video/mp4",
                media.video(rng, seconds),
                filename=f"VID-{stamp}-WA{serial:04d}.mp4",
                seconds=seconds,
                caption=caption,
            ),
        )
    if kind == MessageKind.STICKER:
        return Draft(
            kind,
            "",
            with_data(
                "image/webp", media.sticker(rng), filename=f"STK-{stamp}-WA{serial:04d}.webp"
            ),
        )
    if kind == MessageKind.VOICE:
        seconds = rng.randint(1, 4)
        data = media.voice_note(rng, seconds)
        return Draft(
            MessageKind.VOICE,
            "",
            with_data(
                "audio/ogg; codecs=opus",
                data,
                filename=f"PTT-{stamp}-WA{serial:04d}.opus",
                seconds=seconds,
            ),
        )
    if kind == MessageKind.DOCUMENT:
        filename = rng.choice(content.DOCUMENTS)
        caption = text
        lines = [
            f"Pedido #{rng.randint(1000, 9999)}",
            f"Valor: R$ {content.money(rng.choice(content.PRODUCTS)[1])}",
            f"Data: {datetime.fromtimestamp(at_ms / 1000, UTC):%d/%m/%Y %H:%M}",
        ]
        data = media.pdf(filename.removesuffix(".pdf").replace("-", " ").title(), lines)
        return Draft(
            kind, caption, with_data("application/pdf", data, filename=filename, caption=caption)
        )
    if kind == MessageKind.LOCATION:
        place = content.place_of(e164)
        bairro = rng.choice(place.bairros)
        lat = round(place.lat + rng.uniform(-0.03, 0.03), 6)
        lng = round(place.lng + rng.uniform(-0.03, 0.03), 6)
        name = text or f"{bairro}, {place.city}"
        return Draft(kind, name, Media(mimetype="", extra={"lat": lat, "lng": lng, "name": name}))
    if kind == MessageKind.CONTACT:
        name = text or content.person_name(rng)
        number = content.mobile_number(rng)
        return Draft(
            kind,
            name,
            with_data(
                "text/vcard",
                media.vcard(name, number),
                filename=f"{name}.vcf",
                extra={"name": name, "phones": [number]},
            ),
        )
    raise ValueError(f"os clientes simulados não enviam mensagens do tipo {kind}")
