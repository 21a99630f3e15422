"""`scripts/bench pipeline` at a tiny size: it runs into a copy of the shop (the shop itself
left as built) and every measurement ends with the figures it says.

The figures themselves are not checked here (benchmarks measure speed, tests do not).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import appliance  # noqa: F401  (sqlite3 -> sqlean before anything else)
from appliance.core.db import connect
from scripts.benchmarks import pipeline

CHATS, MESSAGES = 300, 5000
HISTORY_CHATS, PER_CHAT, LIVE, OUTBOUND = 2, 300, 200, 50
TINY = [
    *("--shop-chats", str(CHATS), "--shop-messages", str(MESSAGES)),
    *("--live", str(LIVE), "--chats", str(HISTORY_CHATS), "--per-chat", str(PER_CHAT)),
    *("--outbound", str(OUTBOUND), "--rate", "20", "--seconds", "1"),
]


def _counts(path: str) -> tuple[int, int]:
    conn = connect(path)
    try:
        row = conn.execute(
            "SELECT (SELECT count(*) FROM chat), (SELECT count(*) FROM message)"
        ).fetchone()
    finally:
        conn.close()
    return int(row[0]), int(row[1])


@pytest.mark.slow
def test_pipeline_runs_into_a_copy_of_the_shop(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert pipeline.main([*TINY, "--json", "--data-root", str(tmp_path)]) == 0
    out = json.loads(capsys.readouterr().out)

    data = out["data"]
    assert data["mode"] == "shop"
    assert (data["shop"]["chats"], data["shop"]["messages"]) == (CHATS, MESSAGES)
    assert (data["before"]["chats"], data["before"]["messages"]) == (CHATS, MESSAGES)
    added = HISTORY_CHATS * PER_CHAT + LIVE + OUTBOUND + out["ws_latency"]["messages"]
    assert data["after"]["messages"] >= MESSAGES + added
    assert data["after"]["chats"] > CHATS
    assert data["before"]["db_bytes"] > 0
    assert data["after"]["db_bytes"] > 0
    # the shop is left as built; the copy is gone without --keep
    assert _counts(data["shop"]["path"]) == (CHATS, MESSAGES)
    assert not Path(data["path"]).exists()

    assert out["history_sync"]["messages"] == HISTORY_CHATS * PER_CHAT
    assert out["live_inbound"]["messages"] == LIVE
    assert out["outbound"]["messages"] == OUTBOUND
    assert out["ws_latency"]["messages"] == 20
    assert out["ws_latency"]["lost"] == 0
    assert set(out["peak_rss_mb"]) == {"web", "worker", "bridge", "total"}


@pytest.mark.slow
def test_pipeline_runs_on_an_empty_database(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--empty", *TINY[4:], "--json"]
    assert pipeline.main(args) == 0
    out = json.loads(capsys.readouterr().out)

    data = out["data"]
    assert data["mode"] == "empty"
    assert (data["before"]["chats"], data["before"]["messages"]) == (0, 0)
    # the history sync starts again from an empty database: its chats and what follows
    assert data["after"]["messages"] >= HISTORY_CHATS * PER_CHAT + OUTBOUND
    assert not Path(data["path"]).exists()
    assert out["ws_latency"]["lost"] == 0
