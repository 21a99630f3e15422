"""Message search latency: GET /api/v1/search/messages over loopback HTTP on `balcao serve`.

Builds (or reuses) the seeded shop of ``scripts.benchmarks.shop`` and runs the real server on
a copy of it that adds two users who see only some chats. Times, at the client, a
common word, a medium and a rare word (picked from the data by document frequency), a
phrase, a prefix, a page deep in a common word's results, and a word inside one heavy
and one typical chat: as an admin (every chat), as a normal user who sees about 10% of
the chats, and as users assigned to 1% of the chats and to ``FEW_CHATS`` chats. Prints
p50/p95 per case with the data size; ``--json`` prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

import appliance  # noqa: F401  (sqlite3 -> sqlean before anything else)
from appliance.areas.accounts.service import create_user, hash_password, load_actor
from appliance.areas.assignments.service import insert_assignees
from appliance.areas.chats.access import visibility_clause
from appliance.areas.search.query import parse_message_query
from appliance.areas.search.service import fts_prefix_lengths
from appliance.core.clock import now_ms
from appliance.core.db import Conn, connect
from scripts.benchmarks import common
from scripts.benchmarks.shop import Shop, build_or_reuse
from tests.harness import bearer_token, running_server

URL = "/api/v1/search/messages"
PAGE = 50
TARGET_P95_MS = 20.0
COMMON_WORD = "obrigado"
PHRASE = '"prazo de entrega"'
PREFIX = "entreg*"
# A short stem whose words are in 10% of the messages: FTS5 merges all their doclists.
BROAD_PREFIX = "obri*"
DEEP_PAGES = 10
# Users added to the copy, in no department, each assigned directly to some chats:
# (actor, login, password, share of the chats or a number of chats).
FEW_CHATS = 20
EXTRA_USERS = (
    ("some", "alguns", "bench-alguns", 0.01),
    ("few", "poucos", "bench-poucos", FEW_CHATS),
)
COPY_VERSION = 2  # bump when prepare_copy adds something else
# Share of the messages for the "medium" word, and documents for the "rare" one.
MEDIUM_SHARE = 0.005
RARE_DOCS = 25


@dataclass(frozen=True)
class Case:
    key: str
    label: str
    q: str
    chat: int | None = None
    deep: bool = False


@dataclass(kw_only=True)
class Result(common.Timing):
    actor: str
    case: str
    label: str
    q: str
    chat: int | None
    matches: int  # messages matching in all chats (one chat for the chat cases)


# -- the data -----------------------------------------------------------------------------------


def prepare_copy(shop: Shop, root: Path) -> Path:
    """A copy of the shop's database with EXTRA_USERS added; kept while the shop is.

    The shop itself stays as built, for the other benchmarks.
    """
    folder = root / f"search{COPY_VERSION}-{shop.data_dir.name}"
    done = folder / "search.json"
    if done.is_file() and (folder / "balcao.db").is_file():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "balcao.db"
    for stale in folder.glob("balcao.db*"):
        stale.unlink()
    source = connect(shop.db_path)
    copy = connect(target)
    try:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode = WAL")
        rng = random.Random(shop.seed)
        total = copy.execute("SELECT max(id) FROM chat").fetchone()[0]
        assigned: dict[str, list[int]] = {}
        copy.execute("BEGIN IMMEDIATE")
        for _, login, password, size in EXTRA_USERS:
            count = size if isinstance(size, int) else max(1, round(size * total))
            chats = sorted(rng.sample(range(1, total + 1), min(count, total)))
            user = create_user(
                copy, login=login, name=login.title(), password_hash=hash_password(password)
            )
            insert_assignees(copy, [(chat, user, None, now_ms()) for chat in chats])
            assigned[login] = chats
        copy.execute("COMMIT")
    finally:
        copy.close()
        source.close()
    done.write_text(json.dumps({"assigned": assigned}))
    return folder


def pick_words(conn: Conn, messages: int) -> dict[str, tuple[str, int]]:
    """Words of letters only, by the number of messages containing them in the body."""
    conn.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.bench_vocab "
        "USING fts5vocab(main, message_fts, col)"
    )
    rows = [
        (t, d)
        for t, d in conn.execute("SELECT term, doc FROM temp.bench_vocab WHERE col = 'body'")
        if t.isalpha() and len(t) >= 4
    ]
    medium = min(rows, key=lambda r: (abs(r[1] - messages * MEDIUM_SHARE), r[0]))
    rare = min(rows, key=lambda r: (abs(r[1] - RARE_DOCS), r[0]))
    return {"medium": medium, "rare": rare}


def count_matches(conn: Conn, q: str, chat: int | None, prefix_lengths: frozenset[int]) -> int:
    match = parse_message_query(q).body_match(prefix_lengths)
    match += f" AND chat : {chat}" if chat else ""
    return int(
        conn.execute(
            "SELECT count(*) FROM message_fts WHERE message_fts MATCH ?", [match]
        ).fetchone()[0]
    )


def pick_chats(conn: Conn, user_login: str) -> dict[str, tuple[int, int]]:
    """The heaviest chat and one of about 50 messages, among those the user sees."""
    uid = conn.execute("SELECT id FROM app_user WHERE login = ?", (user_login,)).fetchone()[0]
    actor = load_actor(conn, uid)
    assert actor is not None
    clause, params = visibility_clause(actor)
    visible = {r[0] for r in conn.execute(f"SELECT c.id FROM chat c WHERE {clause}", params)}
    counts = [
        (chat, n)
        for chat, n in conn.execute("SELECT chat, count(*) FROM message GROUP BY chat")
        if chat in visible
    ]
    heavy = max(counts, key=lambda r: (r[1], r[0]))
    typical = min(counts, key=lambda r: (abs(r[1] - 50), -r[0]))
    return {"heavy": heavy, "typical": typical}


def build_cases(
    words: dict[str, tuple[str, int]],
    chats: dict[str, tuple[int, int]],
    prefix_lengths: frozenset[int],
) -> list[Case]:
    """The prefix cases search a whole word when the FTS table has no prefix index for
    that length (see appliance.areas.search.query); the label says which."""
    heavy, typical = chats["heavy"], chats["typical"]

    def prefix(stem: str) -> str:
        if len(stem.rstrip("*")) in prefix_lengths:
            return f"prefix {stem}"
        return f"{stem} (a word: no prefix index)"

    return [
        Case("common", f"common word {COMMON_WORD!r}", COMMON_WORD),
        Case("medium", f"medium word {words['medium'][0]!r}", words["medium"][0]),
        Case("rare", f"rare word {words['rare'][0]!r}", words["rare"][0]),
        Case("phrase", f"phrase {PHRASE}", PHRASE),
        Case("prefix", prefix(PREFIX), PREFIX),
        Case("prefix2", prefix(BROAD_PREFIX), BROAD_PREFIX),
        Case("deep", f"{COMMON_WORD!r}, page {DEEP_PAGES + 1}", COMMON_WORD, deep=True),
        Case("heavy", f"{COMMON_WORD!r} in a chat of {heavy[1]:,} msgs", COMMON_WORD, heavy[0]),
        Case("typical", f"{COMMON_WORD!r} in a chat of {typical[1]} msgs", COMMON_WORD, typical[0]),
    ]


# -- measuring ----------------------------------------------------------------------------------


def _params(case: Case, cursor: str | None = None) -> dict[str, Any]:
    params: dict[str, Any] = {"q": case.q, "limit": PAGE}
    if case.chat is not None:
        params["chat"] = case.chat
    if cursor:
        params["cursor"] = cursor
    return params


def deep_cursor(
    client: httpx.Client, headers: dict[str, str], case: Case
) -> tuple[str | None, list[str]]:
    """Follows next_cursor DEEP_PAGES times; checks that ids only go down on the way."""
    cursor: str | None = None
    last = math.inf
    for _ in range(DEEP_PAGES):
        r = client.get(URL, params=_params(case, cursor), headers=headers)
        if r.status_code != 200:
            return None, [f"HTTP {r.status_code} while paging"]
        page = r.json()
        ids = [item["id"] for item in page["items"]]
        if any(b >= a for a, b in zip([last, *ids], ids, strict=False)):
            return None, ["ids not strictly newest first across pages"]
        last = ids[-1] if ids else last
        cursor = page["next_cursor"]
        if cursor is None:
            return None, []
    return cursor, []


def time_case(
    client: httpx.Client, headers: dict[str, str], params: dict[str, Any], budget: common.Budget
) -> tuple[list[float], dict[str, Any], list[str]]:
    """The chat list's timing loop on the search URL, then a check of the order."""
    times, body, errors = common.time_request(client, headers, list(params.items()), budget, URL)
    ids = [item["id"] for item in body.get("items", [])]
    if not errors and ids != sorted(ids, reverse=True):
        errors = ["items not newest first"]
    return times, body, errors


def run_cases(
    shop: Shop, data_dir: Path, budget: common.Budget, only: set[str], progress: bool
) -> tuple[list[Result], dict[str, Any]]:
    conn = connect(data_dir / "balcao.db")
    try:
        words = pick_words(conn, shop.messages)
        chats = pick_chats(conn, shop.user_login)
        prefix_lengths = fts_prefix_lengths(conn)
        cases = [c for c in build_cases(words, chats, prefix_lengths) if not only or c.key in only]
        matches = {(c.q, c.chat): count_matches(conn, c.q, c.chat, prefix_lengths) for c in cases}
        sees = {
            actor: conn.execute(
                "SELECT count(*) FROM chat_assignee a JOIN app_user u ON u.id = a.member "
                "WHERE u.login = ?",
                (login,),
            ).fetchone()[0]
            for actor, login, _, _ in EXTRA_USERS
        }
    finally:
        conn.close()
    actors = [
        ("admin", shop.admin_login, shop.admin_password),
        ("user", shop.user_login, shop.user_password),
        *((actor, login, password) for actor, login, password, _ in EXTRA_USERS),
    ]
    results: list[Result] = []
    with (
        running_server(data_dir, log_level="WARNING") as server,
        httpx.Client(base_url=server.url, timeout=60) as client,
    ):
        for actor, login, password in actors:
            headers = {"Authorization": f"Bearer {bearer_token(client, login, password)}"}
            for case in cases:
                if actor in sees and case.chat is not None:
                    continue  # not its chats; inside one chat is the same path for everyone
                errors: list[str] = []
                cursor = None
                if case.deep:
                    cursor, errors = deep_cursor(client, headers, case)
                    if cursor is None and not errors:
                        continue  # fewer pages than that
                times, body, timing_errors = time_case(
                    client, headers, _params(case, cursor), budget
                )
                result = Result(
                    actor=actor,
                    case=case.key,
                    label=case.label,
                    q=case.q,
                    chat=case.chat,
                    matches=matches[(case.q, case.chat)],
                    **common.timing(times, body, errors + timing_errors),
                )
                results.append(result)
                if progress:
                    print(
                        f"  {actor:<5} {case.key:<8} p50 {result.p50_ms:6.2f}  "
                        f"p95 {result.p95_ms:6.2f} ms  {case.label}",
                        file=sys.stderr,
                        flush=True,
                    )
    extra = {
        "words": {k: {"word": w, "messages": n} for k, (w, n) in words.items()},
        "search_chats": {k: {"id": c, "messages": n} for k, (c, n) in chats.items()},
        "extra_users_chats": sees,
        "fts_prefix_lengths": sorted(prefix_lengths),
    }
    return results, extra


# -- output -------------------------------------------------------------------------------------


def report(
    shop: Shop,
    data_dir: Path,
    results: list[Result],
    extra: dict[str, Any],
    budget: common.Budget,
    load_before: list[float],
) -> dict[str, Any]:
    data = common.shop_data(shop, data_dir / "balcao.db", **extra)
    return common.timed_report(
        "search",
        data,
        load_before,
        results,
        budget,
        TARGET_P95_MS,
        lambda r: f"{r.actor}/{r.case}",
        page_size=PAGE,
    )


def print_table(out: dict[str, Any]) -> None:
    d = out["data"]
    print(
        f"message search over HTTP: {d['chats']:,} chats, {d['messages']:,} messages, "
        f"DB {d['db_bytes'] / 1e6:.0f} MB ({common.built_note(d)})"
    )
    print(
        "actors: admin (every chat), user (about 10% of the chats), "
        + ", ".join(f"{k} ({n:,} chats)" for k, n in d["extra_users_chats"].items())
        + f"; page of {out['page_size']}; times in ms at the client"
    )
    print(common.machine_line(out["machine"]) + "\n")
    header = (
        f"{'actor':<5} {'case':<8} {'query':<40} {'matches':>8} {'rows':>4} {'p50':>7} {'p95':>7}"
    )
    common.print_results(
        out,
        header,
        lambda r: (
            f"{r['actor']:<5} {r['case']:<8} {r['label'][:40]:<40} {r['matches']:>8,} "
            f"{r['rows']:>4} {r['p50_ms']:>7.2f} {r['p95_ms']:>7.2f}"
        ),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench search", description=__doc__)
    common.add_shop_arguments(parser)
    parser.add_argument("--only", default="", help="comma-separated case keys (e.g. common,rare)")
    args = parser.parse_args(argv)

    chats, messages = common.shop_size(args)
    budget = common.budget_from(
        args, common.QUICK_BUDGET if args.quick else common.Budget(), DEEP_PAGES
    )
    load_before = common.load_average()
    shop = build_or_reuse(
        chats=chats, messages=messages, seed=args.seed, root=args.data_root, log=not args.json
    )
    data_dir = prepare_copy(shop, args.data_root)
    only = {k for k in args.only.split(",") if k}
    results, extra = run_cases(shop, data_dir, budget, only, progress=not args.json)
    out = report(shop, data_dir, results, extra, budget, load_before)
    return common.emit(out, args.json, print_table)


if __name__ == "__main__":
    raise SystemExit(main())
