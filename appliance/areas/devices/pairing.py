"""The QR code of a phone's pairing, drawn on the box: the admin page shows it as SVG and
``balcao pair`` in a terminal. The payload is WhatsApp's (via the bridge); it is an
invitation to link a phone to this box, so only admins ever see it."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from datetime import datetime
from typing import TextIO

import segno

from appliance.areas.devices.service import get_device
from appliance.core.db import Database
from appliance.core.i18n import N_, _, format_datetime


def qr_svg(payload: str) -> bytes:
    """An SVG of the QR code, sized by the viewer (no fixed width), with the quiet zone."""
    out = io.BytesIO()
    # Error correction L like WhatsApp Web's own code: the payload is ~240 characters.
    segno.make_qr(payload, error="l").save(out, kind="svg", scale=4, border=4, omitsize=True)
    return out.getvalue()


def qr_terminal(payload: str) -> str:
    """The QR code in half-block characters, for a technician's terminal over SSH."""
    out = io.StringIO()
    segno.make_qr(payload, error="l").terminal(out, compact=True, border=2)
    return out.getvalue()


# How each link state reads to whoever pairs the phone (wire.contract.LinkState).
STATE_WORDS = {
    "disconnected": N_("desconectado: o bridge deste aparelho está rodando?"),
    "connecting": N_("conectando…"),
    "pairing": N_("aguardando pareamento"),
    "ready": N_("conectado"),
    "retrying": N_("desconectado, tentando de novo…"),
    "needs_attention": N_("precisa de atenção"),
    "logged_out": N_("o WhatsApp desconectou este aparelho: pareie de novo"),
    "replaced": N_("outra sessão assumiu este aparelho"),
    "banned": N_("o WhatsApp baniu este número temporariamente"),
}
STEPS = N_(
    "No celular da loja, abra o WhatsApp › Aparelhos conectados › Conectar um aparelho, "
    "e aponte a câmera para este código:"
)


def watch_pairing(
    db: Database,
    device_id: int,
    out: TextIO,
    *,
    time_zone: str = "America/Sao_Paulo",
    timeout: float = 600.0,
    poll: float = 0.5,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Follow the device's link in a terminal: each state as it changes and each new QR code,
    until it is connected (0) or ``timeout`` seconds pass (1). NotFound for no such device."""
    deadline = clock() + timeout
    shown_state = shown_qr = None
    while True:
        device = db.read_sync(get_device, device_id, True, True)
        state, pairing = device["state"], device["pairing"] or {}
        detail = device["state_detail"]
        if (state, detail) != shown_state:
            words = _(STATE_WORDS.get(state, state))
            if state == "banned" and device["until"]:
                until = format_datetime(datetime.fromisoformat(device["until"]), "short", time_zone)
                words += " " + _("(até {until})").format(until=until)
            print(f"{device['name']}: {words}", file=out, flush=True)
            shown_state = (state, detail)
        qr = pairing.get("qr") or pairing.get("code")
        if state == "pairing" and qr and qr != shown_qr:
            print(_(STEPS), file=out)
            if pairing.get("qr"):
                print(qr_terminal(pairing["qr"]), file=out, flush=True)
            else:
                print(_("Código de pareamento: {code}").format(code=pairing["code"]), file=out)
            shown_qr = qr
        if state == "ready":
            return 0
        if clock() >= deadline:
            print(_("tempo esgotado; rode de novo para continuar"), file=out)
            return 1
        sleep(poll)
