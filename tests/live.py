"""A real ``balcao serve`` process on a loopback port, for tests that need one."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx

from bridge.drivers.sim.control import PhoneNotRunningError

REPO = Path(__file__).resolve().parent.parent
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def balcao_env(data_dir: Path, port: int | None = None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BALCAO_")}
    env.update(
        {
            "BALCAO_DATA": str(data_dir),
            "BALCAO_HOST": "127.0.0.1",
            "BALCAO_LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
    )
    if port is not None:
        env["BALCAO_PORT"] = str(port)
    env.update(extra)
    return env


def wait_until(
    check: Callable[[], T], timeout: float = 30.0, what: str = "condition", every: float = 0.02
) -> T:
    """Poll ``check`` until it returns something truthy; fail with ``what`` at the deadline.

    A check that cannot reach its target yet (connection refused, database busy, no
    phone running) counts as not yet; any other error fails at once."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = check()
        except (httpx.HTTPError, OSError, sqlite3.OperationalError, PhoneNotRunningError) as exc:
            last = exc
        else:
            if last:
                return last
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what} (last: {last!r})")


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@contextlib.contextmanager
def running_server(data_dir: Path, timeout: float = 30.0, **env: str) -> Iterator[Server]:
    """``balcao serve`` on a free port; ``env`` adds variables such as BALCAO_ALLOWED_HOSTS."""
    port = free_port()
    log_path = data_dir / f"serve-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "appliance", "serve"],
            cwd=REPO,
            env=balcao_env(data_dir, port, **env),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", process, log_path)
    try:

        def healthy() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"balcao serve exited:\n{server.log()}")
            return httpx.get(f"{server.url}/healthz", timeout=1).status_code == 200

        wait_until(healthy, timeout, "balcao serve to answer /healthz")
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
