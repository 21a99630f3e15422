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
import contextlib
import json
import math
import os
import platform
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
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
from scripts.benchmarks.shop import (
    BENCH_DATA,
    DEFAULT_CHATS,
    DEFAULT_MESSAGES,
    DEFAULT_SEED,
    Shop,
    build_or_reuse,
)

QUICK_CHATS, QUICK_MESSAGES = 5_000, 250_000
PAGE = 50
TARGET_P95_MS = 15.0

Params = list[tuple[str, str]]


@dataclass(frozen=True)
class Case:
    key: str
    label: str
    params: Params


@dataclass
class Result:
    case: str
    label: str
    actor: str
    page: str  # "first" or "deep"
    rows: int
    depth: int  # rows before this page
    matches: int  # rows the whole filter selects for this actor
    path: str
    runs: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    errors: list[str] = field(default_factory=list)


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


# -- the server ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def running_server(data_dir: Path, startup_seconds: float = 60.0) -> Iterator[str]:
    """``balcao serve`` on a free loopback port with BALCAO_DATA=data_dir; yields its URL."""
    port = free_port()
    env = {
        **os.environ,
        "BALCAO_DATA": str(data_dir),
        "BALCAO_CONFIG": str(data_dir / "absent.toml"),
        "BALCAO_LOG_LEVEL": "WARNING",
    }
    balcao = Path(sys.executable).with_name("balcao")
    command = [str(balcao)] if balcao.exists() else [sys.executable, "-m", "appliance"]
    log_path = data_dir / "serve.log"
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            [*command, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + startup_seconds
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"balcao serve exited ({proc.returncode}); see {log_path}")
            try:
                if httpx.get(f"{url}/healthz", timeout=2.0).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"balcao serve did not answer /healthz; see {log_path}")
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def bearer_token(client: httpx.Client, login: str, password: str) -> str:
    r = client.post("/api/v1/auth/token", json={"login": login, "password": password})
    r.raise_for_status()
    return str(r.json()["access_token"])


# -- measuring ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Budget:
    """How long each case is timed. A p95 is only as good as the number of requests
    behind it: of 50, it is the third slowest, and one burst of the host's noise inside
    a one-second window decides it. Three seconds and at least 100 requests per case
    give a p95 that a second run repeats."""

    warmup: int = 3
    min_runs: int = 100
    max_runs: int = 600
    seconds: float = 3.0
    deep_pages: int = 20


def percentile(sorted_ms: list[float], q: float) -> float:
    """Nearest rank."""
    if not sorted_ms:
        return math.nan
    return sorted_ms[max(0, math.ceil(q * len(sorted_ms)) - 1)]


def time_request(
    client: httpx.Client,
    headers: dict[str, str],
    params: Params,
    budget: Budget,
    url: str = "/api/v1/chats",
) -> tuple[list[float], dict[str, Any], list[str]]:
    errors: list[str] = []
    body: dict[str, Any] = {}
    for _ in range(budget.warmup):
        r = client.get(url, params=params, headers=headers)
        if r.status_code != 200:
            return [], {}, [f"HTTP {r.status_code}: {r.text[:200]}"]
        body = r.json()
    times: list[float] = []
    started = time.perf_counter()
    while len(times) < budget.max_runs:
        t0 = time.perf_counter()
        r = client.get(url, params=params, headers=headers)
        times.append((time.perf_counter() - t0) * 1000)
        if r.status_code != 200:
            errors.append(f"HTTP {r.status_code}")
            break
        if len(times) >= budget.min_runs and time.perf_counter() - started >= budget.seconds:
            break
    return times, body, errors


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
        with running_server(shop.data_dir) as url, httpx.Client(base_url=url, timeout=60) as client:
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
                        times.sort()
                        result = Result(
                            case=case.key,
                            label=case.label,
                            actor=actor_name,
                            page=page,
                            rows=len(body.get("items", [])),
                            depth=depth if page == "deep" else 0,
                            matches=matches,
                            path=path,
                            runs=len(times),
                            p50_ms=round(percentile(times, 0.50), 2),
                            p95_ms=round(percentile(times, 0.95), 2),
                            max_ms=round(times[-1], 2) if times else math.nan,
                            errors=errors + (page_errors if page == "first" else []),
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


def machine() -> dict[str, Any]:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    import sqlite3  # sqlean, bound by appliance

    return {
        "cores": os.cpu_count(),
        "cpu": model or platform.processor(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


# -- output -------------------------------------------------------------------------------------


def report(
    shop: Shop,
    results: list[Result],
    extra: dict[str, Any],
    budget: Budget,
    started_load: list[float],
) -> dict[str, Any]:
    finished = machine()
    worst = max((r.p95_ms for r in results), default=math.nan)
    return {
        "benchmark": "chatlist",
        "data": {
            "chats": shop.chats,
            "messages": shop.messages,
            "db_bytes": shop.db_bytes,
            "seed": shop.seed,
            "build_seconds": shop.build_seconds,
            "reused": shop.reused,
            "path": str(shop.db_path),
            **extra,
        },
        "machine": {**finished, "load_average_before": started_load},
        "budget": asdict(budget),
        "page_size": PAGE,
        "target_p95_ms": TARGET_P95_MS,
        "worst_p95_ms": worst,
        "cases_over_target": sorted(
            {f"{r.actor}/{r.case}/{r.page}" for r in results if r.p95_ms > TARGET_P95_MS}
        ),
        "errors": [f"{r.actor}/{r.case}/{r.page}: {e}" for r in results for e in r.errors],
        "results": [asdict(r) for r in results],
    }


def print_table(out: dict[str, Any]) -> None:
    d, m = out["data"], out["machine"]
    built = "reused from cache" if d["reused"] else f"built in {d['build_seconds']:.1f} s"
    print(
        f"chat list over HTTP: {d['chats']:,} chats, {d['messages']:,} messages, "
        f"DB {d['db_bytes'] / 1e6:.0f} MB ({built}); inbox rows admin "
        f"{d['inbox_rows']['admin']:,}, user {d['inbox_rows']['user']:,}"
    )
    print(
        f"machine: {m['cores']} cores, {m['cpu']}; Python {m['python']}, SQLite {m['sqlite']}; "
        f"load {m['load_average_before']} -> {m['load_average']}"
    )
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
    print(header)
    print("-" * len(header))
    for r in out["results"]:
        flag = " !" if r["p95_ms"] > out["target_p95_ms"] else ""
        err = f"  ERR {r['errors']}" if r["errors"] else ""
        print(
            f"{r['case']:<5} {r['label'][:42]:<42} {r['actor']:<5} {r['page']:<5} "
            f"{r['depth']:>5} {r['rows']:>4} {r['matches']:>7} {r['path']:<10} "
            f"{r['p50_ms']:>7.2f} {r['p95_ms']:>7.2f}{flag}{err}"
        )
    print(
        f"\nworst p95 {out['worst_p95_ms']:.2f} ms (target {out['target_p95_ms']:.0f} ms); "
        f"over target: {', '.join(out['cases_over_target']) or 'none'}"
    )


def add_shop_arguments(parser: argparse.ArgumentParser, what_runs: str = "runs") -> None:
    """The options every HTTP benchmark on the synthetic shop takes."""
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"a small shop ({QUICK_CHATS:,} chats), fewer {what_runs}",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--chats", type=int)
    parser.add_argument("--messages", type=int)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--data-root", type=Path, default=BENCH_DATA)
    parser.add_argument("--min-runs", type=int, help="requests timed per case (at least)")
    parser.add_argument("--max-runs", type=int)
    parser.add_argument("--seconds", type=float, help="time spent per case (at least)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench chatlist", description=__doc__)
    add_shop_arguments(parser)
    parser.add_argument("--only", default="", help="comma-separated case keys (e.g. L01,L07b)")
    parser.add_argument("--table", type=Path, help="print the table of a saved --json output")
    args = parser.parse_args(argv)
    if args.table:
        print_table(json.loads(args.table.read_text()))
        return 0

    chats = args.chats or (QUICK_CHATS if args.quick else DEFAULT_CHATS)
    messages = args.messages or (QUICK_MESSAGES if args.quick else DEFAULT_MESSAGES)
    quick = Budget(warmup=2, min_runs=20, max_runs=100, seconds=0.3)
    base = quick if args.quick else Budget()
    budget = Budget(
        warmup=base.warmup,
        min_runs=args.min_runs or base.min_runs,
        max_runs=args.max_runs or max(base.max_runs, args.min_runs or 0),
        seconds=base.seconds if args.seconds is None else args.seconds,
        deep_pages=base.deep_pages,
    )
    load_before = [round(x, 2) for x in os.getloadavg()]
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
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
    else:
        print_table(out)
    return 1 if out["errors"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
