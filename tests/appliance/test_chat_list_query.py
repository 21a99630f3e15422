"""The chat list's filters, orderings and cursors mean the same whatever access path runs.

Each filter is checked against a plain-Python reading of the same rows, page by page
(so a cursor that skips or repeats a chat fails), under every path the planner can
take: its own choice, always driving from a set, always walking the ordering index,
and a walk interrupted at once and replaced by its fallback drive.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

import appliance.http.runtime as runtime_module
from appliance.areas.accounts.permissions import Actor
from appliance.areas.accounts.service import load_actor
from appliance.areas.chats import query, service
from appliance.areas.chats.actions import rename_chat
from appliance.areas.chats.filters import Assignee, ChatFilter, Cursor, Order, TagMode
from appliance.core.db import Conn, Database
from appliance.core.settings import Settings
from appliance.core.text import digits, fold, sort_key
from appliance.http.app import create_app
from appliance.http.runtime import Runtime
from tests.conftest import bearer
from tests.factories import (
    assign,
    insert_chat,
    make_device,
    make_tag,
    make_user,
    tag_chat,
)
from tests.harness import make_people

NAMES = [
    "Conceição Silva",
    "JOSÉ silva",
    "Zé 🌻",
    "Márcia",
    "",
    "Ana Maria",
    "mariana",
    "Loja da Ana",
    "Sílvia Gonçalves",
    "Marta_50%",
    "Ana",
    "Silvana",
    "Maria Silva 🙏",
    "Antônio",
    "Zélia",
    "",
    "Mário",
    "Ana Paula Silva",
]


@dataclass
class Row:
    id: int
    sort_name: str
    phone: str | None
    archived: bool
    broadcast: bool
    unread: int
    last_message_at: int
    registered_at: int
    waiting_since: int | None
    tags: set[int] = field(default_factory=set)
    users: set[int] = field(default_factory=set)
    departments: set[int] = field(default_factory=set)


@dataclass
class Shop:
    rows: list[Row]
    tags: list[int]
    admin: int
    ana: int  # normal user in Vendas
    bia: int  # normal user without a department
    vendas: int
    suporte: int


@pytest.fixture
def shop(db: Database) -> Shop:
    rng = random.Random(11)
    people = make_people(db, ana=("see_numbers",))
    vendas, suporte, admin, ana = people.vendas, people.suporte, people.admin, people.ana
    bia = make_user(db, "bia")
    device, _ = make_device(db)
    tags = [make_tag(db, f"tag{i}") for i in range(1, 5)]
    rows: list[Row] = []
    for n in range(60):
        name = NAMES[n % len(NAMES)]
        broadcast = n == 7
        phone = None if broadcast else f"+55{rng.choice((11, 21, 31))}9{rng.randrange(10**8):08d}"
        row = Row(
            id=0,
            sort_name=sort_key(name),
            phone=phone,
            archived=rng.random() < 0.2,
            broadcast=broadcast,
            unread=rng.choice((0, 0, 1, 3)),
            # Few distinct values: ties are broken by id, across page boundaries too.
            last_message_at=1_000 * rng.randrange(8),
            registered_at=1_000 * (1 + rng.randrange(5)),
            waiting_since=rng.choice((None, 5_000, 6_000, 7_000)),
        )

        def write(conn: Conn, row: Row = row, name: str = name, n: int = n) -> int:
            chat = insert_chat(
                conn,
                device,
                name=name,
                phone=row.phone,
                wa_id=None if row.phone else f"12036300{n}@broadcast",
                archived=row.archived,
                unread=row.unread,
                last_message_at=row.last_message_at,
                is_broadcast=row.broadcast,
                registered_at=row.registered_at,
            )
            conn.execute(
                "UPDATE chat SET waiting_since = ? WHERE id = ?", (row.waiting_since, chat)
            )
            return chat

        row.id = db.write_sync(write)
        row.tags = set(rng.sample(tags, rng.choice((0, 0, 1, 1, 2, 3))))
        if row.tags:
            tag_chat(db, row.id, *sorted(row.tags))
        for who in rng.sample(["ana", "bia", "vendas", "suporte"], rng.choice((0, 1, 1, 2))):
            if who in ("ana", "bia"):
                user = ana if who == "ana" else bia
                assign(db, row.id, user=user)
                row.users.add(user)
            else:
                dept = vendas if who == "vendas" else suporte
                assign(db, row.id, department=dept)
                row.departments.add(dept)
        rows.append(row)
    return Shop(rows, tags, admin, ana, bia, vendas, suporte)


# -- the meaning, in plain Python ---------------------------------------------------------------


def visible(shop: Shop, actor: Actor, row: Row) -> bool:
    if actor.is_admin:
        return True
    return actor.id in row.users or bool(row.departments & actor.departments)


def matches(shop: Shop, actor: Actor, f: ChatFilter, row: Row) -> bool:
    if not visible(shop, actor, row):
        return False
    if row.archived != f.archived or row.broadcast != f.broadcast:
        return False
    if f.unread and not row.unread:
        return False
    if f.order is Order.WAITING and row.waiting_since is None:
        return False
    wanted = set(f.tags)
    if wanted:
        if f.tag_mode is TagMode.ALL and not wanted <= row.tags:
            return False
        if f.tag_mode is TagMode.ANY and not wanted & row.tags:
            return False
        if f.tag_mode is TagMode.NONE and wanted & row.tags:
            return False
    if f.assignees and not any(
        (a.kind == "none" and not (row.users or row.departments))
        or (a.kind == "user" and a.id in row.users)
        or (a.kind == "department" and a.id in row.departments)
        for a in f.assignees
    ):
        return False
    if f.name and " ".join(fold(f.name).split()) not in row.sort_name:
        return False
    return not (f.number and (row.phone is None or digits(f.number) not in row.phone))


def sort_tuple(order: Order, row: Row) -> tuple[object, ...]:
    if order is Order.RECENT:
        return (row.last_message_at, row.id)
    if order is Order.UNREAD_FIRST:
        return (row.unread > 0, row.last_message_at, row.id)
    if order is Order.NAME:
        return (row.sort_name, row.id)
    if order is Order.REGISTERED:
        return (row.registered_at, row.id)
    return (row.waiting_since, row.id)


def expected(shop: Shop, actor: Actor, f: ChatFilter) -> list[int]:
    ascending = f.order in (Order.NAME, Order.WAITING)
    kept = [r for r in shop.rows if matches(shop, actor, f, r)]
    kept.sort(key=lambda r: sort_tuple(f.order, r), reverse=not ascending)
    return [r.id for r in kept]


# -- paths --------------------------------------------------------------------------------------


PATHS = ["auto", "drive", "walk", "fallback"]


@pytest.fixture(params=PATHS)
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Force the planner's choice: drive whenever a set can drive, walk always, or walk
    and give up at the first progress tick (so the fallback drive runs)."""
    mode = str(request.param)
    if mode == "drive":
        monkeypatch.setattr(query, "WALK_RISK", 1e12)
    elif mode == "walk":
        monkeypatch.setattr(query, "WALK_RISK", -1.0)
        monkeypatch.setattr(query, "MIN_WALK_STEPS", 10**15)
    elif mode == "fallback":
        monkeypatch.setattr(query, "WALK_RISK", -1.0)
        monkeypatch.setattr(query, "MIN_WALK_STEPS", 0)
        monkeypatch.setattr(query, "STEP_US", 1e12)
        monkeypatch.setattr(service, "_STEPS_PER_TICK", 1)
    return mode


def pages(db: Database, actor: Actor, f: ChatFilter, limit: int = 4) -> Iterator[service.Page]:
    def run(conn: Conn, cursor: Cursor | None) -> service.Page:
        return service.list_chats(conn, actor, f, cursor, limit, service.load_set_stats(conn))

    cursor: Cursor | None = None
    while True:
        page = db.read_sync(run, cursor)
        yield page
        if page.next_cursor is None:
            return
        cursor = Cursor.decode(page.next_cursor, f.order)


def listed(db: Database, actor: Actor, f: ChatFilter) -> tuple[list[int], set[str]]:
    ids: list[int] = []
    paths: set[str] = set()
    for page in pages(db, actor, f):
        ids.extend(item["id"] for item in page.items)
        paths.add(page.path)
    return ids, paths


def actors(db: Database, shop: Shop) -> dict[str, Actor]:
    def load(conn: Conn) -> dict[str, Actor]:
        out = {}
        for name, user in (("admin", shop.admin), ("ana", shop.ana), ("bia", shop.bia)):
            actor = load_actor(conn, user)
            assert actor is not None
            out[name] = actor
        return out

    return db.read_sync(load)


FilterOf = Callable[[Shop], ChatFilter]

TAG_FILTERS: dict[str, FilterOf] = {
    f"{mode.value} of {n}": (
        lambda s, mode=mode, n=n: ChatFilter(tags=tuple(s.tags[:n]), tag_mode=mode)
    )
    for mode in TagMode
    for n in (0, 1, 2, 3)
}
ASSIGNEE_FILTERS: dict[str, FilterOf] = {
    "user ana": lambda s: ChatFilter(assignees=(Assignee("user", s.ana),)),
    "department Vendas": lambda s: ChatFilter(assignees=(Assignee("department", s.vendas),)),
    "nobody": lambda s: ChatFilter(assignees=(Assignee("none"),)),
    "bia or nobody": lambda s: ChatFilter(assignees=(Assignee("user", s.bia), Assignee("none"))),
    "bia or Suporte": lambda s: ChatFilter(
        assignees=(Assignee("user", s.bia), Assignee("department", s.suporte))
    ),
}
OTHER_FILTERS: dict[str, FilterOf] = {
    "inbox": lambda s: ChatFilter(),
    "unread": lambda s: ChatFilter(unread=True),
    "archived": lambda s: ChatFilter(archived=True),
    "broadcast": lambda s: ChatFilter(broadcast=True),
    "name silva": lambda s: ChatFilter(name="silva"),
    "name SÍLVIA (accent, case)": lambda s: ChatFilter(name="SÍLVIA"),
    "name 'ana maria'": lambda s: ChatFilter(name="  Ana   Maria "),
    "name 'zé' (2 chars)": lambda s: ChatFilter(name="zé"),
    "name 'a' (1 char)": lambda s: ChatFilter(name="a"),
    "name emoji": lambda s: ChatFilter(name="🌻"),
    "name with % and _": lambda s: ChatFilter(name="_50%"),
    "name no match": lambda s: ChatFilter(name="xyzw"),
    "number 119": lambda s: ChatFilter(number="119"),
    "number 11 (2 digits)": lambda s: ChatFilter(number="11"),
    "number with punctuation": lambda s: ChatFilter(number="(21) 9"),
    "name + number": lambda s: ChatFilter(name="silva", number="11"),
    "unread + tags ANY + nobody": lambda s: ChatFilter(
        unread=True, tags=(s.tags[0], s.tags[1]), assignees=(Assignee("none"),)
    ),
    "archived + ALL + Vendas": lambda s: ChatFilter(
        archived=True,
        tags=(s.tags[0],),
        tag_mode=TagMode.ALL,
        assignees=(Assignee("department", s.vendas),),
    ),
    "name 'ma' + NONE": lambda s: ChatFilter(name="ma", tags=(s.tags[1],), tag_mode=TagMode.NONE),
}
ALL_FILTERS = {**TAG_FILTERS, **ASSIGNEE_FILTERS, **OTHER_FILTERS}


def test_filters_mean_the_same_on_every_path(db: Database, shop: Shop, path: str) -> None:
    taken: set[str] = set()
    for actor_name, actor in actors(db, shop).items():
        for name, filter_of in ALL_FILTERS.items():
            f = filter_of(shop)
            ids, used = listed(db, actor, f)
            assert ids == expected(shop, actor, f), (name, actor_name, used)
            taken |= used
    forced = {"auto": {"walk", "drive"}, "drive": {"walk", "drive"}, "walk": {"walk"}}
    assert taken == forced.get(path, {"walk", "walk>drive"})


def test_every_order_pages_through_each_chat_once(db: Database, shop: Shop, path: str) -> None:
    for actor_name, actor in actors(db, shop).items():
        for name in ("inbox", "unread", "name silva", "bia or nobody", "any of 2"):
            for order in Order:
                f = replace(ALL_FILTERS[name](shop), order=order)
                ids, _ = listed(db, actor, f)
                assert len(ids) == len(set(ids)), (name, order, actor_name)
                assert ids == expected(shop, actor, f), (name, order, actor_name)


def test_the_planner_takes_each_path_where_it_should(db: Database, shop: Shop) -> None:
    """With the real statistics a broad filter walks and a narrow set drives."""
    admin = actors(db, shop)["admin"]
    ana = actors(db, shop)["ana"]
    nobody = ChatFilter(assignees=(Assignee("none"),))
    # Who sees only assigned chats sees no unassigned one: nothing to walk.
    page = db.read_sync(
        lambda c: service.list_chats(c, ana, nobody, None, 50, service.load_set_stats(c))
    )
    assert (page.path, page.items) == ("drive", [])

    def path_of(f: ChatFilter, stats: service.SetStats) -> str:
        return db.read_sync(lambda c: service.list_chats(c, admin, f, None, 50, stats)).path

    real = db.read_sync(service.load_set_stats)
    assert path_of(ChatFilter(), real) == "walk"
    assert path_of(ChatFilter(name="a"), real) == "walk"
    # Broadcast lists have their own range of every ordering index.
    assert path_of(ChatFilter(broadcast=True), real) == "walk"
    assert path_of(ChatFilter(name="xyzw"), real) == "drive"
    assert path_of(ChatFilter(name="zw"), real) == "drive"


async def test_api_pages_with_tags_and_assignees(
    client: AsyncTestClient[Litestar], db: Database, shop: Shop
) -> None:
    actor = actors(db, shop)["ana"]
    headers = await bearer(client, "ana")
    params: list[tuple[str, str | int]] = [
        ("tag", shop.tags[0]),
        ("tag", shop.tags[1]),
        ("tag_mode", "any"),
        ("assignee", f"user:{shop.ana}"),
        ("assignee", "none"),
        ("order", "name"),
        ("limit", 2),
    ]
    ids: list[int] = []
    cursor = None
    while True:
        r = await client.get(
            "/api/v1/chats",
            params=[*params, *([("cursor", cursor)] if cursor else [])],
            headers=headers,
        )
        assert r.status_code == 200, r.text
        ids.extend(c["id"] for c in r.json()["items"])
        cursor = r.json()["next_cursor"]
        if cursor is None:
            break
    f = ChatFilter(
        tags=(shop.tags[0], shop.tags[1]),
        tag_mode=TagMode.ANY,
        order=Order.NAME,
        assignees=(Assignee("user", shop.ana), Assignee("none")),
    )
    assert ids == expected(shop, actor, f)
    assert ids


def test_set_stats_count_and_sample(db: Database, shop: Shop) -> None:
    stats = db.read_sync(service.load_set_stats)
    assert stats.total == len(shop.rows)
    assert stats.unread == sum(1 for r in shop.rows if r.unread)
    assert stats.broadcast == 1
    assert stats.archived == sum(1 for r in shop.rows if r.archived)
    assert stats.unassigned == sum(1 for r in shop.rows if not (r.users or r.departments))
    assert sorted(stats.name_sample) == sorted(r.sort_name for r in shop.rows)
    assert stats.substring_share("silva", stats.name_sample) == pytest.approx(
        sum("silva" in r.sort_name for r in shop.rows) / len(shop.rows)
    )


def _stats_for_planning() -> query.SetStats:
    stats = query.SetStats()
    stats.total = 50_000
    stats.per_user = {4: 1_000, 5: 5_500}
    stats.per_department = {3: 4_000}
    stats.per_tag = {10: 5_000}
    stats.unassigned = 5_000
    return stats


def test_a_drive_checks_the_id_only_filters_before_reading_any_chat() -> None:
    """Driving from a set, the probes that need only the chat's id (visibility, tags,
    assignees, stages) run on the set's ids; the chat rows read are the ones that pass."""
    user = Actor(id=4, login="u", name="U", is_admin=False, departments=frozenset({3}))
    f = ChatFilter(tags=(10,), tag_mode=TagMode.ALL, name="silva")
    stats = _stats_for_planning()
    parts = query._restrictions(user, f, stats)
    driver = next(p for p in parts if p.is_visibility)
    where, params = query._where(f, parts, driver)
    [drive] = [w for w in where if w.startswith("c.id IN (WITH d(chat)")]
    assert "x.chat = d.chat AND x.tag = ?" in drive
    # The name needs the chat row: it stays outside; the tag is checked once, inside.
    assert any("c.sort_name LIKE" in w for w in where)
    assert sum("chat_tag" in w for w in where) == 1
    assert params.count(10) == 1


def test_assignees_the_user_sees_anyway_are_not_taken_as_independent_of_visibility() -> None:
    """A user of department 3 filtering by "diego or department 3": every chat of
    department 3 passes the visibility rule, so the filter keeps far more of the user's
    chats than its share of all chats says, and walking beats driving."""
    user = Actor(id=4, login="u", name="U", is_admin=False, departments=frozenset({3}))
    f = ChatFilter(assignees=(Assignee("user", 5), Assignee("department", 3)))
    stats = _stats_for_planning()
    parts = query._restrictions(user, f, stats)
    assert query._joint(parts, stats.total) >= 4_000
    plan = query.plan_chat_list(user, f, None, 50, stats)
    assert plan.path == "walk"


def test_two_letter_names_follow_new_chats_renames_and_deletions(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The index of two-letter pieces of names is kept by the database itself: a chat
    found by "zu" is no longer found after a rename, nor after it is deleted."""
    monkeypatch.setattr(query, "WALK_RISK", 1e12)  # drive from the name's index
    device, _ = make_device(db)
    admin_id = make_user(db, "admin", is_admin=True)
    admin = db.read_sync(load_actor, admin_id)
    assert admin is not None
    zuleica = db.write_sync(lambda c: insert_chat(c, device, name="Zuleica Paz"))
    long_name = "x" * 197 + "Qwerty"
    longest = db.write_sync(lambda c: insert_chat(c, device, name=long_name))

    def found(needle: str) -> set[int]:
        f = ChatFilter(name=needle)
        stats = db.read_sync(service.load_set_stats)
        plan = replace(query.plan_chat_list(admin, f, None, 50, stats), fallback=None)
        assert plan.path == "drive", needle
        assert ("chat_name_pair" in plan.sql) == (len(needle) == 2), needle
        return {r["id"] for r in db.read_sync(service._rows, plan.sql, plan.params)}

    assert found("zu") == {zuleica}
    assert found("Z P") == set()  # three characters: the trigram index
    assert found("az") == {zuleica}
    # Names are kept to 200 characters; their last pair is indexed, what follows is not.
    assert found("qw") == {longest}
    assert found("er") == set()

    db.write_sync(rename_chat, admin, zuleica, "Beto Ribeiro")
    assert found("zu") == set()
    assert found("be") == {zuleica}

    db.write_sync(lambda c: c.execute("DELETE FROM chat WHERE id = ?", (zuleica,)))
    assert found("be") == set()
    leftover = db.read_sync(
        lambda c: c.execute("SELECT count(*) FROM chat_name_pair WHERE chat = ?", (zuleica,))
    )
    assert leftover.fetchone()[0] == 0


async def test_set_sizes_are_refreshed_in_the_background(
    settings: Settings, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No request waits for the planner's set sizes to be counted: the first one loads
    them, and from then on the web process counts again by itself."""
    monkeypatch.setattr(runtime_module, "STATS_REFRESH_SECONDS", 0.05)
    device, _ = make_device(db)
    make_user(db, "admin", is_admin=True)
    db.write_sync(lambda c: insert_chat(c, device, name="Primeira"))
    app = create_app(settings)
    async with AsyncTestClient(app=app) as client:
        headers = await bearer(client, "admin")
        assert (await client.get("/api/v1/chats", headers=headers)).status_code == 200
        runtime: Runtime = app.state.runtime
        assert (await runtime.db.read(runtime.chat_stats.get)).total == 1
        db.write_sync(lambda c: insert_chat(c, device, name="Segunda"))
        for _ in range(100):
            await asyncio.sleep(0.02)
            if (await runtime.db.read(runtime.chat_stats.get)).total == 2:
                break
        assert (await runtime.db.read(runtime.chat_stats.get)).total == 2


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("tag_mode", "some"),
        ("tag", "vip"),
        ("assignee", "maria"),
        ("assignee", "user:x"),
        ("status", "aberto"),
        ("stage", "1.5"),
        ("unread", "talvez"),
        ("order", "sideways"),
        ("cursor", "not-a-cursor"),
        ("limit", "0"),
        ("limit", "100000"),
        ("number", "abc"),
    ],
)
async def test_a_bad_list_parameter_answers_400_naming_it(
    client: AsyncTestClient[Litestar], db: Database, shop: Shop, param: str, value: str
) -> None:
    """A bad value gets 400 and a reason in Portuguese that names what was wrong."""
    headers = await bearer(client, "admin")
    r = await client.get("/api/v1/chats", params={param: value}, headers=headers)
    assert r.status_code == 400, r.text
    body = r.json()
    assert param in body["message"] or param in body["code"], body
    assert not any(word in body["message"] for word in ("Expected", "Invalid", "got")), body
