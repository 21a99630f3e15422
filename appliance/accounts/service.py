"""Accounts: the shop, users, departments, logins, sessions and API tokens.

Functions taking ``conn`` run inside a ``Database.read``/``write`` transaction.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from appliance.accounts.permissions import (
    PERMISSION_LABELS,
    Actor,
    Permission,
    parse_permissions,
)
from appliance.assignments import service as assignments
from appliance.clock import now_ms
from appliance.db import Conn
from appliance.errors import Conflict, Forbidden, InvalidInput, NotFound, TooManyRequests

_hasher = PasswordHasher()

LOGIN_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD = 4
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
            "Login inválido: use de 2 a 64 letras minúsculas, números, ponto, hífen ou sublinhado.",
            code="user.invalid_login",
        )
    return login


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(
            f"A senha precisa ter pelo menos {MIN_PASSWORD} caracteres.", code="user.weak_password"
        )


def check_permission_names(names: list[str]) -> list[str]:
    known = {p.value for p in Permission}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise InvalidInput(
            f"Permissão desconhecida: {', '.join(unknown)}.", code="user.unknown_permission"
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
        raise Conflict(f"Já existe um usuário com o login “{login}”.", code="user.login_taken")
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
        raise NotFound("Usuário não encontrado.", code="user.not_found")
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


def check_can_grant(actor: Actor, granted: set[str]) -> None:
    """A non-admin gives or takes away only permissions they hold themselves; otherwise
    whoever may manage users could hand themselves any permission."""
    if actor.is_admin:
        return
    held = {p.value for p in actor.permissions}
    if missing := sorted(granted - held):
        labels = ", ".join(PERMISSION_LABELS.get(Permission(n), n) for n in missing)
        raise Forbidden(
            f"Você só pode dar ou tirar permissões que você tem. Falta: {labels}.",
            code="permission.not_held",
        )


def check_user_change(
    conn: Conn,
    actor: Actor,
    user_id: int,
    *,
    permissions: list[str] | None = None,
    active: bool | None = None,
) -> None:
    """Who may change whom: only admins change an admin (their password, their access);
    nobody deactivates themselves; permissions as ``check_can_grant``. Raises NotFound,
    Forbidden or InvalidInput."""
    row = conn.execute(
        "SELECT is_admin, permissions FROM app_user WHERE id = ?", (user_id,)
    ).fetchone()
    if row is None:
        raise NotFound("Usuário não encontrado.", code="user.not_found")
    if row["is_admin"] and not actor.is_admin:
        raise Forbidden(
            "Apenas administradores podem alterar um administrador.",
            code="permission.admin_only",
        )
    if active is False and user_id == actor.id:
        raise InvalidInput(
            "Você não pode desativar o seu próprio usuário.", code="user.deactivate_self"
        )
    if permissions is not None:
        before = set(json.loads(row["permissions"]))
        check_can_grant(actor, before ^ set(check_permission_names(permissions)))


def check_admin_left(conn: Conn) -> None:
    """The shop keeps at least one active admin (run after a change, inside its txn)."""
    if conn.execute("SELECT 1 FROM app_user WHERE is_admin AND active LIMIT 1").fetchone() is None:
        raise Conflict(
            "A loja precisa de pelo menos um administrador ativo.", code="user.last_admin"
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
            raise InvalidInput(f"Departamento inexistente: {missing}.", code="department.not_found")
    conn.execute("DELETE FROM department_member WHERE member = ?", (user_id,))
    conn.executemany(
        "INSERT INTO department_member(department, member) VALUES (?, ?)",
        [(d, user_id) for d in wanted],
    )


def user_row_to_dict(conn: Conn, row: dict[str, object] | object) -> dict[str, object]:
    r = dict(row)  # type: ignore[call-overload]
    departments = [
        d[0]
        for d in conn.execute(
            "SELECT department FROM department_member WHERE member = ? ORDER BY department",
            (r["id"],),
        )
    ]
    return {
        "id": r["id"],
        "login": r["login"],
        "name": r["name"],
        "email": r["email"],
        "is_admin": bool(r["is_admin"]),
        "permissions": json.loads(str(r["permissions"])),
        "departments": departments,
        "active": bool(r["active"]),
        "notify_browser": bool(r["notify_browser"]),
        "notify_email": bool(r["notify_email"]),
        "sound_on": bool(r["sound_on"]),
    }


_USER_COLUMNS = (
    "id, login, name, email, is_admin, permissions, active, notify_browser, notify_email, sound_on"
)


def list_users(conn: Conn) -> list[dict[str, object]]:
    rows = conn.execute(f"SELECT {_USER_COLUMNS} FROM app_user ORDER BY name, id").fetchall()
    return [user_row_to_dict(conn, r) for r in rows]


def get_user(conn: Conn, user_id: int) -> dict[str, object]:
    row = conn.execute(f"SELECT {_USER_COLUMNS} FROM app_user WHERE id = ?", (user_id,)).fetchone()
    if row is None:
        raise NotFound("Usuário não encontrado.", code="user.not_found")
    return user_row_to_dict(conn, row)


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
    name = _check_department_name(conn, name)
    cur = conn.execute("INSERT INTO department(name, created_at) VALUES (?, ?)", (name, now_ms()))
    return int(cur.lastrowid or 0)


def _check_department_name(conn: Conn, name: str, department_id: int | None = None) -> str:
    name = name.strip()
    if not name or len(name) > 120:
        raise InvalidInput(
            "Informe um nome de departamento (até 120 caracteres).", code="department.invalid_name"
        )
    if conn.execute(
        "SELECT 1 FROM department WHERE name = ? AND id IS NOT ?", (name, department_id)
    ).fetchone():
        raise Conflict(f"Já existe o departamento “{name}”.", code="department.name_taken")
    return name


def list_departments(conn: Conn) -> list[dict[str, object]]:
    rows = conn.execute(
        "SELECT d.id, d.name, (SELECT count(*) FROM department_member m WHERE m.department = d.id) "
        "AS members FROM department d ORDER BY d.name"
    ).fetchall()
    members: dict[int, list[int]] = {}
    for department, member in conn.execute(
        "SELECT department, member FROM department_member ORDER BY member"
    ):
        members.setdefault(department, []).append(member)
    return [{**dict(r), "user_ids": members.get(r["id"], [])} for r in rows]


def _department_members(conn: Conn, department_id: int) -> set[int]:
    return {
        r[0]
        for r in conn.execute(
            "SELECT member FROM department_member WHERE department = ?", (department_id,)
        )
    }


def _department_name(conn: Conn, department_id: int) -> str:
    row = conn.execute("SELECT name FROM department WHERE id = ?", (department_id,)).fetchone()
    if row is None:
        raise NotFound("Departamento não encontrado.", code="department.not_found")
    return str(row[0])


def rename_department(conn: Conn, department_id: int, name: str) -> dict[str, object]:
    _department_name(conn, department_id)
    name = _check_department_name(conn, name, department_id)
    conn.execute("UPDATE department SET name = ? WHERE id = ?", (name, department_id))
    return {"id": department_id, "name": name}


@dataclass(frozen=True)
class DepartmentRemoved:
    members: set[int]
    # Chats the department was an assignee of: their members may no longer see them.
    chats: list[int]


def delete_department(conn: Conn, department_id: int, by_user: int) -> DepartmentRemoved:
    """Delete a department: its members leave it and it leaves the chats it was assigned
    to (each removal recorded in the chat's assignment history, H4)."""
    _department_name(conn, department_id)  # NotFound for an unknown department
    members = _department_members(conn, department_id)
    chats = [
        r[0]
        for r in conn.execute(
            "SELECT chat FROM chat_assignee WHERE department = ? ORDER BY chat", (department_id,)
        )
    ]
    for chat in chats:
        assignments.drop_assignee(
            conn, chat, assignments.DEPARTMENT, department_id, assignments.MANUAL, by_user
        )
    conn.execute("DELETE FROM department WHERE id = ?", (department_id,))
    return DepartmentRemoved(members, chats)


def set_department_members(conn: Conn, department_id: int, user_ids: list[int]) -> set[int]:
    """Replace the department's members; returns the users whose departments changed."""
    _department_name(conn, department_id)
    before = _department_members(conn, department_id)
    wanted = sorted(set(user_ids))
    if wanted:
        marks = ",".join("?" * len(wanted))
        found = {
            r[0] for r in conn.execute(f"SELECT id FROM app_user WHERE id IN ({marks})", wanted)
        }
        if missing := [u for u in wanted if u not in found]:
            raise InvalidInput(f"Usuário inexistente: {missing}.", code="user.not_found")
    conn.execute("DELETE FROM department_member WHERE department = ?", (department_id,))
    conn.executemany(
        "INSERT INTO department_member(department, member) VALUES (?, ?)",
        [(department_id, u) for u in wanted],
    )
    return before ^ set(wanted)


# -- login, throttling, sessions, tokens ----------------------------------------------------------


@dataclass(frozen=True)
class Credentials:
    user_id: int | None
    password_hash: str


def check_not_throttled(
    conn: Conn, login: str, address: str, *, max_failures: int, window_ms: int
) -> None:
    """Raise TooManyRequests while a login name or an address has failed too often."""
    since = now_ms() - window_ms
    by_login = conn.execute(
        "SELECT count(*), min(at) FROM login_failure WHERE login = ? AND at >= ?", (login, since)
    ).fetchone()
    by_address = conn.execute(
        "SELECT count(*), min(at) FROM login_failure WHERE address = ? AND at >= ?",
        (address, since),
    ).fetchone()
    for count, first, limit in (
        (by_login[0], by_login[1], max_failures),
        (by_address[0], by_address[1], max_failures * 4),
    ):
        if count >= limit:
            retry = max(1, (first + window_ms - now_ms()) // 1000 + 1)
            minutes = max(1, (retry + 59) // 60)
            raise TooManyRequests(
                f"Muitas tentativas de login sem sucesso. Aguarde {minutes} minuto(s) e "
                "tente novamente.",
                code="auth.throttled",
                retry_after=retry,
            )


def find_credentials(conn: Conn, login: str) -> Credentials:
    row = conn.execute(
        "SELECT id, password_hash FROM app_user WHERE login = ? AND active", (login,)
    ).fetchone()
    if row is None:
        return Credentials(None, _DUMMY_HASH)
    return Credentials(row["id"], row["password_hash"])


def record_login_failure(conn: Conn, login: str, address: str) -> None:
    conn.execute(
        "INSERT INTO login_failure(login, address, at) VALUES (?, ?, ?)",
        (login[:64], address[:64], now_ms()),
    )
    # Keep the table small: a day of failures is more than any window.
    conn.execute("DELETE FROM login_failure WHERE at < ?", (now_ms() - 86_400_000,))


def clear_login_failures(conn: Conn, login: str) -> None:
    conn.execute("DELETE FROM login_failure WHERE login = ?", (login,))


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


def session_actor(conn: Conn, token: str, idle_ms: int) -> Actor | None:
    row = conn.execute(
        "SELECT member, csrf_token, last_seen_at FROM web_session WHERE token_hash = ?",
        (hash_token(token),),
    ).fetchone()
    if row is None or row["last_seen_at"] < now_ms() - idle_ms:
        return None
    return load_actor(conn, row["member"], csrf_token=row["csrf_token"])


def touch_session(conn: Conn, token: str) -> None:
    conn.execute(
        "UPDATE web_session SET last_seen_at = ? WHERE token_hash = ?",
        (now_ms(), hash_token(token)),
    )


def delete_session(conn: Conn, token: str) -> None:
    conn.execute("DELETE FROM web_session WHERE token_hash = ?", (hash_token(token),))


def create_api_token(conn: Conn, user_id: int) -> str:
    token = secrets.token_urlsafe(32)
    now = now_ms()
    conn.execute(
        "INSERT INTO api_token(token_hash, member, created_at, expires_at) VALUES (?, ?, ?, ?)",
        (hash_token(token), user_id, now, now + API_TOKEN_DAYS * 86_400_000),
    )
    return token


def token_actor(conn: Conn, token: str) -> Actor | None:
    row = conn.execute(
        "SELECT member, expires_at FROM api_token WHERE token_hash = ?", (hash_token(token),)
    ).fetchone()
    if row is None or row["expires_at"] < now_ms():
        return None
    return load_actor(conn, row["member"])
