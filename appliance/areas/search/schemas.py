"""Answers of the search API."""

from __future__ import annotations

from appliance.core.answers import Answer


class Segment(Answer):
    """A piece of a hit's body; ``match`` for the words searched."""

    text: str
    match: bool


class SearchHit(Answer):
    """A message that has the words, with the chat it is in."""

    id: int
    chat_id: int
    chat_name: str
    direction: str
    author_kind: str
    kind: str
    sent_at: str
    body: str
    highlight: list[Segment]


class SearchPage(Answer):
    """Newest first; ``next_cursor`` (null on the last page) asks for the next."""

    items: list[SearchHit]
    next_cursor: str | None
