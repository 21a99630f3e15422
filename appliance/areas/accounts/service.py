"""Accounts: the shop, users, departments, logins, sessions and API tokens.

Functions taking ``conn`` run inside a ``Database.read``/``write`` transaction.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import sqlite3  # bound to sqlean by appliance/__init__.py
from collections.abc import Iterable
from dataclasses import dataclass, replace

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from appliance.areas.accounts.permissions import (
    Actor,
    Member,
    Permission,
    can_manage_department,
    can_manage_user,
    check_can_grant,
    check_can_manage_department,
    check_can_manage_user,
    check_can_place_in,
    parse_permissions,
)
from appliance.core.clock import iso, now_ms
from appliance.core.db import Conn
from appliance.core.errors import Conflict, Forbidden, InvalidInput, NotFound, TooManyRequests
from appliance.core.i18n import _

_hasher = PasswordHasher()

LOGIN_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
# New passwords only: accounts made before the rule (and the demo's) keep theirs.
MIN_PASSWORD = 8
API_TOKEN_DAYS = 30

DEFAULT_MODULES = {
    "attendance": True,
    "funnel": True,
    "chatbot": True,
    "nps": True,
    "add_chats": True,
    "files": True,
}


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A hash to verify against when the login does not exist, so that the answer
# takes as long as for a real user.
_DUMMY_HASH = hash_password(secrets.token_hex(8))


def ensure_account(
    conn: Conn, name: str = "Minha loja", time_zone: str = "America/Sao_Paulo"
) -> None:
    conn.execute(
        "INSERT INTO account(id, name, time_zone, modules, created_at) VALUES (1, ?, ?, ?, ?) "
        "ON CONFLICT(id) DO NOTHING",
        (name, time_zone, json.dumps(DEFAULT_MODULES), now_ms()),
    )


@dataclass(frozen=True)
class AccountInfo:
    name: str
    time_zone: str
    modules: dict[str, bool]


def get_account(conn: Conn) -> AccountInfo:
    row = conn.execute("SELECT name, time_zone, modules FROM account WHERE id = 1").fetchone()
    if row is None:
        return AccountInfo("Minha loja", "America/Sao_Paulo", dict(DEFAULT_MODULES))
    return AccountInfo(
        row["name"], row["time_zone"], {**DEFAULT_MODULES, **json.loads(row["modules"])}
    )


# -- users --------------------------------------------------------------------------------------


def check_login_name(login: str) -> str:
    login = login.strip().lower()
    if not LOGIN_RE.match(login):
        raise InvalidInput(
            _(
                "Login inválido: use de 2 a 64 letras minúsculas, números, ponto, hífen ou "
                "sublinhado."
            ),
            code="user.invalid_login",
        )
    return login


def check_password(password: str, field: str = "password") -> None:
    """A new password: at least MIN_PASSWORD characters. Raises InvalidInput naming ``field``."""
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(
            _("{field}: a senha precisa ter pelo menos {min_password} caracteres.").format(
                field=field, min_password=MIN_PASSWORD
            ),
            code="user.weak_password",
            field=field,
        )


def check_permission_names(names: list[str]) -> list[str]:
    known = {p.value for p in Permission}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise InvalidInput(
            _("Permissão desconhecida: {names}.").format(names=", ".join(unknown)),
            code="user.unknown_permission",
        )
    return sorted(set(names))


def create_user(
    conn: Conn,
    *,
    login: str,
    name: str,
    password_hash: str,
    is_admin: bool = False,
    permissions: list[str] | None = None,
    email: str = "",
    departments: list[int] | None = None,
) -> int:
    """Insert a user; the password is already hashed (hashing is slow: do it outside the txn)."""
    login = check_login_name(login)
    name = name.strip() or login
    perms = check_permission_names(permissions or [])
    if conn.execute("SELECT 1 FROM app_user WHERE login = ?", (login,)).fetchone():
        raise Conflict(
            _("Já existe um usuário com o login “{login}”.").format(login=login),
            code="user.login_taken",
        )
    cur = conn.execute(
        "INSERT INTO app_user(login, name, email, is_admin, permissions, password_hash, "
        "notify_browser, notify_email, sound_on, active, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, 1, 1, 1, 1, ?)",
        (login, name, email.strip(), int(is_admin), json.dumps(perms), password_hash, now_ms()),
    )
    user_id = int(cur.lastrowid or 0)
    set_user_departments(conn, user_id, departments or [])
    return user_id


def update_preferences(
    conn: Conn,
    user_id: int,
    *,
    sound_on: bool | None = None,
    notify_browser: bool | None = None,
    notify_email: bool | None = None,
) -> None:
    changes = {
        k: int(v)
        for k, v in (
            ("sound_on", sound_on),
            ("notify_browser", notify_browser),
            ("notify_email", notify_email),
        )
        if v is not None
    }
    if changes:
        assignments = ", ".join(f"{column} = ?" for column in changes)
        conn.execute(
            f"UPDATE app_user SET {assignments} WHERE id = ?", (*changes.values(), user_id)
        )


def update_user(
    conn: Conn,
    user_id: int,
    *,
    name: str | None = None,
    email: str | None = None,
    is_admin: bool | None = None,
    permissions: list[str] | None = None,
    active: bool | None = None,
    password_hash: str | None = None,
    departments: list[int] | None = None,
) -> None:
    if conn.execute("SELECT 1 FROM app_user WHERE id = ?", (user_id,)).fetchone() is None:
        raise NotFound(_("Usuário não encontrado."), code="user.not_found")
    changes: dict[str, object] = {}
    if name is not None:
        changes["name"] = name.strip()
    if email is not None:
        changes["email"] = email.strip()
    if is_admin is not None:
        changes["is_admin"] = int(is_admin)
    if permissions is not None:
        changes["permissions"] = json.dumps(check_permission_names(permissions))
    if active is not None:
        changes["active"] = int(active)
    if password_hash is not None:
        changes["password_hash"] = password_hash
    if changes:
        assignments = ", ".join(f"{column} = ?" for column in changes)
        conn.execute(
            f"UPDATE app_user SET {assignments} WHERE id = ?", (*changes.values(), user_id)
        )
    if departments is not None:
        set_user_departments(conn, user_id, departments)
    if active is False or password_hash is not None:
        conn.execute("DELETE FROM web_session WHERE member = ?", (user_id,))
        conn.execute("DELETE FROM api_token WHERE member = ?", (user_id,))


def get_member(conn: Conn, user_id: int) -> Member:
    """The user as the rules of who may change whom see them; raises NotFound."""
    row = conn.execute(
        "SELECT id, is_admin, permissions FROM app_user WHERE id = ?", (user_id,)
    ).fetchone()
    if row is None:
        raise NotFound(_("Usuário não encontrado."), code="user.not_found")
    return Member(
        id=row["id"],
        is_admin=bool(row["is_admin"]),
        permissions=frozenset(json.loads(row["permissions"])),
        departments=frozenset(_user_departments(conn, user_id)),
    )


def _user_departments(conn: Conn, user_id: int) -> list[int]:
    return [
        r[0]
        for r in conn.execute(
            "SELECT department FROM department_member WHERE member = ? ORDER BY department",
            (user_id,),
        )
    ]


def check_user_create(
    actor: Actor, *, is_admin: bool, permissions: list[str], departments: list[int]
) -> None:
    """Only admins make admins; a manager gives only permissions they hold and places the
    new user only in departments they belong to. Raises Forbidden or InvalidInput."""
    if is_admin and not actor.is_admin:
        raise Forbidden(
            _("Apenas administradores podem criar administradores."), code="permission.admin_only"
        )
    check_can_grant(actor, set(check_permission_names(permissions)))
    check_can_place_in(actor, set(departments))


def check_user_change(
    conn: Conn,
    actor: Actor,
    user_id: int,
    *,
    is_admin: bool | None = None,
    permissions: list[str] | None = None,
    departments: list[int] | None = None,
    active: bool | None = None,
) -> None:
    """Who may change whom (``permissions.can_manage_user``): any change to a user needs it;
    only admins make or unmake admins; nobody deactivates themselves; permissions given or
    taken as ``check_can_grant``; departments joined as ``check_can_place_in``. Raises
    NotFound, Forbidden or InvalidInput."""
    member = get_member(conn, user_id)
    check_can_manage_user(actor, member)
    if is_admin is not None and not actor.is_admin:
        raise Forbidden(
            _("Apenas administradores podem mudar quem é administrador."),
            code="permission.admin_only",
        )
    if active is False and user_id == actor.id:
        raise InvalidInput(
            _("Você não pode desativar o seu próprio usuário."), code="user.deactivate_self"
        )
    if permissions is not None:
        check_can_grant(actor, set(member.permissions) ^ set(check_permission_names(permissions)))
    if departments is not None:
        check_can_place_in(actor, set(departments) - member.departments)


def check_department_change(conn: Conn, actor: Actor, department_id: int) -> None:
    """Rename: a department the actor may manage. Raises NotFound or Forbidden."""
    department_name(conn, department_id)
    check_can_manage_department(actor, department_id)


def check_department_delete(conn: Conn, actor: Actor, department_id: int) -> None:
    """Delete: a department the actor may manage, whose every member they may manage (each
    loses the department). Raises NotFound or Forbidden."""
    check_department_change(conn, actor, department_id)
    for user_id in sorted(department_members(conn, department_id)):
        check_can_manage_user(actor, get_member(conn, user_id))


def check_members_change(conn: Conn, actor: Actor, department_id: int, user_ids: list[int]) -> None:
    """Members: a department the actor may manage; every user who joins or leaves it is one
    the actor may manage. Raises NotFound, Forbidden or InvalidInput."""
    check_department_change(conn, actor, department_id)
    changed = department_members(conn, department_id) ^ set(user_ids)
    for user_id in sorted(changed):
        try:
            member = get_member(conn, user_id)
        except NotFound:
            raise InvalidInput(
                _("Usuário inexistente: [{user_id}].").format(user_id=user_id),
                code="user.not_found",
            ) from None
        check_can_manage_user(actor, member)


def check_admin_left(conn: Conn) -> None:
    """The shop keeps at least one active admin (run after a change, inside its txn)."""
    if conn.execute("SELECT 1 FROM app_user WHERE is_admin AND active LIMIT 1").fetchone() is None:
        raise Conflict(
            _("A loja precisa de pelo menos um administrador ativo."), code="user.last_admin"
        )


def set_user_departments(conn: Conn, user_id: int, departments: list[int]) -> None:
    wanted = sorted(set(departments))
    if wanted:
        marks = ",".join("?" * len(wanted))
        found = {
            r[0] for r in conn.execute(f"SELECT id FROM department WHERE id IN ({marks})", wanted)
        }
        missing = [d for d in wanted if d not in found]
        if missing:
            raise InvalidInput(
                _("Departamento inexistente: {missing}.").format(missing=missing),
                code="department.not_found",
            )
    conn.execute("DELETE FROM department_member WHERE member = ?", (user_id,))
    insert_department_members(conn, [(d, user_id) for d in wanted])


def user_row_to_dict(conn: Conn, row: sqlite3.Row, actor: Actor | None = None) -> dict[str, object]:
    """A user as the API shows it; with ``actor``, ``can_manage`` says whether that actor
    may change this user (pages offer only the actions the server accepts)."""
    r = dict(row)
    departments = _user_departments(conn, int(r["id"]))
    permissions = json.loads(str(r["permissions"]))
    out: dict[str, object] = {
        "id": r["id"],
        "login": r["login"],
        "name": r["name"],
        "email": r["email"],
        "is_admin": bool(r["is_admin"]),
        "permissions": permissions,
        "departments": departments,
        "active": bool(r["active"]),
        "notify_browser": bool(r["notify_browser"]),
        "notify_email": bool(r["notify_email"]),
        "sound_on": bool(r["sound_on"]),
    }
    if actor is not None:
        member = Member(
            int(r["id"]),
            bool(r["is_admin"]),
            frozenset(permissions),
            frozenset(departments),
        )
        out["can_manage"] = can_manage_user(actor, member)
    return out


_USER_COLUMNS = (
    "id, login, name, email, is_admin, permissions, active, notify_browser, notify_email, sound_on"
)


def list_users(conn: Conn, actor: Actor | None = None) -> list[dict[str, object]]:
    rows = conn.execute(f"SELECT {_USER_COLUMNS} FROM app_user ORDER BY name, id").fetchall()
    return [user_row_to_dict(conn, r, actor) for r in rows]


def get_user(conn: Conn, user_id: int, actor: Actor | None = None) -> dict[str, object]:
    row = conn.execute(f"SELECT {_USER_COLUMNS} FROM app_user WHERE id = ?", (user_id,)).fetchone()
    if row is None:
        raise NotFound(_("Usuário não encontrado."), code="user.not_found")
    return user_row_to_dict(conn, row, actor)


def load_actor(conn: Conn, user_id: int, csrf_token: str | None = None) -> Actor | None:
    row = conn.execute(
        "SELECT id, login, name, is_admin, permissions, active FROM app_user WHERE id = ?",
        (user_id,),
    ).fetchone()
    if row is None or not row["active"]:
        return None
    departments = frozenset(
        r[0]
        for r in conn.execute(
            "SELECT department FROM department_member WHERE member = ?", (user_id,)
        )
    )
    return Actor(
        id=row["id"],
        login=row["login"],
        name=row["name"],
        is_admin=bool(row["is_admin"]),
        permissions=parse_permissions(json.loads(row["permissions"])),
        departments=departments,
        csrf_token=csrf_token,
    )


# -- departments --------------------------------------------------------------------------------


def create_department(conn: Conn, name: str) -> int:
    return insert_department(conn, _check_department_name(conn, name), now_ms())


def insert_department(conn: Conn, name: str, at: int) -> int:
    """The ``department`` row of a checked name (the benchmark shops date theirs); its id."""
    cur = conn.execute("INSERT INTO department(name, created_at) VALUES (?, ?)", (name, at))
    return int(cur.lastrowid or 0)


def _check_department_name(conn: Conn, name: str, department_id: int | None = None) -> str:
    name = name.strip()
    if not name or len(name) > 120:
        raise InvalidInput(
            _("Informe um nome de departamento (até 120 caracteres)."),
            code="department.invalid_name",
        )
    if conn.execute(
        "SELECT 1 FROM department WHERE name = ? AND id IS NOT ?", (name, department_id)
    ).fetchone():
        raise Conflict(
            _("Já existe o departamento “{name}”.").format(name=name), code="department.name_taken"
        )
    return name


def list_departments(conn: Conn, actor: Actor | None = None) -> list[dict[str, object]]:
    """Departments with their member ids; with ``actor``, ``can_manage`` per department."""
    rows = conn.execute(
        "SELECT d.id, d.name, (SELECT count(*) FROM department_member m WHERE m.department = d.id) "
        "AS members FROM department d ORDER BY d.name"
    ).fetchall()
    members: dict[int, list[int]] = {}
    for department, member in conn.execute(
        "SELECT department, member FROM department_member ORDER BY member"
    ):
        members.setdefault(department, []).append(member)
    out = [{**dict(r), "user_ids": members.get(r["id"], [])} for r in rows]
    if actor is not None:
        for d in out:
            d["can_manage"] = can_manage_department(actor, int(d["id"]))
    return out


def join_department(conn: Conn, department_id: int, user_id: int) -> None:
    insert_department_members(conn, [(department_id, user_id)])


def insert_department_members(conn: Conn, pairs: Iterable[tuple[int, int]]) -> None:
    """``department_member`` rows: (department id, user id)."""
    conn.executemany("INSERT INTO department_member(department, member) VALUES (?, ?)", pairs)


def department_members(conn: Conn, department_id: int) -> set[int]:
    return {
        r[0]
        for r in conn.execute(
            "SELECT member FROM department_member WHERE department = ?", (department_id,)
        )
    }


def department_name(conn: Conn, department_id: int) -> str:
    row = conn.execute("SELECT name FROM department WHERE id = ?", (department_id,)).fetchone()
    if row is None:
        raise NotFound(_("Departamento não encontrado."), code="department.not_found")
    return str(row[0])


def rename_department(conn: Conn, department_id: int, name: str) -> dict[str, object]:
    department_name(conn, department_id)
    name = _check_department_name(conn, name, department_id)
    conn.execute("UPDATE department SET name = ? WHERE id = ?", (name, department_id))
    return {"id": department_id, "name": name}


def set_department_members(conn: Conn, department_id: int, user_ids: list[int]) -> set[int]:
    """Replace the department's members; returns the users whose departments changed."""
    department_name(conn, department_id)
    before = department_members(conn, department_id)
    wanted = sorted(set(user_ids))
    if wanted:
        marks = ",".join("?" * len(wanted))
        found = {
            r[0] for r in conn.execute(f"SELECT id FROM app_user WHERE id IN ({marks})", wanted)
        }
        if missing := [u for u in wanted if u not in found]:
            raise InvalidInput(
                _("Usuário inexistente: {missing}.").format(missing=missing), code="user.not_found"
            )
    conn.execute("DELETE FROM department_member WHERE department = ?", (department_id,))
    insert_department_members(conn, [(department_id, u) for u in wanted])
    return before ^ set(wanted)


# -- login, throttling, sessions, tokens ----------------------------------------------------------


@dataclass(frozen=True)
class Credentials:
    user_id: int | None
    password_hash: str


# How long an address stays known-good for a login after a correct password there.
KNOWN_ADDRESS_MS = 30 * 86_400_000


@dataclass(frozen=True)
class LoginLimits:
    """Failures allowed in ``window_ms`` before 429 (see ``begin_login_attempt``)."""

    max_failures: int
    window_ms: int

    @property
    def per_address(self) -> int:
        # A shop's counter PC is shared by a few people typing their own logins.
        return self.max_failures * 4

    @property
    def per_login(self) -> int:
        return self.max_failures * 4


def begin_login_attempt(conn: Conn, login: str, address: str, limits: LoginLimits) -> int:
    """Count one login attempt before its password is checked, or refuse it; returns the
    attempt's id, to be settled by ``settle_login_attempt``. Run in one write transaction,
    so that parallel attempts are counted one after another and cannot all slip through.

    The rule, over the last ``window_ms`` (5 failures in 5 minutes by default):

    - one login from one address: ``max_failures`` failures, then 429 for that pair;
    - one address, whatever the logins: ``4 × max_failures`` (someone trying many logins);
    - one login, whatever the addresses: ``4 × max_failures`` — except from an address
      where that login typed its correct password in the last 30 days. So a stranger
      guessing from other machines can shut out neither the owner's own computer nor,
      for longer than the window, a new one; and every address still has its own limit.

    Raises TooManyRequests (with ``retry_after`` seconds)."""
    now = now_ms()
    since = now - limits.window_ms
    known = conn.execute(
        "SELECT 1 FROM login_address WHERE login = ? AND address = ? AND last_ok_at >= ?",
        (login, address, now - KNOWN_ADDRESS_MS),
    ).fetchone()
    checks = [
        (
            "SELECT count(*), min(at) FROM login_failure WHERE login = ? AND address = ? "
            "AND at >= ?",
            (login, address, since),
            limits.max_failures,
        ),
        (
            "SELECT count(*), min(at) FROM login_failure WHERE address = ? AND at >= ?",
            (address, since),
            limits.per_address,
        ),
    ]
    if not known:
        checks.append(
            (
                "SELECT count(*), min(at) FROM login_failure WHERE login = ? AND at >= ?",
                (login, since),
                limits.per_login,
            )
        )
    for sql, params, limit in checks:
        count, first = conn.execute(sql, params).fetchone()
        if count >= limit:
            retry = max(1, (first + limits.window_ms - now) // 1000 + 1)
            minutes = max(1, (retry + 59) // 60)
            raise TooManyRequests(
                _(
                    "Muitas tentativas de login sem sucesso. Aguarde {minutes} minuto(s) e "
                    "tente novamente."
                ).format(minutes=minutes),
                code="auth.throttled",
                retry_after=retry,
            )
    cur = conn.execute(
        "INSERT INTO login_failure(login, address, at) VALUES (?, ?, ?)",
        (login[:64], address[:64], now),
    )
    # Keep the table small: a day of failures is more than any window.
    conn.execute("DELETE FROM login_failure WHERE at < ?", (now - 86_400_000,))
    return int(cur.lastrowid or 0)


def settle_login_attempt(conn: Conn, attempt: int, login: str, address: str) -> None:
    """The attempt's password was right: it and the earlier failures of this login from
    this address stop counting, and the address becomes known-good for the login.
    Failures from other addresses keep counting against those addresses."""
    conn.execute("DELETE FROM login_failure WHERE id = ?", (attempt,))
    conn.execute(
        "DELETE FROM login_failure WHERE login = ? AND address = ?", (login[:64], address[:64])
    )
    now = now_ms()
    conn.execute(
        "INSERT INTO login_address(login, address, last_ok_at) VALUES (?, ?, ?) "
        "ON CONFLICT(login, address) DO UPDATE SET last_ok_at = excluded.last_ok_at",
        (login[:64], address[:64], now),
    )
    conn.execute("DELETE FROM login_address WHERE last_ok_at < ?", (now - KNOWN_ADDRESS_MS,))


def find_credentials(conn: Conn, login: str) -> Credentials:
    row = conn.execute(
        "SELECT id, password_hash FROM app_user WHERE login = ? AND active", (login,)
    ).fetchone()
    if row is None:
        return Credentials(None, _DUMMY_HASH)
    return Credentials(row["id"], row["password_hash"])


def create_session(conn: Conn, user_id: int) -> tuple[str, str]:
    """A new browser session; returns (cookie token, CSRF token)."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = now_ms()
    conn.execute(
        "INSERT INTO web_session(token_hash, member, csrf_token, created_at, last_seen_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (hash_token(token), user_id, csrf, now, now),
    )
    return token, csrf


def session_actor(
    conn: Conn, token: str, idle_ms: int, last_use: int | None = None
) -> Actor | None:
    """The session's user, unless it ended or went unused for ``idle_ms`` (``last_use``: a
    use of this process not written yet)."""
    row = conn.execute(
        "SELECT member, csrf_token, last_seen_at FROM web_session WHERE token_hash = ?",
        (hash_token(token),),
    ).fetchone()
    if row is None or max(row["last_seen_at"], last_use or 0) < now_ms() - idle_ms:
        return None
    return load_actor(conn, row["member"], csrf_token=row["csrf_token"])


def touch_session(conn: Conn, token: str, at: int | None = None) -> None:
    conn.execute(
        "UPDATE web_session SET last_seen_at = max(last_seen_at, ?) WHERE token_hash = ?",
        (at if at is not None else now_ms(), hash_token(token)),
    )


def delete_session(conn: Conn, token: str) -> None:
    conn.execute("DELETE FROM web_session WHERE token_hash = ?", (hash_token(token),))


TOKEN_NAME_MAX = 120


def create_api_token(conn: Conn, user_id: int, name: str = "") -> str:
    """A new API token for the user; the secret is returned here and never again (only its
    SHA-256 is kept). Expired tokens of everyone are dropped on the way."""
    name = name.strip()
    if len(name) > TOKEN_NAME_MAX:
        raise InvalidInput(
            _("name: use até {token_name_max} caracteres.").format(token_name_max=TOKEN_NAME_MAX),
            code="token.invalid_name",
            field="name",
        )
    token = secrets.token_urlsafe(32)
    now = now_ms()
    conn.execute("DELETE FROM api_token WHERE expires_at < ?", (now,))
    conn.execute(
        "INSERT INTO api_token(token_hash, member, name, created_at, expires_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (hash_token(token), user_id, name, now, now + API_TOKEN_DAYS * 86_400_000),
    )
    return token


def token_actor(conn: Conn, token: str) -> Actor | None:
    row = conn.execute(
        "SELECT id, member, expires_at FROM api_token WHERE token_hash = ?", (hash_token(token),)
    ).fetchone()
    if row is None or row["expires_at"] < now_ms():
        return None
    actor = load_actor(conn, row["member"])
    return None if actor is None else replace(actor, token_id=row["id"])


def list_api_tokens(
    conn: Conn, user_id: int, pending_uses: dict[int, int] | None = None
) -> list[dict[str, object]]:
    """The user's API tokens that have not expired, newest first, without their secrets;
    ``pending_uses`` (token id -> epoch ms) are uses not written yet."""
    pending = pending_uses or {}
    rows = conn.execute(
        "SELECT id, name, created_at, last_used_at, expires_at FROM api_token "
        "WHERE member = ? AND expires_at >= ? ORDER BY created_at DESC, id DESC",
        (user_id, now_ms()),
    ).fetchall()
    return [
        {
            "id": r["id"],
            "name": r["name"],
            "created_at": iso(r["created_at"]),
            "last_used_at": iso(max(r["last_used_at"] or 0, pending.get(r["id"], 0)) or None),
            "expires_at": iso(r["expires_at"]),
        }
        for r in rows
    ]


def revoke_api_token(conn: Conn, user_id: int, token_id: int) -> None:
    """Delete one of the user's tokens; raises NotFound for a token that is not theirs."""
    cur = conn.execute("DELETE FROM api_token WHERE id = ? AND member = ?", (token_id, user_id))
    if cur.rowcount == 0:
        raise NotFound(_("Token não encontrado."), code="token.not_found")


def touch_api_tokens(conn: Conn, uses: dict[int, int]) -> None:
    """Record when tokens were last used (``{token id: epoch ms}``, written in batches)."""
    conn.executemany(
        "UPDATE api_token SET last_used_at = max(coalesce(last_used_at, 0), ?) WHERE id = ?",
        [(at, token_id) for token_id, at in uses.items()],
    )


@dataclass(frozen=True)
class LiveCredential:
    """What a live socket opened with: a browser session's token or an API token's id."""

    session: str | None = None
    token_id: int | None = None


def ended_credentials(
    conn: Conn, credentials: list[LiveCredential], idle_ms: int, last_uses: dict[str, int]
) -> set[LiveCredential]:
    """Those of ``credentials`` that no longer let anyone in: logged out, expired (a
    session idle for ``idle_ms``, counting uses not yet written from ``last_uses``),
    revoked, or their user deactivated or gone."""
    now = now_ms()
    ended: set[LiveCredential] = set()
    for cred in credentials:
        if cred.session is not None:
            row = conn.execute(
                "SELECT s.last_seen_at, u.active FROM web_session s "
                "JOIN app_user u ON u.id = s.member WHERE s.token_hash = ?",
                (hash_token(cred.session),),
            ).fetchone()
            alive = (
                row is not None
                and row["active"]
                and max(row["last_seen_at"], last_uses.get(cred.session, 0)) >= now - idle_ms
            )
        else:
            row = conn.execute(
                "SELECT t.expires_at, u.active FROM api_token t "
                "JOIN app_user u ON u.id = t.member WHERE t.id = ?",
                (cred.token_id,),
            ).fetchone()
            alive = row is not None and row["active"] and row["expires_at"] >= now
        if not alive:
            ended.add(cred)
    return ended
