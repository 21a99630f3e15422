"""``python -m scripts.benchmarks NAME [args]``: run one benchmark; with no NAME, list them."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def available() -> dict[str, str]:
    """Benchmark modules (those with a ``main``) and the first line of their docstring."""
    found = {}
    for info in sorted(pkgutil.iter_modules([str(HERE)]), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        source = (HERE / f"{info.name}.py").read_text(encoding="utf-8")
        if "\ndef main(" not in source:
            continue
        module = importlib.import_module(f"scripts.benchmarks.{info.name}")
        found[info.name] = (module.__doc__ or "").strip().splitlines()[0] if module.__doc__ else ""
    return found


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print("usage: scripts/bench NAME [args]   (NAME --help for its options)\n")
        for name, summary in available().items():
            print(f"  {name:<12} {summary}")
        return 0
    name, rest = argv[0], argv[1:]
    if name not in available():
        print(f"unknown benchmark {name!r}; run without arguments to list them", file=sys.stderr)
        return 2
    module = importlib.import_module(f"scripts.benchmarks.{name}")
    return int(module.main(rest) or 0)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
