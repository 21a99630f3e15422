"""Run several processes as one: restart any that dies, stop them all on Ctrl-C.

    supervise.py --health-url URL --banner TEXT --run NAME 'COMMAND' [--run ...]
                 [--run-after-ready NAME 'COMMAND' ...]

What systemd does on the box, for a terminal:

- every child's output is prefixed with its name;
- a child that exits is started again after a backoff (1 s, doubling to 30 s;
  back to 1 s once it has run for a minute);
- when the health URL first answers 200, the banner is printed and the
  ``--run-after-ready`` children start;
- SIGINT or SIGTERM sends SIGTERM to every child, and SIGKILL to those still
  running after the grace period.

Standard library only, single-threaded.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import selectors
import shlex
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass

BACKOFF_FIRST = 1.0
BACKOFF_MAX = 30.0
STABLE_AFTER = 60.0
GRACE_SECONDS = 8.0
TICK = 0.2


PR_SET_PDEATHSIG = 1
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform == "linux" else None


def _die_with_parent() -> None:
    """In the child, before exec: get SIGTERM if the supervisor itself is killed."""
    if _LIBC is not None:
        _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def say(text: str) -> None:
    sys.stdout.write(f"supervise | {text}\n")
    sys.stdout.flush()


@dataclass
class Child:
    name: str
    argv: list[str]
    proc: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    start_after: float = 0.0
    backoff: float = BACKOFF_FIRST
    partial: bytes = b""
    restarts: int = 0
    width: int = 8
    after_ready: bool = False

    def start(self, selector: selectors.BaseSelector) -> None:
        try:
            self.proc = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                # Its own process group: a Ctrl-C in the terminal reaches only the
                # supervisor, which then stops the children in order.
                process_group=0,
                preexec_fn=_die_with_parent,
            )
        except OSError as exc:
            say(f"{self.name}: não iniciou ({exc}); nova tentativa em {self.backoff:.0f} s")
            self._schedule_restart()
            return
        self.started_at = time.monotonic()
        assert self.proc.stdout is not None
        os.set_blocking(self.proc.stdout.fileno(), False)
        selector.register(self.proc.stdout, selectors.EVENT_READ, self)

    def _schedule_restart(self) -> None:
        self.start_after = time.monotonic() + self.backoff
        self.backoff = min(self.backoff * 2, BACKOFF_MAX)
        self.restarts += 1

    def emit(self, data: bytes) -> None:
        lines = (self.partial + data).split(b"\n")
        self.partial = lines.pop()
        prefix = f"{self.name:<{self.width}} | ".encode()
        out = b"".join(prefix + line + b"\n" for line in lines)
        if out:
            sys.stdout.buffer.write(out)
            sys.stdout.buffer.flush()

    def drain(self, selector: selectors.BaseSelector) -> None:
        """Read what the child wrote; unregister at end of file."""
        if self.proc is None or self.proc.stdout is None:
            return
        stream = self.proc.stdout
        while not stream.closed:
            try:
                data = os.read(stream.fileno(), 65536)
            except BlockingIOError:
                return
            except OSError:
                data = b""
            if not data:
                with contextlib.suppress(KeyError, ValueError):
                    selector.unregister(stream)
                if self.partial:
                    self.emit(b"\n")
                stream.close()
                return
            self.emit(data)

    def reap(self, selector: selectors.BaseSelector, stopping: bool) -> None:
        """Notice an exit; schedule the restart unless the supervisor is stopping."""
        if self.proc is None or self.proc.poll() is None:
            return
        self.drain(selector)
        code = self.proc.returncode
        ran = time.monotonic() - self.started_at
        self.proc = None
        if stopping:
            return
        if ran >= STABLE_AFTER:
            self.backoff = BACKOFF_FIRST
        say(f"{self.name} saiu (código {code}); reiniciando em {self.backoff:.0f} s")
        self._schedule_restart()

    def signal_group(self, signum: int) -> None:
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signum)


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return int(response.status) == 200
    except (OSError, ValueError):
        return False


def run(children: list[Child], health_url: str | None, banner: str) -> int:
    stop_requested: list[int] = []

    def request_stop(signum: int, _frame: object) -> None:
        stop_requested.append(signum)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, request_stop)

    selector = selectors.DefaultSelector()
    ready = health_url is None
    next_health = 0.0
    while not stop_requested:
        for key, _ in selector.select(TICK):
            key.data.drain(selector)
        now = time.monotonic()
        for child in children:
            child.reap(selector, stopping=bool(stop_requested))
            due = now >= child.start_after and (ready or not child.after_ready)
            if child.proc is None and not stop_requested and due:
                child.start(selector)
        if not ready and now >= next_health and health_url is not None:
            ready = healthy(health_url)
            next_health = time.monotonic() + 0.3
            if ready:
                sys.stdout.write(banner.rstrip("\n") + "\n")
                sys.stdout.flush()

    say(f"parando ({signal.Signals(stop_requested[0]).name})…")
    for child in children:
        child.signal_group(signal.SIGTERM)
    deadline = time.monotonic() + GRACE_SECONDS
    while time.monotonic() < deadline and any(c.proc is not None for c in children):
        for key, _ in selector.select(TICK):
            key.data.drain(selector)
        for child in children:
            child.reap(selector, stopping=True)
    for child in children:
        if child.proc is not None:
            say(f"{child.name} não parou em {GRACE_SECONDS:.0f} s: SIGKILL")
            child.signal_group(signal.SIGKILL)
            child.proc.wait()
            child.drain(selector)
            child.proc = None
    say("parado.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--health-url", help="print the banner once this URL answers 200")
    parser.add_argument("--banner", default="ready", help="text printed when healthy")
    parser.add_argument(
        "--run",
        nargs=2,
        action="append",
        metavar=("NAME", "COMMAND"),
        required=True,
        help="a child process (repeatable)",
    )
    parser.add_argument(
        "--run-after-ready",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "COMMAND"),
        help="a child started once the health URL answers (repeatable)",
    )
    args = parser.parse_args(argv)
    specs = [(n, c, False) for n, c in args.run] + [(n, c, True) for n, c in args.run_after_ready]
    width = max(len("supervise"), *(len(name) for name, _, _ in specs))
    children = [
        Child(name, shlex.split(command), width=width, after_ready=after_ready)
        for name, command, after_ready in specs
    ]
    return run(children, args.health_url, args.banner)


if __name__ == "__main__":
    raise SystemExit(main())
