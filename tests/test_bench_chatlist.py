"""`scripts/bench chatlist` at a tiny size: the shop builder and the HTTP runner work.

The figures themselves are not checked here (benchmarks measure speed, tests do not);
this proves the data is what the benchmark says and every case answers.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import appliance  # noqa: F401  (sqlite3 -> sqlean before anything else)
from appliance.core.db import connect
from scripts.benchmarks import chatlist, shop

TINY = ["--chats", "300", "--messages", "5000", "--min-runs", "2", "--max-runs", "2"]


@pytest.mark.slow
def test_chatlist_builds_a_shop_and_measures_every_case(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [*TINY, "--seconds", "0", "--json", "--data-root", str(tmp_path)]
    assert chatlist.main(args) == 0
    out = json.loads(capsys.readouterr().out)

    data = out["data"]
    assert (data["chats"], data["messages"], data["reused"]) == (300, 5000, False)
    conn = connect(data["path"])
    try:
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM chat), (SELECT count(*) FROM message), "
            "(SELECT count(*) FROM chat WHERE NOT archived AND NOT is_broadcast), "
            "(SELECT count(*) FROM message_fts_docsize), "
            "(SELECT count(*) FROM chat_trgm_docsize)"
        ).fetchone()
        last = conn.execute(
            "SELECT count(*) FROM chat c WHERE c.last_message_at != "
            "(SELECT max(m.sent_at) FROM message m WHERE m.chat = c.id)"
        ).fetchone()[0]
    finally:
        conn.close()
    chats, messages, inbox, fts_rows, trgm_rows = counts
    assert (chats, messages) == (300, 5000)
    # The FTS indexes were rebuilt over every row.
    assert (fts_rows, trgm_rows) == (messages, chats)
    assert last == 0  # the chat rows agree with their messages

    assert out["errors"] == []
    assert data["inbox_rows"]["admin"] == inbox
    assert 0 < data["inbox_rows"]["user"] < inbox
    results = out["results"]
    cases = {(r["actor"], r["case"]) for r in results}
    assert {("admin", "L01"), ("user", "L01"), ("admin", "L09d"), ("user", "C9")} <= cases
    first = {(r["actor"], r["case"]): r for r in results if r["page"] == "first"}
    assert first[("admin", "L01")]["rows"] == chatlist.PAGE
    assert any(r["page"] == "deep" and r["depth"] > 0 for r in results)
    assert all(r["runs"] == 2 and r["p95_ms"] >= r["p50_ms"] > 0 for r in results)

    # A second run finds the shop in the cache.
    again = shop.build_or_reuse(chats=300, messages=5000, root=tmp_path, log=False)
    assert again.reused
    assert again.db_path == Path(data["path"])
