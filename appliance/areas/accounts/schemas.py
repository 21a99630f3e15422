"""Inputs and answers of the accounts API."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import UNSET, Meta, UnsetType

from appliance.core.answers import Answer
from appliance.core.limits import CSRF, ITEMS, Email, Id, Keyword, Login, Name, Password


class TokenRequest(msgspec.Struct, forbid_unknown_fields=True):
    login: Login
    password: Password
    # A label for the token list ("Integração ERP").
    name: Name = ""


class TokenOut(msgspec.Struct):
    access_token: str
    token_type: str = "bearer"


class UserCreate(msgspec.Struct, forbid_unknown_fields=True):
    login: Login
    password: Password
    name: Name = ""
    email: Email = ""
    is_admin: bool = False
    permissions: Annotated[list[Keyword], Meta(max_length=ITEMS)] = msgspec.field(
        default_factory=list
    )
    departments: Annotated[list[Id], Meta(max_length=ITEMS)] = msgspec.field(default_factory=list)


class UserUpdate(msgspec.Struct, forbid_unknown_fields=True):
    name: Name | None = None
    email: Email | None = None
    password: Password | None = None
    is_admin: bool | None = None
    permissions: Annotated[list[Keyword], Meta(max_length=ITEMS)] | None = None
    departments: Annotated[list[Id], Meta(max_length=ITEMS)] | None = None
    active: bool | None = None


class DepartmentCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: Name


class DepartmentRename(msgspec.Struct, forbid_unknown_fields=True):
    name: Name


class DepartmentMembers(msgspec.Struct, forbid_unknown_fields=True):
    user_ids: Annotated[list[Id], Meta(max_length=ITEMS)]


class LoginForm(msgspec.Struct):
    login: Login = ""
    password: Password = ""
    csrf: Annotated[str, Meta(max_length=CSRF)] = msgspec.field(default="", name="_csrf")


class MeUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """What users change about themselves (T1, T5)."""

    name: Name | None = None
    sound_on: bool | None = None
    notify_browser: bool | None = None
    notify_email: bool | None = None
    current_password: Password | None = None
    new_password: Password | None = None


# -- answers ------------------------------------------------------------------------------------


class ApiToken(Answer):
    """An API token, without its secret (shown once, when created)."""

    id: int
    name: str
    created_at: str
    last_used_at: str | None
    expires_at: str


class User(Answer):
    id: int
    login: str
    name: str
    email: str
    is_admin: bool
    permissions: list[str]
    departments: list[int]
    active: bool
    notify_browser: bool
    notify_email: bool
    sound_on: bool
    # Whether the caller may change this user (in the admin's user list, not in /me).
    can_manage: bool | UnsetType = UNSET


class PermissionChoice(Answer):
    name: str
    label: str


class Department(Answer):
    id: int
    name: str
    # How many users are in it, and who.
    members: int
    user_ids: list[int]
    # Whether the caller may rename it, delete it or choose its members.
    can_manage: bool


class DepartmentMembersOut(Answer):
    id: int
    user_ids: list[int]
