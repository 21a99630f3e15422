"""Answers of the custom fields API (I8)."""

from __future__ import annotations

from appliance.core.answers import Answer


class Field(Answer):
    """A custom field of the account."""

    id: int
    name: str
    # "text", "number", "date", "email", "phone", "cpf", "cnpj" or "options".
    kind: str
    # The choices of an "options" field; empty for the other kinds.
    options: list[str]
    position: int


class ChatField(Field):
    """A custom field with the chat's value."""

    # As stored (null when empty); null for a phone field hidden from the caller.
    value: str | None
    # As shown ("12/03/2026", "123.456.789-09"); for a hidden phone field, what stands in.
    display: str | None
    # A phone field the caller may not see (no see_numbers).
    hidden: bool


class FieldDeleted(Answer):
    """The field was deleted from ``chats`` chats that had a value in it."""

    deleted: bool
    chats: int
