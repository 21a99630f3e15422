"""The administration screens for users, departments and devices (P1, P2, P4), and the
inbox's "Nova conversa" (L12), as the shop's people use them in Chromium."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import RunningShop, Shop, Staff, chat_names, shop_db, snap
from tests.factories import assign, make_user

pytestmark = pytest.mark.browser


def nav_titles(page: Page) -> list[str]:
    return page.locator("#admin-nav .admin-link").all_inner_texts()


def test_admin_creates_a_department_and_a_user_who_logs_in_and_sees_its_chats(
    lean_staff: Staff, lean_shop: RunningShop, shop: Shop, output_dir: Path
) -> None:
    page = lean_staff.page(shop.admin, path="/admin#departments")
    expect(page.locator("#admin-section h2")).to_have_text("Departamentos")
    page.fill("#department-name", "Entregas")
    page.click("#department-create button[type=submit]")
    expect(page.locator("tr[data-name='Entregas']")).to_contain_text("Ninguém")

    page.click("#admin-nav >> text=Usuários")
    expect(page.locator("#admin-section h2")).to_have_text("Usuários")
    page.click("#user-new")
    form = page.locator("form[data-user=new]")
    form.locator("input[name=login]").fill("Joana")
    form.locator("input[name=name]").fill("Joana Prado")
    form.locator("input[name=email]").fill("joana@loja.com.br")
    form.locator("input[name=password]").fill("joana-123")
    form.locator("label.acct-check", has_text="Entregas").click()
    form.locator("label.acct-check", has_text="Ver números de telefone").click()
    snap(page, output_dir, "admin-user-new.png")
    form.locator("button[type=submit]").click()
    row = page.locator("tr[data-login=joana]")
    expect(row).to_contain_text("Joana Prado")
    expect(row).to_contain_text("Entregas")
    expect(row).to_contain_text("Ver números de telefone")
    snap(page, output_dir, "admin.png")

    page.click("#admin-nav >> text=Departamentos")
    expect(page.locator("tr[data-name='Entregas']")).to_contain_text("Joana Prado")

    # A chat handed to the new department reaches its new member.
    with shop_db(lean_shop.data_dir) as db:
        entregas = db.write_sync(
            lambda c: c.execute("SELECT id FROM department WHERE name = 'Entregas'").fetchone()[0]
        )
        assign(db, shop.chats["elisa"], department=entregas)

    joana = lean_staff.anonymous()
    joana.goto(lean_shop.server.url + "/login")
    joana.fill("input[name=login]", "joana")
    joana.fill("input[name=password]", "joana-123")
    joana.click("button[type=submit]")
    expect(joana.locator(".side-head .who")).to_have_text("Joana Prado")
    expect(joana.locator("#chat-list .chat")).to_have_count(1)
    assert chat_names(joana) == ["Elisa Souza"]

    # Put in Vendas too: on her next page load she sees Vendas' chats as well.
    page.click("#admin-nav >> text=Usuários")
    row.locator("button", has_text="Editar").click()
    editor = page.locator(f"form[data-user='{row.get_attribute('data-user')}']")
    editor.locator("label.acct-check", has_text="Vendas").click()
    snap(page, output_dir, "admin-user-edit.png")
    editor.locator("button[type=submit]").click()
    expect(row).to_contain_text("Entregas, Vendas")
    joana.reload()
    expect(joana.locator("#chat-list .chat")).to_have_count(3)

    # Deactivated, she is out at once and cannot come back.
    row.locator("button", has_text="Desativar").click()
    page.click("#confirm-ok")
    expect(row).to_contain_text("Desativado")
    joana.reload()
    expect(joana.locator("input[name=login]")).to_be_visible()
    joana.fill("input[name=login]", "joana")
    joana.fill("input[name=password]", "joana-123")
    joana.click("button[type=submit]")
    expect(joana.locator(".error, [role=alert]").first).to_contain_text("incorretos")


def test_sections_follow_what_each_user_may_do(
    lean_staff: Staff, lean_shop: RunningShop, shop: Shop, output_dir: Path
) -> None:
    page = lean_staff.page(shop.bruno, path="/admin")
    expect(page.locator("#admin-section")).to_contain_text(
        "Você não tem acesso a nenhuma seção da administração."
    )
    assert nav_titles(page) == []
    snap(page, output_dir, "admin-no-sections.png")

    with shop_db(lean_shop.data_dir) as db:
        manager = make_user(db, "gerente", permissions=["manage_users"], name="Gerente")
    page = lean_staff.page(manager, path="/admin")
    expect(page.locator("#admin-section h2")).to_have_text("Usuários")
    titles = nav_titles(page)
    assert {"Usuários", "Departamentos"} <= set(titles)
    assert not {"Aparelhos", "Módulos"} & set(titles)
    # The manager neither makes admins nor gives a permission they lack, nor touches an admin.
    page.click("#user-new")
    form = page.locator("form[data-user=new]")
    expect(form.locator("input[name=is_admin]")).to_have_count(0)
    expect(form.locator("input[data-permission=see_all_chats]")).to_be_disabled()
    expect(form.locator("input[data-permission=manage_users]")).to_be_enabled()
    expect(page.locator(f"tr[data-user='{shop.admin}'] button")).to_have_count(0)


def test_admin_adds_and_renames_a_device_and_sees_how_to_start_its_bridge(
    lean_staff: Staff, lean_shop: RunningShop, shop: Shop, output_dir: Path
) -> None:
    page = lean_staff.page(shop.admin, path="/admin#devices")
    expect(page.locator("#devices-table tbody tr")).to_have_count(1)
    page.fill("#device-name", "WhatsApp das entregas")
    page.click("#device-create button[type=submit]")
    setup = page.locator("#device-setup")
    expect(setup).to_contain_text("WhatsApp das entregas")
    device_id = setup.get_attribute("data-device")
    expect(setup).to_contain_text(f"balcao bridge --device {device_id}")
    expect(setup).to_contain_text(f"balcao-bridge@{device_id}.service")
    expect(setup).to_contain_text("não é mostrado de novo")
    token_file = lean_shop.data_dir / "devices" / str(device_id) / "bridge.token"
    token = token_file.read_text().strip()
    expect(setup.locator("code", has_text=token)).to_have_count(1)
    snap(page, output_dir, "admin-device-added.png")

    row = page.locator(f"tr[data-device='{device_id}']")
    expect(row).to_contain_text("Desconectado")
    row.locator("button", has_text="Renomear").click()
    rename = page.locator("tr.acct-editor input[name=name]")
    rename.fill("Entregas")
    rename.press("Enter")
    expect(row.locator("td").first).to_have_text("Entregas")

    # The inbox offers the new device when adding a chat.
    inbox = lean_staff.page(shop.admin)
    inbox.click("#new-chat")
    expect(inbox.locator("#new-chat-device")).to_be_visible()
    expect(inbox.locator("#new-chat-device option")).to_have_text(["Celular da loja", "Entregas"])


def test_new_chat_by_number_opens_it_and_explains_a_bad_number(
    lean_staff: Staff, shop: Shop, output_dir: Path
) -> None:
    page = lean_staff.page(shop.ana)
    expect(page.locator("#chat-list .chat").first).to_be_visible()
    page.click("#new-chat")
    dialog = page.locator("#new-chat-dialog")
    expect(dialog).to_be_visible()
    # One device: nothing to choose.
    expect(page.locator("#new-chat-device")).to_be_hidden()
    page.fill("#new-chat-phone", "123")
    page.click("#new-chat-dialog button[type=submit]")
    expect(dialog.locator(".error")).to_contain_text("Número de telefone inválido")
    snap(page, output_dir, "new-chat-invalid.png")

    page.fill("#new-chat-phone", "(21) 8765-4321")
    page.fill("#new-chat-name", "Seu Jorge")
    page.click("#new-chat-dialog button[type=submit]")
    expect(dialog).to_be_hidden()
    expect(page.locator("#conv-name")).to_have_text("Seu Jorge")
    expect(page.locator("#chat-list .chat", has_text="Seu Jorge")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"chat=\d+"))

    # Typed another way, the same number opens the same chat.
    page.click("#conv-back") if page.locator("#conv-back").is_visible() else None
    page.click("#new-chat")
    page.fill("#new-chat-phone", "+55 21 98765-4321")
    page.click("#new-chat-dialog button[type=submit]")
    expect(page.locator("#conv-name")).to_have_text("Seu Jorge")
    expect(page.locator("#chat-list .chat", has_text="Seu Jorge")).to_have_count(1)


def test_new_chat_button_is_absent_while_the_module_is_off(lean_staff: Staff, shop: Shop) -> None:
    admin = lean_staff.page(shop.admin, path="/admin#modules")
    inbox = lean_staff.page(shop.ana)
    expect(inbox.locator("#new-chat")).to_be_visible()
    admin.locator("input[data-module=add_chats]").uncheck()
    expect(inbox.locator("#new-chat")).to_be_hidden()
