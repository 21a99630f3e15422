"""The users and departments screens offer a manager only what the server lets them do, and
show a user's API tokens to those who may revoke them."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from appliance.areas.accounts import service as accounts
from tests.browser.conftest import RunningShop, Shop, Staff, shop_db, snap
from tests.factories import make_user

pytestmark = pytest.mark.browser

# Marks the page once the live socket has said hello.
HELLO_SPY = """
const Native = window.WebSocket;
window.WebSocket = class extends Native {
  constructor(...args) {
    super(...args);
    this.addEventListener("message", () => { window.liveHello = true; });
  }
};
"""


def api_token(shop: RunningShop, user: int, name: str) -> str:
    """A new API token of ``user``, made as ``POST /api/v1/auth/token`` makes it."""
    return str(shop.write(accounts.create_api_token, user, name))


def test_a_manager_sees_actions_only_on_users_and_departments_within_reach(
    lean_staff: Staff, lean_shop: RunningShop, shop: Shop, output_dir: Path
) -> None:
    with shop_db(lean_shop.data_dir) as db:
        manager = make_user(
            db, "gerente", permissions=["manage_users"], departments=[shop.suporte], name="Gerente"
        )
        caixa = make_user(db, "caixa", departments=[shop.suporte], name="Caixa")
    page = lean_staff.page(manager, path="/admin")
    expect(page.locator("#admin-section h2")).to_have_text("Usuários")
    # Bruno is in Suporte only, like the manager; Ana sees numbers and is in Vendas.
    expect(page.locator(f"tr[data-user='{shop.bruno}'] button", has_text="Editar")).to_have_count(1)
    expect(page.locator(f"tr[data-user='{caixa}'] button", has_text="Desativar")).to_have_count(1)
    for out_of_reach in (shop.ana, shop.admin):
        expect(page.locator(f"tr[data-user='{out_of_reach}'] button")).to_have_count(0)
    page.locator(f"tr[data-user='{shop.bruno}'] button", has_text="Editar").click()
    form = page.locator(f"form[data-user='{shop.bruno}']")
    expect(form.locator(f"input[data-department='{shop.suporte}']")).to_be_enabled()
    expect(form.locator(f"input[data-department='{shop.vendas}']")).to_be_disabled()
    expect(form.locator("input[name=new_password]")).to_have_attribute("minlength", "8")
    snap(page, output_dir, "admin-manager-users.png")

    page.click("#admin-nav .admin-link:has-text('Departamentos')")
    suporte = page.locator(f"tr[data-department='{shop.suporte}']")
    expect(suporte.locator("button", has_text="Membros")).to_have_count(1)
    expect(page.locator(f"tr[data-department='{shop.vendas}'] button")).to_have_count(0)
    suporte.locator("button", has_text="Membros").click()
    members = page.locator(f"form[data-department='{shop.suporte}']")
    expect(members.locator(f"input[value='{shop.bruno}']")).to_be_enabled()
    expect(members.locator(f"input[value='{shop.ana}']")).to_be_disabled()
    snap(page, output_dir, "admin-manager-departments.png")


def test_an_admin_sees_a_users_api_tokens_and_revokes_one(
    lean_staff: Staff, lean_shop: RunningShop, shop: Shop, output_dir: Path
) -> None:
    secret = api_token(lean_shop, shop.bruno, "Integração ERP")
    bearer = {"Authorization": f"Bearer {secret}"}
    assert httpx.get(f"{lean_shop.server.url}/api/v1/me", headers=bearer).status_code == 200
    page = lean_staff.page(shop.admin, path="/admin#users")
    expect(page.locator("#admin-section h2")).to_have_text("Usuários")
    page.locator(f"tr[data-user='{shop.bruno}'] button", has_text="Editar").click()
    tokens = page.locator(f"[data-tokens-of='{shop.bruno}']")
    expect(tokens).to_contain_text("Integração ERP")
    expect(tokens).to_contain_text("último uso")
    assert secret not in page.content()
    snap(page, output_dir, "admin-user-tokens.png")
    tokens.locator("button", has_text="Revogar").click()
    page.click("#confirm-ok")
    expect(tokens).to_contain_text("Nenhum token ativo.")
    assert httpx.get(f"{lean_shop.server.url}/api/v1/me", headers=bearer).status_code == 401


def test_an_open_inbox_goes_to_the_login_when_its_user_is_deactivated(
    lean_staff: Staff, lean_shop: RunningShop, shop: Shop
) -> None:
    secret = api_token(lean_shop, shop.admin, "Teste")
    page = lean_staff.page(shop.bruno, init_script=HELLO_SPY)
    page.wait_for_function("() => window.liveHello === true")
    sockets: list[object] = []
    page.on("websocket", lambda socket: sockets.append(socket))
    answer = httpx.patch(
        f"{lean_shop.server.url}/api/v1/users/{shop.bruno}",
        headers={"Authorization": f"Bearer {secret}"},
        json={"active": False},
    )
    assert answer.status_code == 200, answer.text
    expect(page).to_have_url(f"{lean_shop.server.url}/login")
    # The socket closed with 4401 and the page left at once: no round of reconnections.
    assert sockets == []
