"""What the inbox shows of a shared contact card and a phone field to someone who may not
see numbers (the name, "número oculto", a locked field) and to someone who may."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Staff, shop_db, snap
from tests.factories import assign, make_user
from tests.harness import Box, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CUSTOMER = "+5511987650411"


def test_a_shared_contact_shows_its_name_and_no_number_to_whom_may_not_see_numbers(
    box: Box, box_staff: Staff, output_dir: Path
) -> None:
    box.start_bridge()
    box.sim("POST", "/send", {"from": CUSTOMER, "kind": "contact", "text": "Dona Rosa"})
    chat = wait_until(
        lambda: box.scalar("SELECT max(chat) FROM message WHERE kind = 'contact'"),
        what="the contact card",
    )
    number = str(
        box.scalar(
            "SELECT json_extract(media, '$.extra.phones[0]') FROM message WHERE chat = ?", (chat,)
        )
    )
    field = box.api.post("/api/v1/fields", json={"name": "Telefone fixo", "kind": "phone"})
    box.api.put(f"/api/v1/chats/{chat}/fields/{field.json()['id']}", json={"value": "1133334444"})
    with shop_db(box.data) as db:
        ana = make_user(db, "ana", name="Ana Souza")
        bruno = make_user(db, "bruno", name="Bruno Lima", permissions=["see_numbers"])
        for user in (ana, bruno):
            assign(db, chat, user=user)
    # the card's number as the page could write it: "98765-4321", "9876-54321", "987654321"
    digits = re.compile(rf"{number[-8:-4]}[\s.\-]?{number[-4:]}")

    page = box_staff.page(ana, path=f"/?chat={chat}")
    card = page.locator(".msg .media.contact")
    expect(card.locator(".media-name")).to_have_text("Dona Rosa")
    expect(card.locator(".media-sub")).to_have_text("número oculto")
    expect(page.locator("body")).not_to_contain_text(digits)
    fixo = page.locator("[data-section=fields] [data-field-value]")
    expect(fixo).to_have_text("Número oculto")
    assert fixo.evaluate("(el) => el.tagName") == "SPAN"  # nothing to click to edit it
    snap(page, output_dir, "contact-card-without-numbers.png")

    page = box_staff.page(bruno, path=f"/?chat={chat}")
    card = page.locator(".msg .media.contact")
    expect(card.locator(".media-name")).to_have_text("Dona Rosa")
    expect(card.locator(".media-sub")).to_contain_text(digits)
    expect(page.locator("[data-section=fields] [data-field-value]")).to_have_text(
        "+55 11 3333-4444"
    )
