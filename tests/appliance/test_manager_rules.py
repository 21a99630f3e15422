"""Who may change whom: the pure rules of appliance.areas.accounts.permissions, over a table."""

from __future__ import annotations

import pytest

from appliance.areas.accounts.permissions import (
    Actor,
    Member,
    Permission,
    can_grant,
    can_manage_department,
    can_manage_user,
    can_place_in,
    check_can_grant,
    check_can_manage_department,
    check_can_manage_user,
    check_can_place_in,
)
from appliance.core.errors import Forbidden

P = Permission
ADMIN = Actor(id=1, login="dona", name="Dona", is_admin=True)
# A manager of Vendas (10) and Trocas (11) who may also manage tags.
MANAGER = Actor(
    id=2,
    login="gerente",
    name="Gerente",
    is_admin=False,
    permissions=frozenset({P.MANAGE_USERS, P.MANAGE_TAGS}),
    departments=frozenset({10, 11}),
)
# Holds every department and permission the manager holds, but not manage_users.
CLERK = Actor(
    id=3,
    login="ana",
    name="Ana",
    is_admin=False,
    permissions=frozenset({P.MANAGE_TAGS}),
    departments=frozenset({10, 11}),
)


def member(perms: set[str] = frozenset(), depts: set[int] = frozenset(), admin: bool = False):
    return Member(id=9, is_admin=admin, permissions=frozenset(perms), departments=frozenset(depts))


@pytest.mark.parametrize(
    ("actor", "target", "allowed"),
    [
        (ADMIN, member(admin=True), True),
        (ADMIN, member({"see_all_chats", "see_numbers"}, {10, 12}), True),
        (MANAGER, member(), True),
        (MANAGER, member({"manage_tags"}, {10}), True),
        (MANAGER, member({"manage_users", "manage_tags"}, {10, 11}), True),
        (MANAGER, member(admin=True), False),
        (MANAGER, member({"see_numbers"}), False),
        (MANAGER, member({"see_all_chats"}, {10}), False),
        (MANAGER, member({"manage_tags"}, {12}), False),
        (MANAGER, member(set(), {10, 12}), False),
        # A permission this version does not know is one the manager does not hold.
        (MANAGER, member({"from_a_newer_version"}), False),
        (CLERK, member(), False),
    ],
)
def test_who_may_change_whom(actor: Actor, target: Member, allowed: bool) -> None:
    assert can_manage_user(actor, target) is allowed
    if allowed:
        check_can_manage_user(actor, target)
    else:
        with pytest.raises(Forbidden):
            check_can_manage_user(actor, target)


def test_a_manager_may_change_themselves_as_anyone_with_what_they_hold() -> None:
    me = Member(
        id=MANAGER.id,
        is_admin=False,
        permissions=frozenset(p.value for p in MANAGER.permissions),
        departments=MANAGER.departments,
    )
    assert can_manage_user(MANAGER, me)


@pytest.mark.parametrize(
    ("actor", "changed", "allowed"),
    [
        (ADMIN, {"see_numbers", "manage_users"}, True),
        (MANAGER, set(), True),
        (MANAGER, {"manage_tags"}, True),
        (MANAGER, {"manage_tags", "manage_users"}, True),
        (MANAGER, {"see_numbers"}, False),
        (MANAGER, {"manage_tags", "see_all_chats"}, False),
    ],
)
def test_permissions_given_or_taken(actor: Actor, changed: set[str], allowed: bool) -> None:
    assert can_grant(actor, changed) is allowed
    if not allowed:
        with pytest.raises(Forbidden, match="Falta"):
            check_can_grant(actor, changed)


@pytest.mark.parametrize(
    ("actor", "departments", "allowed"),
    [
        (ADMIN, {10, 12}, True),
        (MANAGER, set(), True),
        (MANAGER, {10}, True),
        (MANAGER, {10, 11}, True),
        (MANAGER, {12}, False),
        (MANAGER, {10, 12}, False),
        (CLERK, {10}, False),
    ],
)
def test_departments_someone_is_placed_in(
    actor: Actor, departments: set[int], allowed: bool
) -> None:
    assert can_place_in(actor, departments) is allowed
    if not allowed:
        with pytest.raises(Forbidden):
            check_can_place_in(actor, departments)


@pytest.mark.parametrize(
    ("actor", "department", "allowed"),
    [(ADMIN, 12, True), (MANAGER, 10, True), (MANAGER, 12, False), (CLERK, 10, False)],
)
def test_departments_a_manager_may_rename_delete_or_fill(
    actor: Actor, department: int, allowed: bool
) -> None:
    assert can_manage_department(actor, department) is allowed
    if not allowed:
        with pytest.raises(Forbidden):
            check_can_manage_department(actor, department)
