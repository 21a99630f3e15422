"""The bridge's test helpers: its runner linked to a stand-in web, a simulated phone in its
own process, and the sim CLI.

Run as ``python -m tests.bridge.sim_helpers STATE_DIR OPTIONS_JSON``: the process connects a
SimulatedPhone and answers one JSON command per stdin line with one JSON line on stdout:
``take`` (pull N events), ``send`` (the box hands a message), ``status``, ``history``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, TypeVar

import uvicorn

from bridge.client import AppClient
from bridge.drivers.sim import SimulatedPhone
from bridge.journal import Journal
from bridge.protocol import MessageEvent, PhoneDriver
from bridge.runner import Runner
from tests.harness import REPO, balcao, free_port, run_module, wait_until_async

D = TypeVar("D", bound=PhoneDriver)


class Drain:
    """Reads a driver's events() in the background, as the bridge does, keeping them all."""

    def __init__(self, driver: PhoneDriver) -> None:
        self.events: list[Any] = []
        self.task = asyncio.create_task(self._run(driver))

    async def _run(self, driver: PhoneDriver) -> None:
        async for event in driver.events():
            self.events.append(event)

    def of(self, kind: type) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]

    def messages(self, text: str) -> list[MessageEvent]:
        return [e for e in self.of(MessageEvent) if e.body == text]

    async def until(self, check: Any, what: str = "events") -> Any:
        return await wait_until_async(lambda: check(self), what=what)

    async def stop(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


@contextlib.asynccontextmanager
async def connected(driver: D) -> AsyncIterator[D]:
    """The driver connected for the block, closed after it."""
    await driver.connect()
    try:
        yield driver
    finally:
        await driver.close()


def run_cli(data_dir: Path, *args: str, via: str = "appliance") -> subprocess.CompletedProcess[str]:
    """``balcao sim ARGS`` in a subprocess (``via="bridge"``: ``python -m bridge.sim_cli``)."""
    if via == "appliance":
        return balcao(data_dir, "sim", *args)
    return run_module(data_dir, "bridge.sim_cli", *args)


@contextlib.asynccontextmanager
async def bridge_against(
    web: Any, root: Path, journal: Journal | None = None, phone: PhoneDriver | None = None
) -> AsyncIterator[Runner]:
    """The bridge's Runner with ``phone`` (by default a quiet simulated phone, state in
    ``root/sim``) linked to ``web``, an ASGI app served by uvicorn on a free loopback port;
    both stopped on exit."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(web, port=port, log_level="warning", lifespan="off"))
    serving = asyncio.create_task(server.serve())
    runner = Runner(
        phone or SimulatedPhone(root / "sim", rate=0, initial_sync=False),
        AppClient(f"http://127.0.0.1:{port}", "token"),
        journal or Journal(root / "journal.db"),
        poll_wait=1,
    )
    running = asyncio.create_task(runner.run())
    try:
        yield runner
    finally:
        runner.stop()
        await running
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await serving


class PhoneProcess:
    """A SimulatedPhone running in a child process, driven through stdin/stdout."""

    def __init__(self, state_dir: Path, **options: Any) -> None:
        self.state_dir = state_dir
        self.options = options
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> PhoneProcess:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.bridge.sim_helpers", str(self.state_dir),
             json.dumps(self.options)],
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        ready = self._read()
        assert ready.get("ready"), ready
        return self

    def _read(self) -> dict[str, Any]:
        assert self.proc is not None
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise AssertionError(f"phone process ended (exit {self.proc.wait(5)})")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def call(self, op: str, **fields: Any) -> Any:
        assert self.proc is not None
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"op": op, **fields}) + "\n")
        self.proc.stdin.flush()
        answer = self._read()
        if "error" in answer:
            raise AssertionError(answer["error"])
        return answer["result"]

    def take(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Pull ``count`` events through the phone's events(), as the bridge does."""
        events: list[dict[str, Any]] = self.call("take", count=count, timeout=timeout)
        return events

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        """Ends the phone (end of its stdin) unless it is gone already, and closes both pipes
        either way: a killed phone's pipes stay open until closed here."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                pipe.close()


async def _serve(state_dir: Path, options: dict[str, Any]) -> None:
    from bridge.drivers.sim import simulated_phone
    from bridge.drivers.sim.codec import event_to_dict
    from bridge.protocol import OutboundMessage

    phone = simulated_phone(state_dir, **options)
    await phone.connect()
    events = phone.events().__aiter__()
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

    def reply(payload: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
        sys.stdout.flush()

    reply({"ready": True, "pid": os.getpid()})
    while line := await reader.readline():
        command = json.loads(line)
        op = command.pop("op")
        try:
            if op == "take":
                taken = []
                for _ in range(command["count"]):
                    event = await asyncio.wait_for(anext(events), command["timeout"])
                    taken.append(event_to_dict(event))
                result: Any = taken
            elif op == "send":
                receipt = await phone.send(OutboundMessage(**command))
                result = {"wa_id": receipt.wa_id, "at": receipt.at, "pending": receipt.pending}
            elif op == "status":
                status = await phone.status()
                result = {"pending": status.pending, "online": status.online}
            else:
                raise ValueError(f"unknown op {op}")
        except Exception as exc:
            reply({"error": f"{type(exc).__name__}: {exc}"})
        else:
            reply({"result": result})
    await events.aclose()
    await phone.close()


if __name__ == "__main__":
    asyncio.run(_serve(Path(sys.argv[1]), json.loads(sys.argv[2])))
