"""The message pipeline end to end: sim phone → bridge → web → SQLite → browser websocket.

Runs the real processes (``balcao serve``, ``balcao worker``, ``balcao bridge --driver sim``)
into the 50,000-chat shop of ``scripts/bench chatlist`` (``scripts.benchmarks.shop``, built
or reused from ``bench-data/``): its database is copied with SQLite's backup API into a
folder of its own, ``bench-data/pipeline<version>-<shop>/``, afresh on every run (the shop
itself stays as built); the shop's device gets a new bridge token and the shop's admin a
browser session. ``--quick`` uses the 5,000-chat shop; ``--empty`` an empty database in a
temporary folder instead. Measures, with the data size before and after:

- live inbound: customers' burst of ``--live`` messages, from the phone's event to the row;
- history sync (batched): ``--chats`` chats × ``--per-chat`` messages the phone already has,
  fetched by sync jobs (API → worker → web → bridge → phone → journal → web, 1000 a page),
  timed from the API requests to the last row, and first row to last row; the chats are
  written anew (their messages dropped) before the sync, the rest of the data stays;
- outbound: ``--outbound`` messages queued while the bridge is down, from its start until the
  phone holds them all;
- latency: phone event → ``message.received`` on a logged-in browser websocket, at
  ``--rate`` messages/s for ``--seconds`` seconds (p50 / p99);
- ``/healthz`` while the history lands: one request every 20 ms on a connection of its own,
  p50 / p99 (how long the web stays answerable while it writes and acknowledges the pages);
- peak RSS (VmHWM) of the web, the worker and the bridge.

``--json`` prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

import appliance  # noqa: F401  (sqlite3 -> sqlean before anything else)
from appliance.areas.accounts.service import create_session, create_user, hash_password
from appliance.areas.chats.rows import ChatRow, insert_chat
from appliance.areas.devices.service import create_device, rotate_device_token
from appliance.core.db import Database, connect, migrate
from scripts.benchmarks.common import QUICK_CHATS, QUICK_MESSAGES, load_average, percentile
from scripts.benchmarks.shop import (
    BENCH_DATA,
    DEFAULT_CHATS,
    DEFAULT_MESSAGES,
    DEFAULT_SEED,
    Shop,
    build_or_reuse,
)
from tests.harness import Box, vm_hwm, wait_until

ROOT = Path(__file__).resolve().parent.parent.parent
TARGETS = {"history_msgs_per_s": 3000, "live_p99_ms": 100, "rss_total_mb": 300}
COPY_VERSION = 1  # bump when the copy is prepared differently
EMPTY_LOGIN, EMPTY_PASSWORD = "admin", "admin123"
# Seconds between two looks at what a figure waits for: a wait ends at most this late.
POLL = 0.01


class HealthProbe:
    """``GET /healthz`` every ``every`` seconds on a thread of its own until stopped; the
    round trips in milliseconds."""

    def __init__(self, url: str, every: float = 0.02) -> None:
        self.url, self.every = url, every
        self.times: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=30) as client:
            while not self._stop.is_set():
                started = time.perf_counter()
                client.get("/healthz").raise_for_status()
                self.times.append((time.perf_counter() - started) * 1000)
                self._stop.wait(self.every)

    def __enter__(self) -> HealthProbe:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def figures(self) -> dict[str, float]:
        if not self.times:
            return {"requests": 0}
        return {
            "requests": len(self.times),
            "p50_ms": round(percentile(sorted(self.times), 0.50), 2),
            "p99_ms": round(percentile(sorted(self.times), 0.99), 2),
        }


def fresh_database(box: Box) -> None:
    """A new database with one device (its token written for the bridge) and an admin."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{box.db_path}{suffix}").unlink(missing_ok=True)
    box.data.mkdir(parents=True, exist_ok=True)
    migrate(box.db_path)
    db = Database(box.db_path, readers=1)
    try:
        device, token = db.write_sync(create_device, "Celular da loja", "sim")
        user = db.write_sync(
            lambda c: create_user(
                c,
                login=EMPTY_LOGIN,
                name="Admin",
                password_hash=hash_password(EMPTY_PASSWORD),
                is_admin=True,
            )
        )
        box.session, _ = db.write_sync(create_session, user)
    finally:
        db.close()
    box.login, box.password = EMPTY_LOGIN, EMPTY_PASSWORD
    box.write_token(device, token)


def copy_shop(box: Box, shop: Shop) -> float:
    """The shop's database copied in (backup API), its device given a new bridge token
    (created when the shop has none) and its admin a browser session; returns seconds."""
    shutil.rmtree(box.root, ignore_errors=True)
    box.data.mkdir(parents=True)
    started = time.perf_counter()
    source = connect(shop.db_path)
    copy = connect(box.db_path)
    try:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode = WAL")
    finally:
        copy.close()
        source.close()
    seconds = time.perf_counter() - started
    migrate(box.db_path)
    db = Database(box.db_path, readers=1)
    try:

        def device_and_session(c: Any) -> tuple[int, str, str]:
            row = c.execute("SELECT min(id) FROM device").fetchone()
            if row[0] is None:
                device, token = create_device(c, "Celular da loja", "sim")
            else:
                device = int(row[0])
                token = rotate_device_token(c, device)
                c.execute("UPDATE device SET driver = 'sim' WHERE id = ?", (device,))
            admin = c.execute(
                "SELECT id FROM app_user WHERE login = ?", (shop.admin_login,)
            ).fetchone()[0]
            session, _ = create_session(c, int(admin))
            return device, token, session

        device, token, box.session = db.write_sync(device_and_session)
    finally:
        db.close()
    box.login, box.password = shop.admin_login, shop.admin_password
    box.write_token(device, token)
    return seconds


def data_size(box: Box) -> dict[str, int]:
    chats, messages = box.query(
        "SELECT (SELECT count(*) FROM chat), (SELECT count(*) FROM message)"
    )[0]
    wal = Path(f"{box.db_path}-wal")
    db_bytes = box.db_path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
    return {"chats": int(chats), "messages": int(messages), "db_bytes": db_bytes}


def newest_message(box: Box) -> int:
    return int(box.scalar("SELECT coalesce(max(id), 0) FROM message"))


def bench_box(root: Path) -> Box:
    """The box of the benchmark: the web logs warnings only (its INFO lines would be timed)."""
    return Box(root, log_level="WARNING")


# Messages after a given id (the data already there is not counted; ids only grow).
INBOUND_AFTER = "SELECT count(*) FROM message WHERE id > ? AND direction = 'in'"
MESSAGES_AFTER = "SELECT count(*) FROM message WHERE id > ?"


def bench_live_inbound(box: Box, count: int) -> dict[str, Any]:
    after = newest_message(box)
    started = time.monotonic()
    sent = 0
    while sent < count:
        n = min(1000, count - sent)
        box.sim("POST", "/burst", {"count": n})
        sent += n
    wait_until(lambda: box.scalar(INBOUND_AFTER, (after,)) >= count, 600, "the live burst", POLL)
    seconds = time.monotonic() - started
    return {"messages": count, "seconds": round(seconds, 2), "msgs_per_s": round(count / seconds)}


def history_senders(box: Box, chats: int) -> list[str]:
    """``chats`` customers' numbers that no chat of the data has yet."""
    senders: list[str] = []
    n = 0
    while len(senders) < chats:
        phone = f"+55119870{n:05d}"
        if not box.scalar("SELECT count(*) FROM chat WHERE phone = ?", (phone,)):
            senders.append(phone)
        n += 1
    return senders


def seed_phone_history(box: Box, chats: int, per_chat: int) -> list[str]:
    """Customers' messages the phone keeps: ``chats`` senders × ``per_chat`` messages."""
    senders = history_senders(box, chats)
    after = newest_message(box)
    for sender in senders:
        left = per_chat
        while left:
            n = min(1000, left)
            box.sim("POST", "/burst", {"count": n, "from": sender})
            left -= n
    wait_until(
        lambda: box.scalar(INBOUND_AFTER, (after,)) >= chats * per_chat,
        600,
        "the seed to land",
        POLL,
    )
    return [s.lstrip("+") + "@s.whatsapp.net" for s in senders]


def bench_history(box: Box, jids: list[str], per_chat: int, empty: bool) -> dict[str, Any]:
    """History sync: every chat's messages fetched by sync jobs, into chats written anew
    (into an empty database with ``empty``, else beside the rest of the data)."""
    box.stop("bridge")
    box.stop("worker")
    box.stop("web")
    if empty:
        fresh_database(box)
    db = Database(box.db_path, readers=1)
    try:

        def fresh_chat(c: Any, jid: str) -> int:
            c.execute("DELETE FROM chat WHERE wa_id = ?", (jid,))  # its messages with it
            return insert_chat(
                c,
                ChatRow(
                    device=box.device,
                    wa_id=jid,
                    phone="+" + jid.split("@")[0],
                    registered_at=0,
                    sort_name="~",
                ),
            )

        chat_ids = [db.write_sync(fresh_chat, jid) for jid in jids]
    finally:
        db.close()
    after = newest_message(box)
    box.start_web()
    box.start_worker(2)
    box.start_bridge(wait=False, rate=0, initial_sync=False)
    box.wait_ready()
    total = len(jids) * per_chat
    with box.client() as api, HealthProbe(box.url) as health:
        started = time.monotonic()
        for chat in chat_ids:
            r = api.post(f"/api/v1/chats/{chat}/sync", json={"older": True})
            r.raise_for_status()
        first = wait_until(
            lambda: box.scalar(MESSAGES_AFTER, (after,)) > 0 and time.monotonic(),
            120,
            "the first history row",
            every=0.002,
        )
        pages = -(-per_chat // 1000)
        for _ in range(pages - 1):
            wait_until(
                lambda: (
                    box.scalar(
                        "SELECT count(*) FROM device_job WHERE state IN ('pending', 'ready')"
                    )
                    == 0
                ),
                600,
                "a page",
                POLL,
            )
            for chat in chat_ids:
                api.post(f"/api/v1/chats/{chat}/sync", json={"older": True}).raise_for_status()
        wait_until(
            lambda: box.scalar(MESSAGES_AFTER, (after,)) >= total,
            600,
            "the history",
            every=0.005,
        )
    done = time.monotonic()
    return {
        "messages": total,
        "chats": len(jids),
        "pages_per_chat": pages,
        "seconds": round(done - started, 2),
        "msgs_per_s_from_request": round(total / (done - started)),
        "msgs_per_s_first_to_last_row": round(total / max(done - first, 1e-6)),
        "healthz": health.figures(),
    }


def bench_outbound(box: Box, count: int, jids: list[str]) -> dict[str, Any]:
    box.stop("bridge")
    conn = sqlite3.connect(f"file:{box.db_path}?mode=ro", uri=True)
    chat_ids = [
        r[0]
        for r in conn.execute(
            f"SELECT id FROM chat WHERE wa_id IN ({','.join('?' * len(jids))}) ORDER BY id LIMIT 5",
            jids,
        )
    ]
    conn.close()
    after = newest_message(box)
    with box.client() as api:
        started = time.monotonic()
        for n in range(count):
            r = api.post(
                f"/api/v1/chats/{chat_ids[n % len(chat_ids)]}/messages",
                json={"body": f"Resposta {n}", "client_id": str(uuid.uuid4())},
            )
            r.raise_for_status()
        api_seconds = time.monotonic() - started
    box.start_bridge(wait=False, rate=0, initial_sync=False, delivery_delay=0.5, read_delay=1.0)
    wait_until(
        lambda: box.scalar("SELECT count(*) FROM outbox") == 0, 600, "the outbox", every=0.002
    )
    done = time.time() * 1000
    # the phone's time of taking the first one (same clock as this machine's)
    first = box.scalar(
        "SELECT min(at) FROM message_receipt WHERE status = 'sent' AND message > ?", (after,)
    )
    seconds = max(done - first, 1.0) / 1000
    return {
        "messages": count,
        "api_msgs_per_s": round(count / api_seconds),
        "seconds": round(seconds, 2),
        "msgs_per_s": round(count / seconds),
    }


async def bench_latency(box: Box, rate: float, seconds: float) -> dict[str, Any]:
    """From the phone's event (the message's time, stamped by the phone as it logs it) to
    the browser's websocket. The control call that makes a customer write is not counted."""
    import websockets

    box.wait_ready()
    wait_until(
        lambda: (
            box.scalar("SELECT count(*) FROM device_job WHERE state IN ('pending', 'ready')") == 0
        ),
        120,
        "the reconciliation after the reconnect",
        POLL,
    )
    latencies: list[float] = []
    pending: set[str] = set()
    drained = asyncio.Event()
    finished = False
    async with websockets.connect(
        f"ws://127.0.0.1:{box.port}/ws",
        origin=box.url,  # type: ignore[arg-type]
        additional_headers={"Cookie": f"balcao_session={box.session}"},
    ) as ws:

        async def reader() -> None:
            async for raw in ws:
                received = time.time() * 1000
                event = json.loads(raw)
                if event["type"] != "message.received":
                    continue
                message = event["message"]
                if message["body"] in pending:
                    pending.discard(message["body"])
                    sent = datetime.fromisoformat(message["sent_at"]).timestamp() * 1000
                    latencies.append(received - sent)
                if finished and not pending:
                    drained.set()

        task = asyncio.create_task(reader())
        count = int(rate * seconds)
        start = time.perf_counter()
        for n in range(count):
            body = f"latência {n} {uuid.uuid4().hex[:8]}"
            pending.add(body)
            await asyncio.to_thread(
                box.sim, "POST", "/send", {"from": "+5511987609999", "text": body}
            )
            await asyncio.sleep(max(0.0, start + (n + 1) / rate - time.perf_counter()))
        finished = True
        if pending:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(drained.wait(), 30)
        task.cancel()
    return {
        "messages": len(latencies),
        "rate_per_s": rate,
        "p50_ms": round(percentile(sorted(latencies), 0.50), 1),
        "p99_ms": round(percentile(sorted(latencies), 0.99), 1),
        "max_ms": round(max(latencies), 1),
        "lost": len(pending),
    }


def print_table(result: dict[str, Any]) -> None:
    d, h, live, out, lat, rss_mb = (
        result["data"],
        result["history_sync"],
        result["live_inbound"],
        result["outbound"],
        result["ws_latency"],
        result["peak_rss_mb"],
    )
    before, after = d["before"], d["after"]
    print(
        f"pipeline benchmark ({result['machine']['cpus']} CPUs, Python "
        f"{result['machine']['python']}; load {result['machine']['load_average_before']} -> "
        f"{result['machine']['load_average']})"
    )
    if d["mode"] == "empty":
        origin = "an empty database"
    else:
        s = d["shop"]
        built = "reused" if s["reused"] else f"built in {s['build_seconds']:.1f} s"
        origin = f"the {s['chats']:,}-chat shop ({built}), copied in {d['copy_seconds']:.1f} s"
    print(f"  data         : {origin}")
    print(
        f"                 before {before['chats']:,} chats, {before['messages']:,} messages, "
        f"DB {before['db_bytes'] / 2**20:.1f} MB; after {after['chats']:,} chats, "
        f"{after['messages']:,} messages, DB {after['db_bytes'] / 2**20:.1f} MB"
    )
    print(
        f"  history sync : {h['messages']} msgs in {h['chats']} chats, {h['seconds']} s: "
        f"{h['msgs_per_s_from_request']} msg/s from the request, "
        f"{h['msgs_per_s_first_to_last_row']} msg/s first→last row "
        f"(target ≥ {TARGETS['history_msgs_per_s']})"
    )
    hz = h["healthz"]
    print(
        f"  /healthz     : during the history sync, {hz['requests']} requests: "
        f"p50 {hz.get('p50_ms')} ms, p99 {hz.get('p99_ms')} ms"
    )
    print(
        f"  live inbound : {live['messages']} msgs in {live['seconds']} s: "
        f"{live['msgs_per_s']} msg/s"
    )
    print(
        f"  outbound     : {out['messages']} msgs handed to the phone in {out['seconds']} s: "
        f"{out['msgs_per_s']} msg/s (API accepted {out['api_msgs_per_s']} msg/s)"
    )
    print(
        f"  ws latency   : {lat['messages']} msgs at {lat['rate_per_s']:g}/s: "
        f"p50 {lat['p50_ms']} ms, p99 {lat['p99_ms']} ms, max {lat['max_ms']} ms, "
        f"lost {lat['lost']} (target p99 < {TARGETS['live_p99_ms']})"
    )
    print(
        f"  peak RSS     : web {rss_mb.get('web')} MB, worker {rss_mb.get('worker')} MB, "
        f"bridge {rss_mb.get('bridge')} MB, total {rss_mb['total']} MB "
        f"(target < {TARGETS['rss_total_mb']})"
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/bench pipeline",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--quick", action="store_true", help=f"the small shop ({QUICK_CHATS:,} chats)"
    )
    parser.add_argument("--empty", action="store_true", help="an empty database, no shop")
    parser.add_argument("--shop-chats", type=int, help="the shop's chats")
    parser.add_argument("--shop-messages", type=int, help="the shop's messages")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--data-root", type=Path, default=BENCH_DATA)
    parser.add_argument("--live", type=int, default=5000, help="live burst size")
    parser.add_argument("--chats", type=int, default=10, help="chats in the history sync")
    parser.add_argument("--per-chat", type=int, default=1000, help="history messages per chat")
    parser.add_argument("--outbound", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=20.0, help="messages/s for the latency")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--keep", action="store_true", help="keep the data folder afterwards")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    load_before = load_average()
    data: dict[str, Any] = {"mode": "empty" if args.empty else "shop"}
    if args.empty:
        box = bench_box(Path(tempfile.mkdtemp(prefix="balcao-bench-pipeline-")))
        fresh_database(box)
    else:
        shop = build_or_reuse(
            chats=args.shop_chats or (QUICK_CHATS if args.quick else DEFAULT_CHATS),
            messages=args.shop_messages or (QUICK_MESSAGES if args.quick else DEFAULT_MESSAGES),
            seed=args.seed,
            root=args.data_root,
            log=not args.json,
        )
        box = bench_box(args.data_root / f"pipeline{COPY_VERSION}-{shop.data_dir.name}")
        data["copy_seconds"] = round(copy_shop(box, shop), 2)
        data["shop"] = {
            "chats": shop.chats,
            "messages": shop.messages,
            "seed": shop.seed,
            "reused": shop.reused,
            "build_seconds": shop.build_seconds,
            "path": str(shop.db_path),
        }
    data["path"] = str(box.db_path)
    data["device"] = box.device
    data["before"] = data_size(box)
    result: dict[str, Any] = {
        "benchmark": "pipeline",
        "machine": {
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
            "load_average_before": load_before,
        },
        "data": data,
    }
    try:
        box.start_web()
        box.start_worker(2)
        box.start_bridge(wait=False, rate=0, initial_sync=False, contacts=5)
        box.wait_ready()
        jids = seed_phone_history(box, args.chats, args.per_chat)
        result["live_inbound"] = bench_live_inbound(box, args.live)
        result["history_sync"] = bench_history(box, jids, args.per_chat, args.empty)
        result["outbound"] = bench_outbound(box, args.outbound, jids)
        result["ws_latency"] = asyncio.run(bench_latency(box, args.rate, args.seconds))
        for name in ("web", "worker", "bridge"):
            proc = box.procs.get(name)
            if proc is not None:
                box.peak_rss[name] = max(box.peak_rss.get(name, 0), vm_hwm(proc.pid))
        rss = {k: round(v / 2**20, 1) for k, v in box.peak_rss.items()}
        result["peak_rss_mb"] = {**rss, "total": round(sum(rss.values()), 1)}
        result["targets"] = TARGETS
    finally:
        box.stop_all()
    data["after"] = data_size(box)
    result["database_mb"] = round(data["after"]["db_bytes"] / 2**20, 1)
    result["machine"]["load_average"] = load_average()
    if not args.keep:
        shutil.rmtree(box.root, ignore_errors=True)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print_table(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
