"""The bridge stands apart from the appliance: it shares only ``wire`` with it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness import Box

BRIDGE_MODULES = [
    "bridge.cli",
    "bridge.runner",
    "bridge.journal",
    "bridge.drivers",
    "bridge.drivers.sim",
    "bridge.drivers.waweb",
    "bridge.drivers.waweb.gateway",
    "wire",
]


def test_importing_the_bridge_loads_nothing_of_the_appliance() -> None:
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in BRIDGE_MODULES)
        + "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('appliance', 'sqlean'))\n"
        + "print(loaded, sys.modules['sqlite3'].__name__)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert out.strip() == "[] sqlite3"


def _libraries(pid: int) -> str:
    return Path(f"/proc/{pid}/maps").read_text()


@pytest.mark.slow
def test_balcao_bridge_runs_in_a_process_without_the_appliance(box: Box) -> None:
    """``balcao bridge`` becomes ``python -m bridge``: the running daemon has not loaded
    sqlean's SQLite (which importing ``appliance`` binds), while the web has."""
    box.start_web()
    box.start_bridge()
    bridge = box.procs["bridge"]
    web = box.procs["web"]
    assert "sqlean" not in _libraries(bridge.pid)
    assert "sqlean" in _libraries(web.pid)
    cmdline = Path(f"/proc/{bridge.pid}/cmdline").read_bytes().split(b"\0")
    assert cmdline[1:3] == [b"-m", b"bridge"]
