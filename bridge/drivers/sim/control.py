"""The simulated phone's loopback control API (small HTTP/1.1 + JSON) and its client.

The server listens on 127.0.0.1 on a random port and writes ``control.json``
({"port", "pid", "token"}, mode 0600) into the phone's state folder; every call carries
``Authorization: Bearer <token>``. Bad requests answer 400 with {"error": "..."} in pt-BR.

    GET  /status        online, pending, events_waiting, contacts, messages, settings, chaos
    POST /send          {"from", "text"?, "count"?, "kind"?, "lid_only"?, "name"?} -> {"wa_ids"}
    GET  /received      [{"client_id", "wa_id", "to", "text", "copies"}]
    POST /offline       signal lost: the box's messages wait in the phone's queue
    POST /online        signal back: the queue leaves in order -> status
    GET  /settings      {"rate", "delivery_delay", "read_delay"}
    POST /settings      any of those -> settings
    POST /burst         {"count", "from"?} -> {"count", "wa_ids"}: customer texts at once
    POST /chaos         {"duplicate"?: 0..1, "reorder"?: N, "replay"?: N} -> {"chaos", "replayed"}
    POST /reveal        {"who": LID} -> the IdentityEvent as a dict
    POST /phone-send    {"to", "text"} -> {"wa_id"}: typed on the phone itself
    GET  /broadcasts    [{"jid", "name", "members"}]
    GET  /contacts      [{"chat", "jid", "lid", "name", "photo"}]
    POST /pair          the phone scans the QR code shown (``-o linked=true`` only)
    POST /end           {"why": "logout" | "replace" | "ban", "minutes"?}: WhatsApp ends the
                        session (unlinked, another session took over, banned for a while)
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import logging
import os
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bridge.protocol import DriverError
from wire.numbers import InvalidNumberError

if TYPE_CHECKING:
    from bridge.drivers.sim.phone import SimulatedPhone

log = logging.getLogger(__name__)

CONTROL_FILE = "control.json"
MAX_BODY = 1 << 20
MAX_COUNT = 100_000


class ControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _number(body: dict[str, Any], name: str, default: float | None = None) -> float | None:
    value = body.get(name, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ControlError(400, f"o campo {name!r} deve ser um número")
    return float(value)


def _integer(body: dict[str, Any], name: str, default: int | None = None) -> int | None:
    value = body.get(name, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ControlError(400, f"o campo {name!r} deve ser um número inteiro")
    if not 0 <= value <= MAX_COUNT:
        raise ControlError(400, f"o campo {name!r} deve estar entre 0 e {MAX_COUNT}")
    return value


def _text(body: dict[str, Any], name: str, default: str | None = None) -> str | None:
    value = body.get(name, default)
    if value is not None and not isinstance(value, str):
        raise ControlError(400, f"o campo {name!r} deve ser um texto")
    return value


def _required_text(body: dict[str, Any], name: str) -> str:
    value = _text(body, name)
    if not value:
        raise ControlError(400, f"o campo {name!r} é obrigatório")
    return value


Handler = Callable[[dict[str, Any]], Any]


class ControlServer:
    """Serves the control API of one phone while it is connected."""

    def __init__(self, phone: SimulatedPhone, state_dir: Path) -> None:
        self.phone = phone
        self.path = state_dir / CONTROL_FILE
        self.token = secrets.token_urlsafe(24)
        self.port = 0
        self._server: asyncio.Server | None = None
        p = phone
        self.routes: dict[tuple[str, str], Handler] = {
            ("GET", "/status"): lambda _b: p.describe(),
            ("POST", "/send"): self._send,
            ("GET", "/received"): lambda _b: p.received(),
            ("POST", "/offline"): lambda _b: self._online(False),
            ("POST", "/online"): lambda _b: self._online(True),
            ("GET", "/settings"): lambda _b: asdict(p.settings),
            ("POST", "/settings"): self._settings,
            ("POST", "/burst"): self._burst,
            ("POST", "/chaos"): self._chaos,
            ("POST", "/reveal"): lambda b: asdict(p.reveal(_required_text(b, "who"))),
            ("POST", "/phone-send"): lambda b: {
                "wa_id": p.type_on_phone(_required_text(b, "to"), _required_text(b, "text"))
            },
            ("GET", "/broadcasts"): lambda _b: p.broadcast_lists(),
            ("GET", "/contacts"): lambda _b: p.contacts(),
            ("POST", "/pair"): lambda _b: p.pair(),
            ("POST", "/end"): lambda b: p.end_session(
                _required_text(b, "why"), _number(b, "minutes", 60.0) or 60.0
            ),
        }

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"port": self.port, "pid": os.getpid(), "token": self.token}, f)
        os.replace(tmp, self.path)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._server.wait_closed(), 2)
            self._server = None
        with contextlib.suppress(OSError, ValueError):
            if json.loads(self.path.read_text())["token"] == self.token:
                self.path.unlink()

    # -- handlers ---------------------------------------------------------------------

    def _send(self, body: dict[str, Any]) -> dict[str, Any]:
        wa_ids = self.phone.receive(
            _required_text(body, "from"),
            _text(body, "text", "") or "",
            kind=_text(body, "kind", "text") or "text",
            count=_integer(body, "count", 1) or 0,
            lid_only=bool(body.get("lid_only", False)),
            name=_text(body, "name"),
        )
        return {"wa_ids": wa_ids}

    def _online(self, online: bool) -> dict[str, Any]:
        self.phone.set_online(online)
        return self.phone.describe()

    def _settings(self, body: dict[str, Any]) -> dict[str, Any]:
        unknown = set(body) - {"rate", "read_delay", "delivery_delay"}
        if unknown:
            raise ControlError(400, f"campos desconhecidos: {', '.join(sorted(unknown))}")
        updated = self.phone.update_settings(
            rate=_number(body, "rate"),
            delivery_delay=_number(body, "delivery_delay"),
            read_delay=_number(body, "read_delay"),
        )
        return asdict(updated)

    def _burst(self, body: dict[str, Any]) -> dict[str, Any]:
        wa_ids = self.phone.burst(_integer(body, "count", 1) or 0, _text(body, "from"))
        return {"count": len(wa_ids), "wa_ids": wa_ids}

    def _chaos(self, body: dict[str, Any]) -> dict[str, Any]:
        unknown = set(body) - {"duplicate", "reorder", "replay"}
        if unknown:
            raise ControlError(400, f"campos desconhecidos: {', '.join(sorted(unknown))}")
        chaos = self.phone.set_chaos(
            duplicate=_number(body, "duplicate"), reorder=_integer(body, "reorder")
        )
        replay = _integer(body, "replay", 0) or 0
        replayed = self.phone.replay(replay) if replay else 0
        return {"chaos": asdict(chaos), "replayed": replayed}

    # -- HTTP -------------------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            status, payload = await self._respond(reader)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            writer.close()
            return
        data = json.dumps(payload, ensure_ascii=False).encode()
        head = (
            f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
            "Content-Type: application/json; charset=utf-8\r\n"
            f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n"
        )
        with contextlib.suppress(ConnectionError):
            writer.write(head.encode() + data)
            await writer.drain()
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()

    async def _respond(self, reader: asyncio.StreamReader) -> tuple[int, Any]:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        try:
            method, target, _version = lines[0].split(" ")
        except ValueError:
            return 400, {"error": "pedido HTTP malformado"}
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                key, value = line.split(":", 1)
                headers[key.strip().lower()] = value.strip()
        try:
            length = int(headers.get("content-length", "0"))
        except ValueError:
            return 400, {"error": "Content-Length inválido"}
        if not 0 <= length <= MAX_BODY:
            return 413, {"error": "corpo grande demais"}
        raw = await reader.readexactly(length) if length else b""
        if not secrets.compare_digest(headers.get("authorization", ""), f"Bearer {self.token}"):
            return 401, {"error": "token ausente ou inválido"}
        path = target.split("?", 1)[0]
        handler = self.routes.get((method, path))
        if handler is None:
            if any(p == path for _m, p in self.routes):
                return 405, {"error": f"método {method} não permitido em {path}"}
            return 404, {"error": f"caminho desconhecido: {path}"}
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            return 400, {"error": "o corpo não é JSON válido"}
        if not isinstance(body, dict):
            return 400, {"error": "o corpo deve ser um objeto JSON"}
        try:
            result = handler(body)
            if isinstance(result, Awaitable):
                result = await result
        except ControlError as exc:
            return exc.status, {"error": exc.message}
        except (InvalidNumberError, ValueError, DriverError) as exc:
            return 400, {"error": str(exc)}
        except Exception:
            log.exception("simulated phone: control call %s %s failed", method, path)
            return 500, {"error": "erro interno do celular simulado"}
        return 200, result


class PhoneNotRunningError(Exception):
    """No simulated phone answers for this state folder."""


class ControlClient:
    """Calls the control API of the phone whose state lives in ``state_dir``."""

    def __init__(self, state_dir: Path, timeout: float = 30.0) -> None:
        self.state_dir = state_dir
        self.timeout = timeout

    def _endpoint(self) -> dict[str, Any]:
        try:
            info = json.loads((self.state_dir / CONTROL_FILE).read_text(encoding="utf-8"))
            return {"port": int(info["port"]), "token": str(info["token"])}
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise PhoneNotRunningError(self.not_running_message()) from exc

    def not_running_message(self) -> str:
        return f"Nenhum celular simulado em execução em {self.state_dir}."

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """The decoded JSON answer; raises PhoneNotRunningError or ControlError."""
        endpoint = self._endpoint()
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Authorization": f"Bearer {endpoint['token']}"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        conn = http.client.HTTPConnection("127.0.0.1", endpoint["port"], timeout=self.timeout)
        try:
            conn.request(method, path, body=data, headers=headers)
            response = conn.getresponse()
            raw = response.read()
        except TimeoutError as exc:
            raise ControlError(504, "o celular simulado não respondeu a tempo") from exc
        except (OSError, http.client.HTTPException) as exc:
            raise PhoneNotRunningError(self.not_running_message()) from exc
        finally:
            conn.close()
        try:
            payload = json.loads(raw)
        except ValueError:
            payload = {"error": raw.decode("utf-8", "replace")}
        if response.status != 200:
            message = payload.get("error") if isinstance(payload, dict) else None
            raise ControlError(response.status, message or response.reason)
        return payload
