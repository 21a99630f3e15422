"""Numbers stay hidden from users without ``see_numbers`` at any depth: contact cards, .vcf
files, vCard text, places, fields of kind phone, chat names and previews. Every message
comes in the way the bridge brings it (tests/inbound.py), with the simulator's own media."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from appliance.core.db import Database
from appliance.core.redaction import RULES, mask_numbers, redact_media, redact_vcard_text
from bridge.drivers.sim import media as sim_media
from bridge.drivers.sim.customers import SENDABLE_KINDS
from bridge.protocol import MessageEvent, MessageKind
from tests.conftest import bearer
from tests.factories import assign, make_device, make_user
from tests.inbound import PhoneFeed

Client = AsyncTestClient[Litestar]
CUSTOMER = "+5511987650042"
# Numbers that ride inside a card's data under keys nobody declared.
HIDDEN = ("+5521991112222", "+5531993334444", "+5541995556666", "+5551997778888")


def digit_runs(number: str) -> re.Pattern[str]:
    """The number's last 8 digits as any answer could carry them: "98765432", "9876-5432",
    "9876 5432"."""
    d = number[-8:]
    return re.compile(rf"{d[:4]}[\s.\-]?{d[4:]}")


def leaks(text: str, numbers: tuple[str, ...] | list[str]) -> list[str]:
    return [n for n in numbers if digit_runs(n).search(text)]


@dataclass
class Shop:
    client: Client
    db: Database
    feed: PhoneFeed
    chat: int
    admin: dict[str, str]
    ana: dict[str, str]  # sees the chat, not numbers
    bruno: dict[str, str]  # sees the chat and numbers

    def chat_of(self, number: str) -> int:
        wa_id = number.lstrip("+") + "@s.whatsapp.net"
        return int(
            self.db.read_sync(
                lambda c: c.execute("SELECT id FROM chat WHERE wa_id = ?", (wa_id,)).fetchone()[0]
            )
        )

    async def messages(self, who: dict[str, str], chat: int | None = None) -> list[dict]:  # type: ignore[type-arg]
        r = await self.client.get(f"/api/v1/chats/{chat or self.chat}/messages", headers=who)
        assert r.status_code == 200, r.text
        return list(r.json()["items"])

    async def last(self, who: dict[str, str]) -> dict:  # type: ignore[type-arg]
        return (await self.messages(who))[0]


@pytest.fixture
async def shop(client: Client, db: Database) -> Shop:
    make_user(db, "admin", is_admin=True)
    ana = make_user(db, "ana", permissions=["see_reports"])
    bruno = make_user(db, "bruno", permissions=["see_numbers", "see_reports"])
    _, token = make_device(db)
    feed = PhoneFeed(client, token)
    await feed.customer_sends(CUSTOMER, MessageKind.TEXT, "Bom dia")
    shop = Shop(
        client,
        db,
        feed,
        0,
        await bearer(client, "admin"),
        await bearer(client, "ana"),
        await bearer(client, "bruno"),
    )
    shop.chat = shop.chat_of(CUSTOMER)
    assign(db, shop.chat, user=ana)
    assign(db, shop.chat, user=bruno)
    return shop


async def test_a_new_key_in_a_cards_extra_never_reaches_a_user_without_see_numbers(
    shop: Shop,
) -> None:
    nested = {
        "cartao": {"contatos": [{"nome": "Loja", "tel": HIDDEN[0]}]},
        "nota": f"ligue {HIDDEN[1]}",
        "lista": [HIDDEN[2], {"fixo": HIDDEN[3]}],
    }
    card = await shop.feed.customer_sends(
        CUSTOMER, MessageKind.CONTACT, "Seu Zé", more_extra=nested
    )
    assert card.media is not None
    numbers = [*HIDDEN, *card.media.extra["phones"]]  # type: ignore[misc]

    as_ana = await shop.client.get(f"/api/v1/chats/{shop.chat}/messages", headers=shop.ana)
    as_bruno = await shop.client.get(f"/api/v1/chats/{shop.chat}/messages", headers=shop.bruno)
    assert leaks(as_ana.text, numbers) == []
    assert leaks(as_bruno.text, numbers) == numbers
    newest = as_ana.json()["items"][0]
    assert newest["body"] == "Seu Zé"
    assert newest["media"] == {
        "mimetype": "text/vcard",
        "filename": "Seu Zé.vcf",
        "url": f"/api/v1/chats/{shop.chat}/media/{newest['id']}",
        "extra": {"name": "Seu Zé"},
        "redacted": True,
    }
    assert as_bruno.json()["items"][0]["media"]["extra"]["cartao"] == nested["cartao"]


@pytest.mark.parametrize("kind", [k for k in SENDABLE_KINDS if k != MessageKind.TEXT])
async def test_each_kind_passes_only_its_declared_keys(shop: Shop, kind: MessageKind) -> None:
    await shop.feed.customer_sends(CUSTOMER, kind, "", more_extra={"dono": {"telefone": HIDDEN[0]}})
    full, shown = await shop.last(shop.bruno), await shop.last(shop.ana)
    rule = RULES[str(kind)]
    assert full["media"]["extra"]["dono"] == {"telefone": HIDDEN[0]}
    assert leaks(str(shown), [HIDDEN[0]]) == []
    media = shown["media"]
    assert set(media) - {"extra", "redacted"} <= set(rule.media)
    assert set(media.get("extra", {})) <= set(rule.extra)
    assert media["redacted"] is True
    if "url" in full["media"]:
        # the file is still there for them: pictures and voice notes play, cards download
        assert (await shop.client.get(media["url"], headers=shop.ana)).status_code == 200


async def test_a_vcf_download_keeps_only_the_names_for_a_user_without_see_numbers(
    shop: Shop,
) -> None:
    card = await shop.feed.customer_sends(CUSTOMER, MessageKind.CONTACT, "Dona Rosa")
    assert card.media is not None
    assert card.media.data is not None
    [number] = card.media.extra["phones"]  # type: ignore[misc]
    url = (await shop.last(shop.admin))["media"]["url"]

    full = await shop.client.get(url, headers=shop.bruno)
    assert full.content == card.media.data
    for asked in (None, "bytes=0-40"):
        headers = {**shop.ana, **({"Range": asked} if asked else {})}
        names = await shop.client.get(url, headers=headers)
        assert names.status_code == 200
        assert names.content == b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Dona Rosa\r\nEND:VCARD\r\n"
        assert names.headers["cache-control"] == "private, no-store"
        assert "etag" not in names.headers
        assert names.headers["content-disposition"].startswith("attachment")
        assert leaks(names.text, [str(number)]) == []


async def test_a_vcard_sent_as_a_document_or_as_text_is_redacted_too(shop: Shop) -> None:
    card = sim_media.vcard("Marcos Lima", HIDDEN[1])
    await shop.feed.customer_sends(
        CUSTOMER,
        MessageKind.DOCUMENT,
        "",
        mimetype="text/x-vcard",
        data=card,
        filename="Marcos.vcf",
        caption="",
    )
    document = await shop.last(shop.ana)
    assert "sha256" not in document["media"]
    download = await shop.client.get(document["media"]["url"], headers=shop.ana)
    assert download.content == b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Marcos Lima\r\nEND:VCARD\r\n"
    assert (await shop.client.get(document["media"]["url"], headers=shop.bruno)).content == card

    await shop.feed.customer_sends(CUSTOMER, MessageKind.TEXT, card.decode())
    text, full = await shop.last(shop.ana), await shop.last(shop.bruno)
    assert text["body"] == "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Marcos Lima\r\nEND:VCARD\r\n"
    assert full["body"] == card.decode()
    chats = await shop.client.get("/api/v1/chats", headers=shop.ana)
    assert leaks(chats.text, [HIDDEN[1]]) == []  # the preview is the card's first line
    assert leaks((await shop.client.get("/api/v1/chats", headers=shop.bruno)).text, [HIDDEN[1]])


async def test_search_shows_cards_without_numbers_and_cannot_be_asked_for_them(
    shop: Shop,
) -> None:
    await shop.feed.customer_sends(
        CUSTOMER, MessageKind.TEXT, sim_media.vcard("Marcos Lima", HIDDEN[2]).decode()
    )
    url = "/api/v1/search/messages"
    by_name = await shop.client.get(url, params={"q": "Marcos"}, headers=shop.ana)
    [hit] = by_name.json()["items"]
    assert "FN:Marcos Lima" in hit["body"]
    assert leaks(by_name.text, [HIDDEN[2]]) == []
    digits = HIDDEN[2].lstrip("+")
    assert (await shop.client.get(url, params={"q": digits}, headers=shop.ana)).json()[
        "items"
    ] == []
    with_numbers = await shop.client.get(url, params={"q": digits}, headers=shop.bruno)
    assert len(with_numbers.json()["items"]) == 1


async def test_a_card_whose_name_is_its_number_shows_no_number(shop: Shop) -> None:
    await shop.feed.customer_sends(CUSTOMER, MessageKind.CONTACT, "+55 21 99111-2222")
    shown = await shop.last(shop.ana)
    assert shown["body"] == "•••"
    assert shown["media"]["extra"] == {"name": "•••"}
    answers = [
        (await shop.client.get(path, headers=shop.ana)).text
        for path in ("/api/v1/chats", f"/api/v1/chats/{shop.chat}", "/api/v1/attendance/panel")
    ]
    assert leaks("\n".join(answers), [HIDDEN[0]]) == []
    assert leaks((await shop.client.get("/api/v1/chats", headers=shop.bruno)).text, [HIDDEN[0]])


async def test_a_whatsapp_name_that_is_a_number_is_masked(shop: Shop) -> None:
    await shop.feed.deliver(
        MessageEvent(
            wa_id="NAMED1",
            chat="5511987650077@s.whatsapp.net",
            from_me=False,
            sent_at=1_700_000_000_000,
            body="Oi",
            sender_name="Cel 11 98765-0077",
        )
    )
    chat = shop.chat_of("+5511987650077")
    assign(shop.db, chat, user=make_user(shop.db, "carla"))
    as_carla = await bearer(shop.client, "carla")
    r = await shop.client.get(f"/api/v1/chats/{chat}", headers=as_carla)
    assert (r.json()["name"], r.json()["wa_name"]) == ("Cel •••", "Cel •••")
    r = await shop.client.get(f"/api/v1/chats/{chat}", headers=shop.admin)
    assert r.json()["name"] == "Cel 11 98765-0077"
    # nor can the name be searched by the number it hides
    r = await shop.client.get("/api/v1/chats", params={"name": "98765-0077"}, headers=as_carla)
    assert r.status_code == 403
    assert r.json()["code"] == "permission.see_numbers"
    assert (await shop.client.get("/api/v1/chats?name=Cel", headers=as_carla)).status_code == 200
    r = await shop.client.get("/api/v1/chats", params={"name": "98765-0077"}, headers=shop.admin)
    assert [c["id"] for c in r.json()["items"]] == [chat]


async def test_phone_fields_are_hidden_and_locked_without_see_numbers(shop: Shop) -> None:
    r = await shop.client.post(
        "/api/v1/fields", json={"name": "Outro telefone", "kind": "phone"}, headers=shop.admin
    )
    field = r.json()["id"]
    path = f"/api/v1/chats/{shop.chat}/fields/{field}"
    r = await shop.client.put(path, json={"value": "(21) 99111-2222"}, headers=shop.bruno)
    assert r.json()["display"] == "+55 21 99111-2222"

    listed = await shop.client.get(f"/api/v1/chats/{shop.chat}/fields", headers=shop.ana)
    [phone] = [f for f in listed.json() if f["id"] == field]
    assert (phone["value"], phone["display"], phone["hidden"]) == (None, "Número oculto", True)
    assert leaks(listed.text, [HIDDEN[0]]) == []
    for value in ("(21) 99111-2222", "(21) 90000-0000", None):
        r = await shop.client.put(path, json={"value": value}, headers=shop.ana)
        assert r.status_code == 403
        assert r.json()["code"] == "permission.see_numbers"
        assert "Outro telefone" in r.json()["message"]
    seen = await shop.client.get(f"/api/v1/chats/{shop.chat}/fields", headers=shop.bruno)
    assert leaks(seen.text, [HIDDEN[0]]) == [HIDDEN[0]]


def test_vcard_text_keeps_names_of_every_card_and_nothing_else() -> None:
    text = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Lima;Marcos;;;\r\nFN:Marcos\r\n"
        "  Lima\r\nitem1.TEL;waid=5521991112222:+55 21 99111-2222\r\nitem1.X-ABLabel:Celular\r\n"
        "EMAIL:m@example.com\r\nX-WA-BIZ-NAME:Loja 21 99111-2222\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\nVERSION:2.1\nFN:5531993334444\nTEL;CELL:5531993334444\nEND:VCARD\n"
    )
    assert redact_vcard_text(text) == (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Lima;Marcos;;;\r\nFN:Marcos Lima\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:•••\r\nEND:VCARD\r\n"
    )


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Pedido 4521, R$ 1.234,56, rua 12", "Pedido 4521, R$ 1.234,56, rua 12"),
        ("liga 98765-4321", "liga •••"),
        ("+55 (11) 98765-4321 ou 11 3333 4444", "••• ou •••"),
        ("5511987654321", "•••"),
    ],
)
def test_phone_shaped_runs_are_masked_and_other_numbers_stay(text: str, shown: str) -> None:
    assert mask_numbers(text) == shown


def test_a_kind_nobody_declared_passes_only_its_mimetype() -> None:
    media = {"mimetype": "application/x-poll", "extra": {"options": ["11 98765-4321"]}}
    assert redact_media("poll", media) == {"mimetype": "application/x-poll", "redacted": True}


def test_a_place_keeps_only_coordinates_that_can_be_coordinates() -> None:
    media = {
        "mimetype": "",
        "extra": {
            "lat": -22.9,
            "lng": 5521991112222,
            "name": "Loja 21 99111-2222",
            "telefone": "+5521991112222",
        },
    }
    assert redact_media("location", media) == {
        "mimetype": "",
        "extra": {"lat": -22.9, "name": "Loja •••"},
        "redacted": True,
    }
