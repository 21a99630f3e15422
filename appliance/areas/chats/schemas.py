"""Answers of the chats API: the chat as the list, one chat and every change to a chat
return it, and the shapes it carries.

Without ``see_numbers`` a chat's ``phone``, ``wa_id`` and its device's ``phone`` are null,
and names and the preview have phone-shaped runs masked (``chats.service.chat_payload``).
"""

from __future__ import annotations

from typing import Literal

from msgspec import UNSET, UnsetType

from appliance.core.answers import Answer


class Tag(Answer):
    """A tag of the account (I7), as the tag list and each chat carry it."""

    id: int
    name: str
    color: str


class Assignee(Answer):
    """A user or a department responsible for a chat (I5)."""

    kind: Literal["user", "department"]
    id: int
    name: str


class ChatDevice(Answer):
    """The device a chat came in through."""

    id: int
    name: str
    phone: str | None


class Chat(Answer):
    id: int
    device_id: int | None
    # What staff read: the custom name, the WhatsApp name or the number.
    name: str
    wa_name: str
    custom_name: str | None
    phone: str | None
    wa_id: str | None
    is_broadcast: bool
    archived: bool
    chatbot_enabled: bool
    unread_count: int
    registered_at: str
    last_message_at: str | None
    last_message_preview: str
    last_message_from_me: bool
    last_message_status: str | None
    waiting_since: str | None
    status_id: int | None
    has_photo: bool
    tags: list[Tag]
    assignees: list[Assignee]
    # The funnel stage ids the chat is at, one per funnel.
    stages: list[int]
    # One chat carries its device (null once deleted); rows of the list do not.
    device: ChatDevice | UnsetType | None = UNSET


class ChatPage(Answer):
    """A page of the chat list; ``next_cursor`` (null on the last page) asks for the next."""

    items: list[Chat]
    next_cursor: str | None


class MergedValue(Answer):
    """A value a merge into this chat did not keep (Unificação tab)."""

    id: int
    kind: str
    # What it was: "Nome no WhatsApp", a custom field's name, "Funil Vendas", "Status".
    label: str
    value: str
    # The identity it came from; null without see_numbers.
    merged_from: str | None
    at: str


class ChatCleared(Answer):
    """How many messages were deleted, and the chat after it."""

    deleted: int
    chat: Chat
