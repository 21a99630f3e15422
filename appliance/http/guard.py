"""The browser's side of every answer: which Host names the box serves, and the headers
that keep its pages out of frames, caches and other sites' scripts."""

from __future__ import annotations

import ipaddress
import json
import socket
from collections.abc import Iterable
from typing import Any

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from appliance.core.i18n import N_, _
from appliance.core.settings import Settings

# Scripts come only from /static: data reaches them in <script type="application/json">
# blocks, which are never run. Styles set through the CSSOM (el.style) are not inline
# markup, so 'self' holds for them too; the favicon is a data: URL.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self'; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
BAD_HOST_MESSAGE = N_(
    "Endereço não reconhecido pelo Balcão: {host}. Abra o Balcão pelo endereço IP da caixa "
    "ou por um nome configurado em allowed_hosts."
)

_ALWAYS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
)
_CSP = (b"content-security-policy", PAGE_POLICY.encode())
# Pages and API answers hold customers' names and messages: a shared counter terminal
# keeps none of them on disk. Static files (no user data) keep their own caching.
_NO_STORE = (b"cache-control", b"no-store")


def own_names(configured: Iterable[str], hostname: str | None = None) -> frozenset[str]:
    """The names the box answers to: the configured ones, localhost, and the machine's
    hostname with its mDNS form (``caixa`` and ``caixa.local``)."""
    host = (hostname if hostname is not None else socket.gethostname()).strip().lower()
    names = {"localhost", *(n.strip().lower().rstrip(".") for n in configured if n.strip())}
    if host:
        names.update({host, f"{host}.local"})
    return frozenset(names)


def host_name(header: str) -> str:
    """The name or address in a Host header, without port or IPv6 brackets, lower case."""
    value = header.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value[1:]
    if value.count(":") == 1:
        value = value.split(":", 1)[0]
    return value.rstrip(".")


def is_ip_literal(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def host_allowed(header: str, names: frozenset[str]) -> bool:
    """True for an IP literal, a name in ``names``, or a subdomain of a ``*.`` entry.

    A rebinding attack needs a name the attacker controls that resolves to the box; an
    IP literal or one of the box's own names cannot be such a name."""
    if "*" in names:
        return True
    name = host_name(header)
    if not name:
        return False
    if is_ip_literal(name) or name in names:
        return True
    return any(n.startswith("*.") and name.endswith(n[1:]) for n in names)


def served_over_https(scope: Scope) -> bool:
    """True when the browser reached the box over TLS: directly, or through a trusted
    proxy (the server rewrites the scheme from X-Forwarded-Proto for those only)."""
    return scope.get("scheme") in ("https", "wss")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


class BrowserGuard:
    """ASGI middleware: refuses unknown Host names (400, or a refused WebSocket handshake)
    and adds the security headers to every HTTP answer that lacks them."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.names = own_names(settings.allowed_hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        host = _header(scope, b"host")
        # HTTP/1.0 clients may leave Host out; only a browser on a rebound name sends one
        # the box does not own.
        if host is not None and not host_allowed(host, self.names):
            await self._refuse(scope, send, host)
            return
        if scope["type"] == ScopeType.WEBSOCKET:
            await self.app(scope, receive, send)
            return
        no_store = not scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {key.lower() for key, _ in headers}
                headers.extend(h for h in _ALWAYS if h[0] not in present)
                if _CSP[0] not in present:
                    headers.append(_CSP)
                if no_store and _NO_STORE[0] not in present:
                    headers.append(_NO_STORE)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _refuse(self, scope: Scope, send: Send, host: str) -> None:
        if scope["type"] == ScopeType.WEBSOCKET:
            # Closing before accepting makes the server answer the handshake with 403.
            await send({"type": "websocket.close", "code": 1008, "reason": "host"})
            return
        body = json.dumps(
            {"code": "http.bad_host", "message": _(BAD_HOST_MESSAGE).format(host=host[:100])},
            ensure_ascii=False,
        ).encode()
        headers: list[Any] = [
            (b"content-type", b"application/json; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
            *_ALWAYS,
            _CSP,
            _NO_STORE,
        ]
        await send({"type": "http.response.start", "status": 400, "headers": headers})
        await send({"type": "http.response.body", "body": body, "more_body": False})
