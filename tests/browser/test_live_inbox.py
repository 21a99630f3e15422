"""The inbox live, with the real bridge and the simulated phone: new messages reach every tab
of who may see them, and replies go ✓, ✓✓, then blue ✓✓ as the customer reads them."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import BEEP_SPY, Staff, chat_names, shop_db, snap
from tests.factories import assign, insert_chat, make_department, make_user
from tests.harness import Box

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BLUE = "rgb(83, 189, 235)"
# Counts the alert sounds and keeps the notifications a page makes.
ALERT_SPY = (
    BEEP_SPY
    + """
window.notes = [];
window.Notification = class {
  static permission = "granted";
  static requestPermission() { return Promise.resolve("granted"); }
  constructor(title, options) { window.notes.push({ title, body: options.body }); }
  addEventListener() {}
};
"""
)
HIDDEN_TAB = """
Object.defineProperty(document, "hidden", { get: () => true });
Object.defineProperty(document, "visibilityState", { get: () => "hidden" });
"""


def _people_and_chats(box: Box) -> dict[str, int]:
    with shop_db(box.data) as db:
        ids = {
            "vendas": make_department(db, "Vendas"),
            "suporte": make_department(db, "Suporte"),
        }
        ids["ana"] = make_user(db, "ana", departments=[ids["vendas"]], name="Ana Souza")
        ids["bruno"] = make_user(db, "bruno", departments=[ids["suporte"]], name="Bruno Lima")
        for n, (key, name, dept) in enumerate(
            [
                ("paula", "Paula Vendas", "vendas"),
                ("quenia", "Quênia Vendas", "vendas"),
                ("rui", "Rui Suporte", "suporte"),
            ]
        ):
            chat = db.write_sync(
                insert_chat, box.device, name=name, phone=f"+55119876500{n + 1:02d}"
            )
            # The staff's name for the chat: the phone's contact name does not replace it.
            db.write_sync(
                lambda c, chat=chat, name=name: c.execute(
                    "UPDATE chat SET custom_name = ? WHERE id = ?", (name, chat)
                )
            )
            assign(db, chat, department=ids[dept])
            ids[key] = chat
    return ids


def test_a_new_message_reaches_every_tab_of_who_may_see_it(
    box: Box, box_staff: Staff, output_dir: Path
) -> None:
    ids = _people_and_chats(box)
    box.start_bridge()
    counter = box_staff.page(ids["ana"], init_script=ALERT_SPY)
    office = box_staff.page(ids["ana"], init_script=ALERT_SPY + HIDDEN_TAB)
    other = box_staff.page(ids["bruno"])
    for page in (counter, office):
        expect(page.locator("#chat-list .chat")).to_have_count(2)
        assert chat_names(page) == ["Quênia Vendas", "Paula Vendas"]
        expect(page.locator("#device-status")).to_contain_text("Conectado")
    expect(other.locator("#chat-list .chat")).to_have_count(1)

    box.sim("POST", "/send", {"from": "+5511987650001", "text": "Chegou meu pedido?"})
    for page in (counter, office):
        first = page.locator("#chat-list .chat").first
        expect(first.locator(".name")).to_have_text("Paula Vendas")
        expect(first.locator(".badge")).to_have_text("1")
        expect(first.locator(".preview")).to_have_text("Chegou meu pedido?")
    snap(counter, output_dir, "live-new-message.png")
    # A chat of Ana's department: a sound in the tab she looks at, a notification from the
    # hidden one, whose title says who wrote.
    counter.wait_for_function("window.beeps === 1")
    assert counter.evaluate("window.notes") == []
    office.wait_for_function("window.notes.length === 1")
    assert office.evaluate("window.notes") == [
        {"title": "Paula Vendas", "body": "Chegou meu pedido?"}
    ]
    assert office.title() == "Nova mensagem de Paula Vendas"

    # A lost connection comes back by itself and catches up.
    counter.evaluate("window.balcao.live.drop()")
    box.sim("POST", "/send", {"from": "+5511987650002", "text": "Ainda tem a capinha azul?"})
    first = counter.locator("#chat-list .chat").first
    expect(first.locator(".name")).to_have_text("Quênia Vendas")
    expect(first.locator(".preview")).to_have_text("Ainda tem a capinha azul?")
    expect(counter.locator("#live-banner")).to_be_hidden()

    # Bruno (Suporte) never sees the Vendas chats or their messages.
    assert chat_names(other) == ["Rui Suporte"]
    expect(other.locator("body")).not_to_contain_text("Chegou meu pedido?")
    expect(other.locator("body")).not_to_contain_text("capinha azul")


def test_a_reply_goes_clock_tick_then_blue_ticks(
    box: Box, box_staff: Staff, output_dir: Path
) -> None:
    ids = _people_and_chats(box)
    box.start_bridge(delivery_delay=0.4, read_delay=0.8)
    page = box_staff.page(ids["ana"], path=f"/?chat={ids['paula']}")
    expect(page.locator("#conv-name")).to_have_text("Paula Vendas")
    page.evaluate(
        """() => {
        window.seen = [];
        const note = () => {
          const last = [...document.querySelectorAll('#messages .msg.out')].pop();
          const status = last && last.dataset.status;
          if (status && window.seen[window.seen.length - 1] !== status) window.seen.push(status);
        };
        new MutationObserver(note).observe(document.getElementById('messages'),
          {subtree: true, childList: true, attributes: true});
      }"""
    )
    box_input = page.locator("#composer-input")
    box_input.fill("Chegou sim! Pode retirar na loja.")
    box_input.press("Enter")

    reply = page.locator(".msg.out", has_text="Pode retirar na loja")
    expect(reply.locator(".tick.read")).to_be_visible(timeout=20_000)
    expect(reply.locator(".tick.read")).to_have_css("color", BLUE)
    seen = page.evaluate("window.seen")
    assert seen[0] == "queued"
    assert seen[-1] == "read"
    assert {"sent", "delivered"} & set(seen), seen
    assert box.sim("GET", "/received")[-1]["text"] == "Chegou sim! Pode retirar na loja."
    row = page.locator("#chat-list .chat").first
    expect(row.locator(".tick.read")).to_be_visible()
    snap(page, output_dir, "live-read-ticks.png")
