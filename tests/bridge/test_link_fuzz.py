"""Bad frames on the bridge link: a coded refusal (4xx with a ``code``), never a 5xx, and
nothing stored.

Hypothesis builds frames of every route of the link against the real app: valid events
with one thing wrong (a field of the wrong type, a text beyond its size, a NUL, an integer
beyond 64 bits, an unknown kind, a missing field), malformed JSON, wrong versions, bad
query parameters and files that are not what their hash says. Fixed seed, bounded budget.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar import Litestar
from litestar.testing import TestClient

from appliance.core.db import Database
from appliance.core.settings import Settings
from tests.factories import make_device
from wire import contract as c

# Examples per route: a few hundred in all, well under a minute here.
BUDGET = {"events": 300, "state": 80, "outbox": 60, "files": 40}
SETTINGS = {
    "derandomize": True,
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}

# -- valid values ------------------------------------------------------------------------

ID_CHARS = st.characters(min_codepoint=0x21, max_codepoint=0x7E)
TEXT_CHARS = st.characters(blacklist_categories=("Cs", "Cc"))
VALID: dict[str, st.SearchStrategy[Any]] = {
    "int": st.integers(0, 2**63 - 1),
    "count": st.integers(0, 2**31 - 1),
    "id": st.text(ID_CHARS, min_size=1, max_size=30),
    "text": st.text(TEXT_CHARS, max_size=60),
    "name": st.text(TEXT_CHARS, max_size=30),
    "detail": st.text(TEXT_CHARS, max_size=30),
    "kind": st.sampled_from(["text", "image", "audio", "sticker"]),
    "status": st.sampled_from(["sent", "delivered", "read"]),
    "state": st.sampled_from(["ready", "connecting", "retrying", "disconnected"]),
    "bool": st.booleans(),
    "ids": st.lists(st.text(ID_CHARS, min_size=1, max_size=20), max_size=4),
    "map": st.dictionaries(st.text(max_size=8), st.integers(0, 1000), max_size=3),
    "photo": st.none() | st.binary(max_size=64).map(lambda b: base64.b64encode(b).decode()),
    "json": st.just("{}"),
    "media": st.none() | st.just({"mimetype": "image/jpeg", "size": 10}),
    "phone": st.none() | st.from_regex(r"\A\+55[0-9]{10,11}\Z"),
    "capabilities": st.lists(st.sampled_from(c.CAPABILITIES), max_size=7, unique=True),
    "pairing": st.none()
    | st.fixed_dictionaries(
        {
            "qr": st.text(ID_CHARS, max_size=200),
            "code": st.from_regex(r"\A[0-9A-Z]{4}-[0-9A-Z]{4}\Z"),
            "expires_at": st.integers(0, 2**63 - 1),
        }
    ),
    "int?": st.none() | st.integers(0, 2**63 - 1),
}
OPTIONAL = {"media", "photo", "phone", "id?", "pairing", "int?"}
VALID["id?"] = st.none() | VALID["id"]

SPECS: dict[str, dict[str, str]] = {
    "message": {"seq": "int", "wa_id": "id", "chat": "id", "from_me": "bool", "sent_at": "int",
                "kind": "kind", "body": "text", "sender_name": "name", "chat_lid": "id?",
                "history": "bool", "media": "media"},
    "receipt": {"seq": "int", "chat": "id", "wa_ids": "ids", "status": "status", "at": "int"},
    "identity": {"seq": "int", "lid": "id", "jid": "id", "name": "name"},
    "sent": {"seq": "int", "client_id": "id", "wa_id": "id", "at": "int", "pending": "bool"},
    "send_failed": {"seq": "int", "client_id": "id", "error": "detail"},
    "command_done": {"seq": "int", "command_id": "int", "ok": "bool", "error": "detail",
                     "result": "map"},
    "phone_queue": {"seq": "int", "pending": "count"},
    "photo": {"seq": "int", "chat": "id", "data": "photo"},
    "set_aside": {"seq": "int", "event_seq": "int", "kind": "kind", "reason": "detail",
                  "event": "json", "failures": "count", "at": "int"},
}  # fmt: skip
REQUIRED = {
    "message": ["seq", "wa_id", "chat", "from_me", "sent_at"],
    "receipt": ["seq", "chat", "wa_ids", "status", "at"],
    "identity": ["seq", "lid", "jid"],
    "sent": ["seq", "client_id", "wa_id", "at"],
    "send_failed": ["seq", "client_id", "error"],
    "command_done": ["seq", "command_id", "ok"],
    "phone_queue": ["seq", "pending"],
    "photo": ["seq", "chat", "data"],
    "set_aside": ["seq", "event_seq", "kind", "reason", "event"],
}
STATE = {"state": "state", "detail": "detail", "phone": "phone", "phone_queue": "count",
         "at": "int", "driver": "kind", "capabilities": "capabilities", "pairing": "pairing",
         "until": "int?"}  # fmt: skip

# -- wrong values ------------------------------------------------------------------------

LIMITS = {"id": 128, "text": c.MAX_TEXT_CHARS, "name": 256, "detail": 2000, "kind": 32,
          "json": c.MAX_SET_ASIDE_EVENT_CHARS}  # fmt: skip
BEYOND_64 = st.integers(min_value=2**63) | st.integers(max_value=-(2**63) - 1)
NEGATIVE = st.integers(min_value=-(2**70), max_value=-1)
CONTROL = st.sampled_from(["\x00", "\x01", "\x1b", "\x7f"])
NOT_A_STRING = st.integers() | st.booleans() | st.lists(st.integers(), max_size=2) | st.just({})
NOT_A_NUMBER = (
    st.text(max_size=5) | st.just(1.5) | st.booleans() | st.lists(st.integers(), max_size=2)
)
BIG_PHOTO = base64.b64encode(bytes(c.MAX_PHOTO_BYTES + 1)).decode()


def nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"a": value}
    return value


def oversized(kind: str) -> st.SearchStrategy[str]:
    limit = LIMITS[kind]
    return st.integers(1, 40).map(lambda extra: "a" * (limit + extra))


def with_control(base: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(base, CONTROL, st.integers(0, 40)).map(
        lambda t: t[0][: t[2]] + t[1] + t[0][t[2] :]
    )


WRONG: dict[str, st.SearchStrategy[Any]] = {
    "int": BEYOND_64 | NEGATIVE | NOT_A_NUMBER,
    "count": st.integers(min_value=2**31) | NEGATIVE | NOT_A_NUMBER,
    "id": oversized("id") | with_control(VALID["id"]) | st.just("") | st.just("a b")
    | NOT_A_STRING | st.none(),
    "text": oversized("text") | with_control(VALID["text"]) | NOT_A_STRING,
    "name": oversized("name") | with_control(VALID["name"]) | NOT_A_STRING,
    "detail": oversized("detail") | with_control(VALID["detail"]) | NOT_A_STRING,
    "kind": oversized("kind") | with_control(st.just("text")) | st.just("Texto") | NOT_A_STRING,
    "status": st.text(max_size=10).filter(lambda s: s not in ("sent", "delivered", "read"))
    | NOT_A_STRING,
    "state": st.text(max_size=10).filter(lambda s: s not in c.LinkState.__args__)
    | NOT_A_STRING,
    "bool": st.integers() | st.text(max_size=3) | st.none(),
    "ids": st.just(["x"] * 1001) | st.lists(with_control(VALID["id"]), min_size=1, max_size=2)
    | st.text(max_size=5) | st.lists(st.integers(), min_size=1, max_size=2),
    "map": st.just(nested(c.MAX_MAP_DEPTH + 1)) | st.just({"a": "x" * (c.MAX_MAP_BYTES + 1)})
    | BEYOND_64.map(lambda n: {"n": n}) | st.just({"s": "a\x00b"})
    | st.just({str(n): n for n in range(65)}) | st.lists(st.integers(), max_size=2),
    "photo": st.just("!!! não é base64") | st.just(BIG_PHOTO) | st.integers(),
    "json": oversized("json") | with_control(st.just("{}")) | NOT_A_STRING,
    "media": st.text(max_size=5) | st.integers()
    | st.fixed_dictionaries({"mimetype": st.just("image/jpeg"),
                             "sha256": st.text(max_size=10).filter(bool)})
    | st.fixed_dictionaries({"mimetype": with_control(st.just("image/jpeg"))})
    | st.fixed_dictionaries({"mimetype": st.just("a"), "size": BEYOND_64 | NEGATIVE})
    | st.fixed_dictionaries({"mimetype": st.just("a"),
                             "extra": st.just(nested(c.MAX_MAP_DEPTH + 1))})
    | st.fixed_dictionaries({"mimetype": st.just("a"), "caption": oversized("text")}),
    "phone": st.just("+55 11 9") | st.just("+" + "9" * 33) | with_control(st.just("+5511"))
    | st.integers(),
    "capabilities": st.just(["teleport"]) | st.just(["history"] * 17) | st.text(max_size=5)
    | st.lists(st.integers(), min_size=1, max_size=2),
    "pairing": st.text(max_size=5) | st.integers()
    | st.fixed_dictionaries({"qr": st.just("x" * 1025)})
    | st.fixed_dictionaries({"qr": with_control(st.just("2@abc"))})
    | st.fixed_dictionaries({"code": st.just("abcd efgh")})
    | st.fixed_dictionaries({"expires_at": BEYOND_64 | NEGATIVE}),
    "int?": BEYOND_64 | NEGATIVE | NOT_A_NUMBER.filter(lambda v: v is not None),
}  # fmt: skip
WRONG["id?"] = WRONG["id"].filter(lambda v: v is not None)


def valid_event(kind: str) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"type": st.just(kind), **{f: VALID[t] for f, t in SPECS[kind].items()}}
    )


@st.composite
def bad_event(draw: st.DrawFn) -> dict[str, Any]:
    """A valid event with one thing wrong."""
    kind = draw(st.sampled_from(sorted(SPECS)))
    event = draw(valid_event(kind))
    how = draw(st.sampled_from(["field", "field", "field", "missing", "type", "not_object"]))
    if how == "field":
        name = draw(st.sampled_from(sorted(SPECS[kind])))
        event[name] = draw(WRONG[SPECS[kind][name]])
    elif how == "missing":
        del event[draw(st.sampled_from(REQUIRED[kind]))]
    elif how == "type":
        event["type"] = draw(st.text(max_size=12).filter(lambda t: t not in SPECS) | st.integers())
    else:
        return draw(NOT_A_STRING | st.text(max_size=5))  # type: ignore[no-any-return]
    return event


@st.composite
def bad_events_frame(draw: st.DrawFn) -> bytes:
    how = draw(st.sampled_from(["event", "event", "event", "version", "garbage", "cut", "many"]))
    good = draw(st.lists(st.sampled_from(sorted(SPECS)).flatmap(valid_event), max_size=2))
    if how == "garbage":
        return draw(st.binary(max_size=64)).replace(b"{", b"")  # never a JSON object
    if how == "many":
        events = [{"type": "phone_queue", "seq": n, "pending": 0} for n in range(501)]
        return json.dumps({"version": c.CONTRACT_VERSION, "events": events}).encode()
    if how == "version":
        version = draw(
            st.integers().filter(lambda v: v != c.CONTRACT_VERSION)
            | BEYOND_64
            | st.text(max_size=3)
        )
        return json.dumps({"version": version, "events": good}).encode()
    events = list(good)
    events.insert(draw(st.integers(0, len(good))), draw(bad_event()))
    raw = json.dumps({"version": c.CONTRACT_VERSION, "events": events}).encode()
    if how == "cut":
        return raw[: draw(st.integers(0, len(raw) - 1))]
    return raw


@st.composite
def bad_state_frame(draw: st.DrawFn) -> bytes:
    frame = draw(st.fixed_dictionaries({f: VALID[t] for f, t in STATE.items()}))
    frame["version"] = c.CONTRACT_VERSION
    how = draw(st.sampled_from(["field", "field", "field", "missing", "version", "garbage"]))
    if how == "field":
        name = draw(st.sampled_from(sorted(STATE)))
        frame[name] = draw(WRONG[STATE[name]])
    elif how == "missing":
        del frame["state"]
    elif how == "version":
        frame["version"] = draw(
            BEYOND_64 | st.integers(0, 100).filter(lambda v: v != c.CONTRACT_VERSION) | st.none()
        )
    else:
        return draw(st.binary(max_size=64)).replace(b"{", b"")
    return json.dumps(frame).encode()


BAD_QUERY = st.fixed_dictionaries(
    {
        "after": BEYOND_64.map(str) | NEGATIVE.map(str) | st.sampled_from(["x", "1.5", "", "\x00"]),
        "wait": st.sampled_from(["0", "nan", "inf", "-inf", "x", "1e999"]),
    }
) | st.fixed_dictionaries(
    {"after": st.just("0"), "wait": st.sampled_from(["nan", "inf", "NaN", "x", "\x00"])}
)


@st.composite
def bad_file(draw: st.DrawFn) -> tuple[str, bytes, str]:
    """(path hash, body, content type): a body that is not what the hash says, or no hash."""
    body = draw(st.binary(max_size=256))
    sha = hashlib.sha256(body).hexdigest()
    how = draw(st.sampled_from(["other", "not_a_hash"]))
    if how == "other":
        sha = hashlib.sha256(body + b"x").hexdigest()
    else:
        sha = draw(
            st.sampled_from([sha.upper(), sha[:-1], sha + "0", "..%2F..%2Fetc", "%00" + sha[3:]])
        )
    mime = draw(st.sampled_from(["image/jpeg", "", "a" * 300, "text/plain; x=\u00e9"]))
    return sha, body, mime


# -- the run -----------------------------------------------------------------------------


def snapshot(db_path: Path, files_dir: Path) -> tuple[Any, ...]:
    """Rows of every table, the device rows, and the files on disk."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        counts = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
        devices = conn.execute(
            "SELECT id, state, state_detail, phone, phone_queue, last_event_at FROM device"
        ).fetchall()
    finally:
        conn.close()
    files = sorted(str(p) for p in files_dir.rglob("*") if p.is_file())
    return counts, devices, files


def check_refused(response: Any, what: str) -> None:
    assert 400 <= response.status_code < 500, f"{what}: {response.status_code} {response.text}"
    body = response.json()
    assert isinstance(body.get("code"), str), f"{what}: {response.text}"
    assert body["code"], f"{what}: {response.text}"


def run_budget(name: str, strategy: st.SearchStrategy[Any], call: Callable[[Any], None]) -> int:
    tried = [0]

    @settings(max_examples=BUDGET[name], **SETTINGS)  # type: ignore[arg-type]
    @given(strategy)
    def one(example: Any) -> None:
        tried[0] += 1
        call(example)

    one()
    return tried[0]


@pytest.mark.timeout(300)
def test_bad_frames_on_every_route_of_the_link_are_refused_with_a_code_and_store_nothing(
    app: Litestar, db: Database, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    _, token = make_device(db)
    auth = {"Authorization": f"Bearer {token}"}
    tried: dict[str, int] = {}
    with TestClient(app=app) as client:
        before = snapshot(settings.db_path, settings.files_dir)

        def unchanged(what: str) -> None:
            assert snapshot(settings.db_path, settings.files_dir) == before, what

        def events(frame: bytes) -> None:
            r = client.post("/bridge/v1/events", content=frame, headers=auth)
            check_refused(r, f"events {frame[:300]!r}")
            unchanged(f"events {frame[:300]!r}")

        def state(frame: bytes) -> None:
            r = client.put("/bridge/v1/state", content=frame, headers=auth)
            check_refused(r, f"state {frame[:300]!r}")
            unchanged(f"state {frame[:300]!r}")

        def outbox(params: dict[str, str]) -> None:
            r = client.get("/bridge/v1/outbox", params=params, headers=auth)
            check_refused(r, f"outbox {params}")
            unchanged(f"outbox {params}")

        def files(example: tuple[str, bytes, str]) -> None:
            sha, body, mime = example
            r = client.put(
                f"/bridge/v1/files/{sha}",
                content=body,
                headers={**auth, "Content-Type": mime.encode("latin-1")},
            )
            if r.status_code == 404:  # a path the router does not know at all
                return
            check_refused(r, f"file {sha}")
            unchanged(f"file {sha}")

        tried["events"] = run_budget("events", bad_events_frame(), events)
        tried["state"] = run_budget("state", bad_state_frame(), state)
        tried["outbox"] = run_budget("outbox", BAD_QUERY, outbox)
        tried["files"] = run_budget("files", bad_file(), files)

        # the link still works: a good frame is stored
        good = {"type": "message", "seq": 1, "wa_id": "OK1", "chat": "5511987650001@s.whatsapp.net",
                "from_me": False, "sent_at": 1}  # fmt: skip
        r = client.post(
            "/bridge/v1/events",
            json={"version": c.CONTRACT_VERSION, "events": [good]},
            headers=auth,
        )
        assert r.status_code == 200, r.text
    with capsys.disabled():
        print(f"\nbridge link fuzzing: {sum(tried.values())} frames tried {tried}")
    assert all(n >= 20 for n in tried.values()), tried
