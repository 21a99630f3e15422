"""Adding a chat by number (L12, add-chats module): one chat per customer and device.

The number is normalised (ninth digit, +55), so "+55 11 8765-4321" and "11987654321"
open the same chat. A chat created by someone who could not otherwise see it is
assigned to them, so it never vanishes from the screen of the person who made it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgspec

from appliance.areas.accounts.permissions import Actor
from appliance.areas.chats.access import access_chat
from appliance.areas.chats.rows import ChatRow, insert_chat
from appliance.areas.chats.service import get_chat
from appliance.core import limits
from appliance.core.clock import now_ms
from appliance.core.db import Conn
from appliance.core.errors import InvalidInput, NotFound
from appliance.core.i18n import N_, _
from appliance.core.phones import normalize_phone
from appliance.core.text import sort_key

MAX_NAME = limits.NAME
WA_USER_SERVER = "@s.whatsapp.net"

# The caller may not see the chat this number already has. The answer says no more than
# that nothing can be opened here: no name, no id, no assignee.
HIDDEN_CHAT = N_(
    "Não é possível abrir uma conversa com este número por aqui. "
    "Se ele já é atendido por outra pessoa, peça a um administrador para incluir você."
)


class ChatAdd(msgspec.Struct, forbid_unknown_fields=True):
    phone: limits.Phone
    device_id: limits.Id | None = None
    name: limits.Name | None = None


@dataclass(frozen=True)
class AddedChat:
    chat: dict[str, Any]
    created: bool


def _wa_ids(e164: str) -> list[str]:
    """WhatsApp ids the number may already have: accounts registered before the ninth digit
    kept their old id (55 DDD + 8 digits)."""
    digits = e164.lstrip("+")
    ids = [digits + WA_USER_SERVER]
    if digits.startswith("55") and len(digits) == 13 and digits[4] == "9":
        ids.append(digits[:4] + digits[5:] + WA_USER_SERVER)
    return ids


def pick_device(conn: Conn, device_id: int | None) -> int:
    """The device asked for, or the account's first one; InvalidInput when there is none."""
    if device_id is None:
        row = conn.execute("SELECT id FROM device ORDER BY id LIMIT 1").fetchone()
        if row is None:
            raise InvalidInput(
                _("Nenhum aparelho cadastrado: cadastre o celular da loja primeiro."),
                code="device.none",
            )
        return int(row[0])
    if conn.execute("SELECT 1 FROM device WHERE id = ?", (device_id,)).fetchone() is None:
        raise InvalidInput(_("Aparelho não encontrado."), code="device.not_found")
    return device_id


def _insert_chat(conn: Conn, device_id: int, e164: str, name: str | None, now: int) -> int:
    """The same row the inbound path creates for a new contact, with the staff's name as the
    chat's name (C5) if one was given."""
    return insert_chat(
        conn,
        ChatRow(
            device=device_id,
            wa_id=_wa_ids(e164)[0],
            phone=e164,
            registered_at=now,
            custom_name=name,
            sort_name=sort_key(name or ""),
        ),
    )


# Makes a new chat visible to the user who added it (``assignments.claim_new_chat``): given
# by the caller, so this area need not import the one that assigns chats.
Claim = Callable[[Conn, int, int, int], None]


def add_chat(
    conn: Conn,
    actor: Actor,
    phone: str,
    device_id: int | None,
    name: str | None,
    claim: Claim,
) -> AddedChat:
    """The chat of this number on the device: the existing one, or a new one. A new chat
    the actor would not see (they see only their assigned chats) is ``claim``ed for them.

    Raises InvalidInput for an invalid number, an unknown device or a name too long, and
    NotFound (``HIDDEN_CHAT``) when the chat exists but the caller may not see it: opening
    it would show them a conversation that is not theirs.
    """
    e164 = normalize_phone(phone)
    device = pick_device(conn, device_id)
    custom = " ".join((name or "").split()) or None
    if custom is not None and len(custom) > MAX_NAME:
        raise InvalidInput(
            _("O nome pode ter no máximo {max_name} caracteres.").format(max_name=MAX_NAME),
            code="chat.name_too_long",
        )
    ids = _wa_ids(e164)
    marks = ",".join("?" * len(ids))
    row = conn.execute(
        f"SELECT id FROM chat WHERE device = ? AND (wa_id IN ({marks}) OR phone = ?) "
        "ORDER BY id LIMIT 1",
        (device, *ids, e164),
    ).fetchone()
    if row is not None:
        try:
            access_chat(conn, actor, row[0])
        except NotFound:
            raise NotFound(_(HIDDEN_CHAT), code="chat.not_found") from None
        return AddedChat(get_chat(conn, actor, row[0]), created=False)
    now = now_ms()
    chat_id = _insert_chat(conn, device, e164, custom, now)
    try:
        access_chat(conn, actor, chat_id)
    except NotFound:
        claim(conn, chat_id, actor.id, now)
    return AddedChat(get_chat(conn, actor, chat_id), created=True)
