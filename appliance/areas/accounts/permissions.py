"""Roles and permissions: the one place they are interpreted. Pure functions only."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from appliance.core.errors import Forbidden
from appliance.core.i18n import N_, _


class Permission(StrEnum):
    SEE_ALL_CHATS = "see_all_chats"
    SEE_NUMBERS = "see_numbers"
    MANAGE_TAGS = "manage_tags"
    MANAGE_FIELDS = "manage_fields"
    MANAGE_USERS = "manage_users"
    MANAGE_FUNNELS = "manage_funnels"
    DELETE_MESSAGES = "delete_messages"
    SEE_REPORTS = "see_reports"


PERMISSION_LABELS: dict[Permission, str] = {
    Permission.SEE_ALL_CHATS: N_("Ver todos os chats"),
    Permission.SEE_NUMBERS: N_("Ver números de telefone"),
    Permission.MANAGE_TAGS: N_("Gerenciar tags"),
    Permission.MANAGE_FIELDS: N_("Gerenciar campos personalizados"),
    Permission.MANAGE_USERS: N_("Gerenciar usuários e departamentos"),
    Permission.MANAGE_FUNNELS: N_("Gerenciar funis"),
    Permission.DELETE_MESSAGES: N_("Apagar mensagens dos chats"),
    Permission.SEE_REPORTS: N_("Ver relatórios"),
}


@dataclass(frozen=True)
class Actor:
    """Who is asking: a logged-in user with what they may do."""

    id: int
    login: str
    name: str
    is_admin: bool
    permissions: frozenset[Permission] = frozenset()
    departments: frozenset[int] = field(default_factory=frozenset)
    # The browser session's CSRF token; None for bearer tokens.
    csrf_token: str | None = None
    # The API token the request came with; None for browser sessions.
    token_id: int | None = None

    def has(self, permission: Permission) -> bool:
        return self.is_admin or permission in self.permissions


def can_see_all_chats(actor: Actor) -> bool:
    return actor.has(Permission.SEE_ALL_CHATS)


def can_see_numbers(actor: Actor) -> bool:
    return actor.has(Permission.SEE_NUMBERS)


def can_manage_users(actor: Actor) -> bool:
    return actor.has(Permission.MANAGE_USERS)


def parse_permissions(names: list[str]) -> frozenset[Permission]:
    """Known permission names; unknown ones (from an older or newer version) are ignored."""
    known = {p.value for p in Permission}
    return frozenset(Permission(n) for n in names if n in known)


# -- who may change whom ------------------------------------------------------------------------
#
# Admins change anyone and are the only ones who change an admin. A manager (a non-admin with
# manage_users) reaches only users who see no more than the manager does: every permission and
# every department of the user is one the manager holds too. Otherwise a manager could reset
# the password of someone who sees all chats or the phone numbers, log in as them, and climb.


@dataclass(frozen=True)
class Member:
    """A user as the rules about who may change whom see them. Permission names are kept as
    stored (a name this version does not know is one no manager holds)."""

    id: int
    is_admin: bool
    permissions: frozenset[str] = frozenset()
    departments: frozenset[int] = field(default_factory=frozenset)


def _held(actor: Actor) -> frozenset[str]:
    return frozenset(p.value for p in actor.permissions)


def can_manage_user(actor: Actor, member: Member) -> bool:
    """True when ``actor`` may rename, reset the password of, deactivate, change the
    permissions or departments of, or revoke the tokens of ``member``."""
    if actor.is_admin:
        return True
    if member.is_admin or not can_manage_users(actor):
        return False
    return member.permissions <= _held(actor) and member.departments <= actor.departments


def check_can_manage_user(actor: Actor, member: Member) -> None:
    """Raise Forbidden unless ``can_manage_user``."""
    if can_manage_user(actor, member):
        return
    if member.is_admin:
        raise Forbidden(
            _("Apenas administradores podem alterar um administrador."),
            code="permission.admin_only",
        )
    raise Forbidden(
        _(
            "Você só pode alterar usuários que têm apenas permissões e departamentos que você "
            "também tem."
        ),
        code="permission.user_out_of_reach",
    )


def can_grant(actor: Actor, changed: set[str] | frozenset[str]) -> bool:
    """A non-admin gives or takes away only permissions they hold themselves."""
    return actor.is_admin or changed <= _held(actor)


def check_can_grant(actor: Actor, changed: set[str] | frozenset[str]) -> None:
    """Raise Forbidden unless ``can_grant``, naming the permissions the actor lacks."""
    if can_grant(actor, changed):
        return
    missing = sorted(set(changed) - _held(actor))
    labels = ", ".join(
        _(PERMISSION_LABELS[Permission(n)]) if n in Permission._value2member_map_ else n
        for n in missing
    )
    raise Forbidden(
        _("Você só pode dar ou tirar permissões que você tem. Falta: {labels}.").format(
            labels=labels
        ),
        code="permission.not_held",
    )


def can_place_in(actor: Actor, departments: set[int] | frozenset[int]) -> bool:
    """Whether ``actor`` may add someone (themselves included) to ``departments``: admins
    anywhere, managers only in departments they belong to."""
    if actor.is_admin:
        return True
    return can_manage_users(actor) and departments <= actor.departments


def check_can_place_in(actor: Actor, departments: set[int] | frozenset[int]) -> None:
    """Raise Forbidden unless ``can_place_in``."""
    if not can_place_in(actor, departments):
        raise Forbidden(
            _("Você só pode colocar pessoas em departamentos dos quais você faz parte."),
            code="permission.department_not_held",
        )


def can_manage_department(actor: Actor, department_id: int) -> bool:
    """Rename a department, delete it or choose its members: admins any, managers only
    one they belong to (deleting it and changing members also need ``can_manage_user``
    for every member reached)."""
    if actor.is_admin:
        return True
    return can_manage_users(actor) and department_id in actor.departments


def check_can_manage_department(actor: Actor, department_id: int) -> None:
    """Raise Forbidden unless ``can_manage_department``."""
    if not can_manage_department(actor, department_id):
        raise Forbidden(
            _("Você só pode alterar departamentos dos quais você faz parte."),
            code="permission.department_not_held",
        )
