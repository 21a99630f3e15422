"""The Unificação tab lists what a chat merge did not keep (the number chat's values won)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from appliance.areas.messages.ingest import record_merged_values
from appliance.core.clock import now_ms
from tests.browser.conftest import RunningShop, Shop, Staff, open_chat, snap

pytestmark = pytest.mark.browser

LID = "112233445566@lid"


def test_the_values_a_merge_did_not_keep_are_in_their_tab(
    lean_staff: Staff, lean_shop: RunningShop, shop: Shop, output_dir: Path
) -> None:
    chat = shop.chats["debora"]
    lean_shop.write(
        record_merged_values,
        [
            (chat, LID, "name", "custom_name", "Débora da Padaria", now_ms()),
            (chat, LID, "stage", "Vendas", "Proposta", now_ms()),
        ],
    )
    page = lean_staff.page(shop.admin)
    open_chat(page, "Débora Lima")
    page.get_by_role("tab", name="Unificação").click()
    values = page.locator("#info .merged-value")
    expect(values).to_have_count(2)
    expect(values.filter(has_text="Nome no Balcão")).to_contain_text("Débora da Padaria")
    expect(values.filter(has_text="Funil Vendas")).to_contain_text("Proposta")
    expect(values.first).to_contain_text(LID)
    snap(page, output_dir, "merge-tab.png")

    open_chat(page, "Elisa Souza")
    expect(page.locator("#info .info-tab")).to_contain_text("Nenhum valor de outra conversa")
