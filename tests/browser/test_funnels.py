"""Funnels in the inbox: the chat's stage in the info panel (H3) and the list filtered by
stages of several funnels (L5)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, expect

from appliance.areas.funnels import service as funnels
from appliance.areas.modules.service import set_modules
from tests.browser.conftest import CLARA, RunningShop, Shop, Staff, chat_names, open_chat, snap

pytestmark = pytest.mark.browser

BRUNO = "Bruno Peçanha"


def expect_stages(card: Locator, names: list[str]) -> None:
    """The admin's stage rows show these names, in this order."""
    inputs = card.locator(".stage-row input[type='text']")
    expect(inputs).to_have_count(len(names))
    for i, name in enumerate(names):
        expect(inputs.nth(i)).to_have_value(name)


def test_stage_changed_in_the_panel_filters_the_list(
    lean_staff: Staff, lean_shop: RunningShop, shop: Shop, output_dir: Path
) -> None:
    vendas = lean_shop.write(funnels.create_funnel, "Vendas", ["Lead", "Proposta", "Fechado"])
    pos = lean_shop.write(funnels.create_funnel, "Pós-venda", ["Entregue", "Avaliado"])
    stage = {s["name"]: s["id"] for f in (vendas, pos) for s in f["stages"]}
    # Bruno's chat already delivered; Débora's (not Ana's to see) at the same stage as Clara's.
    lean_shop.write(funnels.place_chat, shop.chats["bruno"], pos["id"], stage["Entregue"], 0)
    lean_shop.write(funnels.place_chat, shop.chats["debora"], vendas["id"], stage["Proposta"], 0)

    page = lean_staff.page(shop.ana)
    open_chat(page, CLARA)
    section = page.locator('[data-section="funnels"]')
    expect(section.get_by_role("heading", name="Funil")).to_be_visible()
    choice = section.get_by_label("Vendas", exact=True)
    expect(choice).to_have_value("")
    choice.select_option(label="Proposta")
    expect(page.locator(".toast", has_text="Vendas: Proposta.")).to_be_visible()
    expect(section.get_by_label("Vendas", exact=True)).to_have_value(str(stage["Proposta"]))
    expect(section.get_by_text(re.compile("Nesta etapa desde"))).to_have_count(1)
    section.scroll_into_view_if_needed()
    snap(page, output_dir, "funnels-panel.png")

    page.click("#filters-toggle")
    box = page.locator("#funnel-filter")
    expect(box).to_be_visible()
    box.get_by_role("button", name="Proposta").click()
    expect(page.locator("#chat-list .chat")).to_have_count(1)
    assert chat_names(page) == [CLARA]
    assert f"stage={stage['Proposta']}" in page.url

    # Several stages of several funnels: a chat at any of them.
    box.get_by_role("button", name="Entregue").click()
    expect(page.locator("#chat-list .chat")).to_have_count(2)
    assert sorted(chat_names(page)) == sorted([CLARA, BRUNO])
    snap(page, output_dir, "funnels-filter.png")

    # The filter is in the URL: a reload keeps it.
    page.reload()
    expect(page.locator("#chat-list .chat")).to_have_count(2)
    expect(page.locator("#funnel-filter").get_by_role("button", name="Entregue")).to_have_attribute(
        "aria-pressed", "true"
    )

    # Out of the funnel: the chat leaves the list filtered by that stage alone.
    page.locator("#funnel-filter").get_by_role("button", name="Entregue").click()
    expect(page.locator("#chat-list .chat")).to_have_count(1)
    open_chat(page, CLARA)
    page.locator('[data-section="funnels"]').get_by_label("Vendas", exact=True).select_option(
        label="— Fora do funil —"
    )
    expect(page.locator("#chat-list .chat")).to_have_count(0)


def test_funnel_parts_are_absent_while_the_module_is_off(
    lean_staff: Staff, lean_shop: RunningShop, shop: Shop
) -> None:
    lean_shop.write(funnels.create_funnel, "Vendas", ["Lead"])
    lean_shop.write(set_modules, {"funnel": False})
    page = lean_staff.page(shop.ana)
    open_chat(page, CLARA)
    expect(page.locator('[data-section="tags"]')).to_be_visible()
    expect(page.locator('[data-section="funnels"]')).to_have_count(0)
    page.click("#filters-toggle")
    expect(page.locator("#funnel-filter")).to_be_hidden()


def test_admin_builds_a_funnel_and_deletes_a_stage_moving_its_chats(
    lean_staff: Staff, lean_shop: RunningShop, shop: Shop, output_dir: Path
) -> None:
    page = lean_staff.page(shop.admin, path="/admin#funnels")
    expect(page.locator("h2", has_text="Funis")).to_be_visible()
    page.get_by_label("Nome do novo funil").fill("  Vendas  ")
    page.get_by_role("button", name="Criar funil").click()
    card = page.locator(".funnel-card", has=page.locator("input[value='Vendas']"))
    expect(card).to_have_count(1)
    for name in ("Lead", "Proposta", "Fechado"):
        card.get_by_label("Nova etapa em Vendas").fill(name)
        card.get_by_role("button", name="Adicionar etapa").click()
        expect(card.locator(f".stage-row input[value='{name}']")).to_have_count(1)
    card.get_by_role("button", name="Subir Fechado").click()
    expect_stages(card, ["Lead", "Fechado", "Proposta"])

    funnel = next(f for f in lean_shop.read(funnels.list_funnels) if f["name"] == "Vendas")
    lead = funnel["stages"][0]["id"]
    lean_shop.write(funnels.place_chat, shop.chats["clara"], funnel["id"], lead, 0)
    page.reload()
    row = card.locator(".stage-row", has=page.locator("input[value='Lead']"))
    expect(row).to_contain_text("1 chat")
    row.get_by_role("button", name="Apagar").click()
    form = card.locator(".stage-delete")
    expect(form).to_contain_text("1 chat está nesta etapa")
    form.get_by_label("Para onde vão os chats").select_option(label="Mover para Proposta")
    snap(page, output_dir, "funnels-admin.png")
    form.get_by_role("button", name="Apagar etapa").click()
    expect_stages(card, ["Fechado", "Proposta"])
    proposta = card.locator(".stage-row", has=page.locator("input[value='Proposta']"))
    expect(proposta).to_contain_text("1 chat")
