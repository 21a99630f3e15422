"""Every input has a size, and bad input is a 400 (or 413) in Portuguese naming the field.

Texts, lists and ids of bodies, queries and paths are bounded (appliance/core/limits.py) and
the OpenAPI document says so; control characters, numbers past SQLite's 64 bits,
malformed cursors and unknown choices are refused before they reach the database.
"""

from __future__ import annotations

import base64
import itertools
import json
from dataclasses import dataclass
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from appliance.areas.accounts.permissions import Actor
from appliance.areas.chats import query
from appliance.areas.chats.filters import Assignee, ChatFilter, Order, TagMode
from appliance.core import limits
from appliance.core.db import Database
from tests.conftest import bearer
from tests.factories import make_department, make_scene, make_user
from tests.harness import make_people
from wire import contract as c

Client = AsyncTestClient[Litestar]
HUGE = 2**64  # past SQLite's integers


@dataclass
class Shop:
    admin: dict[str, str]
    ana: dict[str, str]
    ana_id: int
    chat: int
    message: int
    tag: int
    device_token: str


@pytest.fixture
async def shop(client: Client, db: Database) -> Shop:
    people = make_people(db)
    vendas, ana_id = people.vendas, people.ana
    scene = make_scene(db, department=vendas, name="Maria")
    return Shop(
        admin=await bearer(client, "admin"),
        ana=await bearer(client, "ana"),
        ana_id=ana_id,
        chat=scene.chat,
        message=scene.message,
        tag=scene.tag,
        device_token=scene.device_token,
    )


def _refused(r: Any, *words: str) -> str:
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["code"] == "invalid_input", body
    for word in words:
        assert word in body["message"], body
    return str(body["message"])


def _cursor(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


# -- sizes -----------------------------------------------------------------------------------


async def test_a_two_megabyte_display_name_is_refused_everywhere_a_name_is_set(
    client: Client, db: Database, shop: Shop
) -> None:
    r = await client.patch("/api/v1/me", json={"name": "Ana " * 500_000}, headers=shop.ana)
    assert r.status_code == 413, r.text  # two megabytes: refused before they are read
    huge = "Ana " * 100_000
    r = await client.patch("/api/v1/me", json={"name": huge}, headers=shop.ana)
    _refused(r, "name: no máximo 120 caracteres")
    r = await client.patch(f"/api/v1/users/{shop.ana_id}", json={"name": huge}, headers=shop.admin)
    _refused(r, "name: no máximo 120 caracteres")
    r = await client.post(
        "/api/v1/users",
        json={"login": "bia", "password": "segredo-bom", "name": huge},
        headers=shop.admin,
    )
    _refused(r, "name: no máximo 120 caracteres")
    me = await client.get("/api/v1/me", headers=shop.ana)
    assert me.json()["name"] == "Ana"
    # Exactly at the limit is fine.
    r = await client.patch("/api/v1/me", json={"name": "a" * limits.NAME}, headers=shop.ana)
    assert r.status_code == 200, r.text


async def test_names_stored_before_the_limits_are_still_read(
    client: Client, db: Database, shop: Shop
) -> None:
    make_user(db, "antigo", name="Nome " * 1000)
    r = await client.get("/api/v1/users", headers=shop.admin)
    assert r.status_code == 200
    assert any(u["name"].startswith("Nome Nome") for u in r.json())


# (method, path, body or query, the field the message names, the limit it states)
TOO_LONG: list[tuple[str, str, dict[str, Any], str, str]] = [
    ("POST", "/api/v1/departments", {"name": "x" * 121}, "name", "120 caracteres"),
    ("POST", "/api/v1/tags", {"name": "x" * 61}, "name", "60 caracteres"),
    ("POST", "/api/v1/statuses", {"name": "x" * 61}, "name", "60 caracteres"),
    ("POST", "/api/v1/funnels", {"name": "x" * 81}, "name", "80 caracteres"),
    ("POST", "/api/v1/funnels", {"name": "F", "stages": ["x" * 81]}, "stages[0]", "80"),
    ("POST", "/api/v1/fields", {"name": "x" * 81, "kind": "text"}, "name", "80 caracteres"),
    ("POST", "/api/v1/devices", {"name": "x" * 121}, "name", "120 caracteres"),
    ("PATCH", "/api/v1/chats/{chat}", {"custom_name": "x" * 121}, "custom_name", "120"),
    ("POST", "/api/v1/chats", {"phone": "1" * 41}, "phone", "40 caracteres"),
    ("POST", "/api/v1/chats/{chat}/messages", {"body": "x" * 65_537}, "body", "65536"),
    ("POST", "/api/v1/auth/token", {"login": "x" * 65, "password": "x"}, "login", "64"),
    ("POST", "/api/v1/auth/token", {"login": "ana", "password": "x" * 1025}, "password", "1024"),
    ("PATCH", "/api/v1/me", {"new_password": "x" * 1025}, "new_password", "1024 caracteres"),
    ("POST", "/api/v1/users", {"login": "bia", "password": "p", "email": "e" * 255}, "email", ""),
    ("PUT", "/api/v1/departments/{dept}/members", {"user_ids": [1] * 1001}, "user_ids", "1000"),
    ("GET", "/api/v1/chats", {"name": "x" * 121}, "name", "120 caracteres"),
    ("GET", "/api/v1/chats", {"number": "1" * 41}, "number", "40 caracteres"),
    ("GET", "/api/v1/chats", {"cursor": "x" * 201}, "cursor", "200 caracteres"),
    ("GET", "/api/v1/search/messages", {"q": "x" * 201}, "q", "200 caracteres"),
    ("GET", "/api/v1/chats/{chat}/messages", {"cursor": "x" * 201}, "cursor", "200"),
]


@pytest.mark.parametrize(("method", "path", "data", "field", "limit"), TOO_LONG)
async def test_each_text_past_its_limit_is_a_400_naming_the_field(
    client: Client,
    db: Database,
    shop: Shop,
    method: str,
    path: str,
    data: dict[str, Any],
    field: str,
    limit: str,
) -> None:
    dept = make_department(db, "Compras")
    url = path.format(chat=shop.chat, dept=dept)
    if method == "GET":
        r = await client.get(url, params=data, headers=shop.admin)
    else:
        r = await client.request(method, url, json=data, headers=shop.admin)
    message = _refused(r, "no máximo", limit)
    if field != "$":
        assert f"{field}: no máximo" in message


async def test_request_bodies_have_a_size_outside_the_file_routes(
    client: Client, db: Database, shop: Shop
) -> None:
    # A valid body padded with spaces: only its size is wrong.
    padded = b'{"name": "Compras"' + b" " * (limits.BODY_BYTES + 1) + b"}"
    r = await client.post(
        "/api/v1/departments",
        content=padded,
        headers={**shop.admin, "Content-Type": "application/json"},
    )
    assert r.status_code == 413, r.text
    assert r.json()["code"] == "request.too_large"
    assert "O pedido passa do limite de 1024 KB" in r.json()["message"]
    names = [
        d["name"] for d in (await client.get("/api/v1/departments", headers=shop.admin)).json()
    ]
    assert "Compras" not in names
    r = await client.post(
        "/api/v1/departments",
        content=b'{"name": "Compras"' + b" " * 1000 + b"}",
        headers={**shop.admin, "Content-Type": "application/json"},
    )
    assert r.status_code == 201, r.text


async def test_the_bridge_link_keeps_its_own_larger_frame_limit(client: Client, shop: Shop) -> None:
    """History arrives in frames of up to MAX_FRAME_BYTES; the API's 1 MB is not theirs."""
    frame = {"version": c.CONTRACT_VERSION, "events": [], "padding": "x" * (2 * limits.BODY_BYTES)}
    r = await client.post(
        "/bridge/v1/events",
        content=json.dumps(frame).encode(),
        headers={
            "Authorization": f"Bearer {shop.device_token}",
            "Content-Type": "application/json",
        },
    )
    assert r.status_code != 413, r.text


@pytest.mark.parametrize("name", ["tag", "status", "stage", "assignee"])
async def test_repeated_filters_have_a_maximum_count(client: Client, shop: Shop, name: str) -> None:
    value = "none" if name == "assignee" else "1"
    many = [(name, value)] * (limits.REPEATED + 1)
    r = await client.get("/api/v1/chats", params=many, headers=shop.admin)
    _refused(r, f"{name}: no máximo {limits.REPEATED} itens")
    r = await client.get("/api/v1/chats", params=many[:-1], headers=shop.admin)
    assert r.status_code == 200, r.text


# -- the planner stays linear in the number of filter values ----------------------------------


def _plan_size(actor: Actor, k: int, kind: str) -> tuple[int, int]:
    stats = query.SetStats(total=50_000, per_tag={t: 900 for t in range(1, 40)})
    stats.per_user = {u: 700 for u in range(1, 40)}
    f = {
        "tags_all": ChatFilter(tags=tuple(range(1, k + 1)), tag_mode=TagMode.ALL),
        "tags_any": ChatFilter(tags=tuple(range(1, k + 1)), tag_mode=TagMode.ANY),
        "assignees": ChatFilter(assignees=tuple(Assignee("user", u) for u in range(1, k + 1))),
        "stages": ChatFilter(stages=tuple(range(1, k + 1))),
        "statuses": ChatFilter(statuses=tuple(range(1, k + 1)), order=Order.UNREAD_FIRST),
    }[kind]
    plan = query.plan_chat_list(actor, f, None, 50, stats)
    sql = plan.sql + (plan.fallback.sql if plan.fallback else "")
    params = len(plan.params) + (len(plan.fallback.params) if plan.fallback else 0)
    return len(sql), params


@pytest.mark.parametrize("kind", ["tags_all", "tags_any", "assignees", "stages", "statuses"])
def test_the_sql_planned_grows_linearly_with_the_values_of_a_filter(kind: str) -> None:
    """The page's SQL (and its fallback) grows by a fixed amount per value: no filter value
    multiplies the others."""
    user = Actor(id=99, login="u", name="U", is_admin=False, departments=frozenset({3}))
    sizes = [_plan_size(user, k, kind) for k in range(1, limits.REPEATED + 1)]
    sql_steps = {b[0] - a[0] for a, b in itertools.pairwise(sizes)}
    param_steps = {b[1] - a[1] for a, b in itertools.pairwise(sizes)}
    # One step size for every added value (a plan that switches between walking and
    # driving may change it once; never more than a bounded set of sizes).
    assert len(sql_steps) <= 2, sizes
    assert max(sql_steps) <= 400, sizes
    assert max(param_steps) <= 4, sizes
    assert sizes[-1][0] <= sizes[0][0] + (limits.REPEATED - 1) * max(sql_steps)


# -- control characters, numbers past 64 bits, cursors, choices ------------------------------


async def test_control_characters_are_refused_in_text_but_message_lines_are_kept(
    client: Client, shop: Shop
) -> None:
    for body in ({"name": "Ven\x00das"}, {"name": "Vendas\n"}, {"name": "a\x1bb"}):
        r = await client.post("/api/v1/departments", json=body, headers=shop.admin)
        _refused(r, "name: caracteres de controle não são aceitos")
    r = await client.post(
        f"/api/v1/chats/{shop.chat}/messages", json={"body": "Oi\x00"}, headers=shop.ana
    )
    _refused(r, "body: caracteres de controle")
    r = await client.post(
        f"/api/v1/chats/{shop.chat}/messages", json={"body": "Oi\x0bvoltei"}, headers=shop.ana
    )
    _refused(r, "body: caracteres de controle")
    # Line breaks and tabs stay, CRLF pasted from another system too.
    r = await client.post(
        f"/api/v1/chats/{shop.chat}/messages",
        json={"body": "Linha 1\n\tLinha 2\r\nLinha 3"},
        headers=shop.ana,
    )
    assert r.status_code == 202, r.text
    assert r.json()["body"] == "Linha 1\n\tLinha 2\r\nLinha 3"
    r = await client.get("/api/v1/search/messages", params={"q": "pix\x00"}, headers=shop.ana)
    _refused(r, "q: caracteres de controle")
    r = await client.get("/api/v1/chats", params={"name": "Ma\x01"}, headers=shop.ana)
    _refused(r, "name: caracteres de controle")


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/chats/{HUGE}",
        f"/api/v1/chats/{HUGE}/messages",
        f"/api/v1/users/{HUGE}",
        f"/api/v1/chats/1/media/{HUGE}",
        f"/api/v1/chats?tag={HUGE}",
        f"/api/v1/chats?stage={HUGE}",
        f"/api/v1/chats/1/messages?around={HUGE}",
        f"/api/v1/search/messages?q=pix&chat={HUGE}",
        "/api/v1/chats/0",
    ],
)
async def test_numbers_past_64_bits_in_paths_and_queries_are_a_400(
    client: Client, shop: Shop, url: str
) -> None:
    r = await client.get(url, headers=shop.admin)
    _refused(r, "deve ser no")


async def test_numbers_past_64_bits_in_bodies_are_a_400(client: Client, shop: Shop) -> None:
    r = await client.post(
        f"/api/v1/chats/{shop.chat}/assignees",
        json={"kind": "user", "id": HUGE},
        headers=shop.admin,
    )
    _refused(r, "id: deve ser no máximo")
    r = await client.put("/api/v1/queue", json={"members": [{"user_id": HUGE}]}, headers=shop.admin)
    _refused(r, "members[0].user_id")
    r = await client.post(
        "/api/v1/chats", json={"phone": "11987654321", "device_id": HUGE}, headers=shop.admin
    )
    _refused(r, "device_id")


@pytest.mark.parametrize(
    ("url", "cursor", "code"),
    [
        ("/api/v1/chats", _cursor(["recent", [HUGE, 1]]), "chats.invalid_cursor"),
        ("/api/v1/chats/{chat}/messages", _cursor([HUGE, 1]), "messages.invalid_cursor"),
        ("/api/v1/chats/{chat}/messages", "WzFlNDAwLCAxXQ", "messages.invalid_cursor"),
        ("/api/v1/chats/{chat}/messages", _cursor({"a": 1, "b": 2}), "messages.invalid_cursor"),
        ("/api/v1/search/messages", _cursor({"before": HUGE}), "search.invalid_cursor"),
    ],
)
async def test_malformed_cursors_are_a_400(
    client: Client, shop: Shop, url: str, cursor: str, code: str
) -> None:
    r = await client.get(
        url.format(chat=shop.chat), params={"q": "oi", "cursor": cursor}, headers=shop.admin
    )
    assert r.status_code == 400, r.text
    assert r.json()["code"] == code
    assert r.json()["message"] == "Cursor inválido."


async def test_a_messages_after_cursor_past_64_bits_is_a_400(client: Client, shop: Shop) -> None:
    r = await client.get(
        f"/api/v1/chats/{shop.chat}/messages",
        params={"after": _cursor([1, HUGE])},
        headers=shop.admin,
    )
    assert (r.status_code, r.json()["code"]) == (400, "messages.invalid_cursor")


@pytest.mark.parametrize(
    ("method", "url", "data", "words"),
    [
        ("GET", "/api/v1/chats?order=cedo", None, "order: valor não aceito: 'cedo'"),
        ("GET", "/api/v1/chats?tag_mode=algum", None, "tag_mode: valor não aceito"),
        ("POST", "/api/v1/statuses", {"name": "S", "archive_rule": "x"}, "archive_rule"),
        ("POST", "/api/v1/chats/{chat}/assignees", {"kind": "robo", "id": 1}, "kind"),
        ("DELETE", "/api/v1/chats/{chat}/assignees/robo/1", None, "kind"),
        ("POST", "/api/v1/tags", {"name": "T", "color": "azul"}, "color: use o formato"),
        ("PATCH", "/api/v1/modules", {"robo": True}, "valor não aceito: 'robo'"),
    ],
)
async def test_unknown_choices_are_a_400_naming_the_field(
    client: Client, shop: Shop, method: str, url: str, data: Any, words: str
) -> None:
    r = await client.request(method, url.format(chat=shop.chat), json=data, headers=shop.admin)
    _refused(r, words)


# -- the OpenAPI document states it all ------------------------------------------------------


async def test_the_openapi_document_states_the_limits_and_the_error_body(
    client: Client,
) -> None:
    doc = (await client.get("/schema/openapi.json")).json()
    schemas = doc["components"]["schemas"]

    def props(name: str) -> dict[str, Any]:
        [key] = [k for k in schemas if k.endswith(name)]
        return dict(schemas[key]["properties"])

    name = props("DepartmentCreate")["name"]
    assert (name["maxLength"], name["pattern"]) == (limits.NAME, limits.PLAIN)
    body = props("SendMessage")["body"]
    assert (body["maxLength"], body["pattern"]) == (limits.MESSAGE, limits.MULTILINE)
    assert props("TokenRequest")["password"]["maxLength"] == limits.PASSWORD

    listing = doc["paths"]["/api/v1/chats"]["get"]
    params = {p["name"]: p["schema"] for p in listing["parameters"]}
    for repeated in ("tag", "status", "stage", "assignee"):
        assert params[repeated]["maxItems"] == limits.REPEATED
    assert params["name"]["maxLength"] == limits.NAME
    chat = doc["paths"]["/api/v1/chats/{chat_id}"]["get"]
    [chat_id] = [p["schema"] for p in chat["parameters"] if p["name"] == "chat_id"]
    assert chat_id["minimum"] == 1
    assert chat_id["maximum"] >= limits.MAX_ID
    for status in ("400", "401", "403", "404", "409", "413", "429"):
        content = listing["responses"][status]["content"]["application/json"]["schema"]
        ref = content["$ref"].rpartition("/")[2]
        assert set(schemas[ref]["required"]) == {"code", "message"}
