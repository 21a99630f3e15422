"""Piccolo tables of assignment: each chat's assignees, the history of their changes (H4)
and the round-robin queue (I6)."""

from piccolo.columns import BigInt, Boolean, ForeignKey, Integer, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from appliance.areas.accounts.tables import AppUser, Department
from appliance.areas.chats.tables import Chat


class ChatAssignee(Table, tablename="chat_assignee"):
    """A user or a department assigned to a chat (exactly one of the two is set)."""

    chat = ForeignKey(Chat, on_delete=OnDelete.cascade)
    member = ForeignKey(AppUser, on_delete=OnDelete.cascade, null=True, default=None)
    department = ForeignKey(Department, on_delete=OnDelete.cascade, null=True, default=None)
    created_at = BigInt()


class AssignmentEvent(Table, tablename="assignment_event"):
    """One assignee added to or removed from a chat (exactly one of member / department)."""

    chat = ForeignKey(Chat, on_delete=OnDelete.cascade)
    member = ForeignKey(AppUser, on_delete=OnDelete.set_null, null=True, default=None)
    department = ForeignKey(Department, on_delete=OnDelete.set_null, null=True, default=None)
    # The name at the time, so the history reads right after a user or department is deleted.
    assignee_name = Varchar(length=120, default="")
    # "added" / "removed"
    action = Varchar(length=8)
    # "manual" / "queue" / "chatbot" / "system"
    source = Varchar(length=8)
    by_user = ForeignKey(AppUser, on_delete=OnDelete.set_null, null=True, default=None)
    at = BigInt()


class QueueMember(Table, tablename="queue_member"):
    """A user in the round-robin rotation. The next turn goes to the present member whose
    ``last_turn`` is lowest (ties by ``position``); ``last_turn`` is a counter, not a time."""

    member = ForeignKey(AppUser, on_delete=OnDelete.cascade, unique=True)
    position = Integer(default=0)
    away = Boolean(default=False)
    last_turn = BigInt(default=0)
