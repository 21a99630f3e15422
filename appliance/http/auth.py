"""Who is calling: bearer tokens for API clients, session cookies (with CSRF) for browsers."""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING

from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.middleware._utils import should_bypass_middleware
from litestar.types import Receive, Scope, Send

from appliance.areas.accounts import service
from appliance.areas.accounts.permissions import Actor
from appliance.core.i18n import gettext

if TYPE_CHECKING:
    from appliance.http.runtime import Runtime

SESSION_COOKIE = "balcao_session"
LOGIN_CSRF_COOKIE = "balcao_login_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "_csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Paths reachable without a user; the bridge link has its own device tokens.
PUBLIC_PATHS = [
    "^/login$",
    "^/api/v1/auth/token$",
    "^/healthz$",
    "^/static/",
    "^/schema",
    "^/bridge/",
    "^/favicon.ico$",
]


class CSRFError(PermissionDeniedException):
    pass


def csrf_matches(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))


class AuthMiddleware(AbstractAuthenticationMiddleware):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # As the base class, but the connection can read the body: a form's CSRF field.
        if not should_bypass_middleware(
            exclude_http_methods=self.exclude_http_methods,
            exclude_opt_key=self.exclude_opt_key,
            exclude_path_pattern=self.exclude,
            scope=scope,
            scopes=self.scopes,
        ):
            result = await self.authenticate_request(ASGIConnection(scope, receive))
            scope["user"] = result.user
            scope["auth"] = result.auth
        await self.app(scope, receive, send)

    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        runtime: Runtime = connection.app.state.runtime
        db = runtime.db
        authorization = connection.headers.get("authorization", "")
        if authorization:
            scheme, _, token = authorization.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise NotAuthorizedException(gettext("Cabeçalho Authorization inválido."))
            actor = await db.read(service.token_actor, token.strip())
            if actor is None:
                raise NotAuthorizedException(gettext("Token inválido ou expirado."))
            if actor.token_id is not None:
                runtime.note_token_use(actor.token_id)
            return AuthenticationResult(user=actor, auth="bearer")

        session = connection.cookies.get(SESSION_COOKIE)
        if not session:
            raise NotAuthorizedException(gettext("Faça login para continuar."))
        actor = await db.read(
            service.session_actor,
            session,
            runtime.settings.session_idle_seconds * 1000,
            runtime.session_uses().get(session),
        )
        if actor is None:
            raise NotAuthorizedException(gettext("Sua sessão expirou. Faça login novamente."))
        scope = connection.scope
        if scope["type"] == ScopeType.HTTP and scope["method"] not in SAFE_METHODS:
            await _check_csrf(connection, actor)
        runtime.note_session_use(session)
        return AuthenticationResult(user=actor, auth="session")


async def _check_csrf(connection: ASGIConnection, actor: Actor) -> None:
    given = connection.headers.get(CSRF_HEADER)
    content_type = connection.headers.get("content-type", "")
    if not given and content_type.startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        from litestar import Request

        form = await Request(connection.scope, connection.receive).form()
        value = form.get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if not csrf_matches(actor.csrf_token, given):
        raise CSRFError(
            gettext("Token CSRF ausente ou inválido. Recarregue a página e tente novamente.")
        )
