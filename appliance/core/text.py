"""Text helpers shared by several areas: folding names for search and ordering."""

from __future__ import annotations

import unicodedata

NAMELESS_SORT_KEY = "~"
# Names are ordered and searched by their first 200 characters (the two-letter name
# index of migration 0009 covers as many).
SORT_NAME_LENGTH = 200


def fold(text: str) -> str:
    """Casefolded and without accents: "Conceição" -> "conceicao"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def sort_key(name: str) -> str:
    folded = " ".join(fold(name).split())[:SORT_NAME_LENGTH]
    return folded or NAMELESS_SORT_KEY


def digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def fts_phrase(text: str) -> str:
    """One FTS5 string literal: the text as a phrase, quotes doubled."""
    return '"' + text.replace('"', '""') + '"'


def preview(body: str, limit: int = 120) -> str:
    flat = " ".join(body.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
