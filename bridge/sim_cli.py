"""``balcao sim``: talk to the running simulated phone through its control API."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bridge.drivers.sim.control import ControlClient, ControlError, PhoneNotRunningError
from wire.numbers import LID_RE, InvalidNumberError, normalize_number

KINDS = ("text", "image", "voice", "document", "location", "contact")
EXIT_USAGE = 2
EXIT_NO_PHONE = 1


def state_dir(data_dir: Path, device: int) -> Path:
    """Where the phone of ``device`` keeps its state: <data>/devices/<id>/sim."""
    return data_dir / "devices" / str(device) / "sim"


def default_data_dir() -> Path:
    return Path(os.environ.get("BALCAO_DATA") or os.environ.get("BALCAO_DATA_DIR") or "data")


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--device", type=int, default=1, help="id do aparelho (padrão: 1)")
    parser = argparse.ArgumentParser(
        prog="balcao sim", description="Controla o celular simulado em execução."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("send", parents=[common], help="um cliente escreve para a loja")
    p.add_argument("--from", dest="sender", required=True, help="número do cliente ou NNNN@lid")
    p.add_argument("--text", default="", help="texto (ou legenda); vazio: um texto do cliente")
    p.add_argument("--count", type=int, default=1, help="quantas mensagens (padrão: 1)")
    p.add_argument("--kind", default="text", choices=KINDS)
    p.add_argument("--lid-only", action="store_true", help="cliente novo conhecido só pelo LID")
    p.add_argument("--name", help="nome do WhatsApp de um cliente novo")

    p = sub.add_parser("received", parents=[common], help="o que o celular enviou pela loja")
    p.add_argument("--json", action="store_true")

    sub.add_parser("offline", parents=[common], help="o celular perde o sinal")
    sub.add_parser("online", parents=[common], help="o celular volta a ter sinal")

    p = sub.add_parser("status", parents=[common], help="estado do celular")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("speed", parents=[common], help="ritmo dos clientes e atrasos")
    p.add_argument("--rate", type=float, help="mensagens de clientes por minuto (0: quieto)")
    p.add_argument("--read-delay", type=float, help="segundos até o cliente ler")
    p.add_argument("--delivery-delay", type=float, help="segundos até a entrega")

    p = sub.add_parser("burst", parents=[common], help="N mensagens de clientes de uma vez")
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--from", dest="sender", help="todas do mesmo cliente")

    p = sub.add_parser("chaos", parents=[common], help="falhas de propósito (testes)")
    p.add_argument("--duplicate", type=float, help="chance de duplicar cada evento (0 a 1)")
    p.add_argument("--reorder", type=int, help="inverte eventos em grupos deste tamanho")
    p.add_argument("--replay", type=int, help="reenvia os últimos N eventos já entregues")

    p = sub.add_parser("reveal", parents=[common], help="um cliente só com LID revela o número")
    p.add_argument("who", help="o LID (NNNN@lid)")
    return parser


def _sender(raw: str) -> str:
    raw = raw.strip()
    if LID_RE.match(raw):
        return raw
    return normalize_number(raw)


def _request(args: argparse.Namespace) -> tuple[str, str, dict[str, Any] | None]:
    """The control call for the command; raises InvalidNumberError or ValueError."""
    if args.command == "send":
        if args.count < 1:
            raise ValueError("--count deve ser pelo menos 1.")
        body: dict[str, Any] = {
            "from": _sender(args.sender),
            "text": args.text,
            "count": args.count,
            "kind": args.kind,
        }
        if args.lid_only:
            body["lid_only"] = True
        if args.name is not None:
            body["name"] = args.name
        return "POST", "/send", body
    if args.command == "received":
        return "GET", "/received", None
    if args.command in ("offline", "online"):
        return "POST", f"/{args.command}", None
    if args.command == "status":
        return "GET", "/status", None
    if args.command == "speed":
        body = {
            key: value
            for key, value in (
                ("rate", args.rate),
                ("read_delay", args.read_delay),
                ("delivery_delay", args.delivery_delay),
            )
            if value is not None
        }
        if any(v < 0 for v in body.values()):
            raise ValueError("Ritmo e atrasos não podem ser negativos.")
        return ("POST", "/settings", body) if body else ("GET", "/settings", None)
    if args.command == "burst":
        if args.count < 1:
            raise ValueError("--count deve ser pelo menos 1.")
        body = {"count": args.count}
        if args.sender:
            body["from"] = _sender(args.sender)
        return "POST", "/burst", body
    if args.command == "chaos":
        body = {
            key: value
            for key, value in (
                ("duplicate", args.duplicate),
                ("reorder", args.reorder),
                ("replay", args.replay),
            )
            if value is not None
        }
        return "POST", "/chaos", body
    if args.command == "reveal":
        return "POST", "/reveal", {"who": args.who}
    raise ValueError(f"comando desconhecido: {args.command}")


def _show(args: argparse.Namespace, answer: Any) -> None:
    if getattr(args, "json", False):
        print(json.dumps(answer, ensure_ascii=False, indent=2))
        return
    if args.command == "send":
        n = len(answer["wa_ids"])
        print(f"{n} mensagem(ns) recebida(s) pelo celular: {' '.join(answer['wa_ids'])}")
    elif args.command == "received":
        if not answer:
            print("O celular ainda não enviou nada pela loja.")
        for item in answer:
            print(f"{item['to']}  ×{item['copies']}  {item['wa_id']}  {item['text']}")
    elif args.command in ("offline", "online", "status"):
        state = "com sinal" if answer["online"] else "sem sinal"
        print(
            f"Celular {answer['phone']}: {state}; {answer['pending']} na fila do celular; "
            f"{answer['events_waiting']} evento(s) para o bridge; {answer['contacts']} contatos."
        )
    elif args.command == "speed":
        print(
            f"Ritmo: {answer['rate']:g} mensagens/min; entrega em ~{answer['delivery_delay']:g} s;"
            f" leitura em ~{answer['read_delay']:g} s."
        )
    elif args.command == "burst":
        print(f"{answer['count']} mensagem(ns) de clientes recebida(s).")
    elif args.command == "chaos":
        chaos = answer["chaos"]
        print(
            f"Duplicar: {chaos['duplicate']:g}; inverter em grupos de {chaos['reorder']}; "
            f"{answer['replayed']} evento(s) reenviado(s)."
        )
    elif args.command == "reveal":
        print(f"{answer['lid']} é {answer['jid']} ({answer['name']}).")


def main(argv: Sequence[str] | None = None, data_dir: Path | None = None) -> int:
    """Run one ``balcao sim`` command; 0 on success, 2 on bad input, 1 when no phone runs."""
    args = build_parser().parse_args(argv)
    try:
        method, path, body = _request(args)
    except (InvalidNumberError, ValueError) as exc:
        print(f"erro: {exc}", file=sys.stderr)
        return EXIT_USAGE
    client = ControlClient(state_dir(data_dir or default_data_dir(), args.device).resolve())
    try:
        answer = client.call(method, path, body)
    except PhoneNotRunningError as exc:
        print(
            f"erro: {exc} Inicie o bridge com o driver sim (balcao bridge --device {args.device}).",
            file=sys.stderr,
        )
        return EXIT_NO_PHONE
    except ControlError as exc:
        print(f"erro: {exc.message}", file=sys.stderr)
        return EXIT_USAGE if 400 <= exc.status < 500 else EXIT_NO_PHONE
    _show(args, answer)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
