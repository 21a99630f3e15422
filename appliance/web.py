"""Shared pieces of the HTTP edge: the runtime dependency, guards, templates."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from appliance.accounts.permissions import Actor, Permission
from appliance.errors import Forbidden
from appliance.runtime import Runtime


def provide_runtime(request: Request[Any, Any, Any]) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def actor_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Actor:
    user = connection.user
    assert isinstance(user, Actor)
    return user


def require(permission: Permission) -> Any:
    """A guard: the caller is an admin or holds ``permission``."""

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if not actor_of(connection).has(permission):
            raise Forbidden("Você não tem permissão para esta ação.", code="permission.denied")

    return guard


def require_admin(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    if not actor_of(connection).is_admin:
        raise Forbidden("Apenas administradores podem fazer isto.", code="permission.admin_only")
