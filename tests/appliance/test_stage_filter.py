"""The funnel-stage filter (L5): several stages of several funnels at once."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from appliance.areas.funnels import service as funnels
from appliance.core.clock import now_ms
from appliance.core.db import Conn, Database
from tests.conftest import bearer
from tests.factories import assign, make_chat, make_department, make_device, make_user


def _funnel(db: Database, name: str, stages: list[str]) -> list[int]:
    funnel = db.write_sync(funnels.create_funnel, name, stages)
    return [stage["id"] for stage in funnel["stages"]]


def _place(db: Database, chat: int, stage: int) -> None:
    def place(conn: Conn) -> None:
        funnel = conn.execute("SELECT funnel FROM funnel_stage WHERE id = ?", (stage,)).fetchone()
        funnels.place_chat(conn, chat, funnel[0], stage, now_ms())

    db.write_sync(place)


async def test_stage_filter_unites_stages_of_several_funnels(
    client: AsyncTestClient[Litestar], db: Database
) -> None:
    vendas = make_department(db, "Vendas")
    make_user(db, "admin", is_admin=True)
    make_user(db, "ana", departments=[vendas])
    device, _ = make_device(db)
    lead, proposta, fechado = _funnel(db, "Vendas", ["Lead", "Proposta", "Fechado"])
    (aberto, resolvido) = _funnel(db, "Suporte", ["Aberto", "Resolvido"])
    chats = {name: make_chat(db, device, name=name) for name in "abcde"}
    _place(db, chats["a"], lead)
    _place(db, chats["b"], proposta)
    _place(db, chats["b"], aberto)
    _place(db, chats["c"], resolvido)
    _place(db, chats["d"], fechado)
    assign(db, chats["b"], department=vendas)

    admin = await bearer(client, "admin")

    async def names(query: str, headers: dict[str, str] = admin) -> set[str]:
        r = await client.get(f"/api/v1/chats?limit=200{query}", headers=headers)
        assert r.status_code == 200, r.text
        by_id = {v: k for k, v in chats.items()}
        return {by_id[c["id"]] for c in r.json()["items"]}

    assert await names("") == set("abcde")
    assert await names(f"&stage={lead}") == {"a"}
    assert await names(f"&stage={proposta}&stage={resolvido}") == {"b", "c"}
    assert await names(f"&stage={aberto}&stage={proposta}") == {"b"}
    assert await names(f"&stage={lead}&stage={proposta}&stage={fechado}") == {"a", "b", "d"}
    assert await names("&stage=999") == set()
    assert await names(f"&stage={proposta}&stage={lead}", await bearer(client, "ana")) == {"b"}
    r = await client.get("/api/v1/chats?stage=abc", headers=admin)
    assert r.status_code == 400
