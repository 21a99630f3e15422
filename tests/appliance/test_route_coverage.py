"""Every route, walked as callers without rights: exactly the routes of their rights answer 2xx.

The walk covers each operation of the OpenAPI document plus the routes left out of it
(pages, the bridge link). Path ids point at real rows the caller may not touch: a chat
assigned to someone else, its message, the admin user, a department, a tag, a field, a
status, a funnel and its stage, the device. Bodies are built from the operation's schema,
so a refusal is the rule at work and not a malformed request. The lists below are exact: a
route that starts or stops answering a role fails the walk until the list says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from appliance.areas.accounts.service import create_api_token, hash_token
from appliance.areas.attendance import service as attendance
from appliance.areas.fields import service as fields
from appliance.areas.funnels import service as funnels
from appliance.core.clock import now_ms
from appliance.core.db import Database
from tests.conftest import bearer
from tests.factories import make_department, make_scene, make_user

SECRET_NAME = "Cliente Sigilosa Zuleica"
SECRET_TEXT = "pedido-confidencial-7781"
SECRET_PHONE = "+5511955554321"

# What a logged-in user with no permission and no department may do, and nothing else. Each
# answer is also searched for the hidden chat, so "allowed" never means "sees what is not
# theirs". Users, departments and permissions are for those who manage users (the pickers
# use /assignees/choices).
ALLOWED_FOR_ANY_USER = {
    ("GET", "/"),
    ("GET", "/admin"),
    ("GET", "/api/v1/me"),
    ("PATCH", "/api/v1/me"),
    ("GET", "/api/v1/chats"),
    ("POST", "/api/v1/chats"),
    ("GET", "/api/v1/search/messages"),
    ("GET", "/api/v1/devices"),
    ("GET", "/api/v1/tags"),
    ("GET", "/api/v1/fields"),
    ("GET", "/api/v1/statuses"),
    ("GET", "/api/v1/funnels"),
    ("GET", "/api/v1/assignees/choices"),
    # Their own API tokens (the walk's token id is the admin's: revoking it is refused).
    ("GET", "/api/v1/auth/tokens"),
    ("GET", "/api/v1/modules/enabled"),
    ("GET", "/healthz"),
    ("GET", "/login"),
    ("POST", "/logout"),
}

# Paths anyone may call without logging in (the others answer 401 or go to /login).
PUBLIC = {
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/api/v1/auth/token"),
    ("GET", "/healthz"),
}
# Of those, what answers 2xx to a stranger: the login form and the health check. The form's
# POST without its CSRF cookie and a token asked with a wrong password are refused.
ANSWERED_FOR_ANONYMOUS = {
    ("GET", "/login"),
    ("GET", "/healthz"),
}


# Bodies a caller within their rights sends, where the schema's example would be refused
# for its content (a wrong current password).
BODIES = {("PATCH", "/api/v1/me"): {"name": "Ninguém Mesmo", "sound_on": False}}

# Queries that make a read go looking for the hidden chat.
QUERIES = {
    "/api/v1/search/messages": {"q": SECRET_TEXT},
    "/api/v1/chats": {"name": SECRET_NAME},
}


@dataclass
class World:
    ids: dict[str, int]
    nobody: dict[str, str]


def _token_id(db: Database, user_id: int) -> int:
    token = db.write_sync(create_api_token, user_id, "Integração")
    return int(
        db.read_sync(
            lambda c: c.execute(
                "SELECT id FROM api_token WHERE token_hash = ?", (hash_token(token),)
            ).fetchone()[0]
        )
    )


@pytest.fixture
async def world(db: Database, client: AsyncTestClient[Litestar]) -> World:
    admin = make_user(db, "gerente", is_admin=True)
    make_user(db, "ninguem")
    other = make_user(db, "vendedora")
    dept = make_department(db, "Vendas")
    scene = make_scene(
        db, user=other, body=SECRET_TEXT, tag="VIP", name=SECRET_NAME, phone=SECRET_PHONE
    )
    device, chat, message, tag = scene.device, scene.chat, scene.message, scene.tag
    now = now_ms()
    field = db.write_sync(lambda c: fields.create_field(c, "Apelido", "text")["id"])
    db.write_sync(fields.store_value, chat, field, SECRET_TEXT, now)
    status = db.write_sync(lambda c: attendance.create_status(c, "Em análise", "#888888")["id"])
    funnel_row = db.write_sync(funnels.create_funnel, "Vendas", ["Proposta"])
    funnel, stage = funnel_row["id"], funnel_row["stages"][0]["id"]
    db.write_sync(funnels.place_chat, chat, funnel, stage, now)
    ids = {
        "chat_id": chat,
        "message_id": message,
        "user_id": admin,
        "department_id": dept,
        "tag_id": tag,
        "field_id": field,
        "status_id": status,
        "funnel_id": funnel,
        "stage_id": stage,
        "device_id": device,
        "token_id": _token_id(db, admin),
    }
    return World(ids=ids, nobody=await bearer(client, "ninguem"))


def _resolve(schema: dict[str, Any], doc: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = doc["components"]["schemas"][name]
    return schema


def example(schema: dict[str, Any], doc: dict[str, Any], name: str = "", depth: int = 0) -> Any:
    """A plausible value for ``schema``: what a client that means it would send."""
    schema = _resolve(schema, doc)
    for key in ("oneOf", "anyOf"):
        if key in schema:
            options = [_resolve(s, doc) for s in schema[key]]
            chosen = next((s for s in options if s.get("type") != "null"), options[0])
            return example(chosen, doc, name, depth)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or "properties" in schema:
        if depth > 3:
            return {}
        props = schema.get("properties", {})
        return {key: example(sub, doc, key, depth + 1) for key, sub in props.items()}
    if kind == "array":
        item = schema.get("items", {"type": "string"})
        return [example(item, doc, name, depth + 1)]
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return _string_for(name)


def _string_for(name: str) -> str:
    lowered = name.lower()
    if "phone" in lowered or "number" in lowered:
        return "+5511987650000"
    if "password" in lowered:
        return "uma-senha-bem-forte-1"
    if "login" in lowered:
        return "novo.login"
    if "email" in lowered:
        return "alguem@example.com"
    if "color" in lowered:
        return "#123456"
    if "date" in lowered:
        return "2026-11-26"
    return "Teste"


def _path_for(template: str, ids: dict[str, int]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1).split(":")[0]
        return str(ids.get(name, 1))

    return re.sub(r"\{([^}]+)\}", value, template)


@dataclass(frozen=True)
class Call:
    method: str
    template: str
    body: Any = None


def openapi_calls(doc: dict[str, Any]) -> list[Call]:
    calls = []
    for template, operations in doc["paths"].items():
        for method, op in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            body = None
            content = op.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                body = example(content["application/json"].get("schema", {}), doc)
            body = BODIES.get((method.upper(), template), body)
            calls.append(Call(method.upper(), template, body))
    return calls


def unlisted_calls(app: Litestar, doc: dict[str, Any]) -> list[Call]:
    """HTTP routes the OpenAPI document leaves out (pages, bridge link), static files aside."""
    listed = {re.sub(r"\{([^}:]+)(:[^}]+)?\}", r"{\1}", p) for p in doc["paths"]}
    calls = []
    for route in app.routes:
        path = re.sub(r"\{([^}:]+)(:[^}]+)?\}", r"{\1}", route.path)
        if path in listed or path.startswith(("/static", "/schema")) or path == "/ws":
            continue
        for method in sorted(getattr(route, "methods", set()) - {"OPTIONS", "HEAD"}):
            calls.append(Call(method, path, {}))
    return calls


async def _call(
    client: AsyncTestClient[Litestar], call: Call, ids: dict[str, int], headers: dict[str, str]
) -> Any:
    path = _path_for(call.template, ids)
    params = QUERIES.get(call.template) or (
        {"confirm": "true"} if call.method == "DELETE" else None
    )
    kwargs: dict[str, Any] = {"headers": headers, "params": params}
    if call.body is not None and call.method != "GET":
        kwargs["json"] = call.body
    return await client.request(call.method, path, follow_redirects=False, **kwargs)


def _answered(r: Any) -> bool:
    """Done as asked: 2xx, or the 303 a form post (logout) answers with when it worked."""
    return 200 <= r.status_code < 300 or r.status_code == 303


async def _all_calls(client: AsyncTestClient[Litestar], app: Litestar) -> list[Call]:
    doc = (await client.get("/schema/openapi.json")).json()
    calls = openapi_calls(doc) + unlisted_calls(app, doc)
    assert len(calls) > 20
    return calls


async def test_a_user_without_permissions_gets_nothing_outside_their_rights(
    client: AsyncTestClient[Litestar], app: Litestar, world: World
) -> None:
    answered: set[tuple[str, str]] = set()
    leaked: list[str] = []
    for call in await _all_calls(client, app):
        r = await _call(client, call, world.ids, world.nobody)
        if not _answered(r):
            continue
        answered.add((call.method, call.template))
        text = r.text
        if SECRET_NAME in text or SECRET_TEXT in text or SECRET_PHONE[-8:] in text:
            leaked.append(f"{call.method} {call.template}")
    assert sorted(answered - ALLOWED_FOR_ANY_USER) == [], "answered beyond the user's rights"
    assert sorted(ALLOWED_FOR_ANY_USER - answered) == [], "refused within the user's rights"
    assert leaked == []
    # The hidden chat is untouched by everything the walk tried.
    chat = (
        await client.get(
            f"/api/v1/chats/{world.ids['chat_id']}",
            headers=await bearer(client, "gerente"),
        )
    ).json()
    assert chat["name"] == SECRET_NAME
    assert [t["name"] for t in chat["tags"]] == ["VIP"]
    assert [a["name"] for a in chat["assignees"]] == ["Vendedora"]


async def test_an_anonymous_caller_gets_nothing_but_the_public_paths(
    client: AsyncTestClient[Litestar], app: Litestar, world: World
) -> None:
    calls = await _all_calls(client, app)
    client.cookies.clear()
    answered: set[tuple[str, str]] = set()
    for call in calls:
        r = await _call(client, call, world.ids, {})
        if _answered(r):
            answered.add((call.method, call.template))
        if (call.method, call.template) not in PUBLIC and call.template.startswith("/api/"):
            assert r.status_code == 401, (call, r.status_code, r.text)
    assert sorted(answered - ANSWERED_FOR_ANONYMOUS) == [], "answered a stranger"
    assert sorted(ANSWERED_FOR_ANONYMOUS - answered) == [], "refused to a stranger"
