"""Inbound events as JSON-ready dicts, for the phone's event log and its control interface.

Media bytes are not part of the dict: they are kept apart by SHA-256 and put back on decoding.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, replace
from typing import Any

from bridge.protocol import (
    IdentityEvent,
    InboundEvent,
    Media,
    MessageEvent,
    MessageKind,
    PhoneQueueEvent,
    ReceiptEvent,
    ReceiptStatus,
)

TYPES: dict[type, str] = {
    MessageEvent: "message",
    ReceiptEvent: "receipt",
    IdentityEvent: "identity",
    PhoneQueueEvent: "queue",
}


def media_to_dict(media: Media) -> dict[str, Any]:
    data = asdict(replace(media, data=None))
    del data["data"]
    return data


def media_from_dict(raw: dict[str, Any], load_blob: Callable[[str], bytes | None]) -> Media:
    media = Media(**raw)
    if media.sha256:
        media = replace(media, data=load_blob(media.sha256))
    return media


def event_to_dict(event: InboundEvent) -> dict[str, Any]:
    out: dict[str, Any] = {"type": TYPES[type(event)]}
    if isinstance(event, MessageEvent):
        out.update(asdict(replace(event, media=None)))
        out["media"] = media_to_dict(event.media) if event.media else None
    elif isinstance(event, ReceiptEvent):
        out.update(asdict(event))
        out["wa_ids"] = list(event.wa_ids)
    else:
        out.update(asdict(event))
    return out


def event_from_dict(
    raw: dict[str, Any], load_blob: Callable[[str], bytes | None] = lambda _sha: None
) -> InboundEvent:
    fields = {k: v for k, v in raw.items() if k != "type"}
    kind = raw["type"]
    if kind == "message":
        media = fields.pop("media", None)
        return MessageEvent(
            **{**fields, "kind": MessageKind(fields.get("kind", "text"))},
            media=media_from_dict(media, load_blob) if media else None,
        )
    if kind == "receipt":
        return ReceiptEvent(
            chat=fields["chat"],
            wa_ids=tuple(fields["wa_ids"]),
            status=ReceiptStatus(fields["status"]),
            at=fields["at"],
        )
    if kind == "identity":
        return IdentityEvent(**fields)
    if kind == "queue":
        return PhoneQueueEvent(**fields)
    raise ValueError(f"unknown event type {kind!r}")
