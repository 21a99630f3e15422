"""Piccolo tables of the chats area: chats, tags on chats, assignees.

Composite indexes, FTS tables and triggers live in a raw migration
(``appliance/db/migrations``); Piccolo's differ does not know them.
"""

from piccolo.columns import BigInt, Boolean, ForeignKey, Integer, Text, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from appliance.accounts.tables import AppUser, Department
from appliance.devices.tables import Device


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


class Tag(Table, tablename="tag"):
    name = Varchar(length=60, unique=True)
    color = Varchar(length=9, default="#5b8def")
    created_at = BigInt()


class ChatTag(Table, tablename="chat_tag"):
    chat = ForeignKey(Chat, on_delete=OnDelete.cascade)
    tag = ForeignKey(Tag, on_delete=OnDelete.cascade)


class ChatAssignee(Table, tablename="chat_assignee"):
    """A user or a department assigned to a chat (exactly one of the two is set)."""

    chat = ForeignKey(Chat, on_delete=OnDelete.cascade)
    member = ForeignKey(AppUser, on_delete=OnDelete.cascade, null=True, default=None)
    department = ForeignKey(Department, on_delete=OnDelete.cascade, null=True, default=None)
    created_at = BigInt()


__all__ = ["Chat", "ChatAssignee", "ChatTag", "Integer", "Tag", "Text"]
