"""Modules (P3): an admin switches one off at /admin and its parts leave every open page."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import CLARA, Shop, Staff, open_chat, snap

pytestmark = pytest.mark.browser


def test_a_module_switched_off_leaves_the_open_inbox_and_comes_back(
    lean_staff: Staff, shop: Shop, output_dir: Path
) -> None:
    inbox = lean_staff.page(shop.ana)
    open_chat(inbox, CLARA)
    status = inbox.locator("#status-btn")
    expect(status).to_be_visible()
    expect(inbox.locator('.info-tab-btn[data-tab="attendance"]')).to_be_visible()

    admin = lean_staff.page(shop.admin, path="/admin#modules")
    switch = admin.locator('input[data-module="attendance"]')
    expect(switch).to_be_checked()
    snap(admin, output_dir, "admin-modules.png")
    switch.uncheck()
    expect(admin.locator("#toasts")).to_contain_text("desligado")

    # The other user's open page loses the status button and the history tab live.
    expect(status).to_be_hidden()
    expect(inbox.locator('.info-tab-btn[data-tab="attendance"]')).to_have_count(0)
    # And the admin's menu loses the module's sections.
    expect(admin.locator('.admin-link[data-section="statuses"]')).to_have_count(0)

    switch.check()
    expect(status).to_be_visible()
    expect(inbox.locator('.info-tab-btn[data-tab="attendance"]')).to_be_visible()
    expect(admin.locator('.admin-link[data-section="statuses"]')).to_have_count(1)
    assert lean_staff.errors == []
