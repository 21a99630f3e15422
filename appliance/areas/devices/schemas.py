"""Answers of the devices API and of the health check."""

from __future__ import annotations

from appliance.core.answers import Answer


class Pairing(Answer):
    qr: str
    code: str
    expires_at: int  # epoch ms


class Device(Answer):
    """A phone the box drives, its link state and what waits to go out through it."""

    id: int
    name: str
    # Null without see_numbers, and until the phone reports it.
    phone: str | None
    driver: str
    # wire.contract.LinkState: "disconnected", "connecting", "pairing", "ready", "retrying",
    # "needs_attention", "logged_out", "replaced", "banned"
    state: str
    state_detail: str
    # Messages on the box not yet handed to the phone.
    outbox: int
    # Messages handed to the phone and not sent yet.
    phone_queue: int
    queued: int
    last_event_at: str | None
    # What the driver can do beyond text (wire.contract.Capability): "history", "recheck",
    # "photos", "phone_status", "pairing", "chosen_id", "send_media". Null until the
    # device's bridge first reports.
    capabilities: list[str] | None
    # While pairing, for admins only: the QR code's payload or the pair code.
    pairing: Pairing | None
    # While banned: the end of the ban, when WhatsApp said it.
    until: str | None


class BridgeSetup(Answer):
    """How to start the device's bridge: the token is shown in this answer only."""

    device: Device
    token: str
    # Where the token was written on the box, for a bridge that runs there.
    token_file: str
    command: str
    service: str


class SetAsideEvent(Answer):
    """An event the bridge gave up on, and why."""

    id: int
    seq: int
    kind: str
    reason: str
    failures: int
    # The event as the bridge sent it (JSON text).
    event: str
    at: str


class SetAside(Answer):
    """The newest 200 events a device's bridge set aside, and how many there are."""

    count: int
    events: list[SetAsideEvent]


class HealthDevice(Answer):
    id: int
    name: str
    state: str
    outbox: int
    phone_queue: int
    queued: int
    last_event_at: str | None
    # What the driver can do beyond text (wire.contract.Capability): "history", "recheck",
    # "photos", "phone_status", "pairing", "chosen_id", "send_media". Null until the
    # device's bridge first reports.
    capabilities: list[str] | None
    # While pairing, for admins only: the QR code's payload or the pair code.
    pairing: Pairing | None
    # While banned: the end of the ban, when WhatsApp said it.
    until: str | None


class Health(Answer):
    status: str
    devices: list[HealthDevice]


class HealthError(Answer):
    """The database does not answer (503)."""

    status: str
    detail: str
