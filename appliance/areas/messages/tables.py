"""Piccolo tables of the messages area: messages, their receipts, the outbox."""

from piccolo.columns import JSON, BigInt, ForeignKey, Integer, Text, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from appliance.areas.accounts.tables import AppUser
from appliance.areas.chats.tables import Chat
from appliance.areas.devices.tables import Device


class Message(Table, tablename="message"):
    """A WhatsApp message. Unique on (device, wa_id); outbound ones also on client_id.

    Ids grow in arrival order: search walks them newest first.
    """

    chat = ForeignKey(Chat, on_delete=OnDelete.cascade)
    device = ForeignKey(Device, on_delete=OnDelete.cascade)
    wa_id = Varchar(length=80)
    client_id = Varchar(length=36, null=True, default=None, unique=True)
    # "in" (from the customer) or "out" (from the shop)
    direction = Varchar(length=3)
    # user / phone / chatbot / system / customer
    author_kind = Varchar(length=8)
    author_user = ForeignKey(AppUser, on_delete=OnDelete.set_null, null=True, default=None)
    # text / image / audio / voice / video / document / location / contact / sticker / system
    kind = Varchar(length=10, default="text")
    body = Text(default="")
    media = JSON(null=True, default=None)
    # queued / sent / delivered / read / failed (outbound); received (inbound)
    status = Varchar(length=10)
    status_at = BigInt()
    # When the customer (or the phone) sent it, by the phone's clock.
    sent_at = BigInt()
    # When the box registered it.
    registered_at = BigInt()


class MessageReceipt(Table, tablename="message_receipt"):
    """Every receipt the phone reported, with its time; status only moves forward."""

    message = ForeignKey(Message, on_delete=OnDelete.cascade, index=True)
    status = Varchar(length=10)
    at = BigInt()


class Outbox(Table, tablename="outbox"):
    """An outbound message not yet acknowledged by the bridge as handed to the phone."""

    message = ForeignKey(Message, on_delete=OnDelete.cascade, unique=True)
    device = ForeignKey(Device, on_delete=OnDelete.cascade)
    attempts = Integer(default=0)
    created_at = BigInt()
    last_error = Text(default="")


__all__ = ["Message", "MessageReceipt", "Outbox"]
