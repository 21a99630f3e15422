"""Piccolo tables of the devices area: the shop's WhatsApp phones."""

from piccolo.columns import JSON, BigInt, ForeignKey, Integer, Text, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.reference import LazyTableReference
from piccolo.table import Table


class Device(Table, tablename="device"):
    name = Varchar(length=120)
    # E.164 number of the phone, once known.
    phone = Varchar(length=20, null=True, default=None)
    driver = Varchar(length=16, default="sim")
    # SHA-256 of the bridge's link token.
    token_hash = Varchar(length=64)
    # wire.contract.LinkState: disconnected / connecting / pairing / ready / retrying /
    # needs_attention / logged_out / replaced / banned
    state = Varchar(length=20, default="disconnected")
    state_detail = Text(default="")
    # What the driver can do beyond text (wire.contract.Capability), as its bridge reports;
    # null until it first does.
    capabilities = JSON(null=True, default=None)
    # While pairing: {"qr", "code", "expires_at"} (wire.contract.Pairing).
    pairing = JSON(null=True, default=None)
    # While banned: the end of the ban (epoch ms), when WhatsApp said it.
    state_until = BigInt(null=True, default=None)
    phone_queue = Integer(default=0)
    last_event_at = BigInt(null=True, default=None)
    first_sync_at = BigInt(null=True, default=None)
    created_at = BigInt()


class DeviceJob(Table, tablename="device_job"):
    """Work for a phone (history sync, receipt recheck, photo, reconcile): the source of truth.

    pending: waiting for the worker; ready: the web hands it to the bridge; done / failed.
    """

    device = ForeignKey(Device, on_delete=OnDelete.cascade)
    # Chat is referenced lazily (chats/tables.py imports this module), so typed as any Table.
    chat: ForeignKey[Table] = ForeignKey(
        LazyTableReference("Chat", module_path="appliance.areas.chats.tables"),
        on_delete=OnDelete.cascade,
        null=True,
        default=None,
    )
    kind = Varchar(length=16)
    args = JSON(default="{}")
    state = Varchar(length=12, default="pending")
    attempts = Integer(default=0)
    result = JSON(default="{}")
    error = Text(default="")
    created_at = BigInt()
    updated_at = BigInt()
    handed_at = BigInt(null=True, default=None)
