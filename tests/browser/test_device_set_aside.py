"""The device screen lists the events a device's bridge set aside, as an admin sees it."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from appliance.areas.devices.service import rotate_device_token
from tests.browser.conftest import RunningShop, Shop, Staff, shop_db, snap
from wire import contract as c

pytestmark = pytest.mark.browser


def test_admin_sees_the_events_a_device_s_bridge_set_aside(
    lean_staff: Staff, lean_shop: RunningShop, shop: Shop, output_dir: Path
) -> None:
    with shop_db(lean_shop.data_dir) as db:
        device = db.read_sync(lambda c: c.execute("SELECT min(id) FROM device").fetchone()[0])
        token = db.write_sync(rotate_device_token, device)
    # the bridge's report, as it sends it after giving up on an event
    report = {"type": "set_aside", "seq": 1, "event_seq": 41, "kind": "message",
              "reason": "web error 500 bridge.event_failed: IntegrityError", "failures": 5,
              "event": '{"type":"message","wa_id":"X1"}', "at": 1_700_000_000_000}  # fmt: skip
    r = httpx.post(
        f"{lean_shop.server.url}/bridge/v1/events",
        json={"version": c.CONTRACT_VERSION, "events": [report]},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 200, r.text

    page = lean_staff.page(shop.admin, path="/admin#devices")
    aside = page.locator(f"tr.device-set-aside[data-device='{device}']")
    expect(aside).to_contain_text("1 evento(s) posto(s) de lado")
    aside.locator("summary").click()
    expect(aside.locator("li")).to_contain_text("message nº 41 · 5 falhas · web error 500")
    snap(page, output_dir, "admin-device-set-aside.png")
