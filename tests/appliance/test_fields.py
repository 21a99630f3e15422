"""Custom fields (I8): account-wide fields, each chat's value checked by its kind."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from appliance.core.db import Database
from tests.conftest import admin_and_chats, bearer
from tests.factories import assign, make_chat, make_department, make_device, make_user


async def _field(
    client: AsyncTestClient[Litestar],
    headers: dict[str, str],
    name: str,
    kind: str,
    options: list[str] | None = None,
) -> int:
    body: dict[str, object] = {"name": name, "kind": kind}
    if options is not None:
        body["options"] = options
    r = await client.post("/api/v1/fields", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def test_a_field_created_in_one_chat_exists_in_all_and_goes_from_all(
    client: AsyncTestClient[Litestar], db: Database
) -> None:
    admin, (one, two) = await admin_and_chats(client, db, "Um", "Dois")
    # created from chat one's panel: the same account-wide POST
    cpf = await _field(client, admin, "CPF", "cpf")
    r = await client.put(
        f"/api/v1/chats/{one}/fields/{cpf}", json={"value": "529.982.247-25"}, headers=admin
    )
    assert r.status_code == 200, r.text
    assert (r.json()["value"], r.json()["display"]) == ("52998224725", "529.982.247-25")
    r = await client.get(f"/api/v1/chats/{two}/fields", headers=admin)
    assert [(f["name"], f["kind"], f["value"]) for f in r.json()] == [("CPF", "cpf", None)]
    r = await client.get(f"/api/v1/chats/{one}/fields", headers=admin)
    assert [(f["name"], f["display"]) for f in r.json()] == [("CPF", "529.982.247-25")]

    r = await client.delete(f"/api/v1/fields/{cpf}", headers=admin)
    assert r.status_code == 409
    assert r.json()["chats"] == 1
    assert "remove de todos os chats" in r.json()["message"]
    assert "1 chat" in r.json()["message"]
    assert len((await client.get(f"/api/v1/chats/{one}/fields", headers=admin)).json()) == 1

    r = await client.delete(f"/api/v1/fields/{cpf}?confirm=true", headers=admin)
    assert r.status_code == 200
    assert r.json() == {"deleted": True, "chats": 1}
    for chat in (one, two):
        assert (await client.get(f"/api/v1/chats/{chat}/fields", headers=admin)).json() == []
    assert (await client.get("/api/v1/fields", headers=admin)).json() == []
    left = db.read_sync(lambda c: c.execute("SELECT count(*) FROM chat_field_value").fetchone()[0])
    assert left == 0


VALID = [
    ("text", "  Cliente desde 2019 ", "Cliente desde 2019", "Cliente desde 2019"),
    ("number", "1.234,56", "1234.56", "1.234,56"),
    ("number", "1234.56", "1234.56", "1.234,56"),
    ("number", "-3", "-3", "-3"),
    ("number", "1.500", "1500", "1.500"),
    ("number", "0,5", "0.5", "0,5"),
    ("date", "31/12/2024", "2024-12-31", "31/12/2024"),
    ("date", "2024-02-29", "2024-02-29", "29/02/2024"),
    ("date", "1/2/2025", "2025-02-01", "01/02/2025"),
    ("email", "Ana.Souza@Exemplo.COM.br", "Ana.Souza@exemplo.com.br", "Ana.Souza@exemplo.com.br"),
    ("phone", "(11) 98765-4321", "+5511987654321", "+55 11 98765-4321"),
    ("phone", "(11) 8765-4321", "+5511987654321", "+55 11 98765-4321"),
    ("phone", "+55 21 3456-7890", "+552134567890", "+55 21 3456-7890"),
    ("cpf", "529.982.247-25", "52998224725", "529.982.247-25"),
    ("cpf", "52998224725", "52998224725", "529.982.247-25"),
    ("cnpj", "11.222.333/0001-81", "11222333000181", "11.222.333/0001-81"),
    ("cnpj", "11222333000181", "11222333000181", "11.222.333/0001-81"),
    ("options", "atacado", "Atacado", "Atacado"),
]

INVALID = [
    ("number", "12,3,4", "Número inválido"),
    ("number", "doze", "Número inválido"),
    ("date", "31/02/2024", "Data inválida: use DD/MM/AAAA."),
    ("date", "2024/12/31", "Data inválida: use DD/MM/AAAA."),
    ("date", "amanhã", "Data inválida: use DD/MM/AAAA."),
    ("email", "ana@", "E-mail inválido"),
    ("email", "ana souza@exemplo.com", "E-mail inválido"),
    ("email", "ana@exemplo", "E-mail inválido"),
    ("phone", "1234", "Telefone inválido"),
    ("phone", "(11) 1234-5678", "Telefone inválido"),
    ("phone", "(00) 98765-4321", "Telefone inválido"),
    ("cpf", "529.982.247-24", "CPF inválido: confira os dígitos."),
    ("cpf", "111.111.111-11", "CPF inválido: confira os dígitos."),
    ("cpf", "5299822472", "CPF inválido: confira os dígitos."),
    ("cnpj", "11.222.333/0001-80", "CNPJ inválido: confira os dígitos."),
    ("cnpj", "529.982.247-25", "CNPJ inválido: confira os dígitos."),
    ("options", "Varejo", "Opção inválida"),
    ("text", "x" * 1001, "Texto longo demais"),
]


@pytest.fixture
async def setup(
    client: AsyncTestClient[Litestar], db: Database
) -> tuple[dict[str, str], int, dict[str, int]]:
    admin, [chat] = await admin_and_chats(client, db, "Cliente")
    fields = {}
    for kind in ("text", "number", "date", "email", "phone", "cpf", "cnpj", "options"):
        options = ["Atacado", "Balcão"] if kind == "options" else None
        fields[kind] = await _field(client, admin, f"Campo {kind}", kind, options)
    return admin, chat, fields


@pytest.mark.parametrize(("kind", "typed", "stored", "shown"), VALID)
async def test_valid_values_are_stored_in_normal_form(
    client: AsyncTestClient[Litestar],
    setup: tuple[dict[str, str], int, dict[str, int]],
    kind: str,
    typed: str,
    stored: str,
    shown: str,
) -> None:
    admin, chat, fields = setup
    r = await client.put(
        f"/api/v1/chats/{chat}/fields/{fields[kind]}", json={"value": typed}, headers=admin
    )
    assert r.status_code == 200, r.text
    assert (r.json()["value"], r.json()["display"]) == (stored, shown)
    listed = (await client.get(f"/api/v1/chats/{chat}/fields", headers=admin)).json()
    assert next(f for f in listed if f["id"] == fields[kind])["value"] == stored


@pytest.mark.parametrize(("kind", "typed", "message"), INVALID)
async def test_a_bad_value_is_refused_and_the_old_one_kept(
    client: AsyncTestClient[Litestar],
    setup: tuple[dict[str, str], int, dict[str, int]],
    kind: str,
    typed: str,
    message: str,
) -> None:
    admin, chat, fields = setup
    good = next(t for k, t, _, _ in VALID if k == kind)
    url = f"/api/v1/chats/{chat}/fields/{fields[kind]}"
    before = (await client.put(url, json={"value": good}, headers=admin)).json()["value"]
    r = await client.put(url, json={"value": typed}, headers=admin)
    assert r.status_code == 400
    assert message in r.json()["message"]
    assert r.json()["code"] == f"field.invalid_{kind}"
    listed = (await client.get(f"/api/v1/chats/{chat}/fields", headers=admin)).json()
    assert next(f for f in listed if f["id"] == fields[kind])["value"] == before


@pytest.mark.parametrize("blank", ["", "   ", None])
async def test_a_blank_value_clears_it(
    client: AsyncTestClient[Litestar],
    setup: tuple[dict[str, str], int, dict[str, int]],
    blank: str | None,
) -> None:
    admin, chat, fields = setup
    url = f"/api/v1/chats/{chat}/fields/{fields['cpf']}"
    await client.put(url, json={"value": "529.982.247-25"}, headers=admin)
    r = await client.put(url, json={"value": blank}, headers=admin)
    assert r.status_code == 200
    assert (r.json()["value"], r.json()["display"]) == (None, None)


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"name": "cpf", "kind": "text"}, 409, "Já existe um campo com esse nome."),
        ({"name": "Cpf ", "kind": "cpf"}, 409, "Já existe um campo com esse nome."),
        ({"name": " ", "kind": "text"}, 400, "Informe o nome do campo."),
        ({"name": "x" * 81, "kind": "text"}, 400, "no máximo 80 caracteres"),
        ({"name": "Idade", "kind": "idade"}, 400, "Tipo de campo inválido"),
        ({"name": "Tipo", "kind": "options"}, 400, "Informe ao menos uma opção."),
        ({"name": "Tipo", "kind": "options", "options": [" ", ""]}, 400, "ao menos uma opção"),
    ],
)
async def test_bad_fields_are_refused(
    client: AsyncTestClient[Litestar],
    db: Database,
    body: dict[str, object],
    status: int,
    message: str,
) -> None:
    make_user(db, "admin", is_admin=True)
    admin = await bearer(client, "admin")
    await _field(client, admin, "CPF", "cpf")
    r = await client.post("/api/v1/fields", json=body, headers=admin)
    assert r.status_code == status
    assert message in r.json()["message"]


async def test_rename_and_change_options(client: AsyncTestClient[Litestar], db: Database) -> None:
    admin, [chat] = await admin_and_chats(client, db, "")
    kind = await _field(client, admin, "Tipo", "options", ["Atacado", "Varejo", "atacado"])
    email = await _field(client, admin, "E-mail", "email")
    fields = (await client.get("/api/v1/fields", headers=admin)).json()
    assert [(f["name"], f["options"]) for f in fields] == [
        ("Tipo", ["Atacado", "Varejo"]),
        ("E-mail", []),
    ]
    await client.put(f"/api/v1/chats/{chat}/fields/{kind}", json={"value": "Varejo"}, headers=admin)
    r = await client.patch(
        f"/api/v1/fields/{kind}",
        json={"name": "Tipo de cliente", "options": ["Atacado", "Revenda"]},
        headers=admin,
    )
    assert r.status_code == 200
    assert (r.json()["name"], r.json()["options"]) == ("Tipo de cliente", ["Atacado", "Revenda"])
    # a value whose option went away is kept, not lost
    values = (await client.get(f"/api/v1/chats/{chat}/fields", headers=admin)).json()
    assert values[0]["value"] == "Varejo"
    r = await client.patch(f"/api/v1/fields/{email}", json={"options": ["x"]}, headers=admin)
    assert r.status_code == 400
    r = await client.patch(
        f"/api/v1/fields/{email}", json={"name": "tipo de cliente"}, headers=admin
    )
    assert r.status_code == 409
    r = await client.patch(f"/api/v1/fields/{email}", json={"kind": "text"}, headers=admin)
    assert r.status_code == 400


async def test_permissions(client: AsyncTestClient[Litestar], db: Database) -> None:
    vendas = make_department(db, "Vendas")
    make_user(db, "admin", is_admin=True)
    make_user(db, "ana", departments=[vendas])
    make_user(db, "bia", permissions=["manage_fields", "see_all_chats"])
    device, _ = make_device(db)
    mine = make_chat(db, device, name="Da Ana")
    theirs = make_chat(db, device, name="De outro")
    assign(db, mine, department=vendas)
    admin = await bearer(client, "admin")
    cpf = await _field(client, admin, "CPF", "cpf")
    ana = await bearer(client, "ana")
    assert (await client.get("/api/v1/fields", headers=ana)).status_code == 200
    r = await client.post("/api/v1/fields", json={"name": "X", "kind": "text"}, headers=ana)
    assert r.status_code == 403
    r = await client.patch(f"/api/v1/fields/{cpf}", json={"name": "Y"}, headers=ana)
    assert r.status_code == 403
    r = await client.delete(f"/api/v1/fields/{cpf}?confirm=true", headers=ana)
    assert r.status_code == 403
    # values: anyone who sees the chat, and only that chat
    r = await client.put(
        f"/api/v1/chats/{mine}/fields/{cpf}", json={"value": "529.982.247-25"}, headers=ana
    )
    assert r.status_code == 200
    for r in (
        await client.get(f"/api/v1/chats/{theirs}/fields", headers=ana),
        await client.put(f"/api/v1/chats/{theirs}/fields/{cpf}", json={"value": ""}, headers=ana),
    ):
        assert r.status_code == 404
        assert r.json()["code"] == "chat.not_found"
    r = await client.put(f"/api/v1/chats/{mine}/fields/999", json={"value": "x"}, headers=ana)
    assert r.status_code == 404
    bia = await bearer(client, "bia")
    email = await _field(client, bia, "E-mail", "email")
    r = await client.patch(
        f"/api/v1/fields/{email}", json={"name": "E-mail do cliente"}, headers=bia
    )
    assert r.status_code == 200
    # the customer's CPF is shop data: shown to whoever sees the chat
    r = await client.get(f"/api/v1/chats/{mine}/fields", headers=bia)
    assert r.json()[0]["display"] == "529.982.247-25"
    r = await client.delete(f"/api/v1/fields/{cpf}?confirm=true", headers=bia)
    assert r.status_code == 200
