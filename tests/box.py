"""A whole box in a temporary folder: the web served by uvicorn, the real ``balcao bridge``
process with the sim driver, real SQLite files, processes that can be killed."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from appliance.core.clock import now_ms
from appliance.core.db import Database
from bridge.drivers.sim.control import ControlClient
from tests.factories import insert_chat, make_device, make_user
from tests.live import free_port, wait_until

__all__ = ["Box", "wait_until"]

BALCAO = str(Path(sys.executable).parent / "balcao")


class Box:
    """Web + bridge of device 1 on loopback, with helpers to look inside."""

    def __init__(self, root: Path, template_db: Path) -> None:
        self.root = root
        self.data = root / "data"
        self.data.mkdir()
        shutil.copyfile(template_db, self.data / "balcao.db")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "BALCAO_DATA": str(self.data),
            "BALCAO_PORT": str(self.port),
            "BALCAO_HOST": "127.0.0.1",
            "BALCAO_CONFIG": str(root / "absent.toml"),
            "BALCAO_LOG_LEVEL": "INFO",
        }
        db = Database(self.data / "balcao.db", readers=1)
        try:
            self.device, token = make_device(db)
            make_user(db, "admin", is_admin=True)
        finally:
            db.close()
        self.device_dir = self.data / "devices" / str(self.device)
        self.device_dir.mkdir(parents=True)
        (self.device_dir / "bridge.token").write_text(token)
        self.token = token
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.logs: dict[str, Path] = {}
        self._api: httpx.Client | None = None

    # -- processes -----------------------------------------------------------------------

    def _spawn(self, name: str, *args: str) -> None:
        log = self.root / f"{name}.log"
        self.logs[name] = log
        out = log.open("ab")
        self.procs[name] = subprocess.Popen(
            [BALCAO, *args], env=self.env, stdout=out, stderr=subprocess.STDOUT, cwd=self.root
        )
        out.close()

    def start_web(self) -> None:
        self._spawn("web", "serve")
        wait_until(
            lambda: httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200,
            what="the web to answer",
        )

    def start_worker(self) -> None:
        self._spawn("worker", "worker", "--workers", "1")

    def start_bridge(self, wait: bool = True, **options: Any) -> None:
        sim = {"rate": 0, "initial_sync": False, "contacts": 3, **options}
        opts = [f"-o{k}={_json(v)}" for k, v in sim.items()]
        control = self.device_dir / "sim" / "control.json"
        control.unlink(missing_ok=True)
        self._spawn("bridge", "bridge", "--device", str(self.device), "--poll-wait", "5", *opts)
        if not wait:
            return
        wait_until(lambda: self.device_state() == "ready", what="the bridge to be ready")
        wait_until(lambda: self.sim("GET", "/status"), what="the simulated phone")

    def kill(self, name: str) -> None:
        proc = self.procs.pop(name)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM, the bridge first (it reports that it stops), then the web."""
        for name in ("bridge", "worker", "web"):
            proc = self.procs.pop(name, None)
            if proc is None:
                continue
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        if self._api is not None:
            self._api.close()

    def log_text(self, name: str) -> str:
        return self.logs[name].read_text(errors="replace")

    # -- looking inside ------------------------------------------------------------------

    def sim(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        return ControlClient(self.device_dir / "sim").call(method, path, body)

    def sim_cli(self, *args: str) -> str:
        done = subprocess.run(
            [BALCAO, "sim", *args, "--device", str(self.device)],
            env=self.env,
            capture_output=True,
            check=True,
            timeout=60,
        )
        return done.stdout.decode()

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        conn = sqlite3.connect(f"file:{self.data / 'balcao.db'}?mode=ro", uri=True, timeout=15)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    def scalar(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        return self.query(sql, params)[0][0]

    def journal_pending(self) -> int:
        """Events in the bridge's journal not yet acknowledged by the web."""
        path = self.device_dir / "bridge-journal.db"
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=15)
        try:
            return int(conn.execute("SELECT count(*) FROM event").fetchone()[0])
        finally:
            conn.close()

    def healthz(self) -> dict[str, Any]:
        device = httpx.get(f"{self.url}/healthz", timeout=5).json()["devices"][0]
        return dict(device)

    def device_state(self) -> str:
        return str(self.scalar("SELECT state FROM device WHERE id = ?", (self.device,)))

    @property
    def api(self) -> httpx.Client:
        if self._api is None:
            r = httpx.post(
                f"{self.url}/api/v1/auth/token",
                json={"login": "admin", "password": "admin"},
                timeout=10,
            )
            r.raise_for_status()
            self._api = httpx.Client(
                base_url=self.url,
                timeout=30,
                headers={"Authorization": f"Bearer {r.json()['access_token']}"},
            )
        return self._api

    def make_chats(self, count: int) -> list[int]:
        db = Database(self.data / "balcao.db", readers=1)
        try:
            return [
                db.write_sync(
                    insert_chat,
                    self.device,
                    name=f"Cliente {n}",
                    phone=f"+551198765{n:04d}",
                    last_message_at=now_ms() - 60_000,
                )
                for n in range(count)
            ]
        finally:
            db.close()


def _json(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
