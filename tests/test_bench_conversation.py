"""`scripts/bench conversation` at a tiny size: the heavy chat is added consistently, every
API case answers and the browser opens the chat by its row in the list.

The figures themselves are not checked here (benchmarks measure speed, tests do not).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import appliance  # noqa: F401  (sqlite3 -> sqlean before anything else)
from appliance.core.db import connect
from scripts.benchmarks import conversation

CHATS, MESSAGES, HEAVY = 300, 5000, 2000
TINY = [
    *("--chats", str(CHATS), "--messages", str(MESSAGES), "--heavy", str(HEAVY)),
    *("--min-runs", "2", "--max-runs", "2", "--seconds", "0", "--deep-pages", "5"),
    *("--opens", "2", "--warmup-opens", "1"),
]


@pytest.mark.slow
def test_conversation_adds_a_heavy_chat_and_measures_api_and_render(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert conversation.main([*TINY, "--json", "--data-root", str(tmp_path)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["errors"] == []

    data, heavy = out["data"], out["data"]["heavy_chat"]
    assert (data["chats"], data["messages"]) == (CHATS + 1, MESSAGES + HEAVY)
    assert heavy["messages"] == HEAVY
    assert data["db_bytes"] > 0
    conn = connect(data["path"])
    try:
        chat = conn.execute("SELECT * FROM chat WHERE id = ?", (heavy["chat"],)).fetchone()
        ids = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM message WHERE chat = ? ORDER BY sent_at, id", (heavy["chat"],)
            )
        ]
        last = conn.execute(
            "SELECT sent_at, direction FROM message WHERE id = ?", (heavy["newest"],)
        ).fetchone()
        newest_elsewhere = conn.execute(
            "SELECT max(sent_at), max(id) FROM message WHERE chat != ?", (heavy["chat"],)
        ).fetchone()
        fts_rows = conn.execute("SELECT count(*) FROM message_fts_docsize").fetchone()[0]
        kinds = {
            r[0] for r in conn.execute("SELECT kind FROM message WHERE chat = ?", (heavy["chat"],))
        }
        directions = {
            r[0]
            for r in conn.execute("SELECT direction FROM message WHERE chat = ?", (heavy["chat"],))
        }
    finally:
        conn.close()
    # In time order, ids growing after every other message; the chat row agrees.
    assert ids == list(range(heavy["first_id"], heavy["first_id"] + HEAVY))
    assert heavy["first_id"] > newest_elsewhere[1]
    assert chat["last_message_at"] == last["sent_at"] > newest_elsewhere[0]
    assert (chat["last_message_from_me"], last["direction"]) == (1, "out")
    assert (chat["unread_count"], chat["waiting_since"], chat["archived"]) == (0, None, 0)
    assert chat["last_message_preview"]
    assert fts_rows == MESSAGES + HEAVY
    assert {"text", "image", "audio"} <= kinds
    assert directions == {"in", "out"}

    assert set(out["floor"]) == {"healthz", "me"}
    api = {r["case"]: r for r in out["api"]}
    assert list(api) == ["first", "deep", "oldest", "around", "typical"]
    assert all(r["rows"] == conversation.PAGE and r["runs"] == 2 for r in api.values())
    assert api["deep"]["depth"] == 5 * conversation.PAGE
    assert api["oldest"]["depth"] == HEAVY - conversation.PAGE
    assert api["typical"]["chat"] != heavy["chat"]
    assert all(r["p95_ms"] >= r["p50_ms"] > 0 for r in api.values())

    render = {r["case"]: r for r in out["render_results"]}
    assert list(render) == ["heavy", "other", "url"]
    assert render["other"]["chat"] != heavy["chat"]
    for key in ("heavy", "url"):
        assert render[key]["chat"] == heavy["chat"]
        assert render[key]["bubbles"] == conversation.PAGE
        assert render[key]["runs"] == 2
        assert 0 < render[key]["fetched_p50_ms"] <= render[key]["layout_p50_ms"]
        assert render[key]["layout_p50_ms"] <= render[key]["frame_p50_ms"]

    # A second run finds the copy with its heavy chat.
    folder, again = conversation.prepare_copy(
        conversation.build_or_reuse(chats=CHATS, messages=MESSAGES, root=tmp_path, log=False),
        tmp_path,
        HEAVY,
    )
    assert folder / "balcao.db" == Path(data["path"])
    assert again.chat == heavy["chat"]
