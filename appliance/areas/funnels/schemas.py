"""Answers of the funnel module's API."""

from __future__ import annotations

from appliance.areas.chats.schemas import Chat
from appliance.core.answers import Answer, Ref


class Stage(Answer):
    """A stage of a funnel."""

    id: int
    name: str
    position: int
    color: str


class FunnelStage(Stage):
    """A stage with how many chats are in it."""

    chats: int


class Funnel(Answer):
    """A funnel with its stages in order and how many chats are in it."""

    id: int
    name: str
    position: int
    stages: list[FunnelStage]
    chats: int


class FunnelDeleted(Answer):
    """The funnel deleted and how many chats left it."""

    deleted: int
    chats: int


class StageDeleted(Answer):
    """The stage deleted, how many chats were in it and where they went (null: out of the
    funnel)."""

    deleted: int
    chats: int
    moved_to: int | None


class ChatFunnel(Answer):
    """A funnel and the chat's stage in it (H3): null while the chat is not in it."""

    funnel: Ref
    stages: list[Stage]
    stage_id: int | None
    entered_at: str | None


class ChatFunnelsChanged(Answer):
    """The chat's stage in every funnel after a move, and the chat."""

    funnels: list[ChatFunnel]
    chat: Chat
