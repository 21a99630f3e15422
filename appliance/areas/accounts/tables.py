"""Piccolo tables of the accounts area: the shop, its users, departments, sessions."""

from piccolo.columns import JSON, BigInt, Boolean, ForeignKey, Integer, Text, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table


class Account(Table, tablename="account"):
    """The shop. One box serves one account; the row has id 1."""

    name = Varchar(length=120)
    time_zone = Varchar(length=64, default="America/Sao_Paulo")
    # {"attendance": true, "funnel": false, ...}
    modules = JSON(default="{}")
    # New chats go to the queue's next user automatically (I6).
    queue_new_chats = Boolean(default=False)
    created_at = BigInt()


class AppUser(Table, tablename="app_user"):
    login = Varchar(length=64, unique=True)
    name = Varchar(length=120)
    email = Varchar(length=254, default="")
    is_admin = Boolean(default=False)
    # Names from accounts.permissions.Permission.
    permissions = JSON(default="[]")
    password_hash = Text()
    photo_file = Varchar(length=80, null=True, default=None)
    notify_browser = Boolean(default=True)
    notify_email = Boolean(default=True)
    sound_on = Boolean(default=True)
    active = Boolean(default=True)
    created_at = BigInt()


class Department(Table, tablename="department"):
    name = Varchar(length=120, unique=True)
    created_at = BigInt()


class DepartmentMember(Table, tablename="department_member"):
    department = ForeignKey(Department, on_delete=OnDelete.cascade, index=True)
    member = ForeignKey(AppUser, on_delete=OnDelete.cascade, index=True)


class WebSession(Table, tablename="web_session"):
    """A browser login; the cookie carries a random token, the row its SHA-256."""

    token_hash = Varchar(length=64, unique=True)
    member = ForeignKey(AppUser, on_delete=OnDelete.cascade, index=True)
    csrf_token = Varchar(length=64)
    created_at = BigInt()
    last_seen_at = BigInt()


class ApiToken(Table, tablename="api_token"):
    token_hash = Varchar(length=64, unique=True)
    member = ForeignKey(AppUser, on_delete=OnDelete.cascade, index=True)
    # A label the owner chose ("Integração ERP"); the secret is shown only at creation.
    name = Varchar(length=120, default="")
    created_at = BigInt()
    expires_at = BigInt()
    last_used_at = BigInt(null=True, default=None)


class LoginFailure(Table, tablename="login_failure"):
    """One login attempt not (yet) known to be good; counted per login name and per address
    for throttling. The addresses a login succeeded from are in ``login_address`` (a raw
    table, migration 0011)."""

    login = Varchar(length=64, index=True)
    address = Varchar(length=64, index=True)
    at = BigInt(index=True)


class AuditEntry(Table, tablename="audit_entry"):
    member = ForeignKey(AppUser, on_delete=OnDelete.set_null, null=True)
    action = Varchar(length=64)
    detail = JSON(default="{}")
    at = BigInt()


__all__ = [
    "Account",
    "ApiToken",
    "AppUser",
    "AuditEntry",
    "Department",
    "DepartmentMember",
    "Integer",
    "LoginFailure",
    "WebSession",
]
