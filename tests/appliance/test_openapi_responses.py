"""Every operation of /schema/openapi.json says what its success answer is.

A client generated from the document in another language needs the shape of each answer,
not only of each request: every operation documents a 2xx with a JSON body whose schema is
a component with properties (or a list of them), or says it has no body (204) or answers
with a file. A body documented as a bare ``object`` (a ``dict[str, Any]`` return) fails.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from appliance.areas.chats.schemas import ChatPage
from appliance.areas.messages.schemas import MessagePage
from appliance.areas.search.schemas import SearchPage
from appliance.core.answers import Answer
from appliance.core.db import Database
from tests.conftest import bearer
from tests.factories import make_department, make_message, make_scene, make_user

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# Answers that are not JSON: the file of a media message, the QR code of a pairing.
FILE_TYPES = {"application/octet-stream", "image/svg+xml"}


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    node: Any = doc
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def _shape_problems(doc: dict[str, Any], schema: dict[str, Any], where: str) -> list[str]:
    """Why ``schema`` does not describe its answer: it must be an object with properties
    (through a $ref or inline), or an array of such."""
    if "$ref" in schema:
        return _shape_problems(doc, _resolve(doc, schema), f"{where} -> {schema['$ref']}")
    if "oneOf" in schema or "anyOf" in schema:
        choices = schema.get("oneOf") or schema.get("anyOf") or []
        return [
            p for c in choices if c.get("type") != "null" for p in _shape_problems(doc, c, where)
        ]
    kind = schema.get("type")
    if kind == "array":
        items = schema.get("items")
        if not items:
            return [f"{where}: a list of undocumented items"]
        return _shape_problems(doc, items, f"{where}[]")
    if kind == "object":
        if schema.get("properties"):
            return []
        if isinstance(schema.get("additionalProperties"), dict) and schema[
            "additionalProperties"
        ].get("type"):
            # A map with typed values (module name -> on), a shape a client can read.
            return []
        return [f"{where}: an object with no properties"]
    return [f"{where}: no shape ({schema or 'empty schema'})"]


def operation_problems(doc: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    for path, item in doc["paths"].items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            name = f"{method.upper()} {path}"
            success = {
                code: r for code, r in operation.get("responses", {}).items() if code[0] in "23"
            }
            if not success:
                problems.append(f"{name}: no success answer documented")
                continue
            for code, response in success.items():
                content = response.get("content")
                if code == "204" or code.startswith("3"):
                    if content:
                        problems.append(f"{name} {code}: a body on a no-content answer")
                    continue
                if not content:
                    problems.append(f"{name} {code}: no body documented")
                    continue
                for media, body in content.items():
                    if media in FILE_TYPES:
                        continue
                    schema = body.get("schema")
                    if not schema:
                        problems.append(f"{name} {code} {media}: no schema")
                        continue
                    problems += _shape_problems(doc, schema, f"{name} {code} {media}")
    return problems


async def test_every_operation_documents_its_answer(app: Litestar) -> None:
    async with AsyncTestClient(app=app) as client:
        r = await client.get("/schema/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    operations = sum(m in item for item in doc["paths"].values() for m in METHODS)
    # Every route of the API is in the document (a route left out would pass unseen).
    assert operations >= 80, operations
    problems = operation_problems(doc)
    assert problems == [], "\n".join(problems)


CARD = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Joana\r\nTEL:+55 11 98765-4321\r\nEND:VCARD\r\n"


@pytest.mark.parametrize("login", ["admin", "ana"])
async def test_fast_pages_match_their_documented_structs(
    app: Litestar, db: Database, login: str
) -> None:
    """The chat list, a chat's messages and the search build their JSON as dicts for speed
    and are documented by ChatPage, MessagePage and SearchPage: real pages, for an admin and
    for a user without see_numbers (whose media and numbers are redacted), decode strictly
    into those structs (no key undeclared, none missing, no type off) and encode back to the
    same JSON."""
    vendas = make_department(db, "Vendas")
    make_user(db, "admin", is_admin=True)
    make_user(db, "ana", departments=[vendas])
    chat = make_scene(
        db, department=vendas, body="Tem pão de queijo?", name="Maria", preview="pão de queijo"
    ).chat
    make_message(db, chat, body="Tem sim", direction="out")
    make_message(
        db,
        chat,
        body=CARD,
        kind="contact",
        media={"mimetype": "text/vcard", "filename": "Joana.vcf", "sha256": "ab" * 32},
    )
    make_message(
        db,
        chat,
        body="pão",
        kind="location",
        media={"mimetype": "", "extra": {"lat": -23.5, "lng": -46.6, "name": "Padaria"}},
    )
    async with AsyncTestClient(app=app) as client:
        headers = await bearer(client, login)
        chats = await client.get("/api/v1/chats", headers=headers)
        messages = await client.get(f"/api/v1/chats/{chat}/messages?limit=2", headers=headers)
        first = messages.json()["items"][0]["id"]
        near = await client.get(
            f"/api/v1/chats/{chat}/messages?around={first}&limit=2", headers=headers
        )
        found = await client.get("/api/v1/search/messages?q=pão", headers=headers)
    pages: list[tuple[Any, type[Answer]]] = [
        (chats, ChatPage),
        (messages, MessagePage),
        (near, MessagePage),
        (found, SearchPage),
    ]
    for response, shape in pages:
        assert response.status_code == 200, response.text
        assert response.json()["items"], response.request.url
        decoded = msgspec.json.decode(response.content, type=shape, strict=True)
        assert json.loads(msgspec.json.encode(decoded)) == response.json()
    assert "newer_cursor" in near.json()
    assert "newer_cursor" not in messages.json()


def test_the_walk_refuses_a_bare_object() -> None:
    """The check itself: a ``dict[str, Any]`` answer, an untyped list and a missing answer
    are each reported; a component with properties and a 204 pass."""
    doc: dict[str, Any] = {
        "components": {
            "schemas": {
                "Tag": {"type": "object", "properties": {"id": {"type": "integer"}}},
                "Loose": {"type": "object"},
            }
        },
        "paths": {
            "/ok": {
                "get": {
                    "responses": {
                        "200": {
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/Tag"},
                                    }
                                }
                            }
                        }
                    }
                },
                "delete": {"responses": {"204": {"description": "ok"}}},
            },
            "/bare": {
                "get": {
                    "responses": {
                        "200": {"content": {"application/json": {"schema": {"type": "object"}}}}
                    }
                }
            },
            "/loose": {
                "get": {
                    "responses": {
                        "201": {
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Loose"}
                                }
                            }
                        }
                    }
                }
            },
            "/list": {
                "get": {
                    "responses": {
                        "200": {"content": {"application/json": {"schema": {"type": "array"}}}}
                    }
                }
            },
            "/none": {"post": {"responses": {"400": {"description": "bad"}}}},
        },
    }
    problems = operation_problems(doc)
    assert [p.split(":")[0].split(" ")[:2] for p in problems] == [
        ["GET", "/bare"],
        ["GET", "/loose"],
        ["GET", "/list"],
        ["POST", "/none"],
    ]
