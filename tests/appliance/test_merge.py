"""A customer's LID chat folding into their number chat loses nothing.

The rule: the number chat's values win; what the LID chat had in their place is kept in
its history (``chat_merged_value``, the status history); tags and assignees are united.
The staff fill both chats through the API, and the merge comes through the bridge link.
"""

from __future__ import annotations

from typing import Any

from appliance.core.db import Database
from tests.appliance.test_ingest import JID, LID, Client, Link, chats, msg
from tests.conftest import bearer
from tests.factories import assign, make_department, make_device, make_user

NAME_JID = "Marina (pedido 4410)"
NAME_LID = "Marina da Padaria"


async def _two_chats(client: Client, db: Database) -> tuple[Link, int, int, dict[str, str]]:
    """The same customer as a number chat and a LID chat, not yet known to be one."""
    _, token = make_device(db)
    link = Link(client, token)
    await link.send(msg("N1", chat=JID, sent_at=1000), msg("L1", chat=LID, sent_at=2000))
    ids = {c["wa_id"]: c["id"] for c in chats(db)}
    make_user(db, "gerente", is_admin=True)
    return link, ids[JID], ids[LID], await bearer(client, "gerente")


async def _merge(link: Link) -> None:
    await link.send({"type": "identity", "lid": LID, "jid": JID, "name": "Marina"})


def _merged_values(db: Database, chat: int) -> list[tuple[Any, ...]]:
    return db.read_sync(
        lambda c: [
            tuple(r)
            for r in c.execute(
                "SELECT merged_from, kind, name, value FROM chat_merged_value WHERE chat = ? "
                "ORDER BY id",
                (chat,),
            )
        ]
    )


async def _ok(response: Any) -> Any:
    assert response.status_code < 300, response.text
    return response.json()


async def test_names_the_number_chat_s_wins_and_the_other_is_kept(
    client: Client, db: Database
) -> None:
    link, number, lid, admin = await _two_chats(client, db)
    for chat, name in ((number, NAME_JID), (lid, NAME_LID)):
        await _ok(
            await client.patch(f"/api/v1/chats/{chat}", json={"custom_name": name}, headers=admin)
        )
    await _merge(link)
    [chat] = chats(db)
    assert (chat["id"], chat["custom_name"]) == (number, NAME_JID)
    assert ("custom_name", NAME_LID) in [(n, v) for _, k, n, v in _merged_values(db, number)]
    assert _merged_values(db, number)[0][:2] == (LID, "name")


async def test_custom_fields_the_number_chat_s_value_wins_and_the_other_is_kept(
    client: Client, db: Database
) -> None:
    link, number, lid, admin = await _two_chats(client, db)
    cpf = (
        await _ok(
            await client.post("/api/v1/fields", json={"name": "CPF", "kind": "text"}, headers=admin)
        )
    )["id"]
    city = (
        await _ok(
            await client.post(
                "/api/v1/fields", json={"name": "Cidade", "kind": "text"}, headers=admin
            )
        )
    )["id"]
    same = (
        await _ok(
            await client.post(
                "/api/v1/fields", json={"name": "Bairro", "kind": "text"}, headers=admin
            )
        )
    )["id"]
    for chat, field, value in (
        (number, cpf, "123.456.789-09"),
        (lid, cpf, "987.654.321-00"),  # conflict
        (lid, city, "Campinas"),  # only on the LID chat: it comes along
        (number, same, "Centro"),
        (lid, same, "Centro"),  # the same value: nothing lost
    ):
        await _ok(
            await client.put(
                f"/api/v1/chats/{chat}/fields/{field}", json={"value": value}, headers=admin
            )
        )
    await _merge(link)
    fields = await _ok(await client.get(f"/api/v1/chats/{number}/fields", headers=admin))
    values = {f["name"]: f["value"] for f in fields}
    assert (values["CPF"], values["Cidade"], values["Bairro"]) == (
        "123.456.789-09",
        "Campinas",
        "Centro",
    )
    assert _merged_values(db, number) == [(LID, "field", "CPF", "987.654.321-00")]


async def test_funnel_stages_the_number_chat_s_wins_and_the_other_is_kept(
    client: Client, db: Database
) -> None:
    link, number, lid, admin = await _two_chats(client, db)
    sales = await _ok(
        await client.post(
            "/api/v1/funnels",
            json={"name": "Vendas", "stages": ["Novo", "Proposta"]},
            headers=admin,
        )
    )
    post = await _ok(
        await client.post(
            "/api/v1/funnels", json={"name": "Pós-venda", "stages": ["Entregue"]}, headers=admin
        )
    )
    new, proposal = (s["id"] for s in sales["stages"])
    for chat, funnel, stage in (
        (number, sales["id"], proposal),
        (lid, sales["id"], new),  # conflict
        (lid, post["id"], post["stages"][0]["id"]),  # only on the LID chat
    ):
        await _ok(
            await client.put(
                f"/api/v1/chats/{chat}/funnels/{funnel}", json={"stage_id": stage}, headers=admin
            )
        )
    await _merge(link)
    funnels = await _ok(await client.get(f"/api/v1/chats/{number}/funnels", headers=admin))
    stages = {f["funnel"]["id"]: f["stage_id"] for f in funnels if f["stage_id"]}
    assert stages == {sales["id"]: proposal, post["id"]: post["stages"][0]["id"]}
    assert _merged_values(db, number) == [(LID, "stage", "Vendas", "Novo")]


async def test_status_the_number_chat_s_wins_and_both_histories_are_one_in_time_order(
    client: Client, db: Database
) -> None:
    link, number, lid, admin = await _two_chats(client, db)
    statuses = {
        s["name"]: s["id"] for s in await _ok(await client.get("/api/v1/statuses", headers=admin))
    }
    for chat, name in (
        (number, "Em atendimento"),
        (lid, "Aguardando"),
        (number, "Resolvido"),
        (lid, "Em atendimento"),  # the newest change, on the LID chat
    ):
        await _ok(
            await client.put(
                f"/api/v1/chats/{chat}/status", json={"status_id": statuses[name]}, headers=admin
            )
        )
    before = {
        chat: (await _ok(await client.get(f"/api/v1/chats/{chat}/status-history", headers=admin)))[
            "changes"
        ]
        for chat in (number, lid)
    }
    await _merge(link)
    [chat] = chats(db)
    assert chat["status_id"] == statuses["Resolvido"]
    history = (
        await _ok(await client.get(f"/api/v1/chats/{number}/status-history", headers=admin))
    )["changes"]
    moved = sorted(before[number] + before[lid], key=lambda c: (c["at"], c["id"]))
    assert [c["id"] for c in history[:-1]] == [c["id"] for c in moved]
    # the history ends where the chat is
    assert (history[-1]["status_name"], history[-1]["current"]) == ("Resolvido", True)
    assert (LID, "status", "status", "Em atendimento") in _merged_values(db, number)


async def test_tags_and_assignees_are_united(client: Client, db: Database) -> None:
    link, number, lid, admin = await _two_chats(client, db)
    tags = [
        (await _ok(await client.post("/api/v1/tags", json={"name": n}, headers=admin)))["id"]
        for n in ("VIP", "Atacado", "Entrega")
    ]
    ana, bia = make_user(db, "ana"), make_user(db, "bia")
    sales = make_department(db, "Vendas")
    for chat, tag in ((number, tags[0]), (number, tags[1]), (lid, tags[1]), (lid, tags[2])):
        await _ok(await client.put(f"/api/v1/chats/{chat}/tags/{tag}", headers=admin))
    for chat, kind, who in (
        (number, "user", ana),
        (lid, "user", ana),
        (lid, "user", bia),
        (lid, "department", sales),
    ):
        await _ok(
            await client.post(
                f"/api/v1/chats/{chat}/assignees", json={"kind": kind, "id": who}, headers=admin
            )
        )
    await _merge(link)
    [chat] = chats(db)
    assert chat["id"] == number
    got = db.read_sync(
        lambda c: (
            sorted(r[0] for r in c.execute("SELECT tag FROM chat_tag WHERE chat = ?", (number,))),
            sorted(
                tuple(r)
                for r in c.execute(
                    "SELECT coalesce(member, 0), coalesce(department, 0) FROM chat_assignee "
                    "WHERE chat = ?",
                    (number,),
                )
            ),
        )
    )
    assert got == (sorted(tags), sorted([(ana, 0), (bia, 0), (0, sales)]))
    assert _merged_values(db, number) == []


async def test_what_a_merge_did_not_keep_is_listed_on_the_chat_numbers_only_to_who_may_see_them(
    client: Client, db: Database
) -> None:
    link, number, lid, admin = await _two_chats(client, db)
    phone = (
        await _ok(
            await client.post(
                "/api/v1/fields", json={"name": "Outro celular", "kind": "phone"}, headers=admin
            )
        )
    )["id"]
    for chat, value in ((number, "(21) 99594-9650"), (lid, "(11) 98765-4321")):
        await _ok(
            await client.put(
                f"/api/v1/chats/{chat}/fields/{phone}", json={"value": value}, headers=admin
            )
        )
    for chat, name in ((number, NAME_JID), (lid, NAME_LID)):
        await _ok(
            await client.patch(f"/api/v1/chats/{chat}", json={"custom_name": name}, headers=admin)
        )
    await _merge(link)
    sales = make_department(db, "Vendas")
    make_user(db, "caixa", departments=[sales])
    make_user(db, "outra")
    assign(db, number, department=sales)
    listed = await _ok(await client.get(f"/api/v1/chats/{number}/merged-values", headers=admin))
    assert {(v["label"], v["value"], v["merged_from"]) for v in listed} == {
        ("Nome no Balcão", NAME_LID, LID),
        ("Outro celular", "+5511987654321", LID),
    }
    counter = await bearer(client, "caixa")
    seen = await client.get(f"/api/v1/chats/{number}/merged-values", headers=counter)
    assert seen.status_code == 200
    assert {(v["label"], v["merged_from"]) for v in seen.json()} == {
        ("Nome no Balcão", None),
        ("Outro celular", None),
    }
    assert "87654321" not in seen.text
    assert LID.split("@")[0] not in seen.text
    stranger = await bearer(client, "outra")
    hidden = await client.get(f"/api/v1/chats/{number}/merged-values", headers=stranger)
    missing = await client.get("/api/v1/chats/999999/merged-values", headers=stranger)
    assert (hidden.status_code, hidden.json()) == (404, missing.json())
