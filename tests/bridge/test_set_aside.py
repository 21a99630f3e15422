"""One event the web keeps failing on is set aside; the link goes on with the others.

The failure is real: a trigger in the box's database refuses to store one message's text,
so the web answers 5xx for every frame holding it, as it would for a bug on odd data.
"""

from __future__ import annotations

import sqlite3

import pytest

from bridge.runner import MAX_FAILURES
from tests.harness import Box, wait_until

pytestmark = pytest.mark.slow

CUSTOMER = "+5511987650077"


def test_an_event_the_web_keeps_failing_on_is_set_aside_and_later_ones_arrive(box: Box) -> None:
    conn = sqlite3.connect(box.data / "balcao.db")
    conn.execute(
        "CREATE TRIGGER poison BEFORE INSERT ON message WHEN new.body = 'texto que quebra' "
        "BEGIN SELECT RAISE(ABORT, 'mensagem que o Balcão não consegue guardar'); END"
    )
    conn.close()
    box.start_web()
    box.start_bridge()
    box.sim("POST", "/send", {"from": CUSTOMER, "text": "primeira"})
    box.sim("POST", "/send", {"from": CUSTOMER, "text": "texto que quebra"})
    box.sim("POST", "/send", {"from": CUSTOMER, "text": "depois"})

    wait_until(
        lambda: box.scalar("SELECT count(*) FROM message WHERE body = 'depois'"),
        timeout=60,
        what="the message after the bad one",
    )
    assert [b for (b,) in box.query("SELECT body FROM message ORDER BY id")] == [
        "primeira",
        "depois",
    ]
    r = box.api.get(f"/api/v1/devices/{box.device}/set-aside")
    assert r.status_code == 200
    listed = r.json()
    assert listed["count"] == 1
    [event] = listed["events"]
    assert event["kind"] == "message"
    assert event["failures"] == MAX_FAILURES
    assert "mensagem que o Balcão não consegue guardar" in event["reason"]
    assert '"texto que quebra"' in event["event"]
    # the bridge tried it alone that many times, then went on
    assert box.log_text("bridge").count("the web failed on event") == MAX_FAILURES - 1
    wait_until(lambda: box.journal_pending() == 0, what="the journal to empty")
