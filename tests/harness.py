"""The one harness of the tests and the benchmarks: a box in processes (``balcao serve``, ``balcao
worker``, ``balcao bridge`` with the simulated phone) on a data folder of its own, and what goes
around it: a free loopback port, the environment of a ``balcao`` process, waiting for a
condition, the bridge token, the shop's people.

It imports nothing of pytest: ``scripts/bench`` imports it from the repository without the test
extras installed.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import os
import shutil
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

import appliance  # noqa: F401  (sqlite3 -> sqlean before anything else)
from appliance.areas.accounts.service import create_session
from appliance.areas.devices.service import save_bridge_token
from appliance.core.clock import now_ms
from appliance.core.db import Database
from bridge.drivers.sim.control import ControlClient, PhoneNotRunningError
from tests.factories import assign, insert_chat, make_department, make_device, make_user

REPO = Path(__file__).resolve().parent.parent
BALCAO = str(Path(sys.executable).parent / "balcao")
T = TypeVar("T")

# What a check may raise while its target is not up yet: the port refuses, the database is
# locked by a writer, the phone has not written its control file. Anything else fails at once.
NOT_YET = (httpx.HTTPError, OSError, sqlite3.OperationalError, PhoneNotRunningError)


def free_port() -> int:
    """A loopback port nobody listens on now (the kernel picks it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def balcao_env(
    data_dir: Path, port: int | None = None, log_level: str = "INFO", **extra: str
) -> dict[str, str]:
    """The environment of a ``balcao`` process on ``data_dir``: none of the caller's BALCAO_*
    settings, no config file, loopback only; ``extra`` adds variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BALCAO_")}
    env.update(
        BALCAO_DATA=str(data_dir),
        BALCAO_CONFIG=str(data_dir / "absent.toml"),
        BALCAO_HOST="127.0.0.1",
        BALCAO_LOG_LEVEL=log_level,
        PYTHONUNBUFFERED="1",
        PYTHONPATH=str(REPO),
    )
    if port is not None:
        env["BALCAO_PORT"] = str(port)
    env.update(extra)
    return env


def run_module(
    data_dir: Path, module: str, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m MODULE ARGS`` (``appliance`` is the ``balcao`` command) on ``data_dir``,
    its output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=REPO,
        env=balcao_env(data_dir),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def balcao(
    data_dir: Path, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``balcao ARGS`` on ``data_dir``, its output captured as text."""
    return run_module(data_dir, "appliance", *args, stdin=stdin)


def packages_loaded(code: str, among: set[str]) -> list[str]:
    """Which of the top-level packages ``among`` a fresh interpreter holds after ``code``
    (what an import drags in, without this process's own imports)."""
    wanted = sorted(among)
    top = "{m.split('.')[0] for m in sys.modules}"
    probe = f"{code}\nimport sys\nprint(sorted({top} & set({wanted!r})))"
    out = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    return list(ast.literal_eval(out.strip().splitlines()[-1]))


def process_alive(pid: int) -> bool:
    """Running, neither gone nor a zombie waiting to be reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    # "pid (comm) state ...": comm may hold spaces, so split after the last ")".
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


class _Poll:
    """One round of waiting: a check that is not up yet counts as not yet (see NOT_YET)."""

    def __init__(self, timeout: float, what: str) -> None:
        self.deadline = time.monotonic() + timeout
        self.timeout, self.what = timeout, what
        self.last: Any = None

    def done(self, check: Callable[[], Any]) -> bool:
        try:
            self.last = check()
        except NOT_YET as exc:
            self.last = exc
            return False
        return bool(self.last)

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise AssertionError(
                f"timed out after {self.timeout:.0f}s waiting for {self.what} (last: {self.last!r})"
            )


def wait_until(
    check: Callable[[], T | None],
    timeout: float = 30.0,
    what: str = "condition",
    every: float = 0.02,
) -> T:
    """Poll ``check`` until it returns something truthy, and return that; fail with ``what``
    after ``timeout`` seconds."""
    poll = _Poll(timeout, what)
    while not poll.done(check):
        poll.check_time()
        time.sleep(every)
    return poll.last  # type: ignore[no-any-return]


async def wait_until_async(
    check: Callable[[], T | None],
    within: float = 10.0,
    what: str = "condition",
    every: float = 0.01,
) -> T:
    """``wait_until`` inside an event loop, for ``within`` seconds: sleeps without blocking the
    loop that does the work being waited for."""
    poll = _Poll(within, what)
    while not poll.done(check):
        poll.check_time()
        await asyncio.sleep(every)
    return poll.last  # type: ignore[no-any-return]


def write_bridge_token(device_dir: Path, token: str) -> Path:
    """``devices/<id>/bridge.token``, owner-only (0600), written as the app writes it."""
    return save_bridge_token(device_dir, token)


def vm_hwm(pid: int) -> int:
    """Peak resident memory of a process, in bytes (0 once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def stop_process(proc: subprocess.Popen[Any], timeout: float = 15.0) -> None:
    """SIGTERM, then SIGKILL after ``timeout`` seconds; reaps it either way."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
    proc.wait(timeout=10)


# -- a server alone -------------------------------------------------------------------------


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@contextlib.contextmanager
def running_server(
    data_dir: Path, timeout: float = 60.0, log_level: str = "INFO", **env: str
) -> Iterator[Server]:
    """``balcao serve`` on a free port; ``env`` adds variables such as BALCAO_ALLOWED_HOSTS."""
    port = free_port()
    log_path = data_dir / f"serve-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "appliance", "serve"],
            cwd=REPO,
            env=balcao_env(data_dir, port, log_level, **env),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", process, log_path)
    try:

        def healthy() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"balcao serve exited:\n{server.log()}")
            return httpx.get(f"{server.url}/healthz", timeout=2).status_code == 200

        wait_until(healthy, timeout, "balcao serve to answer /healthz")
        yield server
    finally:
        stop_process(process)


def bearer_token(client: httpx.Client, login: str, password: str) -> str:
    r = client.post("/api/v1/auth/token", json={"login": login, "password": password})
    r.raise_for_status()
    return str(r.json()["access_token"])


# -- a whole box ----------------------------------------------------------------------------


class Box:
    """The data folder ``root/data`` and the processes running on it: web, worker, the bridge
    of one device and its simulated phone. ``sim_defaults`` are the phone's options unless a
    start says otherwise; ``poll_wait`` the bridge's --poll-wait."""

    def __init__(
        self,
        root: Path,
        *,
        log_level: str = "INFO",
        sim_defaults: dict[str, Any] | None = None,
        poll_wait: int | None = None,
    ) -> None:
        self.root = root
        self.data = root / "data"
        self.db_path = self.data / "balcao.db"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = balcao_env(self.data, self.port, log_level)
        self.sim_defaults = sim_defaults or {}
        self.poll_wait = poll_wait
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.logs: dict[str, Path] = {}
        self.peak_rss: dict[str, int] = {}
        self.device = 1
        self.token = ""
        self.login, self.password = "admin", "admin"
        self.session = ""
        self._api: httpx.Client | None = None

    @property
    def device_dir(self) -> Path:
        return self.data / "devices" / str(self.device)

    def write_token(self, device: int, token: str) -> None:
        """The bridge of ``device`` is the one this box runs, with ``token``."""
        self.device, self.token = device, token
        write_bridge_token(self.device_dir, token)

    # -- processes -----------------------------------------------------------------------

    def spawn(self, name: str, *args: str) -> None:
        log = self.root / f"{name}.log"
        self.logs[name] = log
        with log.open("ab") as out:
            self.procs[name] = subprocess.Popen(
                [BALCAO, *args], env=self.env, stdout=out, stderr=subprocess.STDOUT, cwd=self.root
            )

    def start_web(self, timeout: float = 60.0) -> None:
        self.spawn("web", "serve")
        wait_until(
            lambda: httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200,
            timeout,
            "the web to answer",
        )

    def start_worker(self, workers: int = 1) -> None:
        self.spawn("worker", "worker", "--workers", str(workers))

    def start_bridge(self, wait: bool = True, **options: Any) -> None:
        """``balcao bridge`` of the box's device with the simulated phone; ``wait``: until the
        device is ready and its phone answers."""
        sim = {**self.sim_defaults, **options}
        opts = [f"-o{k}={_option(v)}" for k, v in sim.items()]
        poll = ["--poll-wait", str(self.poll_wait)] if self.poll_wait is not None else []
        (self.device_dir / "sim" / "control.json").unlink(missing_ok=True)
        self.spawn("bridge", "bridge", "--device", str(self.device), *poll, *opts)
        if wait:
            self.wait_ready()

    def wait_ready(self, timeout: float = 60.0) -> None:
        wait_until(lambda: self.device_state() == "ready", timeout, "the bridge to be ready")
        wait_until(lambda: self.sim("GET", "/status"), timeout, "the simulated phone")

    def kill(self, name: str) -> None:
        proc = self.procs.pop(name)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)

    def stop(self, name: str) -> None:
        """SIGTERM to one process (its peak memory noted first)."""
        proc = self.procs.pop(name, None)
        if proc is None:
            return
        self.peak_rss[name] = max(self.peak_rss.get(name, 0), vm_hwm(proc.pid))
        stop_process(proc, timeout=20)

    def stop_all(self) -> None:
        """The bridge first (it reports that it stops), then the worker and the web."""
        for name in ("bridge", "worker", "web"):
            self.stop(name)
        if self._api is not None:
            self._api.close()
            self._api = None

    def log_text(self, name: str) -> str:
        return self.logs[name].read_text(errors="replace")

    # -- looking inside ------------------------------------------------------------------

    def sim(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        return ControlClient(self.device_dir / "sim", timeout=120).call(method, path, body)

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
        return _read_only(self.db_path, sql, params)

    def scalar(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        return self.query(sql, params)[0][0]

    def journal_pending(self) -> int:
        """Events in the bridge's journal not yet acknowledged by the web."""
        path = self.device_dir / "bridge-journal.db"
        return int(_read_only(path, "SELECT count(*) FROM event")[0][0])

    def healthz(self) -> dict[str, Any]:
        device = httpx.get(f"{self.url}/healthz", timeout=5).json()["devices"][0]
        return dict(device)

    def device_state(self) -> str:
        return str(self.scalar("SELECT state FROM device WHERE id = ?", (self.device,)))

    def client(self) -> httpx.Client:
        """A new API client logged in as the box's admin; the caller closes it."""
        with httpx.Client(base_url=self.url, timeout=60) as anonymous:
            token = bearer_token(anonymous, self.login, self.password)
        return httpx.Client(
            base_url=self.url, timeout=60, headers={"Authorization": f"Bearer {token}"}
        )

    @property
    def api(self) -> httpx.Client:
        """The box's own API client (closed by ``stop_all``)."""
        if self._api is None:
            self._api = self.client()
        return self._api

    def session_of(
        self, login: str, permissions: tuple[str, ...] = (), chats: tuple[int, ...] = ()
    ) -> str:
        """A browser session of ``login`` (made a user with ``permissions`` unless it exists),
        with ``chats`` assigned to them; its token."""
        db = Database(self.db_path, readers=1)
        try:
            found = db.read_sync(
                lambda c: c.execute("SELECT id FROM app_user WHERE login = ?", (login,)).fetchone()
            )
            user = found[0] if found else make_user(db, login, permissions=list(permissions))
            for chat in chats:
                assign(db, chat, user=user)
            token, _ = db.write_sync(create_session, user)
            return str(token)
        finally:
            db.close()

    def make_chats(self, count: int) -> list[int]:
        """``count`` customer chats of the box's device, last written to a minute ago."""
        db = Database(self.db_path, readers=1)
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


def _read_only(path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=15)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def _option(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# The simulated phone of the tests' boxes: no background chatter, no history at connect, three
# contacts; a bridge long poll of 5 s so that stopping it never waits long.
TEST_SIM = {"rate": 0, "initial_sync": False, "contacts": 3}
TEST_POLL_WAIT = 5


def seeded_box(root: Path, template_db: Path) -> Box:
    """A box on a copy of the migrated template with one sim device and the admin."""
    box = Box(root, sim_defaults=TEST_SIM, poll_wait=TEST_POLL_WAIT)
    box.data.mkdir()
    shutil.copyfile(template_db, box.db_path)
    db = Database(box.db_path, readers=1)
    try:
        device, token = make_device(db)
        make_user(db, "admin", is_admin=True)
    finally:
        db.close()
    box.write_token(device, token)
    return box


# -- the shop's people ----------------------------------------------------------------------


@dataclass(frozen=True)
class People:
    """The users the tests log in as: the admin; ana in Vendas; bruno in Suporte."""

    admin: int
    ana: int
    bruno: int
    vendas: int
    suporte: int


def make_people(
    db: Database,
    *,
    ana: tuple[str, ...] = (),
    bruno: tuple[str, ...] = (),
    passwords: dict[str, str] | None = None,
    names: dict[str, str] | None = None,
) -> People:
    """The admin, ana (Vendas) and bruno (Suporte); ``ana`` and ``bruno`` are their
    permissions; each one's password is their login unless ``passwords`` says otherwise."""
    passwords, names = passwords or {}, names or {}
    vendas = make_department(db, "Vendas")
    suporte = make_department(db, "Suporte")

    def user(login: str, **kw: Any) -> int:
        return make_user(db, login, password=passwords.get(login), name=names.get(login, ""), **kw)

    return People(
        admin=user("admin", is_admin=True),
        ana=user("ana", departments=[vendas], permissions=list(ana)),
        bruno=user("bruno", departments=[suporte], permissions=list(bruno)),
        vendas=vendas,
        suporte=suporte,
    )
