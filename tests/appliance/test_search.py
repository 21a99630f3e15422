"""Message search (L11): folding, phrases, order, paging, permissions, highlight, bad input."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from appliance.areas.accounts.service import load_actor
from appliance.areas.chats.query import SetStats
from appliance.areas.chats.service import load_set_stats
from appliance.areas.search.query import parse_message_query
from appliance.areas.search.service import (
    FEW_CHATS,
    SOME_CHATS,
    SearchCursor,
    highlight_segments,
    index_command,
    search_messages,
)
from appliance.core.db import Conn, Database
from appliance.core.errors import InvalidInput
from scripts.benchmarks import search as bench
from tests.conftest import bearer
from tests.factories import (
    assign,
    make_chat,
    make_device,
    make_message,
    make_user,
)
from tests.harness import make_people

Client = AsyncTestClient[Litestar]
URL = "/api/v1/search/messages"


@dataclass
class Shop:
    chats: dict[str, int]
    phones: dict[str, str]


PHONES = {
    "vendas": "+5511922220001",
    "ana_direct": "+5511922220002",
    "others": "+5511922220003",
    "nameless": "+5511922220004",
}


@pytest.fixture
def shop(db: Database) -> Shop:
    # bruno is in Suporte, which holds no chat: he sees none.
    people = make_people(db)
    vendas, ana = people.vendas, people.ana
    make_user(db, "seeall", permissions=["see_all_chats"])
    device, _ = make_device(db)
    names = {"vendas": "Loja Vendas", "ana_direct": "Cliente da Ana", "others": "Outro Cliente"}
    chats = {
        key: make_chat(db, device, name=names.get(key, ""), phone=phone)
        for key, phone in PHONES.items()
    }
    assign(db, chats["vendas"], department=vendas)
    assign(db, chats["ana_direct"], user=ana)
    return Shop(chats, PHONES)


async def search(client: Client, headers: dict[str, str], q: str, **params: Any) -> Any:
    r = await client.get(URL, params={"q": q, **params}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def bodies(client: Client, headers: dict[str, str], q: str, **params: Any) -> list[str]:
    return [item["body"] for item in (await search(client, headers, q, **params))["items"]]


# -- matching -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("promocao", "Ainda tem a promoção do vestido?"),
        ("PROMOÇÃO", "Ainda tem a promoção do vestido?"),
        ("NITEROI", "Vocês entregam em Niterói?"),
        ("niterói", "Vocês entregam em Niterói?"),
        ("Sao Goncalo", "Entrega em São Gonçalo sai por R$ 19,90"),
        ("19,90", "Entrega em São Gonçalo sai por R$ 19,90"),
    ],
)
async def test_accents_and_case_are_ignored(
    client: Client, db: Database, shop: Shop, typed: str, found: str
) -> None:
    for body in (
        "Ainda tem a promoção do vestido?",
        "Vocês entregam em Niterói?",
        "Entrega em São Gonçalo sai por R$ 19,90",
    ):
        make_message(db, shop.chats["vendas"], body=body)
    assert await bodies(client, await bearer(client, "admin"), typed) == [found]


async def test_words_match_anywhere_and_a_phrase_only_in_order(
    client: Client, db: Database, shop: Shop
) -> None:
    chat = shop.chats["vendas"]
    make_message(db, chat, body="Qual o prazo de entrega para Santana?")
    make_message(db, chat, body="A entrega tem prazo de três dias")
    make_message(db, chat, body="Só o prazo, por favor")
    headers = await bearer(client, "admin")
    assert await bodies(client, headers, "prazo entrega") == [
        "A entrega tem prazo de três dias",
        "Qual o prazo de entrega para Santana?",
    ]
    assert await bodies(client, headers, '"prazo de entrega"') == [
        "Qual o prazo de entrega para Santana?"
    ]
    assert await bodies(client, headers, '"prazo de entrega" santana') == [
        "Qual o prazo de entrega para Santana?"
    ]
    assert await bodies(client, headers, '"prazo de entrega" mooca') == []


def add_prefix_indexes(conn: Conn) -> None:
    """message_fts rebuilt with prefix indexes of 3 to 6 characters."""
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'message_fts'").fetchone()[0]
    conn.execute("DROP TABLE message_fts")
    conn.execute(sql.replace("tokenize=", "prefix='3 4 5 6', tokenize="))
    index_command(conn, "message_fts", "rebuild")


@pytest.mark.parametrize("indexed", [False, True])
async def test_a_final_star_is_a_prefix_where_an_index_keeps_it_fast(
    client: Client, db: Database, shop: Shop, indexed: bool
) -> None:
    chat = shop.chats["vendas"]
    make_message(db, chat, body="Vocês entregam hoje?")
    make_message(db, chat, body="A entrega atrasou")
    make_message(db, chat, body="Entre em contato")
    make_message(db, chat, body="Já entreg o pedido")
    if indexed:
        db.write_sync(add_prefix_indexes)
    headers = await bearer(client, "admin")
    typo = ["Já entreg o pedido"]
    prefixed = [*typo, "A entrega atrasou", "Vocês entregam hoje?"]
    assert await bodies(client, headers, "entreg*") == (prefixed if indexed else typo)
    assert await bodies(client, headers, "ENTRÉG*") == (prefixed if indexed else typo)
    # Too short for a prefix, longer than the indexes, or not the last word: one word.
    assert await bodies(client, headers, "en*") == []
    assert await bodies(client, headers, "entregam*") == ["Vocês entregam hoje?"]
    assert await bodies(client, headers, "entreg* pedido") == typo


async def test_newest_first_and_paging_returns_each_hit_once(
    client: Client, db: Database, shop: Shop
) -> None:
    ids = []
    for i in range(7):
        chat = shop.chats["vendas" if i % 2 else "others"]
        ids.append(make_message(db, chat, body=f"Obrigado pela compra número {i}"))
    make_message(db, shop.chats["vendas"], body="Nada a ver")
    headers = await bearer(client, "admin")
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = await search(client, headers, "obrigado", **params)
        seen.extend(item["id"] for item in page["items"])
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(ids, reverse=True)
    assert pages == 3


async def test_inside_one_chat(client: Client, db: Database, shop: Shop) -> None:
    make_message(db, shop.chats["vendas"], body="Obrigado, chegou")
    make_message(db, shop.chats["others"], body="Obrigado pelo desconto")
    headers = await bearer(client, "admin")
    page = await search(client, headers, "obrigado", chat=shop.chats["others"])
    assert [(i["chat_id"], i["body"]) for i in page["items"]] == [
        (shop.chats["others"], "Obrigado pelo desconto")
    ]
    missing = await client.get(URL, params={"q": "obrigado", "chat": 999999}, headers=headers)
    assert missing.status_code == 404


# -- permissions ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("login", "visible"),
    [
        ("admin", {"vendas", "ana_direct", "others", "nameless"}),
        ("seeall", {"vendas", "ana_direct", "others", "nameless"}),
        ("ana", {"vendas", "ana_direct"}),
        ("bruno", set()),
    ],
)
async def test_hits_only_from_chats_the_user_may_see(
    client: Client, db: Database, shop: Shop, login: str, visible: set[str]
) -> None:
    for key, chat in shop.chats.items():
        make_message(db, chat, body=f"Pedido confirmado para {key}")
    headers = await bearer(client, login)
    page = await search(client, headers, "pedido confirmado")
    by_id = {v: k for k, v in shop.chats.items()}
    assert {by_id[i["chat_id"]] for i in page["items"]} == visible
    assert len(page["items"]) == len(visible)
    for key, chat in shop.chats.items():
        r = await client.get(URL, params={"q": "pedido", "chat": chat}, headers=headers)
        if key in visible:
            assert r.status_code == 200
            assert [i["chat_id"] for i in r.json()["items"]] == [chat]
        else:
            # Not yours and not there look the same.
            assert r.status_code == 404
            assert r.json()["code"] == "chat.not_found"


async def test_many_hits_in_hidden_chats_do_not_push_out_visible_ones(
    client: Client, db: Database, shop: Shop
) -> None:
    visible = make_message(db, shop.chats["ana_direct"], body="Comprovante do pix")
    for _ in range(30):
        make_message(db, shop.chats["others"], body="Comprovante do pix")
    page = await search(client, await bearer(client, "ana"), "pix", limit=5)
    assert [i["id"] for i in page["items"]] == [visible]
    assert page["next_cursor"] is None


@pytest.mark.parametrize("claimed", [None, FEW_CHATS + 1, SOME_CHATS + 1])
def test_few_some_and_many_visible_chats_give_the_same_pages(
    db: Database, shop: Shop, claimed: int | None
) -> None:
    """The search is narrowed to a user's chats by chat id when they are few, by a set
    when some, by probing each hit when many (as the cached sizes say); all three ways
    return the same pages."""
    expected = []
    for i in range(12):
        key = ("vendas", "others", "ana_direct", "nameless")[i % 4]
        message = make_message(db, shop.chats[key], body=f"Chegou o pix {i}")
        if key in ("vendas", "ana_direct"):
            expected.append(message)

    def pages(conn: Conn) -> list[list[int]]:
        ana_id = conn.execute("SELECT id FROM app_user WHERE login = 'ana'").fetchone()[0]
        actor = load_actor(conn, ana_id)
        assert actor is not None
        stats = load_set_stats(conn)
        if claimed is not None:
            stats = SetStats(total=10 * SOME_CHATS, per_user={ana_id: claimed})
        out, cursor = [], None
        while True:
            page = search_messages(
                conn,
                actor,
                parse_message_query("pix"),
                chat_id=None,
                cursor=SearchCursor.decode(cursor) if cursor else None,
                limit=2,
                stats=stats,
            )
            out.append([item["id"] for item in page.items])
            cursor = page.next_cursor
            if cursor is None:
                return out

    assert db.read_sync(pages) == [sorted(expected, reverse=True)[i : i + 2] for i in (0, 2, 4)]


@pytest.mark.parametrize(("login", "sees_numbers"), [("admin", True), ("seeall", False)])
async def test_numbers_only_for_users_allowed_to_see_them(
    client: Client, db: Database, shop: Shop, login: str, sees_numbers: bool
) -> None:
    make_user(db, "numbers", permissions=["see_all_chats", "see_numbers"])
    make_message(db, shop.chats["nameless"], body="Quero o boleto")
    r = await client.get(URL, params={"q": "boleto"}, headers=await bearer(client, login))
    (item,) = r.json()["items"]
    digits = PHONES["nameless"].lstrip("+")
    if sees_numbers:
        assert item["chat_name"] == "+55 11 92222-0004"
    else:
        assert item["chat_name"] == "Contato sem nome"
        assert digits not in r.text
        assert digits[-8:] not in r.text
        assert "92222-0004" not in r.text


# -- highlight ------------------------------------------------------------------------------


async def test_highlight_segments_and_markup_stays_text(
    client: Client, db: Database, shop: Shop
) -> None:
    body = 'Promoção <script>alert("x")</script> da PROMOCAO & <b>frete</b>'
    make_message(db, shop.chats["vendas"], body=body)
    page = await search(client, await bearer(client, "admin"), "promocao")
    (item,) = page["items"]
    assert item["body"] == body
    assert item["highlight"] == [
        {"text": "Promoção", "match": True},
        {"text": ' <script>alert("x")</script> da ', "match": False},
        {"text": "PROMOCAO", "match": True},
        {"text": " & <b>frete</b>", "match": False},
    ]
    assert "".join(s["text"] for s in item["highlight"]) == body
    script = await search(client, await bearer(client, "admin"), "script")
    assert [s["text"] for s in script["items"][0]["highlight"] if s["match"]] == [
        "script",
        "script",
    ]


async def test_a_phrase_is_highlighted_as_one_segment(
    client: Client, db: Database, shop: Shop
) -> None:
    make_message(db, shop.chats["vendas"], body="Qual o prazo de entrega?")
    page = await search(client, await bearer(client, "admin"), '"prazo de entrega"')
    assert page["items"][0]["highlight"] == [
        {"text": "Qual o ", "match": False},
        {"text": "prazo de entrega", "match": True},
        {"text": "?", "match": False},
    ]


def test_highlight_of_a_body_carrying_the_markers_is_plain() -> None:
    body = "texto \x02estranho\x03"
    assert highlight_segments("\x02texto\x03 \x02estranho\x03", body) == [
        {"text": body, "match": False}
    ]


# -- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize("q", ["", "   ", "!!!", '"', '""', "* - ^ :", "(((", "😀 🙏"])
async def test_nothing_to_search_answers_400_in_portuguese(
    client: Client, shop: Shop, q: str
) -> None:
    r = await client.get(URL, params={"q": q}, headers=await bearer(client, "admin"))
    assert r.status_code == 400, r.text
    assert r.json()["code"] in ("search.empty_query", "search.no_words")
    assert r.json()["message"] in (
        "Digite o que procurar.",
        "A busca precisa de pelo menos uma letra ou um número.",
    )


async def test_missing_q_answers_400(client: Client, shop: Shop) -> None:
    r = await client.get(URL, headers=await bearer(client, "admin"))
    assert r.status_code == 400


@pytest.mark.parametrize(
    "q",
    [
        "NEAR(pix boleto, 2)",
        "pix OR boleto",
        "pix AND",
        "NOT pix",
        "-pix",
        "^pix",
        "body:pix",
        "chat : 1",
        '"pix',
        'pix "boleto',
        'pi"x"',
        "*pix*",
        "pix* boleto*",
        "{body chat}: pix",
        "pix + boleto",
        "pix\\",
        "'pix'",
    ],
)
async def test_fts_syntax_in_the_query_is_only_text(
    client: Client, db: Database, shop: Shop, q: str
) -> None:
    make_message(db, shop.chats["vendas"], body="Mandei o pix e o boleto, near 2")
    r = await client.get(URL, params={"q": q}, headers=await bearer(client, "admin"))
    assert r.status_code == 200, r.text


async def test_operators_are_searched_as_words(client: Client, db: Database, shop: Shop) -> None:
    make_message(db, shop.chats["vendas"], body="Pix or boleto")
    make_message(db, shop.chats["vendas"], body="Só pix")
    headers = await bearer(client, "admin")
    assert await bodies(client, headers, "pix OR boleto") == ["Pix or boleto"]
    assert await bodies(client, headers, "-boleto") == ["Pix or boleto"]
    assert await bodies(client, headers, "NOT boleto") == []


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"limit": 0}, "invalid_input"),
        ({"limit": 101}, "invalid_input"),
        ({"cursor": "nada"}, "search.invalid_cursor"),
        ({"cursor": "eyJiZWZvcmUiOiJ4In0"}, "search.invalid_cursor"),  # {"before":"x"}
        ({"q": "x" * 201}, "invalid_input"),
        ({"q": " ".join(f"p{i}" for i in range(13))}, "search.too_many_words"),
    ],
)
async def test_bad_parameters_answer_400(
    client: Client, shop: Shop, params: dict[str, Any], code: str
) -> None:
    r = await client.get(URL, params={"q": "pix", **params}, headers=await bearer(client, "admin"))
    assert r.status_code == 400, r.text
    assert r.json()["code"] == code


async def test_search_needs_a_login(client: Client, shop: Shop) -> None:
    assert (await client.get(URL, params={"q": "pix"})).status_code == 401


@pytest.mark.parametrize(
    ("typed", "fts"),
    [
        ("pix", 'body : ("pix")'),
        ("pix boleto", 'body : ("pix" AND "boleto")'),
        ('"prazo  de entrega" pix', 'body : ("prazo de entrega" AND "pix")'),
        ('say "it', 'body : ("say" AND "it")'),
        ('a"b', 'body : ("a" AND "b")'),
        ("entreg*", 'body : ("entreg")'),
        ("entreg* pix", 'body : ("entreg" AND "pix")'),
        ("e-mail*", 'body : ("e-mail")'),
        ('NEAR("x"', 'body : ("NEAR(" AND "x")'),
        ("pix pix", 'body : ("pix")'),
    ],
)
def test_parsed_query(typed: str, fts: str) -> None:
    assert parse_message_query(typed).body_match() == fts


@pytest.mark.parametrize(
    ("typed", "fts"),
    [
        ("entreg*", 'body : ("entreg"*)'),
        ("pix entreg*", 'body : ("pix" AND "entreg"*)'),
        ("entrega*", 'body : ("entrega")'),
        ("en*", 'body : ("en")'),
        ('"entreg*"', 'body : ("entreg*")'),
    ],
)
def test_parsed_query_with_prefix_indexes(typed: str, fts: str) -> None:
    assert parse_message_query(typed).body_match(frozenset({2, 3, 6})) == fts


def test_unparseable_query_raises_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        parse_message_query("?!")


# -- jump to a hit ----------------------------------------------------------------------------


async def test_a_hit_opens_its_chat_at_that_message(
    client: Client, db: Database, shop: Shop
) -> None:
    chat = shop.chats["vendas"]
    ids = [
        make_message(db, chat, body=f"mensagem {i}", sent_at=1_700_000_000_000 + i * 1000)
        for i in range(9)
    ]
    target = make_message(db, chat, body="Cadê o rastreio?", sent_at=1_700_000_004_500)
    make_message(db, shop.chats["others"], body="outro chat", sent_at=1_700_000_004_600)
    headers = await bearer(client, "ana")
    (hit,) = (await search(client, headers, "rastreio"))["items"]
    assert hit["id"] == target
    # Newest first by time sent: 8 7 6 5 target 4 3 2 1 0
    order = [*ids[5:][::-1], target, *ids[:5][::-1]]

    url = f"/api/v1/chats/{chat}/messages"
    r = await client.get(url, params={"around": hit["id"], "limit": 4}, headers=headers)
    assert r.status_code == 200, r.text
    page = r.json()
    assert [m["id"] for m in page["items"]] == order[2:6]
    assert page["items"][2]["body"] == "Cadê o rastreio?"

    seen = [m["id"] for m in page["items"]]
    cursor, newer = page["next_cursor"], page["newer_cursor"]
    while cursor:
        older = await client.get(url, params={"cursor": cursor, "limit": 2}, headers=headers)
        seen += [m["id"] for m in older.json()["items"]]
        cursor = older.json()["next_cursor"]
    while newer:
        up = (await client.get(url, params={"after": newer, "limit": 1}, headers=headers)).json()
        seen = [m["id"] for m in up["items"]] + seen
        newer = up["newer_cursor"]
    assert seen == order


@pytest.mark.parametrize(
    ("login", "where", "params", "status"),
    [
        ("ana", "others", {"around": "own"}, 404),  # a chat ana may not see
        ("admin", "vendas", {"around": "other"}, 404),  # a message of another chat
        ("admin", "vendas", {"around": "own", "cursor": "x"}, 400),
        ("admin", "vendas", {"after": "x"}, 400),
    ],
)
async def test_jumping_to_a_message_checks_chat_and_message(
    client: Client,
    db: Database,
    shop: Shop,
    login: str,
    where: str,
    params: dict[str, str],
    status: int,
) -> None:
    own = make_message(db, shop.chats[where], body="aqui")
    other = make_message(db, shop.chats["ana_direct"], body="ali")
    ids = {"own": own, "other": other}
    query = {k: ids.get(v, v) for k, v in params.items()}
    r = await client.get(
        f"/api/v1/chats/{shop.chats[where]}/messages",
        params=query,
        headers=await bearer(client, login),
    )
    assert r.status_code == status, r.text


# -- the benchmark ----------------------------------------------------------------------------


@pytest.mark.slow
def test_search_benchmark_measures_every_case_at_a_tiny_size(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`scripts/bench search` works end to end; its figures are not checked here."""
    args = ["--chats", "300", "--messages", "5000", "--min-runs", "2", "--max-runs", "2"]
    assert bench.main([*args, "--seconds", "0", "--json", "--data-root", str(tmp_path)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["errors"] == []
    assert out["data"]["extra_users_chats"] == {"some": 3, "few": bench.FEW_CHATS}
    cases = {(r["actor"], r["case"]) for r in out["results"]}
    for actor in ("admin", "user"):
        assert {(actor, k) for k in ("common", "rare", "phrase", "heavy", "typical")} <= cases
    assert ("few", "common") in cases
    assert all(r["runs"] == 2 and r["p95_ms"] >= r["p50_ms"] > 0 for r in out["results"])
    common = {r["actor"]: r for r in out["results"] if r["case"] == "common"}
    assert common["admin"]["rows"] >= common["user"]["rows"] > 0
