"""Pairing the shop's phone from the device page: the QR code appears, changes as WhatsApp
rotates it, and gives way to "Conectado" once the phone scans it (a linked simulated phone
through the real bridge and web)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Staff, shop_db, snap
from tests.harness import Box

pytestmark = pytest.mark.browser


def test_the_admin_pairs_the_phone_from_the_device_page(
    box: Box, box_staff: Staff, output_dir: Path
) -> None:
    box.start_bridge(wait=False, linked=True, qr_seconds=2)
    with shop_db(box.data) as db:
        admin = db.read_sync(
            lambda c: c.execute("SELECT id FROM app_user WHERE login = 'admin'").fetchone()[0]
        )
    page = box_staff.page(admin, path="/admin#devices")
    state = page.locator("#devices-table td.acct-state")
    qr = page.locator(".device-pairing img.device-qr")
    expect(qr).to_be_visible(timeout=30_000)
    expect(state).to_have_text("Aguardando pareamento")
    expect(page.locator(".device-pairing")).to_contain_text("Aparelhos conectados")
    page.wait_for_function(
        "() => { const i = document.querySelector('img.device-qr');"
        " return i && i.complete && i.naturalWidth > 0; }"
    )
    first = qr.get_attribute("src")
    expect(qr).not_to_have_attribute("src", first or "", timeout=15_000)
    snap(page, output_dir, "admin-device-pairing.png")

    box.sim("POST", "/pair")
    expect(state).to_have_text("Conectado", timeout=30_000)
    expect(qr).to_have_count(0)
