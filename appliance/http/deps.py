"""Shared pieces of the HTTP edge: the runtime dependency, guards, templates."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from appliance.areas.accounts.permissions import Actor, Permission
from appliance.core.errors import Forbidden
from appliance.core.i18n import gettext
from appliance.core.jobs import Jobs
from appliance.http.runtime import Runtime


def provide_runtime(request: Request[Any, Any, Any]) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def jobs_of(app: Any) -> Jobs:
    """The process's job queue, built on first use by the builder the app factory left."""
    jobs: Jobs | None = getattr(app.state, "jobs", None)
    if jobs is None:
        jobs = app.state.build_jobs()
        app.state.jobs = jobs
    return jobs


def actor_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Actor:
    user = connection.user
    assert isinstance(user, Actor)
    return user


def require(permission: Permission) -> Any:
    """A guard: the caller is an admin or holds ``permission``."""

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if not actor_of(connection).has(permission):
            raise Forbidden(
                gettext("Você não tem permissão para esta ação."), code="permission.denied"
            )

    return guard


def require_admin(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    if not actor_of(connection).is_admin:
        raise Forbidden(
            gettext("Apenas administradores podem fazer isto."), code="permission.admin_only"
        )
