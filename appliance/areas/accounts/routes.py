"""Login and logout pages, API tokens, and the admin API for users and departments."""

from __future__ import annotations

import asyncio
import logging
import secrets
from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, JSONBody
from litestar.response import Redirect, Template

from appliance.areas.accounts import service
from appliance.areas.accounts.permissions import (
    PERMISSION_LABELS,
    Actor,
    Permission,
    check_can_manage_user,
)
from appliance.areas.accounts.schemas import (
    ApiToken,
    Department,
    DepartmentCreate,
    DepartmentMembers,
    DepartmentMembersOut,
    DepartmentRename,
    LoginForm,
    MeUpdate,
    PermissionChoice,
    TokenOut,
    TokenRequest,
    User,
    UserCreate,
    UserUpdate,
)
from appliance.areas.assignments import service as assignments
from appliance.core.answers import Ref, answer, answers
from appliance.core.errors import InvalidInput, NotAuthenticated, TooManyRequests
from appliance.core.i18n import N_, _, gettext
from appliance.core.limits import PathId
from appliance.http.auth import LOGIN_CSRF_COOKIE, SESSION_COOKIE, csrf_matches
from appliance.http.context import Context, Ctx
from appliance.http.deps import require
from appliance.http.guard import served_over_https
from appliance.http.live import ChatChanges, hub_of
from appliance.http.runtime import Runtime

log = logging.getLogger(__name__)

BAD_CREDENTIALS = N_("Login ou senha incorretos.")


def _address(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


async def check_credentials(runtime: Runtime, login: str, password: str, address: str) -> int:
    """The user id for a correct login and password; raises TooManyRequests or
    NotAuthenticated. The attempt is counted before the password is checked (see
    ``service.begin_login_attempt`` for the throttling rule) and forgiven when it is right."""
    settings = runtime.settings
    login = login.strip().lower()[:64]
    limits = service.LoginLimits(
        max_failures=settings.login_max_failures, window_ms=settings.login_window_seconds * 1000
    )
    attempt = await runtime.db.write(service.begin_login_attempt, login, address, limits)
    creds = await runtime.db.read(service.find_credentials, login)
    ok = await asyncio.to_thread(service.password_matches, creds.password_hash, password)
    if not ok or creds.user_id is None:
        log.info("login failed for %r from %s", login, address)
        raise NotAuthenticated(_(BAD_CREDENTIALS), code="auth.bad_credentials")
    await runtime.db.write(service.settle_login_attempt, attempt, login, address)
    log.info("login of %r from %s", login, address)
    return creds.user_id


def _login_page(error: str | None, status: int, login: str = "") -> Template:
    token = secrets.token_urlsafe(24)
    response = Template(
        "login.html", context={"error": error, "csrf": token, "login": login}, status_code=status
    )
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path="/login")
    return response


class LoginController(Controller):
    path = ""
    include_in_schema = False

    @get("/login")
    async def login_page(self, request: Request[Any, Any, Any]) -> Template:
        return _login_page(None, 200)

    @post("/login", status_code=303)
    async def login(
        self,
        request: Request[Any, Any, Any],
        runtime: NamedDependency[Runtime],
        data: Annotated[LoginForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Response[Any]:
        if not csrf_matches(request.cookies.get(LOGIN_CSRF_COOKIE), data.csrf):
            return _login_page(
                gettext("A página de login expirou. Tente novamente."), 403, data.login
            )
        try:
            user_id = await check_credentials(runtime, data.login, data.password, _address(request))
        except TooManyRequests as exc:
            return _login_page(exc.message, 429, data.login)
        except NotAuthenticated as exc:
            return _login_page(exc.message, 401, data.login)
        token, _ = await runtime.db.write(service.create_session, user_id)
        response: Response[Any] = Redirect("/", status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            token,
            httponly=True,
            samesite="lax",
            path="/",
            secure=runtime.settings.secure_cookies or served_over_https(request.scope),
        )
        response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
        return response

    @post("/logout", status_code=303)
    async def logout(
        self, request: Request[Any, Any, Any], runtime: NamedDependency[Runtime]
    ) -> Response[Any]:
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            await runtime.db.write(service.delete_session, token)
            await hub_of(request.app).check_sessions()
        response: Response[Any] = Redirect("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response


class AuthController(Controller):
    path = "/api/v1"
    tags = ["auth"]

    @post("/auth/token", status_code=200, summary="Trocar login e senha por um token de API")
    async def create_token(self, ctx: Ctx, data: JSONBody[TokenRequest]) -> TokenOut:
        """The token's secret is in this answer only; ``name`` labels it in the token list."""
        address = _address(ctx.request)
        user_id = await check_credentials(ctx.runtime, data.login, data.password, address)
        token = await ctx.write(service.create_api_token, user_id, data.name)
        return TokenOut(access_token=token)

    @get("/auth/tokens", summary="Meus tokens de API (sem o segredo)")
    async def list_tokens(self, ctx: Ctx) -> list[ApiToken]:
        uses = dict(ctx.runtime.token_uses())
        return answers(await ctx.read(service.list_api_tokens, ctx.actor.id, uses), ApiToken)

    @delete("/auth/tokens/{token_id:int}", summary="Revogar um dos meus tokens de API")
    async def revoke_token(self, ctx: Ctx, token_id: PathId) -> None:
        """Live sockets opened with the token close too."""
        await ctx.write(service.revoke_api_token, ctx.actor.id, token_id)
        await ctx.hub.check_sessions()

    @get("/me", summary="O usuário autenticado")
    async def me(self, ctx: Ctx) -> User:
        return answer(await ctx.read(service.get_user, ctx.actor.id), User)

    @patch("/me", summary="Meu nome, senha, sons e notificações")
    async def update_me(self, ctx: Ctx, data: JSONBody[MeUpdate]) -> User:
        """A new password needs the current one (a session left open is not enough)."""
        actor = ctx.actor
        password_hash = None
        if data.new_password is not None:
            service.check_password(data.new_password, "new_password")
            await check_credentials(
                ctx.runtime, actor.login, data.current_password or "", _address(ctx.request)
            )
            password_hash = await asyncio.to_thread(service.hash_password, data.new_password)
        if data.name is not None and not data.name.strip():
            raise InvalidInput(_("Informe o seu nome."), code="user.invalid_name")

        def update(conn: Any) -> dict[str, Any]:
            service.update_preferences(
                conn,
                actor.id,
                sound_on=data.sound_on,
                notify_browser=data.notify_browser,
                notify_email=data.notify_email,
            )
            service.update_user(conn, actor.id, name=data.name, password_hash=password_hash)
            return service.get_user(conn, actor.id)

        user = await ctx.write(update)
        if password_hash is not None:
            await ctx.hub.check_sessions()
        return answer(user, User)


class UsersController(Controller):
    path = "/api/v1"
    tags = ["users"]
    guards = [require(Permission.MANAGE_USERS)]

    @get("/permissions", summary="Permissões que um administrador pode dar")
    async def permissions(self) -> list[PermissionChoice]:
        return [PermissionChoice(name=p.value, label=_(PERMISSION_LABELS[p])) for p in Permission]

    @get("/users")
    async def list_users(self, ctx: Ctx) -> list[User]:
        """Each user has ``can_manage``: whether the caller may change them."""
        return answers(await ctx.read_as(service.list_users), User)

    @get("/users/{user_id:int}")
    async def get_user(self, ctx: Ctx, user_id: PathId) -> User:
        return answer(await ctx.read(service.get_user, user_id, ctx.actor), User)

    @get("/users/{user_id:int}/tokens", summary="Tokens de API de um usuário (sem o segredo)")
    async def list_user_tokens(self, ctx: Ctx, user_id: PathId) -> list[ApiToken]:
        uses = dict(ctx.runtime.token_uses())

        def read(conn: Any, actor: Actor) -> list[dict[str, Any]]:
            check_can_manage_user(actor, service.get_member(conn, user_id))
            return service.list_api_tokens(conn, user_id, uses)

        return answers(await ctx.read_as(read), ApiToken)

    @delete("/users/{user_id:int}/tokens/{token_id:int}", summary="Revogar um token de um usuário")
    async def revoke_user_token(self, ctx: Ctx, user_id: PathId, token_id: PathId) -> None:
        """Live sockets opened with the token close too."""

        def revoke(conn: Any, actor: Actor) -> None:
            check_can_manage_user(actor, service.get_member(conn, user_id))
            service.revoke_api_token(conn, user_id, token_id)

        await ctx.write_as(revoke)
        await ctx.hub.check_sessions()

    @post("/users", status_code=201)
    async def create_user(self, ctx: Ctx, data: JSONBody[UserCreate]) -> User:
        service.check_user_create(
            ctx.actor,
            is_admin=data.is_admin,
            permissions=data.permissions,
            departments=data.departments,
        )
        service.check_login_name(data.login)
        service.check_password(data.password)
        password_hash = await asyncio.to_thread(service.hash_password, data.password)

        def create(conn: Any, actor: Actor) -> dict[str, Any]:
            user_id = service.create_user(
                conn,
                login=data.login,
                name=data.name,
                password_hash=password_hash,
                is_admin=data.is_admin,
                permissions=data.permissions,
                email=data.email,
                departments=data.departments,
            )
            return service.get_user(conn, user_id, actor)

        user = await ctx.write_as(create)
        ctx.hub.account_changed("users")
        return answer(user, User)

    @patch("/users/{user_id:int}")
    async def update_user(self, ctx: Ctx, user_id: PathId, data: JSONBody[UserUpdate]) -> User:
        """Name, e-mail, permissions, departments, active, a new password (admin reset), as
        ``service.check_user_change`` allows. Deactivating or resetting the password ends the
        user's sessions and API tokens, and closes their live sockets."""
        password_hash = None
        if data.password is not None:
            service.check_password(data.password)
            password_hash = await asyncio.to_thread(service.hash_password, data.password)

        if data.name is not None and not data.name.strip():
            raise InvalidInput(_("Informe o nome do usuário."), code="user.invalid_name")

        def update(conn: Any, actor: Actor) -> dict[str, Any]:
            service.check_user_change(
                conn,
                actor,
                user_id,
                is_admin=data.is_admin,
                permissions=data.permissions,
                departments=data.departments,
                active=data.active,
            )
            service.update_user(
                conn,
                user_id,
                name=data.name,
                email=data.email,
                is_admin=data.is_admin,
                permissions=data.permissions,
                active=data.active,
                password_hash=password_hash,
                departments=data.departments,
            )
            service.check_admin_left(conn)
            return service.get_user(conn, user_id, actor)

        user = await ctx.write_as(update)
        await _users_changed(ctx, {user_id})
        if password_hash is not None or data.active is False:
            await ctx.hub.check_sessions()
        return answer(user, User)

    @get("/departments")
    async def list_departments(self, ctx: Ctx) -> list[Department]:
        """Each department has ``can_manage``: whether the caller may rename it, delete it
        or choose its members."""
        return answers(await ctx.read_as(service.list_departments), Department)

    @post("/departments", status_code=201)
    async def create_department(self, ctx: Ctx, data: JSONBody[DepartmentCreate]) -> Ref:
        """A manager who is not an admin joins the department they create (so that they
        may place people in it)."""
        actor = ctx.actor

        def create(conn: Any) -> int:
            department_id = service.create_department(conn, data.name)
            if not actor.is_admin:
                service.join_department(conn, department_id, actor.id)
            return department_id

        department_id = await ctx.write(create)
        if not actor.is_admin:
            await ctx.hub.refresh_actor(actor.id)
        ctx.hub.account_changed("users")
        return Ref(id=department_id, name=data.name.strip())

    @patch("/departments/{department_id:int}", summary="Renomear um departamento")
    async def rename_department(
        self, ctx: Ctx, department_id: PathId, data: JSONBody[DepartmentRename]
    ) -> Ref:
        def rename(conn: Any, actor: Actor) -> dict[str, Any]:
            service.check_department_change(conn, actor, department_id)
            return service.rename_department(conn, department_id, data.name)

        department = await ctx.write_as(rename)
        ctx.hub.account_changed("users")
        return answer(department, Ref)

    @delete("/departments/{department_id:int}", summary="Excluir um departamento")
    async def delete_department(self, ctx: Ctx, department_id: PathId) -> None:
        """Members leave it and it leaves the chats it was assigned to (recorded in each
        chat's assignment history); chats with no other assignee stay with admins and users
        who see all chats."""

        def remove(conn: Any, actor: Actor) -> assignments.DepartmentRemoved:
            service.check_department_delete(conn, actor, department_id)
            return assignments.delete_department(conn, department_id, actor.id)

        removed = await ctx.write_as(remove)
        await _users_changed(ctx, removed.members)
        if removed.chats:
            await ctx.publish_chats(ChatChanges(chats=removed.chats, access_changed=removed.chats))

    @put("/departments/{department_id:int}/members")
    async def set_members(
        self, ctx: Ctx, department_id: PathId, data: JSONBody[DepartmentMembers]
    ) -> DepartmentMembersOut:
        """Replace the members; a manager reaches only users they may change
        (``service.check_members_change``)."""

        def replace_members(conn: Any, actor: Actor) -> set[int]:
            service.check_members_change(conn, actor, department_id, data.user_ids)
            return service.set_department_members(conn, department_id, data.user_ids)

        changed = await ctx.write_as(replace_members)
        await _users_changed(ctx, changed)
        return DepartmentMembersOut(id=department_id, user_ids=sorted(set(data.user_ids)))


async def _users_changed(ctx: Context, user_ids: set[int]) -> None:
    """After a change to users or departments: open pages see the users' new permissions and
    departments at once, and pickers of users and departments reload."""
    for user_id in sorted(user_ids):
        await ctx.hub.refresh_actor(user_id)
    ctx.hub.account_changed("users")
