"""Assignees from the info panel (I5), live: a chat given to a department appears in its
members' inboxes, and vanishes when taken away; the history tab (H4), delegating to the
queue (I6) and the archive switch (I4)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from appliance.areas.assignments.service import set_queue
from tests.browser.conftest import CLARA, RunningShop, Shop, Staff, row, snap, watching

pytestmark = pytest.mark.browser


def open_chat(page: Page, name: str) -> Locator:
    row(page, name).click()
    expect(page.locator("#conv-name")).to_have_text(name)
    info = page.locator("#info")
    expect(info.locator(".info-name")).to_have_text(name)
    return info.locator('[data-section="assignees"]')


def chips(section: Locator) -> Locator:
    return section.locator(".assignee-chip")


def pick(section: Locator, name: str) -> None:
    section.get_by_role("button", name="Adicionar").click()
    section.get_by_role("searchbox").fill(name[:4])
    section.locator(".assignee-option", has_text=name).click()


def test_a_department_member_sees_the_chat_come_and_go(
    lean_staff: Staff, shop: Shop, output_dir: Path
) -> None:
    admin = lean_staff.page(shop.admin)
    bruno = watching(lean_staff, shop.bruno, "Carlos Atacadista")  # Suporte
    expect(row(bruno, "Débora Lima")).to_have_count(0)

    section = open_chat(admin, "Débora Lima")
    expect(section).to_contain_text("Sem responsável")
    pick(section, "Suporte")
    expect(chips(section)).to_have_text(["Suporte"])
    expect(row(bruno, "Débora Lima")).to_be_visible()
    snap(admin, output_dir, "assign-panel-department.png")

    # The picker keeps its search while live events redraw the panel.
    section.get_by_role("button", name="Adicionar").click()
    section.get_by_role("searchbox").fill("ana")
    expect(section.locator(".assignee-option")).to_have_text([re.compile("Ana Souza")])
    section.get_by_role("searchbox").press("Escape")
    expect(section.locator(".assignee-picker")).to_be_hidden()

    section.get_by_role("button", name="Remover Suporte").click()
    expect(section).to_contain_text("Sem responsável")
    expect(row(bruno, "Débora Lima")).to_have_count(0)
    expect(row(bruno, "Carlos Atacadista")).to_be_visible()

    admin.get_by_role("tab", name="Responsáveis").click()
    events = admin.locator("#info .assignment-event")
    expect(events).to_have_count(2)
    expect(events.nth(0)).to_contain_text("Suporte")
    expect(events.nth(0)).to_contain_text("removido")
    expect(events.nth(0)).to_contain_text("por Carla Gerente")
    expect(events.nth(0)).to_contain_text("manual")
    expect(events.nth(1)).to_contain_text("adicionado")
    snap(admin, output_dir, "assign-history-tab.png")


def test_the_only_user_assignee_loses_the_chat_when_removed(
    lean_staff: Staff, shop: Shop, output_dir: Path
) -> None:
    admin = lean_staff.page(shop.admin)
    ana = watching(lean_staff, shop.ana, CLARA)  # Vendas
    expect(row(ana, "Elisa Souza")).to_have_count(0)

    section = open_chat(admin, "Elisa Souza")
    pick(section, "Ana Souza")
    expect(chips(section)).to_have_text(["Ana Souza"])
    expect(row(ana, "Elisa Souza")).to_be_visible()
    open_chat(ana, "Elisa Souza")

    section.get_by_role("button", name="Remover Ana Souza").click()
    expect(row(ana, "Elisa Souza")).to_have_count(0)
    expect(ana.locator(".toast")).to_contain_text("Este chat não está mais com você.")
    expect(ana.locator("#conv-name")).to_be_hidden()


def test_delegate_to_the_queue_and_archive_from_the_panel(
    lean_staff: Staff, lean_shop: RunningShop, shop: Shop, output_dir: Path
) -> None:
    lean_shop.write(set_queue, [(shop.bruno, False)], None)
    admin = lean_staff.page(shop.admin)
    bruno = lean_staff.page(shop.bruno)
    section = open_chat(admin, "Débora Lima")
    section.get_by_role("button", name="Delegar p/ Fila").click()
    expect(chips(section)).to_have_text(["Bruno Lima"])
    expect(admin.locator(".toast")).to_contain_text("Chat delegado para Bruno Lima.")
    expect(row(bruno, "Débora Lima")).to_be_visible()

    archived = admin.locator('#info [data-switch="archived"]')
    expect(archived).not_to_be_checked()
    archived.check()
    expect(admin.locator('#info [data-section="details"]')).to_contain_text("Sim")
    expect(row(bruno, "Débora Lima")).to_have_count(0)
    snap(admin, output_dir, "assign-panel-archived.png")


def test_the_admin_sets_up_the_rotation(lean_staff: Staff, shop: Shop, output_dir: Path) -> None:
    admin = lean_staff.page(shop.admin, path="/admin#queue")
    body = admin.locator('.admin-body[data-section="queue"]')
    expect(body.locator(".queue-list")).to_contain_text("Ninguém no rodízio")
    for name in ("Ana Souza", "Bruno Lima"):
        body.get_by_label("Usuário para adicionar ao rodízio").select_option(label=name)
        body.get_by_role("button", name="Adicionar ao rodízio").click()
        expect(body.locator(".queue-name").last).to_have_text(name)
    expect(body.locator(".queue-next")).to_have_text("Próximo a receber: Ana Souza.")
    body.get_by_role("button", name="Subir Bruno Lima").click()
    expect(body.locator(".queue-name")).to_have_text(["Bruno Lima", "Ana Souza"])
    body.get_by_label("Bruno Lima ausente").check()
    expect(body.locator(".queue-next")).to_have_text("Próximo a receber: Ana Souza.")
    body.get_by_label("Delegar automaticamente").check()
    snap(admin, output_dir, "assign-admin-queue.png")

    # What the admin set is what a reload shows.
    admin.reload()
    body = admin.locator('.admin-body[data-section="queue"]')
    expect(body.locator(".queue-name")).to_have_text(["Bruno Lima", "Ana Souza"])
    expect(body.get_by_label("Bruno Lima ausente")).to_be_checked()
    expect(body.get_by_label("Delegar automaticamente")).to_be_checked()
    body.get_by_role("button", name="Remover Ana Souza do rodízio").click()
    expect(body.locator(".queue-name")).to_have_text(["Bruno Lima"])
    expect(body.locator(".queue-next")).to_contain_text("Todos estão ausentes")
