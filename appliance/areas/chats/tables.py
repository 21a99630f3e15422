"""Piccolo table of the chats area: the chat. Tags and assignees are in their areas.

Composite indexes, FTS tables and triggers live in a raw migration
(``appliance/core/db/migrations``); Piccolo's differ does not know them.
"""

from piccolo.columns import BigInt, Boolean, ForeignKey, Integer, Text, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from appliance.areas.devices.tables import Device


class Chat(Table, tablename="chat"):
    """One conversation: one device and one contact (or broadcast list)."""

    device = ForeignKey(Device, on_delete=OnDelete.cascade)
    # WhatsApp id of the contact: "5511987654321@s.whatsapp.net", "…@broadcast".
    wa_id = Varchar(length=80)
    # Linked identity ("…@lid") when WhatsApp shows one.
    lid = Varchar(length=80, null=True, default=None)
    # E.164, "+5511987654321"; null for LID-only contacts and broadcast lists.
    phone = Varchar(length=20, null=True, default=None)
    wa_name = Varchar(length=200, default="")
    custom_name = Varchar(length=200, null=True, default=None)
    # casefolded, unaccented display name (or digits): ordering and name filter.
    sort_name = Varchar(length=200, default="")
    is_broadcast = Boolean(default=False)
    registered_at = BigInt()
    archived = Boolean(default=False)
    chatbot_enabled = Boolean(default=True)
    unread_count = Integer(default=0)
    last_message_at = BigInt(default=0)
    last_message_preview = Text(default="")
    last_message_from_me = Boolean(default=False)
    last_message_status = Varchar(length=12, null=True, default=None)
    # The customer's oldest message not answered yet (the "oldest waiting" order).
    waiting_since = BigInt(null=True, default=None)
    # Attendance status (attendance module); null until the module sets one.
    status_id = Integer(null=True, default=None)
    photo_file = Varchar(length=80, null=True, default=None)


__all__ = ["Chat"]
