"""Property-based fuzzing of the HTTP API from its own OpenAPI document (Schemathesis).

For each operation in /schema/openapi.json, Schemathesis generates requests that follow
the schema and requests that break it, and sends them to the real app in-process, as an
admin, as a user with no permissions in one department, and anonymously. No answer may
be a 5xx, and every answer must match what the document says of its status (the error
body included). The seed is fixed (``derandomize``) and the budget bounded, so a run is
repeatable; the number of cases tried per role is printed.

One operation is steered: as the admin, ``PATCH /api/v1/users/{user_id}`` always targets
a third user, since resetting the admin's own password (a valid request) would end the
token the rest of the run uses. Nothing is left out.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from litestar import Litestar
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import response_schema_conformance

from appliance.core.db import Database
from tests.factories import (
    assign,
    make_chat,
    make_device,
    make_message,
    make_tag,
    make_user,
    tag_chat,
)
from tests.harness import make_people

# IP literals pass any Host check, whatever names the box is configured with.
BASE_URL = "http://127.0.0.1"
# Examples per operation and generation mode: 1,280 cases per role (80 operations × 8 × 2
# modes), about half a minute each on the 2-core box.
EXAMPLES = 8
CHECKS = [not_a_server_error, response_schema_conformance]


def _seed(db: Database) -> dict[str, int]:
    """A small shop whose ids the generated requests can hit: users, a department, a
    device, chats with messages and a tag, one of them the user's."""
    passwords = {"admin": "admin-secreta", "ana": "ana-secreta", "bruno": "bruno-secreta"}
    vendas = make_people(db, passwords=passwords).vendas
    bia = make_user(db, "bia", password="bia-secreta")
    device, _ = make_device(db)
    mine = make_chat(db, device, name="Maria")
    assign(db, mine, department=vendas)
    other = make_chat(db, device, name="João")
    for chat in (mine, other):
        make_message(db, chat, body="Oi, tem pão?")
        make_message(db, chat, body="Tem sim", direction="out")
    tag_chat(db, mine, make_tag(db, "vip"))
    return {"bia": bia}


def _call(client: asgi.ASGIClient, method: str, path: str, **kw: Any) -> Any:
    r = client.request(method, BASE_URL + path, **kw)
    assert r.status_code < 300, r.text
    return r.json()


@pytest.fixture
def fuzzed_app(app: Litestar, db: Database) -> Iterator[tuple[Litestar, dict[str, int]]]:
    ids = _seed(db)
    yield app, ids
    # The ASGI client keeps each app's lifespan running for the process: end it here.
    asgi.shutdown_lifespans()


def _token(client: asgi.ASGIClient, login: str) -> dict[str, str]:
    body = {"login": login, "password": f"{login}-secreta"}
    token = _call(client, "POST", "/api/v1/auth/token", json=body)["access_token"]
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("role", ["admin", "user", "anonymous"])
def test_no_input_gives_a_server_error_or_an_undocumented_answer(
    fuzzed_app: tuple[Litestar, dict[str, int]], role: str, capsys: pytest.CaptureFixture[str]
) -> None:
    app, ids = fuzzed_app
    with asgi.get_client(app) as client:
        admin = _token(client, "admin")
        # Rows of the funnel and field modules, made the way the admin makes them.
        _call(client, "POST", "/api/v1/fields", json={"name": "CPF", "kind": "cpf"}, headers=admin)
        funnel = {"name": "Vendas", "stages": ["Novo", "Pago"]}
        _call(client, "POST", "/api/v1/funnels", json=funnel, headers=admin)
        document = client.get(BASE_URL + "/schema/openapi.json").json()
        headers = {"admin": admin, "user": _token(client, "ana"), "anonymous": {}}[role]
    schema = schemathesis.openapi.from_dict(document)
    schema.app = app

    tried = 0
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @hypothesis.settings(
                max_examples=EXAMPLES,
                derandomize=True,
                database=None,
                deadline=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def run(case: Any) -> None:
                nonlocal tried
                tried += 1
                case.headers = {**(case.headers or {}), **headers}
                if role == "admin" and "user_id" in (case.path_parameters or {}):
                    case.path_parameters["user_id"] = ids["bia"]
                response = case.call(base_url=BASE_URL)
                try:
                    case.validate_response(response, checks=CHECKS)
                except FailureGroup as exc:
                    failures.append(f"{case.operation.label}: {exc}")

            try:
                run()
            except hypothesis.errors.Unsatisfiable:
                failures.append(f"{operation.label} ({mode.value}): no case could be generated")
    with capsys.disabled():
        print(f"\nfuzz of the API as {role}: {tried} cases, {len(failures)} failures")
    assert tried > 0
    assert not failures, "\n\n".join(failures[:5])
