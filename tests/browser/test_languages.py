"""The two languages in Chromium: a shop set to English (BALCAO_LANGUAGE=en) shows the login,
the inbox, the administration and the API's errors in English; an unset shop speaks pt-BR,
or English to a browser that asks for it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import RunningShop, Staff, running_shop, staff_for

pytestmark = pytest.mark.browser

MISSING_CHAT = "/api/v1/chats/987654321"


@pytest.fixture
def english_shop(tmp_path: Path, template_db: Path) -> Iterator[RunningShop]:
    with running_shop(tmp_path, template_db, archived=0, BALCAO_LANGUAGE="en") as running:
        yield running


@pytest.fixture
def english_staff(english_shop: RunningShop, browser: Browser) -> Iterator[Staff]:
    # A Brazilian browser: the shop's setting wins over its Accept-Language.
    yield from staff_for(english_shop.server.url, english_shop.data_dir, browser)


def api_error(page: Page, path: str) -> dict[str, Any]:
    """The JSON body of an API answer, fetched by the page as its scripts fetch."""
    result: dict[str, Any] = page.evaluate(
        "(path) => fetch(path, {headers: {accept: 'application/json'}}).then((r) => r.json())",
        path,
    )
    return result


def failed_login(staff: Staff) -> Page:
    page = staff.anonymous()
    page.goto(f"{staff.url}/login")
    page.fill("input[name=login]", "ana")
    page.fill("input[name=password]", "not-the-password")
    page.click("button[type=submit]")
    return page


def see_english(staff: Staff, user_id: int) -> None:
    login = failed_login(staff)
    expect(login.locator("html")).to_have_attribute("lang", "en")
    expect(login.locator("button[type=submit]")).to_have_text("Sign in")
    expect(login.locator("form")).to_contain_text("Password")
    expect(login.locator("p.error")).to_have_text("Wrong login or password.")
    assert api_error(login, "/api/v1/chats") == {
        "code": "auth.required",
        "message": "Sign in to continue.",
    }

    inbox = staff.page(user_id)
    expect(inbox).to_have_title(re.compile(r"Chats · Balcão$"))
    expect(inbox.locator("#search-input")).to_have_attribute("placeholder", "Search messages")
    expect(inbox.locator("#conv-empty")).to_contain_text("Choose a chat to see its messages")
    # Text the scripts write comes from the same catalog.
    inbox.click("#filters-toggle")
    expect(inbox.locator("#assignee-choices")).to_contain_text("Unassigned")
    error = api_error(inbox, MISSING_CHAT)
    assert error == {"code": "chat.not_found", "message": "Chat not found."}

    admin = staff.page(user_id, path="/admin#users")
    expect(admin.locator("h1")).to_have_text("Administration")
    expect(admin.locator("#admin-section h2")).to_have_text("Users")
    expect(admin.locator("#user-new")).to_have_text("New user")
    expect(admin.locator("#admin-nav")).to_contain_text("Departments")


def test_a_shop_set_to_english_shows_english_everywhere(
    english_staff: Staff, english_shop: RunningShop
) -> None:
    see_english(english_staff, english_shop.shop.admin)


def test_an_unset_shop_speaks_pt_br_and_english_to_a_browser_that_asks(
    staff: Staff, shop: Any, shared_shop: RunningShop, browser: Browser
) -> None:
    login = failed_login(staff)
    expect(login.locator("html")).to_have_attribute("lang", "pt-BR")
    expect(login.locator("button[type=submit]")).to_have_text("Entrar")
    expect(login.locator("p.error")).to_have_text("Login ou senha incorretos.")

    inbox = staff.page(shop.admin)
    expect(inbox.locator("#search-input")).to_have_attribute("placeholder", "Buscar mensagens")
    inbox.click("#filters-toggle")
    expect(inbox.locator("#assignee-choices")).to_contain_text("Sem responsável")
    error = api_error(inbox, MISSING_CHAT)
    assert error == {"code": "chat.not_found", "message": "Chat não encontrado."}

    admin = staff.page(shop.admin, path="/admin#users")
    expect(admin.locator("#admin-section h2")).to_have_text("Usuários")

    english = Staff(shared_shop.server.url, shared_shop.data_dir, browser, locale="en-US")
    try:
        see_english(english, shop.admin)
        assert english.errors == [], f"JavaScript errors: {english.errors}"
    finally:
        english.close()
