"""Chat list latency: GET /api/v1/chats over loopback HTTP against a running `balcao serve`.

Builds (or reuses) the seeded shop of ``scripts.benchmarks.shop``, starts the real server on
it, takes bearer tokens for an admin and for a normal user who sees about 10% of the
chats, and times every filter combination of L1–L9
(docs/decisions.md#the-chat-lists-query-shapes) plus
each ordering and a few combinations: the first page, and a page deep in the list
reached by following ``next_cursor``. Prints p50/p95 per case with the data size and
the machine; ``--json`` prints the same as one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

import appliance  # noqa: F401  (sqlite3 -> sqlean before anything else)
from appliance.areas.accounts.permissions import Actor
from appliance.areas.accounts.service import load_actor
from appliance.areas.chats.filters import Assignee, ChatFilter, Cursor, Order, TagMode
from appliance.areas.chats.query import plan_chat_list
from appliance.areas.chats.service import list_chats, load_set_stats
from appliance.core.db import Conn, connect
from scripts.benchmarks.common import (
    QUICK_BUDGET,
    Budget,
    Params,
    Timing,
    add_shop_arguments,
    budget_from,
    built_note,
    emit,
    load_average,
    machine_line,
    percentile,
    print_results,
    shop_data,
    shop_size,
    time_request,
    timed_report,
    timing,
)
from scripts.benchmarks.shop import Shop, build_or_reuse
from tests.harness import bearer_token, running_server

PAGE = 50
TARGET_P95_MS = 15.0


@dataclass(frozen=True)
class Case:
    key: str
    label: str
    params: Params


@dataclass(kw_only=True)
class Result(Timing):
    case: str
    label: str
    actor: str
    page: str  # "first" or "deep"
    depth: int  # rows before this page
    matches: int  # rows the whole filter selects for this actor
    path: str


# -- the cases ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ids:
    tags_by_size: list[int]  # most used first
    users: dict[str, int]
    departments: dict[str, int]


def load_ids(conn: Conn) -> Ids:
    tags = [
        r[0]
        for r in conn.execute(
            "SELECT t.id FROM tag t LEFT JOIN chat_tag ct ON ct.tag = t.id "
            "GROUP BY t.id ORDER BY count(ct.chat) DESC, t.id"
        )
    ]
    users = {r[0]: r[1] for r in conn.execute("SELECT login, id FROM app_user")}
    departments = {r[0]: r[1] for r in conn.execute("SELECT name, id FROM department")}
    return Ids(tags, users, departments)


def build_cases(ids: Ids) -> list[Case]:
    t = ids.tags_by_size
    top1, top2, top3, top4 = t[0], t[1], t[2], t[3]
    rare, rare20, rare40 = t[-1], t[min(19, len(t) - 1)], t[min(39, len(t) - 1)]
    u, d = ids.users, ids.departments

    def tags(mode: str, *tag_ids: int) -> Params:
        return [("tag_mode", mode), *(("tag", str(x)) for x in tag_ids)]

    def who(*values: str) -> Params:
        return [("assignee", v) for v in values]

    ana, diego, carla = f"user:{u['ana']}", f"user:{u['diego']}", f"user:{u['carla']}"
    vendas, atend, fin = (
        f"department:{d['Vendas']}",
        f"department:{d['Atendimento']}",
        f"department:{d['Financeiro']}",
    )
    return [
        Case("L01", "inbox (recent)", []),
        Case("L02", "unread", [("unread", "true")]),
        Case("L03a", "name 'silva'", [("name", "silva")]),
        Case("L03b", "name 'mar' (3 chars, common)", [("name", "mar")]),
        Case("L03c", "name 'zqxw' (no match)", [("name", "zqxw")]),
        Case("L03d", "name 'an' (2 chars)", [("name", "an")]),
        Case("L03e", "name 'zq' (2 chars, no match)", [("name", "zq")]),
        Case("L04", "number '5521'", [("number", "5521")]),
        Case("L05a", "number '8765'", [("number", "8765")]),
        Case("L05b", "number '11' (2 digits)", [("number", "11")]),
        Case("L05c", "number '999999' (no match)", [("number", "999999")]),
        Case("L06a", "tags ANY(top1, top2)", tags("any", top1, top2)),
        Case("L06b", "tags ANY(top3)", tags("any", top3)),
        Case("L06c", "tags ANY(rarest)", tags("any", rare)),
        Case("L07a", "tags ALL(top1, top3)", tags("all", top1, top3)),
        Case("L07b", "tags ALL(#20, #40) (rare pair)", tags("all", rare20, rare40)),
        Case("L07c", "tags ALL(top2)", tags("all", top2)),
        Case("L07d", "tags ALL(rarest)", tags("all", rare)),
        Case("L08a", "tags NONE(top1, top2)", tags("none", top1, top2)),
        Case("L08b", "tags NONE(rarest)", tags("none", rare)),
        Case("L09a", "assignee user ana", who(ana)),
        Case("L09b", "assignee department Vendas", who(vendas)),
        Case("L09c", "assignee diego | Financeiro", who(diego, fin)),
        Case("L09d", "assignee none", who("none")),
        Case("L09e", "assignee carla | none", who(carla, "none")),
        Case("A1", "archived", [("archived", "true")]),
        Case("A2", "broadcast lists", [("broadcast", "true")]),
        Case("O1", "order unread first", [("order", "unread")]),
        Case("O2", "order name", [("order", "name")]),
        Case("O3", "order registered", [("order", "registered")]),
        Case("O4", "order waiting", [("order", "waiting")]),
        Case(
            "C1",
            "name 'mar' + NONE(top1), by name",
            [("name", "mar"), ("order", "name"), *tags("none", top1)],
        ),
        Case(
            "C2",
            "unread + ANY(top2, top4) + ana|Atendimento",
            [("unread", "true"), *tags("any", top2, top4), *who(ana, atend)],
        ),
        Case("C3", "archived + ALL(top1, top2)", [("archived", "true"), *tags("all", top1, top2)]),
        Case("C4", "ANY(rarest), by name", [("order", "name"), *tags("any", rare)]),
        Case("C5", "unread, by waiting", [("unread", "true"), ("order", "waiting")]),
        Case("C6", "name 'silva' + number '11'", [("name", "silva"), ("number", "11")]),
        Case(
            "C7",
            "none assigned + ANY(top1) + unread",
            [*who("none"), *tags("any", top1), ("unread", "true")],
        ),
        Case(
            "C8",
            "Vendas + ALL(#20, #40), by registered",
            [*who(vendas), *tags("all", rare20, rare40), ("order", "registered")],
        ),
        Case(
            "C9",
            "name 'an' + unread, by unread",
            [("name", "an"), ("unread", "true"), ("order", "unread")],
        ),
    ]


def chat_filter(params: Params) -> ChatFilter:
    """The filter the route builds from these query parameters."""
    one = {k: v for k, v in params}

    def flag(name: str) -> bool:
        return one.get(name) == "true"

    return ChatFilter(
        name=one.get("name"),
        number=one.get("number"),
        tags=tuple(int(v) for k, v in params if k == "tag"),
        tag_mode=TagMode(one.get("tag_mode", "any")),
        assignees=tuple(Assignee.parse(v) for k, v in params if k == "assignee"),
        unread=flag("unread"),
        archived=flag("archived"),
        broadcast=flag("broadcast"),
        order=Order(one.get("order", "recent")),
    )


# -- measuring ----------------------------------------------------------------------------------


def deep_cursor(
    client: httpx.Client, headers: dict[str, str], params: Params, pages: int
) -> tuple[str | None, int, list[str]]:
    """Follows next_cursor up to ``pages`` pages; returns the deepest cursor and the rows
    before it. Checks on the way that no chat comes twice."""
    seen: set[int] = set()
    cursor: str | None = None
    deepest: tuple[str | None, int] = (None, 0)
    errors: list[str] = []
    for _ in range(pages):
        r = client.get(
            "/api/v1/chats",
            params=[*params, *([("cursor", cursor)] if cursor else [])],
            headers=headers,
        )
        if r.status_code != 200:
            return None, 0, [f"HTTP {r.status_code} while paging"]
        page = r.json()
        ids = [c["id"] for c in page["items"]]
        if seen.intersection(ids):
            errors.append("a chat came twice while paging")
        seen.update(ids)
        cursor = page["next_cursor"]
        if cursor is None:
            break
        deepest = (cursor, len(seen))
    return deepest[0], deepest[1], errors


def count_matches(conn: Conn, actor: Actor, f: ChatFilter, stats: Any) -> int:
    plan = plan_chat_list(actor, f, None, 10**9, stats)
    return int(conn.execute(f"SELECT count(*) FROM ({plan.sql})", plan.params).fetchone()[0])


def run_cases(
    shop: Shop, cases: list[Case], budget: Budget, progress: bool
) -> tuple[list[Result], dict[str, Any]]:
    conn = connect(shop.db_path)
    results: list[Result] = []
    floor: dict[str, dict[str, float]] = {}
    try:
        stats = load_set_stats(conn)
        users = {r[0]: r[1] for r in conn.execute("SELECT login, id FROM app_user")}
        with (
            running_server(shop.data_dir, log_level="WARNING") as server,
            httpx.Client(base_url=server.url, timeout=60) as client,
        ):
            logins = [
                ("admin", shop.admin_login, shop.admin_password),
                ("user", shop.user_login, shop.user_password),
            ]
            for actor_name, login, password in logins:
                headers = {"Authorization": f"Bearer {bearer_token(client, login, password)}"}
                actor = load_actor(conn, users[login])
                assert actor is not None
                if actor_name == "admin":
                    # The floor under every case: the same server, no chat list.
                    for what, url in (("healthz", "/healthz"), ("me", "/api/v1/me")):
                        times, _, _ = time_request(client, headers, [], budget, url)
                        times.sort()
                        floor[what] = {
                            "p50_ms": round(percentile(times, 0.50), 2),
                            "p95_ms": round(percentile(times, 0.95), 2),
                        }
                for case in cases:
                    f = chat_filter(case.params)
                    matches = count_matches(conn, actor, f, stats)
                    cursor, depth, page_errors = deep_cursor(
                        client, headers, case.params, budget.deep_pages + 1
                    )
                    for page in ("first", "deep"):
                        if page == "deep" and cursor is None:
                            continue
                        params = case.params + ([("cursor", cursor)] if page == "deep" else [])
                        deep = page == "deep" and cursor is not None
                        parsed = Cursor.decode(cursor, f.order) if deep and cursor else None
                        # The path the server takes for this page, fallback included.
                        path = list_chats(conn, actor, f, parsed, PAGE, stats).path
                        times, body, errors = time_request(client, headers, params, budget)
                        result = Result(
                            case=case.key,
                            label=case.label,
                            actor=actor_name,
                            page=page,
                            depth=depth if page == "deep" else 0,
                            matches=matches,
                            path=path,
                            **timing(
                                times, body, errors + (page_errors if page == "first" else [])
                            ),
                        )
                        results.append(result)
                        if progress:
                            print(
                                f"  {actor_name:<5} {case.key:<5} {page:<5} "
                                f"p95 {result.p95_ms:7.2f} ms  {case.label}",
                                file=sys.stderr,
                                flush=True,
                            )
    finally:
        conn.close()
    visible = {
        "admin": next((r.matches for r in results if r.actor == "admin" and r.case == "L01"), 0),
        "user": next((r.matches for r in results if r.actor == "user" and r.case == "L01"), 0),
    }
    return results, {"inbox_rows": visible, "floor": floor}


# -- output -------------------------------------------------------------------------------------


def report(
    shop: Shop,
    results: list[Result],
    extra: dict[str, Any],
    budget: Budget,
    started_load: list[float],
) -> dict[str, Any]:
    return timed_report(
        "chatlist",
        # The size the shop was built with (the server's WAL may have grown the file since).
        shop_data(shop, shop.db_path, db_bytes=shop.db_bytes, **extra),
        started_load,
        results,
        budget,
        TARGET_P95_MS,
        lambda r: f"{r.actor}/{r.case}/{r.page}",
        page_size=PAGE,
    )


def print_table(out: dict[str, Any]) -> None:
    d = out["data"]
    print(
        f"chat list over HTTP: {d['chats']:,} chats, {d['messages']:,} messages, "
        f"DB {d['db_bytes'] / 1e6:.0f} MB ({built_note(d)}); inbox rows admin "
        f"{d['inbox_rows']['admin']:,}, user {d['inbox_rows']['user']:,}"
    )
    print(machine_line(out["machine"]))
    floor = d.get("floor") or {}
    if floor:
        print(
            "floor (same server, no chat list): "
            + ", ".join(
                f"/{what} p50 {f['p50_ms']:.2f} / p95 {f['p95_ms']:.2f} ms"
                for what, f in floor.items()
            )
        )
    print(
        f"page of {out['page_size']}; deep = after following next_cursor up to "
        f"{out['budget']['deep_pages']} pages; times in ms at the client\n"
    )
    header = (
        f"{'case':<5} {'filter':<42} {'actor':<5} {'page':<5} {'depth':>5} "
        f"{'rows':>4} {'matches':>7} {'path':<10} {'p50':>7} {'p95':>7}"
    )
    print_results(
        out,
        header,
        lambda r: (
            f"{r['case']:<5} {r['label'][:42]:<42} {r['actor']:<5} {r['page']:<5} "
            f"{r['depth']:>5} {r['rows']:>4} {r['matches']:>7} {r['path']:<10} "
            f"{r['p50_ms']:>7.2f} {r['p95_ms']:>7.2f}"
        ),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench chatlist", description=__doc__)
    add_shop_arguments(parser)
    parser.add_argument("--only", default="", help="comma-separated case keys (e.g. L01,L07b)")
    parser.add_argument("--table", type=Path, help="print the table of a saved --json output")
    args = parser.parse_args(argv)
    if args.table:
        print_table(json.loads(args.table.read_text()))
        return 0

    chats, messages = shop_size(args)
    base = QUICK_BUDGET if args.quick else Budget()
    budget = budget_from(args, base, base.deep_pages)
    load_before = load_average()
    shop = build_or_reuse(
        chats=chats, messages=messages, seed=args.seed, root=args.data_root, log=not args.json
    )
    conn = connect(shop.db_path)
    try:
        cases = build_cases(load_ids(conn))
    finally:
        conn.close()
    if args.only:
        wanted = set(args.only.split(","))
        cases = [c for c in cases if c.key in wanted]
    results, extra = run_cases(shop, cases, budget, progress=not args.json)
    out = report(shop, results, extra, budget, load_before)
    return emit(out, args.json, print_table)


if __name__ == "__main__":
    raise SystemExit(main())
