"""Piccolo tables of the devices area: the shop's WhatsApp phones."""

from piccolo.columns import BigInt, Integer, Text, Varchar
from piccolo.table import Table


class Device(Table, tablename="device"):
    name = Varchar(length=120)
    # E.164 number of the phone, once known.
    phone = Varchar(length=20, null=True, default=None)
    driver = Varchar(length=16, default="sim")
    # SHA-256 of the bridge's link token.
    token_hash = Varchar(length=64)
    # disconnected / connecting / pairing / ready / retrying / needs_attention
    state = Varchar(length=20, default="disconnected")
    state_detail = Text(default="")
    phone_queue = Integer(default=0)
    last_event_at = BigInt(null=True, default=None)
    first_sync_at = BigInt(null=True, default=None)
    created_at = BigInt()
