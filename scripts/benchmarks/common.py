"""What the HTTP benchmarks on the synthetic shop share: their options, how long a case is
timed, the timing loop, percentiles, the machine they ran on and how they print. Starting
processes, ports and waiting are the harness's (``tests/harness.py``)."""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

import appliance  # noqa: F401  (sqlite3 -> sqlean before anything else)
from scripts.benchmarks.shop import (
    BENCH_DATA,
    DEFAULT_CHATS,
    DEFAULT_MESSAGES,
    DEFAULT_SEED,
    Shop,
)

QUICK_CHATS, QUICK_MESSAGES = 5_000, 250_000

Params = list[tuple[str, str]]


@dataclass(frozen=True)
class Budget:
    """How long each case is timed. A p95 is only as good as the number of requests
    behind it: of 50, it is the third slowest, and one burst of the host's noise inside
    a one-second window decides it. Three seconds and at least 100 requests per case
    give a p95 that a second run repeats."""

    warmup: int = 3
    min_runs: int = 100
    max_runs: int = 600
    seconds: float = 3.0
    deep_pages: int = 20


# What ``--quick`` times per case: enough to see that every case works, not to compare.
QUICK_BUDGET = Budget(warmup=2, min_runs=20, max_runs=100, seconds=0.3)


def add_shop_arguments(parser: argparse.ArgumentParser, what_runs: str = "runs") -> None:
    """The options every HTTP benchmark on the synthetic shop takes."""
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"a small shop ({QUICK_CHATS:,} chats), fewer {what_runs}",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--chats", type=int)
    parser.add_argument("--messages", type=int)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--data-root", type=Path, default=BENCH_DATA)
    parser.add_argument("--min-runs", type=int, help="requests timed per case (at least)")
    parser.add_argument("--max-runs", type=int)
    parser.add_argument("--seconds", type=float, help="time spent per case (at least)")


def shop_size(args: argparse.Namespace) -> tuple[int, int]:
    """Chats and messages of the shop the options ask for."""
    chats = args.chats or (QUICK_CHATS if args.quick else DEFAULT_CHATS)
    messages = args.messages or (QUICK_MESSAGES if args.quick else DEFAULT_MESSAGES)
    return chats, messages


def budget_from(args: argparse.Namespace, base: Budget, deep_pages: int) -> Budget:
    """``base`` with the options' --min-runs, --max-runs and --seconds."""
    min_runs = args.min_runs or base.min_runs
    return Budget(
        warmup=min(base.warmup, min_runs),
        min_runs=min_runs,
        max_runs=args.max_runs or max(base.max_runs, min_runs),
        seconds=base.seconds if args.seconds is None else args.seconds,
        deep_pages=deep_pages,
    )


def percentile(sorted_ms: list[float], q: float) -> float:
    """Nearest rank."""
    if not sorted_ms:
        return math.nan
    return sorted_ms[max(0, math.ceil(q * len(sorted_ms)) - 1)]


@dataclass(kw_only=True)
class Timing:
    """What every timed case reports: the rows of its answer, how many requests were timed,
    their p50, p95 and slowest time, and what went wrong."""

    rows: int
    runs: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    errors: list[str] = field(default_factory=list)


def timing(times: list[float], body: dict[str, Any], errors: list[str]) -> dict[str, Any]:
    """A Timing's fields from a case's request times (ms) and its last answer."""
    times = sorted(times)
    return {
        "rows": len(body.get("items", [])),
        "runs": len(times),
        "p50_ms": round(percentile(times, 0.50), 2),
        "p95_ms": round(percentile(times, 0.95), 2),
        "max_ms": round(times[-1], 2) if times else math.nan,
        "errors": errors,
    }


def timed_report(
    benchmark: str,
    data: dict[str, Any],
    load_before: list[float],
    results: Sequence[Timing],
    budget: Budget,
    target_ms: float,
    name: Callable[[Any], str],
    **extra: Any,
) -> dict[str, Any]:
    """A benchmark's JSON report: the data size, the machine, ``extra``, the budget, the
    target, the worst p95, the cases over the target and every error (each case called by
    ``name``), and the results."""
    return {
        "benchmark": benchmark,
        "data": data,
        "machine": {**machine(), "load_average_before": load_before},
        **extra,
        "budget": asdict(budget),
        "target_p95_ms": target_ms,
        "worst_p95_ms": max((r.p95_ms for r in results), default=math.nan),
        "cases_over_target": sorted({name(r) for r in results if r.p95_ms > target_ms}),
        "errors": [f"{name(r)}: {e}" for r in results for e in r.errors],
        "results": [asdict(r) for r in results],
    }


def time_request(
    client: httpx.Client,
    headers: dict[str, str],
    params: Params,
    budget: Budget,
    url: str = "/api/v1/chats",
) -> tuple[list[float], dict[str, Any], list[str]]:
    errors: list[str] = []
    body: dict[str, Any] = {}
    for _ in range(budget.warmup):
        r = client.get(url, params=params, headers=headers)
        if r.status_code != 200:
            return [], {}, [f"HTTP {r.status_code}: {r.text[:200]}"]
        body = r.json()
    times: list[float] = []
    started = time.perf_counter()
    while len(times) < budget.max_runs:
        t0 = time.perf_counter()
        r = client.get(url, params=params, headers=headers)
        times.append((time.perf_counter() - t0) * 1000)
        if r.status_code != 200:
            errors.append(f"HTTP {r.status_code}")
            break
        if len(times) >= budget.min_runs and time.perf_counter() - started >= budget.seconds:
            break
    return times, body, errors


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def machine() -> dict[str, Any]:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    import sqlite3  # sqlean, bound by appliance

    return {
        "cores": os.cpu_count(),
        "cpu": model or platform.processor(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "load_average": load_average(),
    }


def shop_data(shop: Shop, db_path: Path, **extra: Any) -> dict[str, Any]:
    """The ``data`` of a report: the shop's size and where the run's database is."""
    return {
        "chats": shop.chats,
        "messages": shop.messages,
        "db_bytes": db_path.stat().st_size,
        "seed": shop.seed,
        "build_seconds": shop.build_seconds,
        "reused": shop.reused,
        "path": str(db_path),
        **extra,
    }


def machine_line(m: dict[str, Any]) -> str:
    return (
        f"machine: {m['cores']} cores, {m['cpu']}; Python {m['python']}, SQLite {m['sqlite']}; "
        f"load {m['load_average_before']} -> {m['load_average']}"
    )


def built_note(data: dict[str, Any]) -> str:
    return "reused from cache" if data["reused"] else f"built in {data['build_seconds']:.1f} s"


def print_results(out: dict[str, Any], header: str, row: Callable[[dict[str, Any]], str]) -> None:
    """The table of the cases, one ``row`` each ("!" past the target p95), then the worst."""
    print(header)
    print("-" * len(header))
    for r in out["results"]:
        flag = " !" if r["p95_ms"] > out["target_p95_ms"] else ""
        err = f"  ERR {r['errors']}" if r["errors"] else ""
        print(f"{row(r)}{flag}{err}")
    print(
        f"\nworst p95 {out['worst_p95_ms']:.2f} ms (target {out['target_p95_ms']:.0f} ms); "
        f"over target: {', '.join(out['cases_over_target']) or 'none'}"
    )


def emit(out: dict[str, Any], as_json: bool, print_table: Callable[[dict[str, Any]], None]) -> int:
    """Prints the report (one JSON object or the table); the exit code: 1 on errors."""
    if as_json:
        print(json.dumps(out, ensure_ascii=False))
    else:
        print_table(out)
    return 1 if out["errors"] else 0
