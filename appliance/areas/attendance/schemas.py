"""Answers of the attendance API: statuses, a chat's status history, the control panel."""

from __future__ import annotations

from typing import Literal

from appliance.areas.attendance.service import ArchiveRule
from appliance.core.answers import Answer


class Status(Answer):
    """An attendance status of the account."""

    id: int
    name: str
    color: str
    position: int
    # What happens to a chat put in it.
    archive_rule: ArchiveRule


class StatusDeleted(Answer):
    """The status deleted and how many chats moved to ``move_to``."""

    deleted: int
    moved: int


class StatusChange(Answer):
    """One change of a chat's status, and how long the chat stayed in it."""

    id: int
    # Null once the status was deleted; its name stays.
    status_id: int | None
    status_name: str
    color: str
    source: str
    by_user: int | None
    # Who made it: a user's name, or what did ("Sistema", "Usuário removido").
    by: str
    at: str
    current: bool
    duration_ms: int
    duration_text: str


class StatusTotal(Answer):
    """The time a chat spent in one status, over all its changes."""

    status_id: int | None
    status_name: str
    color: str
    duration_ms: int
    duration_text: str


class StatusHistory(Answer):
    chat_id: int
    # Oldest first.
    changes: list[StatusChange]
    # Longest first.
    totals: list[StatusTotal]


class PanelStatus(Answer):
    """Chats in one status; ``id`` null for the chats without one."""

    id: int | None
    name: str
    color: str
    count: int


class PanelAssignee(Answer):
    """Open chats of one assignee; kind "none" (``id`` null) for the unassigned."""

    kind: Literal["user", "department", "none"]
    id: int | None
    name: str
    count: int


class PanelWaiting(Answer):
    """A chat waiting for an answer, longest first."""

    id: int
    name: str
    status_id: int | None
    waiting_since: str
    waiting_ms: int
    waiting_text: str


class ControlPanel(Answer):
    """The control panel, over the chats the caller may see."""

    by_status: list[PanelStatus]
    by_assignee: list[PanelAssignee]
    waiting: list[PanelWaiting]
    at: str
