"""Inputs and outputs of the accounts API."""

from __future__ import annotations

import msgspec


class TokenRequest(msgspec.Struct, forbid_unknown_fields=True):
    login: str
    password: str
    # A label for the token list ("Integração ERP").
    name: str = ""


class TokenOut(msgspec.Struct):
    access_token: str
    token_type: str = "bearer"


class UserCreate(msgspec.Struct, forbid_unknown_fields=True):
    login: str
    password: str
    name: str = ""
    email: str = ""
    is_admin: bool = False
    permissions: list[str] = msgspec.field(default_factory=list)
    departments: list[int] = msgspec.field(default_factory=list)


class UserUpdate(msgspec.Struct, forbid_unknown_fields=True):
    name: str | None = None
    email: str | None = None
    password: str | None = None
    is_admin: bool | None = None
    permissions: list[str] | None = None
    departments: list[int] | None = None
    active: bool | None = None


class DepartmentCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: str


class DepartmentRename(msgspec.Struct, forbid_unknown_fields=True):
    name: str


class DepartmentMembers(msgspec.Struct, forbid_unknown_fields=True):
    user_ids: list[int]


class LoginForm(msgspec.Struct):
    login: str = ""
    password: str = ""
    csrf: str = msgspec.field(default="", name="_csrf")


class MeUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """What users change about themselves (T1, T5)."""

    name: str | None = None
    sound_on: bool | None = None
    notify_browser: bool | None = None
    notify_email: bool | None = None
    current_password: str | None = None
    new_password: str | None = None
