"""Who sees which chat, on every chat path, and who sees phone numbers."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from appliance.areas.accounts.permissions import (
    Actor,
    Permission,
    can_see_all_chats,
    can_see_numbers,
)
from appliance.core.db import Database
from bridge.protocol import MessageKind
from tests.conftest import bearer
from tests.factories import (
    assign,
    make_chat,
    make_device,
    make_user,
)
from tests.harness import make_people
from tests.inbound import PhoneFeed


@pytest.mark.parametrize(
    ("is_admin", "permissions", "sees_all", "sees_numbers"),
    [
        (True, set(), True, True),
        (False, set(), False, False),
        (False, {Permission.SEE_ALL_CHATS}, True, False),
        (False, {Permission.SEE_NUMBERS}, False, True),
        (False, {Permission.SEE_ALL_CHATS, Permission.SEE_NUMBERS}, True, True),
    ],
)
def test_permission_rules(
    is_admin: bool, permissions: set[Permission], sees_all: bool, sees_numbers: bool
) -> None:
    actor = Actor(id=1, login="x", name="X", is_admin=is_admin, permissions=frozenset(permissions))
    assert can_see_all_chats(actor) is sees_all
    assert can_see_numbers(actor) is sees_numbers


@dataclass
class Shop:
    chats: dict[str, int]
    phones: dict[str, str]
    # The number on the contact card each chat's customer shared.
    cards: dict[str, str]


PHONES = {
    "ana_direct": "+5511911110001",
    "vendas": "+5511911110002",
    "suporte": "+5511911110003",
    "nodept_direct": "+5511911110004",
    "unassigned": "+5511911110005",
    "bruno_and_vendas": "+5511911110006",
    "archived_vendas": "+5511911110007",
}

# Which chats each login sees (the archived one only in the archived listing).
VISIBLE = {
    "admin": set(PHONES),
    "seeall": set(PHONES),
    "ana": {"ana_direct", "vendas", "bruno_and_vendas", "archived_vendas"},
    "bruno": {"suporte", "bruno_and_vendas"},
    "nodept": {"nodept_direct"},
}
SEES_NUMBERS = {"admin": True, "seeall": False, "ana": False, "bruno": True, "nodept": False}


@pytest.fixture
async def shop(client: AsyncTestClient[Litestar], db: Database) -> Shop:
    people = make_people(db, bruno=("see_numbers",))
    vendas, suporte, ana, bruno = people.vendas, people.suporte, people.ana, people.bruno
    make_user(db, "seeall", permissions=["see_all_chats"])
    nodept = make_user(db, "nodept")
    make_user(db, "carla", departments=[vendas])
    device, token = make_device(db)
    chats = {
        key: make_chat(
            db,
            device,
            name=f"Cliente {key}",
            phone=phone,
            archived=key.startswith("archived"),
            last_message_at=1000 + i,
        )
        for i, (key, phone) in enumerate(PHONES.items())
    }
    assign(db, chats["ana_direct"], user=ana)
    assign(db, chats["vendas"], department=vendas)
    assign(db, chats["suporte"], department=suporte)
    assign(db, chats["nodept_direct"], user=nodept)
    assign(db, chats["bruno_and_vendas"], user=bruno)
    assign(db, chats["bruno_and_vendas"], department=vendas)
    assign(db, chats["archived_vendas"], department=vendas)
    feed = PhoneFeed(client, token)
    cards = {}
    for key in chats:
        await feed.customer_sends(PHONES[key], MessageKind.TEXT, f"Olá, aqui é {key}")
        card = await feed.customer_sends(PHONES[key], MessageKind.CONTACT, "Amigo")
        assert card.media is not None
        [cards[key]] = card.media.extra["phones"]  # type: ignore[misc]
    return Shop(chats, PHONES, cards)


async def _all_pages(
    client: AsyncTestClient[Litestar], headers: dict[str, str], query: str
) -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    cursor = None
    while True:
        url = f"/api/v1/chats?limit=2{query}" + (f"&cursor={cursor}" if cursor else "")
        r = await client.get(url, headers=headers)
        assert r.status_code == 200, r.text
        items.extend(r.json()["items"])
        cursor = r.json()["next_cursor"]
        if cursor is None:
            return items


@pytest.mark.parametrize("login", sorted(VISIBLE))
async def test_each_user_sees_exactly_their_chats(
    client: AsyncTestClient[Litestar], shop: Shop, login: str
) -> None:
    headers = await bearer(client, login)
    by_id = {v: k for k, v in shop.chats.items()}
    inbox = await _all_pages(client, headers, "")
    archived = await _all_pages(client, headers, "&archived=true")
    listed = [by_id[int(str(c["id"]))] for c in inbox + archived]
    assert sorted(listed) == sorted(VISIBLE[login])
    assert len(listed) == len(set(listed))

    missing = await client.get("/api/v1/chats/999999", headers=headers)
    assert missing.status_code == 404
    for key, chat_id in shop.chats.items():
        one = await client.get(f"/api/v1/chats/{chat_id}", headers=headers)
        messages = await client.get(f"/api/v1/chats/{chat_id}/messages", headers=headers)
        if key in VISIBLE[login]:
            assert one.status_code == 200
            assert one.json()["id"] == chat_id
            assert messages.status_code == 200
            assert len(messages.json()["items"]) == 2
        else:
            # Not yours and not there look the same.
            assert one.status_code == 404
            assert one.json() == missing.json()
            assert messages.status_code == 404
            assert messages.json() == missing.json()


@pytest.mark.parametrize("login", sorted(VISIBLE))
async def test_numbers_only_for_users_allowed_to_see_them(
    client: AsyncTestClient[Litestar], shop: Shop, login: str
) -> None:
    headers = await bearer(client, login)
    payloads: list[str] = []
    for query in ("", "&archived=true"):
        r = await client.get(f"/api/v1/chats?limit=200{query}", headers=headers)
        payloads.append(r.text)
    for key in VISIBLE[login]:
        chat_id = shop.chats[key]
        payloads.append((await client.get(f"/api/v1/chats/{chat_id}", headers=headers)).text)
        payloads.append(
            (await client.get(f"/api/v1/chats/{chat_id}/messages", headers=headers)).text
        )
    payloads.append((await client.get("/api/v1/me", headers=headers)).text)
    payloads.append((await client.get("/api/v1/devices", headers=headers)).text)
    payloads.append((await client.get("/healthz")).text)
    text = "\n".join(payloads)
    visible_digits = [
        number.lstrip("+") for k in VISIBLE[login] for number in (shop.phones[k], shop.cards[k])
    ]
    first = shop.chats[sorted(VISIBLE[login])[0]]
    messages = json.loads(
        (await client.get(f"/api/v1/chats/{first}/messages", headers=headers)).text
    )
    card = next(m for m in messages["items"] if m["kind"] == "contact")
    if SEES_NUMBERS[login]:
        assert all(d in text for d in visible_digits)
        assert card["media"]["extra"]["phones"]
    else:
        assert card["body"] == "Amigo"
        assert card["media"]["extra"] == {"name": "Amigo"}
        for phone in [*shop.phones.values(), *shop.cards.values()]:
            assert phone.lstrip("+") not in text
            assert phone[-8:] not in text


async def test_name_of_a_nameless_chat_hides_the_number(
    client: AsyncTestClient[Litestar], db: Database
) -> None:
    make_user(db, "seeall", permissions=["see_all_chats"])
    make_user(db, "admin", is_admin=True)
    device, _ = make_device(db)
    make_chat(db, device, name="", phone="+5521987650000")
    plain = await client.get("/api/v1/chats", headers=await bearer(client, "seeall"))
    assert plain.json()["items"][0]["name"] == "Contato sem nome"
    admin = await client.get("/api/v1/chats", headers=await bearer(client, "admin"))
    assert admin.json()["items"][0]["name"] == "+55 21 98765-0000"


async def test_number_filter_needs_see_numbers(
    client: AsyncTestClient[Litestar], shop: Shop
) -> None:
    r = await client.get("/api/v1/chats?number=1111", headers=await bearer(client, "ana"))
    assert r.status_code == 403
    assert "número" in r.json()["message"]
    r = await client.get("/api/v1/chats?number=91111", headers=await bearer(client, "bruno"))
    assert r.status_code == 200
    assert {c["id"] for c in r.json()["items"]} == {
        shop.chats["suporte"],
        shop.chats["bruno_and_vendas"],
    }
