"""A real ``balcao serve`` process on a loopback port, for tests that need one."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent


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


def wait_until(check: object, timeout: float, what: str, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError, OSError):
            if check():  # type: ignore[operator]
                return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@contextlib.contextmanager
def running_server(data_dir: Path, timeout: float = 30.0) -> Iterator[Server]:
    port = free_port()
    log_path = data_dir / f"serve-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "appliance", "serve"],
            cwd=REPO,
            env=balcao_env(data_dir, port),
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
