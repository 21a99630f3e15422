"""The message pipeline end to end: sim phone → bridge → web → SQLite → browser websocket.

Runs the real processes (``balcao serve``, ``balcao worker``, ``balcao bridge --driver sim``)
on a temporary data folder and measures, with the data size:

- live inbound: customers' burst of ``--live`` messages, from the phone's event to the row;
- history sync (batched): ``--chats`` chats × ``--per-chat`` messages the phone already has,
  fetched by sync jobs (API → worker → web → bridge → phone → journal → web, 1000 a page),
  timed from the API requests to the last row, and first row to last row;
- outbound: ``--outbound`` messages queued while the bridge is down, from its start until the
  phone holds them all;
- latency: phone event → ``message.received`` on a logged-in browser websocket, at
  ``--rate`` messages/s for ``--seconds`` seconds (p50 / p99);
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
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx

import appliance  # noqa: F401  (sqlite3 -> sqlean before anything else)
from appliance.accounts.service import create_session, create_user, hash_password
from appliance.db import Database, migrate
from appliance.devices.service import create_device

ROOT = Path(__file__).resolve().parent.parent.parent
BALCAO = str(Path(sys.executable).parent / "balcao")
TARGETS = {"history_msgs_per_s": 3000, "live_p99_ms": 100, "rss_total_mb": 300}
T = TypeVar("T")


def wait_for(check: Callable[[], T], timeout: float, what: str, every: float = 0.01) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = check()
        except (httpx.HTTPError, sqlite3.OperationalError, OSError):
            value = None
        if value:
            return value
        time.sleep(every)
    raise SystemExit(f"bench: timed out waiting for {what}")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


class Box:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "data"
        self.db_path = self.data / "balcao.db"
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "BALCAO_DATA": str(self.data),
            "BALCAO_PORT": str(self.port),
            "BALCAO_HOST": "127.0.0.1",
            "BALCAO_CONFIG": str(root / "absent.toml"),
            "BALCAO_LOG_LEVEL": "WARNING",
        }
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.peak_rss: dict[str, int] = {}

    def fresh_database(self) -> tuple[int, str]:
        """A new database with one device (its token written for the bridge) and an admin."""
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.db_path}{suffix}").unlink(missing_ok=True)
        migrate(self.db_path)
        db = Database(self.db_path, readers=1)
        try:
            device, token = db.write_sync(create_device, "Celular da loja", "sim")
            user = db.write_sync(
                lambda c: create_user(
                    c,
                    login="admin",
                    name="Admin",
                    password_hash=hash_password("admin123"),
                    is_admin=True,
                )
            )
            self.session, _ = db.write_sync(create_session, user)
        finally:
            db.close()
        device_dir = self.data / "devices" / str(device)
        device_dir.mkdir(parents=True, exist_ok=True)
        (device_dir / "bridge.token").write_text(token)
        self.device_dir = device_dir
        return device, token

    def spawn(self, name: str, *args: str) -> None:
        log = (self.root / f"{name}.log").open("ab")
        self.procs[name] = subprocess.Popen(
            [BALCAO, *args], env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()

    def start_web(self) -> None:
        self.spawn("web", "serve")
        wait_for(lambda: httpx.get(f"{self.url}/healthz").status_code == 200, 30, "the web")

    def start_bridge(self, **options: Any) -> None:
        opts = [f"-o{k}={json.dumps(v)}" for k, v in options.items()]
        (self.device_dir / "sim" / "control.json").unlink(missing_ok=True)
        self.spawn("bridge", "bridge", "--device", "1", *opts)

    def wait_ready(self) -> None:
        wait_for(lambda: self.scalar("SELECT state FROM device") == "ready", 30, "the bridge")
        wait_for(lambda: (self.device_dir / "sim" / "control.json").exists(), 30, "the phone")

    def stop(self, name: str) -> None:
        proc = self.procs.pop(name, None)
        if proc is None:
            return
        self.peak_rss[name] = max(self.peak_rss.get(name, 0), vm_hwm(proc.pid))
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def stop_all(self) -> None:
        for name in ("bridge", "worker", "web"):
            self.stop(name)

    def sim(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        info = json.loads((self.device_dir / "sim" / "control.json").read_text())
        r = httpx.request(
            method,
            f"http://127.0.0.1:{info['port']}{path}",
            json=body,
            headers={"Authorization": f"Bearer {info['token']}"},
            timeout=120,
        )
        r.raise_for_status()
        return r.json()

    def scalar(self, sql: str) -> Any:
        conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=15)
        try:
            return conn.execute(sql).fetchone()[0]
        finally:
            conn.close()

    def api(self) -> httpx.Client:
        r = httpx.post(
            f"{self.url}/api/v1/auth/token", json={"login": "admin", "password": "admin123"}
        )
        r.raise_for_status()
        return httpx.Client(
            base_url=self.url,
            timeout=60,
            headers={"Authorization": f"Bearer {r.json()['access_token']}"},
        )


def vm_hwm(pid: int) -> int:
    """Peak resident memory of a process, in bytes."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


INBOUND = "SELECT count(*) FROM message WHERE direction = 'in'"


def bench_live_inbound(box: Box, count: int) -> dict[str, Any]:
    before = box.scalar(INBOUND)
    started = time.monotonic()
    sent = 0
    while sent < count:
        n = min(1000, count - sent)
        box.sim("POST", "/burst", {"count": n})
        sent += n
    wait_for(lambda: box.scalar(INBOUND) >= before + count, 600, "the live burst")
    seconds = time.monotonic() - started
    return {"messages": count, "seconds": round(seconds, 2), "msgs_per_s": round(count / seconds)}


def seed_phone_history(box: Box, chats: int, per_chat: int) -> list[str]:
    """Customers' messages the phone keeps: ``chats`` senders × ``per_chat`` messages."""
    senders = [f"+55119870{n:05d}" for n in range(chats)]
    for sender in senders:
        left = per_chat
        while left:
            n = min(1000, left)
            box.sim("POST", "/burst", {"count": n, "from": sender})
            left -= n
    wait_for(lambda: box.scalar(INBOUND) >= chats * per_chat, 600, "the seed to land")
    return [s.lstrip("+") + "@s.whatsapp.net" for s in senders]


def bench_history(box: Box, jids: list[str], per_chat: int) -> dict[str, Any]:
    """History sync into an empty database: every chat's messages fetched by sync jobs."""
    box.stop("bridge")
    box.stop("worker")
    box.stop("web")
    box.fresh_database()
    db = Database(box.db_path, readers=1)
    try:
        chat_ids = [
            db.write_sync(
                lambda c, jid=jid: int(
                    c.execute(
                        "INSERT INTO chat(device, wa_id, phone, wa_name, sort_name, registered_at) "
                        "VALUES (1, ?, ?, '', '~', 0)",
                        (jid, "+" + jid.split("@")[0]),
                    ).lastrowid
                )
            )
            for jid in jids
        ]
    finally:
        db.close()
    box.start_web()
    box.spawn("worker", "worker", "--workers", "2")
    box.start_bridge(rate=0, initial_sync=False)
    box.wait_ready()
    total = len(jids) * per_chat
    with box.api() as api:
        started = time.monotonic()
        for chat in chat_ids:
            r = api.post(f"/api/v1/chats/{chat}/sync", json={"older": True})
            r.raise_for_status()
        first = wait_for(
            lambda: box.scalar("SELECT count(*) FROM message") > 0 and time.monotonic(),
            120,
            "the first history row",
            every=0.002,
        )
        pages = -(-per_chat // 1000)
        for _ in range(pages - 1):
            wait_for(
                lambda: (
                    box.scalar(
                        "SELECT count(*) FROM device_job WHERE state IN ('pending', 'ready')"
                    )
                    == 0
                ),
                600,
                "a page",
            )
            for chat in chat_ids:
                api.post(f"/api/v1/chats/{chat}/sync", json={"older": True}).raise_for_status()
        wait_for(
            lambda: box.scalar("SELECT count(*) FROM message") >= total,
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
    }


def bench_outbound(box: Box, count: int) -> dict[str, Any]:
    box.stop("bridge")
    conn = sqlite3.connect(f"file:{box.db_path}?mode=ro", uri=True)
    chat_ids = [r[0] for r in conn.execute("SELECT id FROM chat ORDER BY id LIMIT 5")]
    conn.close()
    with box.api() as api:
        started = time.monotonic()
        for n in range(count):
            r = api.post(
                f"/api/v1/chats/{chat_ids[n % len(chat_ids)]}/messages",
                json={"body": f"Resposta {n}", "client_id": str(uuid.uuid4())},
            )
            r.raise_for_status()
        api_seconds = time.monotonic() - started
    box.start_bridge(rate=0, initial_sync=False, delivery_delay=0.5, read_delay=1.0)
    wait_for(lambda: box.scalar("SELECT count(*) FROM outbox") == 0, 600, "the outbox", every=0.002)
    done = time.time() * 1000
    # the phone's time of taking the first one (same clock as this machine's)
    first = box.scalar("SELECT min(at) FROM message_receipt WHERE status = 'sent'")
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
    wait_for(
        lambda: (
            box.scalar("SELECT count(*) FROM device_job WHERE state IN ('pending', 'ready')") == 0
        ),
        120,
        "the reconciliation after the reconnect",
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
        "p50_ms": round(percentile(latencies, 50), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
        "max_ms": round(max(latencies), 1),
        "lost": len(pending),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/bench pipeline",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--live", type=int, default=5000, help="live burst size")
    parser.add_argument("--chats", type=int, default=10, help="chats in the history sync")
    parser.add_argument("--per-chat", type=int, default=1000, help="history messages per chat")
    parser.add_argument("--outbound", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=20.0, help="messages/s for the latency")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    root = Path(tempfile.mkdtemp(prefix="balcao-bench-pipeline-"))
    box = Box(root)
    result: dict[str, Any] = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]}}
    try:
        box.fresh_database()
        box.start_web()
        box.spawn("worker", "worker", "--workers", "2")
        box.start_bridge(rate=0, initial_sync=False, contacts=5)
        box.wait_ready()
        jids = seed_phone_history(box, args.chats, args.per_chat)
        result["live_inbound"] = bench_live_inbound(box, args.live)
        result["history_sync"] = bench_history(box, jids, args.per_chat)
        result["outbound"] = bench_outbound(box, args.outbound)
        result["ws_latency"] = asyncio.run(bench_latency(box, args.rate, args.seconds))
        for name in ("web", "worker", "bridge"):
            proc = box.procs.get(name)
            if proc is not None:
                box.peak_rss[name] = max(box.peak_rss.get(name, 0), vm_hwm(proc.pid))
        rss = {k: round(v / 2**20, 1) for k, v in box.peak_rss.items()}
        result["peak_rss_mb"] = {**rss, "total": round(sum(rss.values()), 1)}
        result["database_mb"] = round(box.db_path.stat().st_size / 2**20, 1)
        result["targets"] = TARGETS
    finally:
        box.stop_all()
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    h, live, out, lat, rss_mb = (
        result["history_sync"],
        result["live_inbound"],
        result["outbound"],
        result["ws_latency"],
        result["peak_rss_mb"],
    )
    print(
        f"pipeline benchmark ({result['machine']['cpus']} CPUs, Python "
        f"{result['machine']['python']}; database {result['database_mb']} MB at the end)"
    )
    print(
        f"  history sync : {h['messages']} msgs in {h['chats']} chats, {h['seconds']} s: "
        f"{h['msgs_per_s_from_request']} msg/s from the request, "
        f"{h['msgs_per_s_first_to_last_row']} msg/s first→last row "
        f"(target ≥ {TARGETS['history_msgs_per_s']})"
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
        f"p50 {lat['p50_ms']} ms, p99 {lat['p99_ms']} ms, max {lat['max_ms']} ms "
        f"(target p99 < {TARGETS['live_p99_ms']})"
    )
    print(
        f"  peak RSS     : web {rss_mb.get('web')} MB, worker {rss_mb.get('worker')} MB, "
        f"bridge {rss_mb.get('bridge')} MB, total {rss_mb['total']} MB "
        f"(target < {TARGETS['rss_total_mb']})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
