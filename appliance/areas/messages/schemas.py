"""Answers of the messages API: the message (as a page of a chat, a sent message and a live
event show it), and the job a sync, a receipt check or a photo reload starts."""

from __future__ import annotations

from typing import Any

from msgspec import UNSET, UnsetType

from appliance.core.answers import Answer, Ref


class Message(Answer):
    id: int
    chat_id: int
    wa_id: str
    client_id: str | None
    # "in" from the customer, "out" to them.
    direction: str
    author_kind: str
    # The user who wrote an outgoing message; null for the customer, the phone, the bot.
    author: Ref | None
    kind: str
    body: str
    # The file of a media message: mimetype, filename, size, sha256, caption, seconds, url
    # (once stored), extra (a place's lat/lng/name, a card's name). Without see_numbers only
    # the keys of appliance.core.redaction's allow-list for the kind, with "redacted": true
    # when anything was left out or masked.
    media: dict[str, Any] | None
    status: str
    status_at: str
    sent_at: str
    registered_at: str
    # Registered long after it was sent: the phone held it back.
    late: bool


class MessagePage(Answer):
    """Newest first. ``next_cursor`` continues to older messages (as ``cursor``);
    ``newer_cursor`` (only in pages asked with ``around`` or ``after``) to newer ones (as
    ``after``); each is null at its end."""

    items: list[Message]
    next_cursor: str | None
    newer_cursor: str | UnsetType | None = UNSET


class Job(Answer):
    """Work asked of the chat's phone; its state moves on in the device's job list."""

    id: int
    kind: str
    chat_id: int | None
    state: str
    error: str | None
