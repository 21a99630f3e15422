"""The demo shop: what `balcao seed-demo` puts in an empty database."""

from __future__ import annotations

import argparse
import json
import stat
import time

import pytest

from appliance.areas.accounts import service as accounts
from appliance.areas.devices.service import device_for_token
from appliance.core.db import Database, migrate
from appliance.core.phones import normalize_phone
from appliance.core.settings import Settings
from appliance.core.text import sort_key
from appliance.demo import cmd_seed_demo, seed_demo

NOW = 1_795_000_000_000  # a fixed "now" keeps the shop the same on every run


@pytest.fixture
def shop(db: Database, settings: Settings) -> Database:
    assert seed_demo(db, files_dir=settings.files_dir, now=NOW) is not None
    return db


def _all(db: Database, sql: str) -> list[tuple]:  # type: ignore[type-arg]
    return db.read_sync(lambda conn: [tuple(r) for r in conn.execute(sql).fetchall()])


def _one(db: Database, sql: str) -> object:
    return _all(db, sql)[0][0]


def test_three_logins_with_their_departments(shop: Database) -> None:
    rows = _all(
        shop,
        "SELECT u.login, u.is_admin, u.permissions, group_concat(d.name) FROM app_user u "
        "LEFT JOIN department_member m ON m.member = u.id "
        "LEFT JOIN department d ON d.id = m.department GROUP BY u.id ORDER BY u.login",
    )
    logins = {login: (bool(admin), json.loads(perms), depts) for login, admin, perms, depts in rows}
    assert logins == {
        "admin": (True, [], None),
        "ana": (False, ["see_numbers"], "Vendas"),
        "bruno": (False, [], "Suporte"),
    }
    for login in logins:
        stored = _one(shop, f"SELECT password_hash FROM app_user WHERE login = '{login}'")
        assert accounts.password_matches(str(stored), login)


def test_one_simulated_phone(shop: Database) -> None:
    assert _all(shop, "SELECT id, name, driver FROM device") == [(1, "Celular da loja", "sim")]


def test_hundreds_of_chats_over_weeks(shop: Database) -> None:
    chats = int(_one(shop, "SELECT count(*) FROM chat WHERE NOT is_broadcast"))
    assert chats >= 300
    first, last = _all(shop, "SELECT min(sent_at), max(sent_at) FROM message")[0]
    assert last <= NOW
    assert (NOW - first) > 4 * 7 * 86_400_000
    assert int(_one(shop, "SELECT count(*) FROM message")) > 5 * chats
    assert int(_one(shop, "SELECT count(*) FROM chat c WHERE NOT EXISTS "
                          "(SELECT 1 FROM message m WHERE m.chat = c.id)")) == 0  # fmt: skip


def test_broadcast_lists(shop: Database) -> None:
    rows = _all(shop, "SELECT wa_id, phone FROM chat WHERE is_broadcast")
    assert len(rows) == 3
    assert all(wa_id.endswith("@broadcast") and phone is None for wa_id, phone in rows)
    directions = _all(
        shop,
        "SELECT DISTINCT m.direction FROM message m JOIN chat c ON c.id = m.chat "
        "WHERE c.is_broadcast",
    )
    assert directions == [("out",)]


def test_numbers_are_brazilian_and_some_contacts_are_lid_only(shop: Database) -> None:
    rows = _all(shop, "SELECT wa_id, lid, phone FROM chat WHERE NOT is_broadcast")
    lid_only = [r for r in rows if r[2] is None]
    assert 3 <= len(lid_only) < len(rows) // 10
    assert all(wa_id == lid and wa_id.endswith("@lid") for wa_id, lid, _ in lid_only)
    for wa_id, _, phone in rows:
        if phone is not None:
            assert normalize_phone(phone) == phone
            assert phone.startswith("+55")
            assert len(phone) == 14
            assert phone[5] == "9"
            assert wa_id == f"{phone[1:]}@s.whatsapp.net"


def test_archived_unread_and_assignees_are_spread(shop: Database) -> None:
    total, archived, unread = _all(
        shop,
        "SELECT count(*), sum(archived), sum(unread_count > 0) FROM chat WHERE NOT is_broadcast",
    )[0]
    assert 0.07 * total <= archived <= 0.15 * total
    assert 0.12 * total <= unread <= 0.2 * total
    assignees = dict(
        _all(
            shop,
            "SELECT coalesce(u.login, d.name), count(*) FROM chat_assignee a "
            "LEFT JOIN app_user u ON u.id = a.member LEFT JOIN department d ON d.id = a.department "
            "GROUP BY 1",
        )
    )
    assert set(assignees) == {"ana", "bruno", "Vendas", "Suporte"}
    assert min(assignees.values()) >= 20
    unassigned = int(
        _one(
            shop,
            "SELECT count(*) FROM chat c WHERE NOT c.is_broadcast AND NOT EXISTS "
            "(SELECT 1 FROM chat_assignee a WHERE a.chat = c.id)",
        )
    )
    assert unassigned >= 20
    tags = _all(shop, "SELECT t.name, t.color, count(ct.id) FROM tag t "
                      "LEFT JOIN chat_tag ct ON ct.tag = t.id GROUP BY t.id")  # fmt: skip
    assert len(tags) >= 8
    assert all(color.startswith("#") and count > 0 for _, color, count in tags)


def test_chat_columns_agree_with_the_messages(shop: Database) -> None:
    chats = _all(
        shop,
        "SELECT id, last_message_at, last_message_from_me, last_message_status, unread_count, "
        "waiting_since, registered_at, sort_name, coalesce(custom_name, wa_name) FROM chat",
    )
    messages: dict[int, list[tuple]] = {}  # type: ignore[type-arg]
    for row in _all(
        shop,
        "SELECT chat, direction, status, sent_at, registered_at, id FROM message "
        "ORDER BY chat, sent_at, id",
    ):
        messages.setdefault(row[0], []).append(row)
    for chat_id, last_at, from_me, status, unread, waiting, registered, sorted_as, name in chats:
        history = messages[chat_id]
        last = history[-1]
        assert last_at == last[3]
        assert bool(from_me) == (last[1] == "out")
        assert status == (last[2] if last[1] == "out" else None)
        trailing = 0
        for m in reversed(history):
            if m[1] != "in":
                break
            trailing += 1
        if unread:
            assert last[1] == "in", f"chat {chat_id} is unread but we spoke last"
            assert unread == trailing
        assert waiting == (history[-trailing][3] if trailing else None)
        assert registered <= min(m[4] for m in history)
        assert sorted_as == sort_key(name)


def test_messages_look_like_whatsapp(shop: Database) -> None:
    rows = _all(shop, "SELECT direction, author_kind, status, kind, body, media FROM message")
    for direction, author_kind, status, kind, body, media in rows:
        if direction == "in":
            assert (author_kind, status) == ("customer", "received")
        else:
            assert author_kind in ("user", "phone", "chatbot")
            assert status in ("sent", "delivered", "read")
        assert (media is None) == (kind == "text")
        assert body or kind != "text"
    kinds = {r[3] for r in rows}
    assert {"text", "image", "voice"} <= kinds
    texts = " ".join(r[4] for r in rows)
    for word in ("Bom dia", "R$", "Pix", "Pedido #", "entrega"):
        assert word in texts
    duplicated = _one(
        shop,
        "SELECT count(*) FROM (SELECT 1 FROM message GROUP BY device, wa_id HAVING count(*) > 1)",
    )
    assert duplicated == 0
    ids_in_arrival_order = _all(shop, "SELECT registered_at FROM message ORDER BY id")
    assert ids_in_arrival_order == sorted(ids_in_arrival_order)


def test_message_search_finds_the_demo_history(shop: Database) -> None:
    hits = _one(shop, "SELECT count(*) FROM message_fts WHERE message_fts MATCH 'entrega'")
    assert int(str(hits)) > 20


def test_same_seed_same_shop(db: Database, tmp_path_factory: pytest.TempPathFactory) -> None:
    other_path = tmp_path_factory.mktemp("other") / "balcao.db"
    migrate(other_path)
    other = Database(other_path, readers=1)
    try:
        seed_demo(db, files_dir=other_path.parent / "files-1", now=NOW)
        seed_demo(other, files_dir=other_path.parent / "files-2", now=NOW)
        sql = "SELECT wa_id, wa_name, last_message_preview, unread_count, archived FROM chat"
        assert _all(db, sql) == _all(other, sql)
    finally:
        other.close()


def test_a_second_seed_changes_nothing(shop: Database, settings: Settings) -> None:
    before = _all(shop, "SELECT (SELECT count(*) FROM chat), (SELECT count(*) FROM message)")
    assert seed_demo(shop, files_dir=settings.files_dir, now=NOW) is None
    assert (
        _all(shop, "SELECT (SELECT count(*) FROM chat), (SELECT count(*) FROM message)") == before
    )


def test_command_writes_the_bridge_token_once(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    args = argparse.Namespace(chats=320)
    started = time.monotonic()
    assert cmd_seed_demo(settings, args) == 0
    assert time.monotonic() - started < 30
    token_file = settings.data_dir / "devices" / "1" / "bridge.token"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    token = token_file.read_text()
    assert "admin/admin" in capsys.readouterr().out

    assert cmd_seed_demo(settings, args) == 0
    assert "já tem usuários" in capsys.readouterr().out
    assert token_file.read_text() == token
    db = Database(settings.db_path, readers=1)
    try:
        assert db.read_sync(device_for_token, token) == 1
    finally:
        db.close()


def test_chats_are_organized_like_a_working_shop(shop: Database) -> None:
    """Every customer chat has an attendance status with its history, and archived ones
    were resolved or closed; the sales funnel, the custom fields, the queue and the
    assignment history are filled in."""
    statuses = dict(_all(shop, "SELECT id, name FROM attendance_status"))
    assert set(statuses.values()) == {
        "Aberto",
        "Em atendimento",
        "Aguardando",
        "Resolvido",
        "Fechado",
    }
    rows = _all(shop, "SELECT archived, status_id FROM chat WHERE NOT is_broadcast")
    assert all(status is not None for _, status in rows)
    assert {statuses[s] for archived, s in rows if archived} <= {"Resolvido", "Fechado"}
    assert {statuses[s] for archived, s in rows if not archived} <= {
        "Aberto",
        "Em atendimento",
        "Aguardando",
    }
    without_history = _one(
        shop,
        "SELECT count(*) FROM chat c WHERE NOT c.is_broadcast AND NOT EXISTS "
        "(SELECT 1 FROM status_change s WHERE s.chat = c.id)",
    )
    assert without_history == 0
    stages = _all(
        shop,
        "SELECT st.name, count(cs.chat) FROM funnel_stage st "
        "LEFT JOIN chat_funnel_stage cs ON cs.stage = st.id GROUP BY st.id ORDER BY st.position",
    )
    assert [name for name, _ in stages] == [
        "Interesse",
        "Orçamento enviado",
        "Aguardando pagamento",
        "Venda fechada",
    ]
    assert sum(n for _, n in stages) > 20
    assert int(_one(shop, "SELECT count(*) FROM custom_field")) == 5
    assert int(_one(shop, "SELECT count(*) FROM chat_field_value")) > 50
    assert int(_one(shop, "SELECT count(*) FROM queue_member")) == 2
    assignees = int(_one(shop, "SELECT count(*) FROM chat_assignee"))
    events = int(_one(shop, "SELECT count(*) FROM assignment_event WHERE action = 'added'"))
    assert events == assignees > 100
