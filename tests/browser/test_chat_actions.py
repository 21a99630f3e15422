"""What staff change on a chat by hand, as they do it in the inbox: its name (C5), read and
unread (C8), clearing its messages on the platform (C12); and the sound preference (T5).
Every change reaches the other tabs through the live events."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import BEEP_SPY, Shop, Staff, chat_names, open_chat, row, snap, watching

pytestmark = pytest.mark.browser


def menu_items(page: Page) -> list[str]:
    page.click("#conv-menu-btn")
    items = page.locator("#conv-menu button")
    expect(items.first).to_be_visible()
    labels = items.all_inner_texts()
    page.keyboard.press("Escape")
    expect(page.locator("#conv-menu")).to_be_hidden()
    return labels


def choose(page: Page, label: str) -> None:
    page.click("#conv-menu-btn")
    page.get_by_role("menuitem", name=label, exact=True).click()


def test_rename_in_the_info_panel_reaches_the_other_tab(
    lean_staff: Staff, shop: Shop, output_dir: Path
) -> None:
    page = lean_staff.page(shop.admin)
    other = watching(lean_staff, shop.ana, "Ana Clara Conceição")
    open_chat(page, "Ana Clara Conceição")
    info = page.locator("#info")
    name = info.locator(".info-name")
    expect(name).to_have_text("Ana Clara Conceição")

    # Esc leaves the name as it was.
    name.click()
    box = info.get_by_role("textbox", name="Nome do chat")
    expect(box).to_be_focused()
    expect(box).to_have_value("Ana Clara Conceição")
    box.fill("Outro nome")
    box.press("Escape")
    expect(box).to_have_count(0)
    expect(name).to_have_text("Ana Clara Conceição")

    # Too long: the server's message, and the text box stays for a fix.
    name.click()
    box.fill("x" * 121)
    box.press("Enter")
    expect(info.get_by_role("alert")).to_have_text(
        "Dados inválidos: custom_name: no máximo 120 caracteres"
    )
    expect(box).to_be_editable()
    snap(page, output_dir, "info-name-too-long.png")
    new = "Clara <b>Atacado</b> (Niterói)"
    box.fill(new)
    expect(info.get_by_role("alert")).to_be_hidden()
    snap(page, output_dir, "info-name-editing.png")
    box.press("Enter")

    expect(name).to_have_text(new)
    expect(info.locator(".wa-name")).to_have_text("No WhatsApp: Ana Clara Conceição")
    expect(page.locator("#conv-name")).to_have_text(new)
    expect(row(page, new)).to_be_visible()
    # Ana's tab follows, and the name stays text.
    expect(row(other, new)).to_have_count(1)
    assert chat_names(other)[0] == new
    assert other.locator("#chat-list b").count() == 0

    # From the menu, blank goes back to the customer's WhatsApp name.
    choose(page, "Alterar nome do chat")
    expect(box).to_be_focused()
    box.fill("  ")
    box.press("Enter")
    expect(name).to_have_text("Ana Clara Conceição")
    expect(info.locator(".wa-name")).to_have_count(0)
    expect(row(other, "Ana Clara Conceição")).to_have_count(1)


def test_opening_an_unread_chat_clears_its_badge_everywhere(lean_staff: Staff, shop: Shop) -> None:
    page = lean_staff.page(shop.ana, path="/?unread=true")
    watcher = lean_staff.page(shop.admin)
    expect(row(watcher, "Bruno Peçanha").locator(".badge")).to_have_text("2")
    expect(watcher).to_have_title("(1) Conversas · Balcão")
    expect(page.locator("#chat-list .chat")).to_have_count(1)
    expect(row(page, "Bruno Peçanha").locator(".badge")).to_have_text("2")

    open_chat(page, "Bruno Peçanha")
    expect(row(page, "Bruno Peçanha").locator(".badge")).to_have_count(0)
    expect(page).to_have_title("Conversas · Balcão")
    # Under "Não lidas" the chat being read stays in the list until it is loaded again.
    expect(page.locator("#chat-list .chat")).to_have_count(1)
    page.reload()
    expect(page.locator("#list-empty")).to_be_visible()
    expect(row(watcher, "Bruno Peçanha").locator(".badge")).to_have_count(0)
    expect(watcher).to_have_title("Conversas · Balcão")


def test_mark_unread_brings_the_chat_to_the_top_without_a_sound(
    lean_staff: Staff, shop: Shop
) -> None:
    page = lean_staff.page(shop.ana, init_script=BEEP_SPY)
    other = lean_staff.page(shop.ana, init_script=BEEP_SPY)
    expect(other.locator("#chat-list .chat")).to_have_count(2)
    open_chat(page, "Bruno Peçanha")
    expect(row(page, "Bruno Peçanha").locator(".badge")).to_have_count(0)
    expect(row(other, "Bruno Peçanha").locator(".badge")).to_have_count(0)
    assert chat_names(other) == ["Ana Clara Conceição", "Bruno Peçanha"]

    choose(page, "Marcar como não lido")
    for tab in (page, other):
        expect(tab.locator("#chat-list .chat").first.locator(".name")).to_have_text("Bruno Peçanha")
        expect(tab.locator("#chat-list .chat").first.locator(".badge")).to_have_text("1")
    assert page.evaluate("window.beeps") == 0
    assert other.evaluate("window.beeps") == 0

    # The chat stays open; the menu now offers to read it again.
    assert "Marcar como lido" in menu_items(page)
    choose(page, "Marcar como lido")
    expect(row(page, "Bruno Peçanha").locator(".badge")).to_have_count(0)
    expect(row(other, "Bruno Peçanha").locator(".badge")).to_have_count(0)
    assert chat_names(other) == ["Bruno Peçanha", "Ana Clara Conceição"]


def test_clear_messages_asks_first_and_only_for_who_may(
    lean_staff: Staff, shop: Shop, output_dir: Path
) -> None:
    page = lean_staff.page(shop.admin, path=f"/?chat={shop.chats['clara']}")
    ana = lean_staff.page(shop.ana, path=f"/?chat={shop.chats['clara']}")
    bubbles, ana_bubbles = page.locator("#messages .msg"), ana.locator("#messages .msg")
    expect(bubbles).to_have_count(8)
    expect(ana_bubbles).to_have_count(8)
    # Ana may not delete messages: the menu does not offer it.
    labels = menu_items(ana)
    assert "Alterar nome do chat" in labels
    assert "Apagar todas as mensagens" not in labels

    dialog = page.get_by_role("dialog")
    page.click("#conv-menu-btn")
    expect(page.get_by_role("menuitem", name="Marcar como não lido")).to_be_visible()
    snap(page, output_dir, "chat-menu.png")
    page.get_by_role("menuitem", name="Apagar todas as mensagens").click()
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Apagar todas as mensagens de Ana Clara Conceição?")
    expect(dialog).to_contain_text("só no Balcão")
    expect(dialog).to_contain_text("O WhatsApp do celular servidor não muda")
    snap(page, output_dir, "clear-messages-confirm.png")
    dialog.get_by_role("button", name="Cancelar").click()
    expect(dialog).to_be_hidden()
    expect(bubbles).to_have_count(8)

    choose(page, "Apagar todas as mensagens")
    dialog.get_by_role("button", name="Apagar mensagens").click()
    expect(bubbles).to_have_count(0)
    expect(page.locator("#older-bar")).to_contain_text("Nenhuma mensagem ainda.")
    expect(page.locator(".toast")).to_have_text("8 mensagens apagadas no Balcão.")
    expect(row(page, "Ana Clara Conceição").locator(".preview")).to_have_text("")
    # Ana's tab, open on the same chat, empties too.
    expect(ana_bubbles).to_have_count(0)
    expect(row(ana, "Ana Clara Conceição").locator(".preview")).to_have_text("")
    page.reload()
    expect(page.locator("#older-bar")).to_contain_text("Nenhuma mensagem ainda.")
    expect(bubbles).to_have_count(0)


def test_sound_choice_follows_the_user_to_another_browser(lean_staff: Staff, shop: Shop) -> None:
    page = lean_staff.page(shop.bruno)
    sound = page.locator("#sound-toggle")
    expect(sound).to_have_attribute("aria-pressed", "true")
    with page.expect_response(re.compile(r"/api/v1/me$")) as saved:
        sound.click()
    assert saved.value.ok
    expect(sound).to_have_attribute("aria-pressed", "false")
    expect(sound).to_have_attribute("title", re.compile("Sons desligados"))

    # A fresh browser context has no localStorage: the choice comes from the server.
    elsewhere = lean_staff.page(shop.bruno)
    expect(elsewhere.locator("#sound-toggle")).to_have_attribute("aria-pressed", "false")
    with elsewhere.expect_response(re.compile(r"/api/v1/me$")):
        elsewhere.locator("#sound-toggle").click()
    page.reload()
    expect(page.locator("#sound-toggle")).to_have_attribute("aria-pressed", "true")
