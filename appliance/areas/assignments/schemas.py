"""Answers of the assignees, history and rotation API."""

from __future__ import annotations

from appliance.areas.chats.schemas import Assignee, Chat
from appliance.core.answers import Answer, Ref


class ChatAssignees(Answer):
    """After a change of assignees: the chat as the caller now sees it (null once they may
    not see it) and all its assignees."""

    chat: Chat | None
    assignees: list[Assignee]


class Delegated(Answer):
    """The user the queue gave the chat to, then as ``ChatAssignees``."""

    delegated_to: Ref
    chat: Chat | None
    assignees: list[Assignee]


class AssignmentEvent(Answer):
    """One change of a chat's assignees (H4)."""

    id: int
    at: str
    # "add" or "remove".
    action: str
    kind: str
    # Null once the user or department was deleted; the name stays.
    assignee_id: int | None
    assignee_name: str
    source: str
    source_label: str
    automatic: bool
    by_user_id: int | None
    by_name: str


class AssigneeChoices(Answer):
    """Active users and all departments, for the assignee picker."""

    users: list[Ref]
    departments: list[Ref]


class QueueMember(Answer):
    user_id: int
    name: str
    active: bool
    away: bool
    position: int
    last_turn: int


class Queue(Answer):
    """The rotation (I6): its members in turn order, who is next, and whether new chats go
    to it."""

    queue_new_chats: bool
    next_user_id: int | None
    members: list[QueueMember]
