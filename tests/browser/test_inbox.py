"""The inbox as staff use it: panes, filters in the URL, search, the conversation, replying."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    ARCHIVED,
    RunningShop,
    Shop,
    Staff,
    chat_names,
    open_chat,
    shop_db,
    snap,
)
from tests.factories import assign, make_chat, make_message

pytestmark = pytest.mark.browser


def test_login_shows_the_three_panes_at_the_counter(
    staff: Staff, shop: Shop, output_dir: Path
) -> None:
    page = staff.anonymous()
    page.goto(staff.url + "/")
    expect(page).to_have_url(re.compile(r"/login$"))
    page.fill("input[name=login]", "ana")
    page.fill("input[name=password]", "ana")
    page.click("button[type=submit]")

    # Ana (Vendas) sees her department's chats, newest first, with the unread badge.
    expect(page.locator("#chat-list .chat")).to_have_count(2)
    assert chat_names(page) == ["Ana Clara Conceição", "Bruno Peçanha"]
    expect(page.locator(".chat", has_text="Bruno Peçanha").locator(".badge")).to_have_text("2")
    expect(page.locator(".chat", has_text="Ana Clara").locator(".preview")).to_have_text(
        "Última mensagem de Ana"
    )
    expect(page.locator("#device-status")).to_contain_text("Desconectado")

    open_chat(page, "Ana Clara Conceição")
    messages = page.locator("#messages")
    # Day separators in the shop's time zone; the last two are yesterday and today.
    days = messages.locator(".day")
    expect(days).to_have_count(3)
    assert [d.text_content() for d in days.all()][1:] == ["Ontem", "Hoje"]
    # Bubbles by author: the customer on the left, staff with their name, the phone, the bot.
    expect(messages.locator(".msg.in").first).to_contain_text("Oi, vocês vendem capinha?")
    expect(messages.locator(".msg.out.user .author")).to_have_text("Ana Souza")
    expect(messages.locator(".msg.out.phone .author")).to_contain_text("Enviada pelo celular")
    expect(messages.locator(".msg.out.chatbot .author")).to_contain_text("Chatbot")
    expect(messages.locator(".msg.out.user .tick")).to_have_attribute("data-status", "sent")
    # Media without a file yet: a placeholder that says what it is.
    expect(messages.locator(".media.image")).to_contain_text("Foto")
    expect(messages.locator(".media.document")).to_contain_text("Catálogo.pdf")
    expect(messages.locator(".media.document")).to_contain_text("2,3 MB")
    expect(messages.locator(".media.voice")).to_contain_text("0:12")
    expect(messages.locator(".media.location")).to_contain_text("Loja Icaraí")

    # The details arrow: both times, the gap flagged, and the author (M2, M5).
    late = messages.locator(".msg", has=page.locator(".media.voice"))
    late.locator(".details-btn").click()
    expect(late.locator(".details")).to_contain_text("Registrada no Balcão")
    expect(late.locator(".details .late")).to_contain_text("20 min de atraso")
    expect(late.locator(".details")).to_contain_text("Autor: Cliente")

    # The info panel: name, number (Ana may see numbers), origin device, registration date.
    info = page.locator("#info")
    expect(info).to_be_visible()
    expect(info.locator(".info-name")).to_have_text("Ana Clara Conceição")
    expect(info.locator(".number")).to_have_text("+55 11 98765-0000")
    expect(info).to_contain_text("Celular da loja")
    expect(info).to_contain_text("Data de cadastro")
    expect(info.locator(".tag")).to_have_count(3)  # Vendas, then two tags
    snap(page, output_dir, "inbox-1280x800.png")


@pytest.mark.parametrize(
    ("mode", "label", "expected"),
    [
        ("all", "Todas", ["Ana Clara Conceição"]),
        ("any", "Qualquer", ["Ana Clara Conceição", "Bruno Peçanha", "Carlos Atacadista"]),
        ("none", "Não tem", ["Débora Lima", "Elisa Souza"]),
    ],
)
def test_two_tags_in_each_mode_and_the_url_keeps_them(
    staff: Staff, shop: Shop, output_dir: Path, mode: str, label: str, expected: list[str]
) -> None:
    page = staff.page(shop.admin)
    expect(page.locator("#chat-list .chat")).to_have_count(5)
    page.click("#filters-toggle")
    page.locator("#tag-choices .chip", has_text="Cliente VIP").click()
    page.locator("#tag-choices .chip", has_text="Atacado").click()
    page.locator(".segmented label", has_text=label).click()

    expect(page.locator("#chat-list .chat")).to_have_count(len(expected))
    assert chat_names(page) == expected
    vip, wholesale = shop.tags["Cliente VIP"], shop.tags["Atacado"]
    query = page.evaluate("location.search")
    assert f"tag={vip}" in query
    assert f"tag={wholesale}" in query
    assert ("tag_mode=" not in query) if mode == "any" else (f"tag_mode={mode}" in query)

    page.reload()
    expect(page.locator("#chat-list .chat")).to_have_count(len(expected))
    assert chat_names(page) == expected
    expect(page.locator("#filters")).to_be_visible()
    expect(page.locator(f"input[name=tag_mode][value={mode}]")).to_be_checked()
    expect(page.locator("#tag-choices .chip[aria-pressed=true]")).to_have_count(2)
    if mode == "all":
        snap(page, output_dir, "filters-two-tags-all.png")


def test_filters_combine_and_number_needs_the_permission(staff: Staff, shop: Shop) -> None:
    page = staff.page(shop.admin, path="/?name=conceicao&unread=false")
    expect(page.locator("#chat-list .chat")).to_have_count(1)  # accent-insensitive
    page.locator(".listing-tabs .pill", has_text="Não lidas").click()
    expect(page.locator("#list-empty")).to_be_visible()
    page.fill("#filters input[name=name]", "")
    expect(page.locator("#chat-list .chat")).to_have_count(1)
    assert chat_names(page) == ["Bruno Peçanha"]
    assert "unread=true" in page.url
    page.fill("#filters input[name=number]", "650001")
    expect(page.locator("#chat-list .chat")).to_have_count(1)
    page.fill("#filters input[name=number]", "650002")
    expect(page.locator("#list-empty")).to_be_visible()

    bruno = staff.page(shop.bruno)
    expect(bruno.locator("#chat-list .chat")).to_have_count(1)
    expect(bruno.locator("#number-filter")).to_be_hidden()
    bruno.locator(".chat").first.click()
    expect(bruno.locator("#conv-sub")).not_to_contain_text("+55")


def test_archived_and_broadcast_listings_scroll_and_keep_other_filters(
    staff: Staff, shop: Shop
) -> None:
    page = staff.page(shop.admin)
    expect(page.locator("#chat-list .chat")).to_have_count(5)
    page.locator(".listing-tabs .pill", has_text="Arquivadas").click()
    rows = page.locator("#chat-list .chat")
    expect(rows).to_have_count(50)
    assert chat_names(page)[:2] == ["Arquivado 00", "Arquivado 01"]
    rows.last.scroll_into_view_if_needed()
    expect(rows).to_have_count(ARCHIVED)  # the next page, by cursor
    page.click("#filters-toggle")
    page.fill("#filters input[name=name]", "arquivado 07")
    expect(rows).to_have_count(1)
    assert "archived=true" in page.url
    page.fill("#filters input[name=name]", "")
    page.select_option("#filters select[name=order]", "name")
    expect(rows.first.locator(".name")).to_have_text("Arquivado 00")
    assert "order=name" in page.url

    page.goto(staff.url + "/?broadcast=true")
    expect(rows).to_have_count(1)
    assert chat_names(page) == ["Lista Promoções"]
    expect(page.locator(".listing-tabs input[name=broadcast]")).to_be_checked()


def test_sound_off_is_remembered(staff: Staff, shop: Shop) -> None:
    page = staff.page(shop.bruno)
    sound = page.locator("#sound-toggle")
    expect(sound).to_have_attribute("aria-pressed", "true")
    sound.click()
    expect(sound).to_have_attribute("aria-pressed", "false")
    page.reload()
    expect(page.locator("#sound-toggle")).to_have_attribute("aria-pressed", "false")


def test_older_messages_load_on_scroll_then_come_from_the_phone(staff: Staff, shop: Shop) -> None:
    page = staff.page(shop.ana, path=f"/?chat={shop.chats['bruno']}")
    bubbles = page.locator("#messages .msg")
    expect(bubbles).to_have_count(50)
    expect(bubbles.last).to_be_in_viewport()
    page.locator("#messages-scroll").evaluate("el => { el.scrollTop = 0; }")
    expect(bubbles).to_have_count(81)
    expect(bubbles.first).to_contain_text("parafuso dourado")
    page.locator("#older-bar button", has_text="Buscar mensagens antigas no celular").click()
    expect(page.locator(".toast")).to_contain_text("Pedido enviado ao celular")


def test_search_jumps_to_an_old_message(staff: Staff, shop: Shop, output_dir: Path) -> None:
    page = staff.page(shop.ana)
    page.fill("#search-input", "parafuso")
    hit = page.locator("#search-results .hit")
    expect(hit).to_have_count(1)
    expect(hit.locator(".name")).to_have_text("Bruno Peçanha")
    expect(hit.locator("mark")).to_have_text("parafuso")
    expect(page.locator("#chat-list")).to_be_hidden()
    assert "q=parafuso" in page.url
    snap(page, output_dir, "search-hit.png")

    hit.click()
    target = page.locator(f'.msg[data-id="{shop.messages["parafuso"]}"]')
    expect(target).to_be_visible()
    expect(target).to_have_class(re.compile(r"\btarget\b"))
    expect(target).to_be_in_viewport()
    snap(page, output_dir, "search-jump.png")
    # Newer messages are reached by scrolling down; the newest are not loaded yet.
    expect(page.locator(".msg", has_text="Mensagem de teste 79")).to_have_count(0)
    page.locator("#to-latest").click()
    expect(page.locator(".msg", has_text="Mensagem de teste 79")).to_be_in_viewport()


def test_enter_sends_with_a_clock_and_shift_enter_breaks_the_line(
    own_staff: Staff, shop: Shop
) -> None:
    page = own_staff.page(shop.ana, path=f"/?chat={shop.chats['clara']}")
    expect(page.locator("#conv-name")).to_have_text("Ana Clara Conceição")
    box = page.locator("#composer-input")
    box.click()
    box.type("Bom dia!")
    box.press("Shift+Enter")
    box.type("Chegou a capinha.")
    box.press("Enter")

    sent = page.locator(".msg.out").last
    expect(sent.locator(".text")).to_have_text("Bom dia!\nChegou a capinha.")
    expect(sent.locator(".tick.queued")).to_be_visible()
    expect(box).to_have_value("")
    # The server's answer replaces the pending bubble: still queued (no phone here), one copy.
    expect(sent).to_have_attribute("data-id", re.compile(r"^\d+$"))
    expect(page.locator(".msg.out", has_text="Chegou a capinha.")).to_have_count(1)
    expect(sent.locator(".author")).to_have_text("Ana Souza")
    # The list shows our message first, as the preview, with its tick.
    row = page.locator("#chat-list .chat").first
    expect(row.locator(".name")).to_have_text("Ana Clara Conceição")
    expect(row.locator(".preview")).to_contain_text("Bom dia!")
    expect(row.locator(".tick.queued")).to_be_visible()
    expect(page.locator("#device-status")).to_contain_text("1 na fila")

    page.click("#conv-menu-btn")
    page.locator("#conv-menu button", has_text="Reverificar leitura das mensagens").click()
    expect(page.locator(".toast")).to_contain_text("Pedido enviado ao celular")

    page.click("#emoji-btn")
    page.locator(".emoji-tabs button[title=Carinhas]").click()
    page.locator('.emoji-grid button[data-emoji="😀"]').click()
    expect(box).to_have_value("😀")

    # A draft stays with its chat while staff look at another one.
    page.locator("#chat-list .chat", has_text="Bruno Peçanha").click()
    expect(page.locator("#conv-name")).to_have_text("Bruno Peçanha")
    expect(box).to_have_value("")
    page.locator("#chat-list .chat", has_text="Ana Clara").click()
    expect(page.locator("#conv-name")).to_have_text("Ana Clara Conceição")
    expect(box).to_have_value("😀")


def test_one_pane_at_a_time_on_a_phone(staff: Staff, shop: Shop, output_dir: Path) -> None:
    page = staff.page(shop.ana, viewport={"width": 390, "height": 844})
    expect(page.locator(".pane-list")).to_be_visible()
    expect(page.locator(".pane-conv")).to_be_hidden()
    snap(page, output_dir, "phone-list.png")
    page.locator(".chat", has_text="Ana Clara").click()
    expect(page.locator("#conv-name")).to_be_visible()
    expect(page.locator(".pane-list")).to_be_hidden()
    snap(page, output_dir, "phone-conversation.png")
    page.click("#conv-title")
    expect(page.locator("#info .info-name")).to_be_visible()
    expect(page.locator(".pane-conv")).to_be_hidden()
    page.click("#info-close")
    page.click("#conv-back")
    expect(page.locator(".pane-list")).to_be_visible()


def test_customer_html_is_shown_as_text_everywhere(
    own_staff: Staff, own_shop: RunningShop, shop: Shop, output_dir: Path
) -> None:
    name = '<img src=x onerror="alert(1)">Zé'
    body = "<script>alert(2)</script> quero o <b>parafuso</b> <svg onload=alert(3)>"
    with shop_db(own_shop.data_dir) as db:
        chat = make_chat(db, shop.device, name=name, preview=body)
        assign(db, chat, department=shop.vendas)
        make_message(db, chat, body=body)

    page = own_staff.page(shop.ana)
    row = page.locator("#chat-list .chat").first
    expect(row.locator(".name")).to_have_text(name)
    expect(row.locator(".preview")).to_have_text(body)
    row.click()
    expect(page.locator("#conv-name")).to_have_text(name)
    expect(page.locator("#info .info-name")).to_have_text(name)
    expect(page.locator(".msg.in .text").last).to_have_text(body)

    page.fill("#search-input", "parafuso")
    hit = page.locator(".hit", has_text="script")
    expect(hit.locator(".name")).to_have_text(name)
    expect(hit.locator(".snippet")).to_have_text(body)
    expect(hit.locator("mark")).to_have_text("parafuso")
    snap(page, output_dir, "xss-as-text.png")
    assert page.locator("img[src=x], script:not([type]):not([src]), svg[onload]").count() == 0
    assert own_staff.dialogs == []


def test_a_row_clicked_before_the_scripts_run_still_opens_the_chat(
    staff: Staff, shop: Shop
) -> None:
    """The first page of rows comes with the HTML; until the scripts take the list over,
    each row is a link to its chat, so a quick click is not lost."""
    page = staff.page(shop.ana, path="/login")
    page.route("**/static/js/app.js", lambda route: route.abort())
    page.goto(staff.url + "/")
    row = page.locator("#chat-list .chat", has_text="Bruno Peçanha")
    chat_id = row.get_attribute("data-chat-id")
    row.locator(".name").click()
    expect(page).to_have_url(re.compile(rf"/\?chat={chat_id}$"))
    page.unroute("**/static/js/app.js")
    page.reload()
    expect(page.locator("#conv-name")).to_have_text("Bruno Peçanha")
