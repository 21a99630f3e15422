"""`scripts/demo` as a shop owner runs it: it comes up, lets staff in, stops cleanly, keeps data."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.harness import BALCAO, REPO, balcao_env, free_port, process_alive, wait_until

START_TIMEOUT = 180.0
STOP_TIMEOUT = 10.0
SEEDED_CHATS = 323  # 320 customers and 3 broadcast lists


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces, so split after the last ")".
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            found.add(int(entry.name))
    return found


class Demo:
    def __init__(self, data: Path, port: int, log: Path) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = log
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [str(REPO / "scripts" / "demo")],
                cwd=REPO,
                env=balcao_env(data, port),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_ready(self) -> None:
        def ready() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"scripts/demo exited early:\n{self.log()}")
            return "\nready\n" in self.log()

        wait_until(ready, START_TIMEOUT, "scripts/demo to be ready", every=0.2)
        r = httpx.get(f"{self.url}/healthz", timeout=5)
        assert r.status_code == 200, r.text

    def stop(self) -> tuple[float, set[int]]:
        """SIGTERM, as systemd or a terminal would; returns the seconds it took and the
        children that were running."""
        children = _children(self.process.pid)
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=STOP_TIMEOUT + 5)
        return time.monotonic() - started, children

    def kill(self) -> None:
        if self.process.poll() is None:
            for child in _children(self.process.pid):
                with_suppressed_kill(child)
            with_suppressed_kill(self.process.pid)
            self.process.wait()


def with_suppressed_kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _token(url: str, login: str) -> str:
    r = httpx.post(f"{url}/api/v1/auth/token", json={"login": login, "password": login}, timeout=10)
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def _seeded_counts(data: Path) -> tuple[int, int, int, int]:
    """Users, tags, devices and the demo's chats (the simulated phone adds its own later)."""
    conn = sqlite3.connect(f"file:{data / 'balcao.db'}?mode=ro", uri=True)
    try:
        row = conn.execute(
            "SELECT (SELECT count(*) FROM app_user), (SELECT count(*) FROM tag), "
            "(SELECT count(*) FROM device), (SELECT count(*) FROM chat WHERE id <= ?)",
            (SEEDED_CHATS,),
        ).fetchone()
    finally:
        conn.close()
    return tuple(row)  # type: ignore[return-value]


def _wait_device_ready(url: str, timeout: float = 60.0) -> None:
    def states() -> list[str]:
        return [d["state"] for d in httpx.get(f"{url}/healthz", timeout=5).json()["devices"]]

    wait_until(lambda: states() == ["ready"], timeout, "the simulated phone to connect", 0.3)


@pytest.mark.slow
def test_demo_runs_the_shop_and_keeps_its_data(tmp_path: Path) -> None:
    data, port, log = tmp_path / "data", free_port(), tmp_path / "demo.log"
    demo = Demo(data, port, log)
    try:
        demo.wait_ready()
        assert "Balcão pronto em http://127.0.0.1:" in demo.log()
        assert "admin/admin" in demo.log()
        token = _token(demo.url, "ana")
        r = httpx.get(
            f"{demo.url}/api/v1/chats", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        assert r.status_code == 200, r.text
        assert r.json()["items"], "ana sees the chats of Vendas"
        _wait_device_ready(demo.url)
        seconds, children = demo.stop()
    finally:
        demo.kill()
    assert demo.process.returncode == 0, demo.log()
    assert seconds < STOP_TIMEOUT
    assert len(children) >= 3
    assert not [pid for pid in children if process_alive(pid)]
    first = _seeded_counts(data)
    assert first == (3, 10, 1, SEEDED_CHATS)

    again = Demo(data, port, tmp_path / "demo-again.log")
    try:
        again.wait_ready()
        _token(again.url, "admin")
        again.stop()
    finally:
        again.kill()
    assert again.process.returncode == 0
    assert "já tem usuários" in again.log()
    assert _seeded_counts(data) == first


@pytest.mark.parametrize(
    ("language", "ready", "logins"),
    [
        ("", "Balcão pronto em http://127.0.0.1:8080", "Logins de demonstração: admin/admin"),
        ("en", "Balcão is ready at http://127.0.0.1:8080", "Demo logins: admin/admin"),
    ],
)
def test_the_demo_s_notice_speaks_the_shop_s_language(
    tmp_path: Path, language: str, ready: str, logins: str
) -> None:
    """What scripts/demo prints once the shop answers comes from the catalogs, in the
    language BALCAO_LANGUAGE sets (pt-BR when unset); its "ready" line stays as tools read it."""
    env = balcao_env(tmp_path, BALCAO_LANGUAGE=language) if language else balcao_env(tmp_path)
    done = subprocess.run(
        [BALCAO, "demo-banner", "http://127.0.0.1:8080"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[:2] == [ready, "ready"]
    assert lines[2].startswith(logins)
