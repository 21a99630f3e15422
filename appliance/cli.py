"""The ``balcao`` command."""

from __future__ import annotations

import argparse
import gc
import getpass
import logging
import os
import sys
from collections.abc import Sequence

import appliance  # noqa: F401  (binds sqlite3 to sqlean before anything else imports it)
from appliance.core.i18n import DEFAULT_LANGUAGE, _, set_language, supported
from appliance.core.settings import Settings, SettingsError, load_settings

log = logging.getLogger("balcao")


def setup_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=getattr(logging, settings.log_level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from appliance.core.db import migrate
    from appliance.http.app import create_app

    migrate(settings.db_path)
    app = create_app(settings)
    # What is loaded by now lives as long as the process: keeping it out of the
    # collector's passes takes those pauses off the requests.
    gc.collect()
    gc.freeze()
    uvicorn.run(
        app,
        host=args.host or settings.host,
        port=args.port or settings.port,
        log_level=settings.log_level.lower(),
        access_log=False,
        timeout_graceful_shutdown=5,
        loop="uvloop",
        http="httptools",
        # X-Forwarded-Proto/-For are believed from these addresses only (a proxy on the box).
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=list(settings.trusted_proxies),
    )
    return 0


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    from appliance.worker import run_worker

    run_worker(settings, workers=args.workers)
    return 0


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    from appliance.areas.accounts.service import ensure_account
    from appliance.core.db import Database, migrate

    applied = migrate(settings.db_path)
    db = Database(settings.db_path, readers=1)
    try:
        db.write_sync(ensure_account, time_zone=settings.time_zone)
    finally:
        db.close()
    print(
        _("{count} migração(ões) aplicada(s) em {path}").format(
            count=len(applied), path=settings.db_path
        )
    )
    return 0


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass(_("Senha: "))
    if getpass.getpass(_("Repita a senha: ")) != first:
        raise SystemExit(_("As senhas não conferem."))
    return first


def cmd_createuser(settings: Settings, args: argparse.Namespace) -> int:
    from appliance.areas.accounts import service
    from appliance.core.db import Conn, Database, migrate
    from appliance.core.errors import AppError

    migrate(settings.db_path)
    password = _read_password(args)
    db = Database(settings.db_path, readers=1)
    try:
        service.check_login_name(args.login)
        service.check_password(password)
        password_hash = service.hash_password(password)

        def create(conn: Conn) -> int:
            departments = [_department_id(conn, name) for name in args.department]
            return service.create_user(
                conn,
                login=args.login,
                name=args.name or args.login,
                password_hash=password_hash,
                is_admin=args.admin,
                permissions=args.permission,
                email=args.email,
                departments=departments,
            )

        user_id = db.write_sync(create)
    except AppError as exc:
        print(_("erro: {message}").format(message=exc.message), file=sys.stderr)
        return 2
    finally:
        db.close()
    print(_("usuário {login} criado (id {id})").format(login=args.login, id=user_id))
    return 0


def _department_id(conn: object, name: str) -> int:
    from appliance.areas.accounts import service

    row = conn.execute("SELECT id FROM department WHERE name = ?", (name,)).fetchone()  # type: ignore[attr-defined]
    return int(row[0]) if row else service.create_department(conn, name)  # type: ignore[arg-type]


def cmd_createdevice(settings: Settings, args: argparse.Namespace) -> int:
    from appliance.areas.devices.service import create_device
    from appliance.core.db import Database, migrate
    from appliance.core.errors import AppError

    migrate(settings.db_path)
    db = Database(settings.db_path, readers=1)
    try:
        device_id, token = db.write_sync(create_device, args.name, args.driver)
    except AppError as exc:
        print(_("erro: {message}").format(message=exc.message), file=sys.stderr)
        return 2
    finally:
        db.close()
    token_file = settings.device_dir(device_id) / "bridge.token"
    token_file.parent.mkdir(parents=True, exist_ok=True)
    token_file.touch(mode=0o600)
    token_file.write_text(token + "\n")
    print(
        _("aparelho {id} criado; token do bridge (mostrado só agora): {token}").format(
            id=device_id, token=token
        )
    )
    print(_("o token também foi gravado em {path} para o bridge").format(path=token_file))
    return 0


def cmd_pair(settings: Settings, args: argparse.Namespace) -> int:
    from appliance.areas.devices.pairing import watch_pairing
    from appliance.core.db import Database
    from appliance.core.errors import AppError

    db = Database(settings.db_path, readers=1)
    try:
        return watch_pairing(
            db, args.device, sys.stdout, time_zone=settings.time_zone, timeout=args.timeout
        )
    except AppError as exc:
        print(_("erro: {message}").format(message=exc.message), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    finally:
        db.close()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="balcao", description=_("Balcão: WhatsApp da loja."))
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help=_("o servidor web"))
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("worker", help=_("o executor de tarefas (Huey)"))
    p.add_argument("--workers", type=int, default=2)
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("migrate", help=_("cria ou atualiza o banco de dados"))
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("createuser", help=_("cria um usuário"))
    p.add_argument("login")
    p.add_argument("--name", default="")
    p.add_argument("--email", default="")
    p.add_argument("--admin", action="store_true")
    p.add_argument(
        "--permission",
        action="append",
        default=[],
        help=_("permissão de usuário normal (repetível)"),
    )
    p.add_argument(
        "--department",
        action="append",
        default=[],
        help=_("nome do departamento (criado se não existir; repetível)"),
    )
    p.add_argument("--password-stdin", action="store_true", help=_("lê a senha da entrada padrão"))
    p.set_defaults(func=cmd_createuser)

    p = sub.add_parser("createdevice", help=_("cadastra um aparelho e mostra o token do bridge"))
    p.add_argument("name")
    p.add_argument("--driver", default="sim")
    p.set_defaults(func=cmd_createdevice)

    p = sub.add_parser(
        "pair",
        help=_("mostra o QR code que conecta o celular do aparelho (com o bridge rodando)"),
    )
    p.add_argument("--device", type=int, required=True)
    p.add_argument("--timeout", type=float, default=600.0, help=_("segundos de espera"))
    p.set_defaults(func=cmd_pair)

    p = sub.add_parser(
        "seed-demo", help=_("preenche uma loja de demonstração (só num banco vazio)")
    )
    p.add_argument("--chats", type=int, default=320)
    p.set_defaults(func=lambda s, a: _lazy("appliance.demo", "cmd_seed_demo")(s, a))

    p = sub.add_parser("demo-banner", help=_("o aviso que scripts/demo mostra com a loja no ar"))
    p.add_argument("url")
    p.set_defaults(func=lambda s, a: _lazy("appliance.demo.cli", "cmd_demo_banner")(s, a))

    # Parsed by bridge.sim_cli: main() hands it everything after "sim".
    sub.add_parser("sim", add_help=False, help=_("controla o celular simulado (balcao sim --help)"))
    # Parsed by bridge.cli, the same way.
    sub.add_parser(
        "bridge", add_help=False, help=_("o bridge de um celular (balcao bridge --help)")
    )
    return parser


def _lazy(module: str, name: str):  # type: ignore[no-untyped-def]
    import importlib

    return getattr(importlib.import_module(module), name)


def _settings() -> Settings | None:
    """The settings, or None after telling the user what is wrong with them."""
    try:
        return load_settings()
    except SettingsError as exc:
        print(_("configuração inválida: {error}").format(error=exc), file=sys.stderr)
        return None


def cmd_sim(argv: Sequence[str]) -> int:
    settings = _settings()
    if settings is None:
        return 2
    data_dir = settings.data_dir
    return int(_lazy("bridge.sim_cli", "main")(argv, data_dir=data_dir))


def cmd_bridge(argv: Sequence[str]) -> int:
    """Become ``python -m bridge``: the bridge runs in a process of its own that never
    imports ``appliance`` (nor its SQLite swap), with the data folder and the web's address
    from these settings."""
    settings = _settings()
    if settings is None:
        return 2
    env = {
        **os.environ,
        "BALCAO_DATA": str(settings.data_dir),
        "BALCAO_WEB_URL": settings.base_url,
        "BALCAO_LOG_LEVEL": settings.log_level,
    }
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, "-m", "bridge", *argv], env)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # The help and the messages before the settings are read follow BALCAO_LANGUAGE.
    set_language(supported(os.environ.get("BALCAO_LANGUAGE", "")) or DEFAULT_LANGUAGE)
    if argv[:1] == ["sim"]:
        return cmd_sim(argv[1:])
    if argv[:1] == ["bridge"]:
        return cmd_bridge(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    settings = _settings()
    if settings is None:
        return 2
    set_language(settings.language or DEFAULT_LANGUAGE)
    setup_logging(settings)
    return int(args.func(settings, args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
