"""``balcao bridge --device ID --driver sim``: the daemon of one phone."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bridge.client import AppClient
from bridge.drivers import DRIVERS, load_driver
from bridge.journal import Journal
from bridge.runner import Runner

log = logging.getLogger("bridge")

TOKEN_ENV = "BALCAO_BRIDGE_TOKEN"
TOKEN_FILE = "bridge.token"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="balcao bridge", description="Liga um celular da loja ao Balcão."
    )
    parser.add_argument("--device", type=int, required=True, help="id do aparelho")
    parser.add_argument(
        "--driver", default="sim", choices=sorted(DRIVERS), help="o driver do celular (padrão: sim)"
    )
    parser.add_argument("--web", help="endereço do servidor web (padrão: o da configuração)")
    parser.add_argument(
        "--token-file",
        type=Path,
        help=f"arquivo com o token do aparelho (padrão: ${TOKEN_ENV} ou <dados>/devices/ID/"
        f"{TOKEN_FILE})",
    )
    parser.add_argument(
        "-o",
        "--option",
        action="append",
        default=[],
        metavar="CHAVE=VALOR",
        help="opção do driver, ex.: -o rate=0 -o initial_sync=false (repetível)",
    )
    parser.add_argument("--poll-wait", type=float, default=25.0, help=argparse.SUPPRESS)
    return parser


def parse_option(text: str) -> tuple[str, Any]:
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise ValueError(f"opção inválida {text!r}: use CHAVE=VALOR")
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    return key.strip().replace("-", "_"), value


def read_token(device_dir: Path, token_file: Path | None) -> str:
    if token_file is None and os.environ.get(TOKEN_ENV):
        return os.environ[TOKEN_ENV].strip()
    path = token_file or device_dir / TOKEN_FILE
    try:
        token = path.read_text().strip()
    except OSError as exc:
        raise ValueError(
            f"token do aparelho não encontrado em {path} ({exc.strerror}); "
            f"use --token-file ou ${TOKEN_ENV}"
        ) from exc
    if not token:
        raise ValueError(f"o arquivo {path} está vazio")
    return token


async def _serve(runner: Runner) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, runner.stop)
    await runner.run()


def main(argv: Sequence[str], *, data_dir: Path, web_url: str) -> int:
    """Run the bridge of one device until SIGTERM; 2 on bad arguments."""
    args = build_parser().parse_args(list(argv))
    if not logging.getLogger().handlers:
        level = os.environ.get("BALCAO_LOG_LEVEL", "INFO").upper()
        logging.basicConfig(
            level=getattr(logging, level, logging.INFO),
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
            stream=sys.stderr,
        )
    # One line per poll would bury what matters in the bridge's log.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    device_dir = data_dir / "devices" / str(args.device)
    try:
        options = dict(parse_option(o) for o in args.option)
        token = read_token(device_dir, args.token_file)
        driver = load_driver(args.driver, device_dir, options)
    except (ValueError, ImportError) as exc:
        print(f"erro: {exc}", file=sys.stderr)
        return 2
    journal = Journal(device_dir / "bridge-journal.db")
    base_url = args.web or web_url
    log.info(
        "bridge of device %s: driver %s, web %s, %d event(s) waiting in the journal",
        args.device,
        args.driver,
        base_url,
        journal.count(),
    )
    runner = Runner(driver, AppClient(base_url, token), journal, poll_wait=args.poll_wait)
    try:
        asyncio.run(_serve(runner))
    finally:
        journal.close()
    log.info("bridge of device %s stopped", args.device)
    return 0
