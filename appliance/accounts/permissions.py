"""Roles and permissions: the one place they are interpreted. Pure functions only."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


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
    Permission.SEE_ALL_CHATS: "Ver todos os chats",
    Permission.SEE_NUMBERS: "Ver números de telefone",
    Permission.MANAGE_TAGS: "Gerenciar tags",
    Permission.MANAGE_FIELDS: "Gerenciar campos personalizados",
    Permission.MANAGE_USERS: "Gerenciar usuários e departamentos",
    Permission.MANAGE_FUNNELS: "Gerenciar funis",
    Permission.DELETE_MESSAGES: "Apagar mensagens dos chats",
    Permission.SEE_REPORTS: "Ver relatórios",
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
