"""The chat list's filters, orderings and keyset cursors, as the API takes them.

``query.plan_chat_list`` turns a ``ChatFilter`` into SQL; this module only says what a
filter means and checks what a client sent.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from enum import StrEnum

from appliance.core.errors import InvalidInput
from appliance.core.i18n import _, gettext
from appliance.core.limits import CURSOR, MAX_ID

MAX_LIMIT = 200
DEFAULT_LIMIT = 50


class Order(StrEnum):
    RECENT = "recent"  # last message, newest first (default)
    UNREAD_FIRST = "unread"  # chats with unread messages first, then by last message
    NAME = "name"  # A–Z
    REGISTERED = "registered"  # registration date, newest first
    WAITING = "waiting"  # customers waiting for a reply, longest wait first


class TagMode(StrEnum):
    ALL = "all"
    ANY = "any"
    NONE = "none"


# Sort key columns per ordering; all descending unless ascending is set.
ORDER_KEYS: dict[Order, tuple[tuple[str, ...], bool]] = {
    Order.RECENT: (("c.last_message_at",), False),
    Order.UNREAD_FIRST: (("(c.unread_count > 0)", "c.last_message_at"), False),
    Order.NAME: (("c.sort_name",), True),
    Order.REGISTERED: (("c.registered_at",), False),
    Order.WAITING: (("c.waiting_since",), True),
}


@dataclass(frozen=True)
class Assignee:
    kind: str  # "user" | "department" | "none"
    id: int = 0

    @classmethod
    def parse(cls, raw: str) -> Assignee:
        if raw == "none":
            return cls("none")
        kind, _, ident = raw.partition(":")
        if kind not in ("user", "department") or not ident.isdigit():
            raise InvalidInput(
                gettext(
                    "Responsável inválido: {raw!r}. Use user:ID, department:ID ou none."
                ).format(raw=raw),
                code="chats.invalid_assignee",
            )
        return cls(kind, int(ident))


@dataclass(frozen=True)
class ChatFilter:
    name: str | None = None
    number: str | None = None
    tags: tuple[int, ...] = ()
    tag_mode: TagMode = TagMode.ANY
    assignees: tuple[Assignee, ...] = ()
    statuses: tuple[int, ...] = ()
    stages: tuple[int, ...] = ()
    unread: bool = False
    archived: bool = False
    broadcast: bool = False
    order: Order = Order.RECENT


@dataclass(frozen=True)
class Cursor:
    order: Order
    key: tuple[object, ...]

    def encode(self) -> str:
        raw = json.dumps([self.order.value, list(self.key)], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str, order: Order) -> Cursor:
        try:
            padded = text + "=" * (-len(text) % 4)
            loaded = json.loads(base64.urlsafe_b64decode(padded.encode()))
            cursor_order, key = Order(loaded[0]), tuple(loaded[1])
        except (ValueError, TypeError, IndexError, KeyError) as exc:
            raise InvalidInput(_("Cursor inválido."), code="chats.invalid_cursor") from exc
        if cursor_order != order or len(key) != len(ORDER_KEYS[order][0]) + 1:
            raise InvalidInput(
                _("O cursor não corresponde a esta ordenação."), code="chats.invalid_cursor"
            )
        if not all(is_key_value(v) for v in key):
            raise InvalidInput(_("Cursor inválido."), code="chats.invalid_cursor")
        return cls(order, key)


def is_key_value(value: object) -> bool:
    """A value a sort key column can hold: a 64-bit integer (SQLite's) or a short text."""
    if isinstance(value, int):
        return -MAX_ID - 1 <= value <= MAX_ID
    return isinstance(value, str) and len(value) <= CURSOR


def check_limit(
    limit: int | None,
    default: int = DEFAULT_LIMIT,
    maximum: int = MAX_LIMIT,
    code: str = "chats.invalid_limit",
) -> int:
    """A page's size: ``default`` when not asked, else 1 to ``maximum`` (the search's pages
    pass their own)."""
    if limit is None:
        return default
    if not 1 <= limit <= maximum:
        raise InvalidInput(
            _("limit deve estar entre 1 e {max_limit}.").format(max_limit=maximum), code=code
        )
    return limit


def next_cursor(order: Order, last_row: dict[str, object]) -> Cursor:
    keys, _ = ORDER_KEYS[order]
    values = [last_row[f"sort_key_{i}"] for i in range(len(keys))]
    return Cursor(order, (*values, last_row["id"]))
