"""Web, worker and a bridge-like writer share one SQLite file with no "database is locked"."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from appliance.core.db import Database
from tests.factories import make_chat, make_device, make_user
from tests.harness import REPO, balcao_env, running_server

SECONDS = 6.0


@pytest.mark.slow
def test_three_processes_write_without_lock_errors(tmp_path: Path, template_db: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copyfile(template_db, data / "balcao.db")
    db = Database(data / "balcao.db", readers=1)
    make_user(db, "admin", is_admin=True)
    device, _ = make_device(db)
    for i in range(20):
        make_chat(db, device, name=f"Cliente {i}")
    db.close()

    statuses: list[int] = []
    errors: list[str] = []

    with running_server(data) as server:
        token = httpx.post(
            f"{server.url}/api/v1/auth/token", json={"login": "admin", "password": "admin"}
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        writers = [
            subprocess.Popen(
                [sys.executable, "-m", "tests.writers", role, str(data), str(SECONDS)],
                cwd=REPO,
                env=balcao_env(data),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for role in ("worker", "bridge")
        ]

        def hammer(worker: int) -> None:
            deadline = time.monotonic() + SECONDS
            n = 0
            with httpx.Client(base_url=server.url, headers=headers, timeout=30) as client:
                while time.monotonic() < deadline:
                    n += 1
                    try:
                        if n % 3 == 0:
                            r = client.post(
                                "/api/v1/departments", json={"name": f"Depto {worker}-{n}"}
                            )
                        elif n % 3 == 1:
                            r = client.post(
                                "/api/v1/auth/token", json={"login": "admin", "password": "admin"}
                            )
                        else:
                            r = client.get("/api/v1/chats")
                        statuses.append(r.status_code)
                    except httpx.HTTPError as exc:
                        errors.append(repr(exc))

        threads = [threading.Thread(target=hammer, args=(i,)) for i in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        results = {}
        for role, proc in zip(("worker", "bridge"), writers, strict=True):
            out, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, err
            results[role] = (json.loads(out.strip().splitlines()[-1]), err)
        log = server.log()

    assert errors == []
    assert statuses
    assert set(statuses) <= {200, 201}
    for role, (counts, err) in results.items():
        assert counts["locked"] == 0, (role, counts, err)
        assert counts["other"] == 0, (role, counts, err)
        assert counts["ok"] > 50, (role, counts)
    assert "locked" not in log

    db = Database(data / "balcao.db", readers=1)
    try:
        audit = db.read_sync(lambda c: c.execute("SELECT count(*) FROM audit_entry").fetchone()[0])
        inbound = db.read_sync(
            lambda c: c.execute(
                "SELECT count(*) FROM message WHERE wa_id LIKE 'CONTENTION%'"
            ).fetchone()[0]
        )
        departments = db.read_sync(
            lambda c: c.execute("SELECT count(*) FROM department").fetchone()[0]
        )
    finally:
        db.close()
    assert audit == results["worker"][0]["ok"]
    assert inbound == results["bridge"][0]["ok"]
    assert departments == sum(1 for s in statuses if s == 201)
