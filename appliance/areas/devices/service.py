"""Devices: the shop's phones, their link tokens and their reported state."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

from appliance.areas.accounts.permissions import Actor, can_see_numbers
from appliance.areas.accounts.service import hash_token
from appliance.core.clock import iso, now_ms
from appliance.core.db import Conn
from appliance.core.errors import InvalidInput, NotFound
from appliance.core.i18n import N_, _

# The drivers `balcao bridge --driver` runs (bridge/cli.py); a device of another kind
# could never connect.
DRIVERS = ("sim", "waweb")
# Planned: named so the refusal can say they are coming, never stored until they exist.
PLANNED_DRIVERS = {"adb": N_("Android no USB")}


def create_device(
    conn: Conn, name: str, driver: str = "sim", phone: str | None = None
) -> tuple[int, str]:
    """A new device; returns (id, link token). The token is shown once and stored hashed."""
    if driver in PLANNED_DRIVERS:
        raise InvalidInput(
            _("O driver {driver} ({label}) ainda não existe (em breve). Use {drivers}.").format(
                driver=driver, label=_(PLANNED_DRIVERS[driver]), drivers=", ".join(DRIVERS)
            ),
            code="device.driver_planned",
            field="driver",
        )
    if driver not in DRIVERS:
        raise InvalidInput(
            _("Driver desconhecido: {driver!r}. Use {drivers}.").format(
                driver=driver, drivers=", ".join(DRIVERS)
            ),
            code="device.invalid_driver",
            field="driver",
        )
    name = name.strip()
    if not name:
        raise InvalidInput(_("Informe um nome para o aparelho."), code="device.invalid_name")
    token = secrets.token_urlsafe(32)
    return insert_device(conn, name, phone, driver, hash_token(token), now_ms()), token


def insert_device(
    conn: Conn, name: str, phone: str | None, driver: str, token_hash: str, at: int
) -> int:
    """The ``device`` row of a checked device, disconnected until its bridge calls; its id."""
    cur = conn.execute(
        "INSERT INTO device(name, phone, driver, token_hash, state, state_detail, phone_queue, "
        "created_at) VALUES (?, ?, ?, ?, 'disconnected', '', 0, ?)",
        (name, phone, driver, token_hash, at),
    )
    return int(cur.lastrowid or 0)


BRIDGE_TOKEN_FILE = "bridge.token"


def save_bridge_token(device_dir: Path, token: str) -> Path:
    """Write the token where ``balcao bridge --device ID`` reads it (owner-only file)."""
    path = device_dir / BRIDGE_TOKEN_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text(token + "\n")
    return path


def rename_device(conn: Conn, device_id: int, name: str) -> None:
    name = name.strip()
    if not name or len(name) > 120:
        raise InvalidInput(
            _("Informe um nome para o aparelho (até 120 caracteres)."), code="device.invalid_name"
        )
    cur = conn.execute("UPDATE device SET name = ? WHERE id = ?", (name, device_id))
    if cur.rowcount == 0:
        raise NotFound(_("Aparelho não encontrado."), code="device.not_found")


def get_device(
    conn: Conn, device_id: int, show_numbers: bool, show_pairing: bool = False
) -> dict[str, Any]:
    for device in list_devices(conn, show_numbers, show_pairing):
        if device["id"] == device_id:
            return device
    raise NotFound(_("Aparelho não encontrado."), code="device.not_found")


def rotate_device_token(conn: Conn, device_id: int) -> str:
    token = secrets.token_urlsafe(32)
    cur = conn.execute(
        "UPDATE device SET token_hash = ? WHERE id = ?", (hash_token(token), device_id)
    )
    if cur.rowcount == 0:
        raise NotFound(_("Aparelho não encontrado."), code="device.not_found")
    return token


def device_for_token(conn: Conn, token: str) -> int | None:
    row = conn.execute(
        "SELECT id FROM device WHERE token_hash = ?", (hash_token(token),)
    ).fetchone()
    return None if row is None else int(row[0])


def device_view(actor: Actor) -> tuple[bool, bool]:
    """What of the devices ``actor`` sees: (their numbers, the pairing QR or code). Only an
    admin sees a pairing payload: whoever scans it links their WhatsApp to the box."""
    return can_see_numbers(actor), actor.is_admin


def list_devices(
    conn: Conn, show_numbers: bool, show_pairing: bool = False
) -> list[dict[str, Any]]:
    """Each device with its state and queued count: the box's outbox plus the phone's queue,
    what its driver can do and, while it waits to be paired, the QR payload or pair code
    (only for ``show_pairing``: whoever scans that QR links their WhatsApp to the box).

    The phone's queue is what the phone last reported, or, when that report lags behind,
    the box's messages handed to the phone and not sent yet.
    """
    rows = conn.execute(
        "SELECT d.id, d.name, d.phone, d.driver, d.state, d.state_detail, d.capabilities, "
        "d.pairing, d.state_until, "
        "max(d.phone_queue, (SELECT count(*) FROM message m WHERE m.device = d.id "
        "AND m.direction = 'out' AND m.status = 'queued') "
        "- (SELECT count(*) FROM outbox o WHERE o.device = d.id)) AS phone_queue, "
        "d.last_event_at, (SELECT count(*) FROM outbox o WHERE o.device = d.id) AS outbox "
        "FROM device d ORDER BY d.id"
    ).fetchall()
    return [
        {
            "id": r["id"],
            "name": r["name"],
            "phone": r["phone"] if show_numbers else None,
            "driver": r["driver"],
            "state": r["state"],
            "state_detail": r["state_detail"],
            "outbox": r["outbox"],
            "phone_queue": r["phone_queue"],
            "queued": r["outbox"] + r["phone_queue"],
            "last_event_at": iso(r["last_event_at"]),
            "capabilities": json.loads(r["capabilities"]) if r["capabilities"] else None,
            "pairing": (
                json.loads(r["pairing"])
                if show_pairing and r["pairing"] and r["state"] == "pairing"
                else None
            ),
            "until": iso(r["state_until"]),
        }
        for r in rows
    ]
