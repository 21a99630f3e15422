"""scripts/supervise.py, the demo's stand-in for systemd: restarts, banner, stopping."""

from __future__ import annotations

import http.server
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness import process_alive, wait_until

SUPERVISE = Path(__file__).resolve().parent.parent / "scripts" / "supervise.py"


def _start(log: Path, *args: str) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, str(SUPERVISE), *args],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _wait_for(log: Path, text: str, timeout: float = 20.0) -> None:
    wait_until(lambda: text in log.read_text(errors="replace"), timeout, f"{text!r} in {log}")


@pytest.fixture
def health_server() -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/healthz"
    server.shutdown()
    server.server_close()


def test_prefixes_output_restarts_the_dead_and_prints_the_banner(
    tmp_path: Path, health_server: str
) -> None:
    log = tmp_path / "out.log"
    marker = tmp_path / "runs"
    process = _start(
        log,
        "--health-url",
        health_server,
        "--banner",
        "Pronto!\nready",
        "--run",
        "steady",
        "sleep 1000",
        "--run",
        "flaky",
        f"sh -c 'echo vivo; echo x >> {marker}; exit 3'",
        "--run-after-ready",
        "late",
        "sh -c 'echo depois; sleep 1000'",
    )
    try:
        _wait_for(log, "\nready\n")
        _wait_for(log, "late      | depois")
        text = log.read_text()
        assert text.index("\nready\n") < text.index("late      | depois")
        _wait_for(log, "flaky     | vivo")
        _wait_for(log, "flaky saiu (código 3); reiniciando em 1 s")
        _wait_for(log, "flaky saiu (código 3); reiniciando em 2 s")
        assert len(marker.read_text().split()) >= 2
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0
    assert "parado." in log.read_text()


@pytest.mark.slow
def test_a_child_that_ignores_sigterm_is_killed_within_ten_seconds(tmp_path: Path) -> None:
    log = tmp_path / "out.log"
    process = _start(
        log,
        "--run",
        "stubborn",
        "sh -c 'trap \"\" TERM; echo teimoso; while :; do sleep 1; done'",
        "--run",
        "polite",
        "sleep 1000",
    )
    try:
        _wait_for(log, "stubborn  | teimoso")
        children = [
            int(p.name)
            for p in Path("/proc").iterdir()
            if p.name.isdigit() and _parent_of(p) == process.pid
        ]
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=12)
        took = time.monotonic() - started
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert took < 10
    assert len(children) == 2
    assert not [pid for pid in children if process_alive(pid)]
    assert "stubborn não parou em 8 s: SIGKILL" in log.read_text()


def _parent_of(proc_dir: Path) -> int | None:
    try:
        return int((proc_dir / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None
