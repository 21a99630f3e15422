"""The language of each answer: the ``language`` setting when the shop fixed one, else the
browser's ``Accept-Language``, else pt-BR (appliance/core/i18n.py)."""

from __future__ import annotations

from litestar.types import ASGIApp, Receive, Scope, Send

from appliance.core.i18n import choose_language, set_language
from appliance.core.settings import Settings


def _accept_language(scope: Scope) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == b"accept-language":
            return value.decode("latin-1")
    return None


class LanguageMiddleware:
    """ASGI middleware, outermost: sets the language before any other middleware can
    answer (a refused Host, a login required), for the rest of this request's task.

    The language stays set when the request ends: each request runs in its own task, and a
    reset here would come before the error handlers that sit outside the middleware."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.setting = settings.language

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            set_language(choose_language(self.setting, _accept_language(scope)))
        await self.app(scope, receive, send)
