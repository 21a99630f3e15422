"""Answers of the tags API: a tag is the one the chats carry."""

from __future__ import annotations

from appliance.areas.chats.schemas import Tag

__all__ = ["Tag"]
