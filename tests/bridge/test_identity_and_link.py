"""A customer's LID and number stay one chat; the link refuses bad frames and tokens."""

from __future__ import annotations

import httpx
import pytest

from tests.harness import Box, wait_until, write_bridge_token
from wire import contract as c

pytestmark = pytest.mark.slow


def test_customer_known_first_by_lid_then_by_number_stays_one_chat(box: Box) -> None:
    box.start_web()
    box.start_bridge()
    lid = "987654321012345@lid"
    box.sim(
        "POST",
        "/send",
        {"from": lid, "text": "Oi, sou nova aqui", "lid_only": True, "name": "Marina"},
    )
    chat = wait_until(
        lambda: box.query("SELECT id, wa_id, lid, phone FROM chat"), what="the LID-only chat"
    )
    assert chat == [(chat[0][0], lid, lid, None)]

    identity = box.sim("POST", "/reveal", {"who": lid})
    box.sim("POST", "/send", {"from": identity["jid"], "text": "Agora com número"})
    wait_until(lambda: box.scalar("SELECT count(*) FROM message") == 2, what="both messages")
    number = "+" + identity["jid"].split("@")[0]
    assert box.query("SELECT id, wa_id, lid, phone, wa_name, unread_count FROM chat") == [
        (chat[0][0], identity["jid"], lid, number, "Marina", 2)
    ]
    assert box.scalar("SELECT count(DISTINCT chat) FROM message") == 1


V = c.CONTRACT_VERSION
BAD_FRAMES = [
    ("garbage", b"\x00\xffnot json at all", 400, "bridge.bad_frame"),
    (
        "truncated",
        b'{"version": %d, "events": [{"type": "message", "seq": 1, "wa_id": "X"' % V,
        400,
        "bridge.bad_frame",
    ),
    ("wrong version", b'{"version": %d, "events": []}' % (V + 1), 400, "bridge.wrong_version"),
    ("the version before", b'{"version": %d, "events": []}' % (V - 1), 400, "bridge.wrong_version"),
    (
        "missing fields",
        b'{"version": %d, "events": [{"type": "message", "seq": 1}]}' % V,
        400,
        "bridge.bad_frame",
    ),
    (
        "oversized",
        b'{"version": %d, "events": [], "pad": "' % V + b"x" * (5 * 1024 * 1024) + b'"}',
        413,
        "bridge.frame_too_large",
    ),
]


def test_bad_frames_are_refused_and_the_link_survives(box: Box) -> None:
    box.start_web()
    box.start_bridge()
    headers = {"Authorization": f"Bearer {box.token}", "Content-Type": "application/json"}
    for name, frame, status, code in BAD_FRAMES:
        r = httpx.post(f"{box.url}/bridge/v1/events", content=frame, headers=headers, timeout=30)
        assert (name, r.status_code, r.json()["code"]) == (name, status, code)
        assert r.json()["message"]
    log = box.log_text("web")
    assert log.count("bridge link: refused frame from device") == 5
    assert "bridge link: device 1 sent a frame of" in log
    assert box.scalar("SELECT count(*) FROM message") == 0
    assert box.scalar("SELECT count(*) FROM chat") == 0

    box.sim("POST", "/send", {"from": "+5511987650055", "text": "Ainda funciona?"})
    wait_until(lambda: box.scalar("SELECT count(*) FROM message") == 1, what="the next message")


def test_a_wrong_device_token_is_refused(box: Box) -> None:
    box.start_web()
    frame = b'{"version": %d, "events": []}' % V
    for path, method in (
        ("/bridge/v1/events", "POST"),
        ("/bridge/v1/state", "PUT"),
        ("/bridge/v1/outbox", "GET"),
    ):
        r = httpx.request(
            method,
            f"{box.url}{path}",
            content=frame if method != "GET" else None,
            headers={"Authorization": "Bearer not-the-token"},
            timeout=10,
        )
        assert r.status_code == 401
        assert r.json()["code"] == "bridge.bad_token"
    write_bridge_token(box.device_dir, "not-the-token")
    box.start_bridge(wait=False)
    wait_until(
        lambda: "refused this device's token" in box.log_text("bridge"),
        what="the bridge to log the refusal",
    )
    assert box.device_state() == "disconnected"
