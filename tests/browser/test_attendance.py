"""Attendance in the inbox: the header's status button (C1), the archive rule (I4), the
"Atendimento" history tab (H1), the list's status filter (L6) and the control panel (L13)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from appliance.core.clock import now_ms
from tests.browser.conftest import CLARA, RunningShop, Shop, Staff, chat_names, open_chat, snap

pytestmark = pytest.mark.browser


def set_status(page: Page, name: str) -> None:
    page.click("#status-btn")
    page.get_by_role("menuitemradio", name=name).click()
    expect(page.locator("#status-btn")).to_contain_text(name)


def open_with_status(page: Page, chat: str, name: str) -> None:
    """Open ``chat`` and give it the status ``name`` from the header's button."""
    open_chat(page, chat)
    set_status(page, name)


def test_status_button_changes_the_status_and_the_history_lists_it(
    lean_staff: Staff, shop: Shop, output_dir: Path
) -> None:
    page = lean_staff.page(shop.ana)
    boss = lean_staff.page(shop.admin)
    open_chat(page, CLARA)
    open_chat(boss, CLARA)
    button = page.locator("#status-btn")
    expect(button).to_have_text(re.compile("Sem status"))

    page.click("#status-btn")
    expect(page.get_by_role("menuitemradio")).to_have_text(
        [
            "Aberto",
            "Em atendimento",
            "Aguardando",
            re.compile("^Resolvido"),
            re.compile("^Fechado"),
        ]
    )
    page.get_by_role("menuitemradio", name="Em atendimento").click()
    expect(button).to_have_text(re.compile("Em atendimento"))
    # The other tab follows.
    expect(boss.locator("#status-btn")).to_have_text(re.compile("Em atendimento"))

    page.get_by_role("tab", name="Atendimento").click()
    changes = page.locator(".status-change")
    expect(changes).to_have_count(1)
    expect(changes.first).to_contain_text("Em atendimento")
    expect(changes.first).to_contain_text("por Ana Souza")
    expect(changes.first).to_contain_text("atual")
    expect(page.locator(".status-totals li")).to_have_count(1)
    snap(page, output_dir, "attendance-history.png")

    # Resolvido archives: the chat leaves the inbox of both tabs; the history follows.
    set_status(page, "Resolvido")
    expect(page.locator(".status-change").first).to_contain_text("Resolvido")
    expect(changes).to_have_count(2)
    expect(page.locator("#chat-list .chat", has_text=CLARA)).to_have_count(0)
    expect(boss.locator("#chat-list .chat", has_text=CLARA)).to_have_count(0)
    snap(page, output_dir, "attendance-status-menu.png")

    # In the archived listing, Aberto brings it back.
    page.locator(".listing-tabs label", has_text="Arquivadas").click()
    expect(page.locator("#chat-list .chat", has_text=CLARA)).to_have_count(1)
    set_status(page, "Aberto")
    expect(page.locator("#chat-list .chat", has_text=CLARA)).to_have_count(0)
    page.locator(".listing-tabs label", has_text="Arquivadas").click()
    expect(page.locator("#chat-list .chat", has_text=CLARA)).to_have_count(1)
    expect(changes).to_have_count(3)


def test_status_filter_and_control_panel(
    lean_staff: Staff, lean_shop: RunningShop, shop: Shop, output_dir: Path
) -> None:
    page = lean_staff.page(shop.admin)
    open_with_status(page, "Bruno Peçanha", "Aguardando")
    open_with_status(page, "Débora Lima", "Aguardando")
    open_with_status(page, "Elisa Souza", "Em atendimento")

    page.click("#filters-toggle")
    status_chips = page.locator("#status-choices .chip")
    expect(status_chips).to_have_count(5)
    status_chips.filter(has_text="Aguardando").click()
    expect(page).to_have_url(re.compile(r"[?&]status=\d+"))
    expect(page.locator("#chat-list .chat")).to_have_count(2)
    assert sorted(chat_names(page)) == ["Bruno Peçanha", "Débora Lima"]
    # The filtered view survives a reload (it lives in the URL).
    page.reload()
    expect(page.locator("#chat-list .chat")).to_have_count(2)
    expect(page.locator("#status-choices .chip[aria-pressed=true]")).to_have_text("Aguardando")
    snap(page, output_dir, "attendance-status-filter.png")

    lean_shop.write(
        lambda c: c.execute(
            "UPDATE chat SET waiting_since = ? WHERE id = ?",
            (now_ms() - 95 * 60_000, shop.chats["debora"]),
        )
    )
    admin = lean_staff.page(shop.admin, path="/admin#panel")
    card = admin.get_by_role("region", name="Chats por status")
    expect(card.locator("li[data-name='Aguardando'] .panel-count")).to_have_text("2")
    expect(card.locator("li[data-name='Em atendimento'] .panel-count")).to_have_text("1")
    waiting = admin.get_by_role("region", name="Esperando há mais tempo").get_by_role("link")
    expect(waiting).to_have_text(["Débora Lima1 h 35 min"])
    snap(admin, output_dir, "attendance-control-panel.png")
    waiting.click()
    expect(admin).to_have_url(re.compile(rf"/\?chat={shop.chats['debora']}$"))
    expect(admin.locator("#conv-name")).to_have_text("Débora Lima")


def test_admin_deletes_a_status_moving_its_chats(
    lean_staff: Staff, shop: Shop, output_dir: Path
) -> None:
    page = lean_staff.page(shop.ana)
    open_with_status(page, "Bruno Peçanha", "Aguardando")

    admin = lean_staff.page(shop.admin, path="/admin#statuses")
    rows = admin.locator(".status-admin-row")
    expect(rows).to_have_count(5)
    admin.get_by_label("Nome do novo status").fill("Orçamento enviado")
    admin.get_by_role("button", name="Criar status").click()
    expect(rows).to_have_count(6)
    expect(rows.last.locator("input[type=text]")).to_have_value("Orçamento enviado")

    admin.get_by_role("button", name="Apagar Aguardando").click()
    admin.locator("#confirm-ok").click()
    move = admin.locator(".status-move")
    expect(move).to_contain_text("1 chat está neste status")
    move.get_by_label("Mover os chats para").select_option(label="Em atendimento")
    snap(admin, output_dir, "attendance-admin-statuses.png")
    assert move.get_by_role("button", name="Mover e apagar Aguardando").is_visible()
    move.get_by_role("button", name="Mover e apagar Aguardando").click()
    expect(rows).to_have_count(5)
    expect(admin.locator(".status-admin-row input[type=text][value='Aguardando']")).to_have_count(0)

    # Ana's open chat follows: its status and its history (the old name stays).
    expect(page.locator("#status-btn")).to_have_text(re.compile("Em atendimento"))
    page.get_by_role("tab", name="Atendimento").click()
    expect(page.locator(".status-change-name")).to_have_text(["Em atendimento", "Aguardando"])
    expect(page.locator(".status-change").first).to_contain_text("por Carla Gerente")
