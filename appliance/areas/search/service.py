"""Message search (L11): newest first, across the chats an actor may see or inside one.

FTS5 walks its doclists by rowid, and message ids grow in arrival order, so
``ORDER BY f.rowid DESC LIMIT n`` stops after n hits whatever the number of
matches (docs/decisions.md#message-search-fts5-walked-by-rowid); ordering by time or rank
would read them all.
Which chats count comes from ``visibility_clause``, checked on every row returned.
How the walk is narrowed to those chats depends on how many there are:

* all chats (admins, see_all_chats): the plain walk;
* one chat: ``body : (q) AND chat : N``, the chat id being an FTS column;
* a few chats (at most ``FEW_CHATS``): ``chat : (N1 OR N2 …)``, so FTS5 intersects
  the doclists itself instead of visiting hits in other chats;
* some (at most ``SOME_CHATS``): the walk, checking each hit's chat against the set of
  visible chats, read once (a Bloom filter and an ephemeral index);
* many: the walk, probing each hit's chat with the visibility rule, which costs more
  per hit than a set lookup but needs no set; with many chats few hits are skipped.

The crossovers were measured at 50k chats / 2.5M messages (scripts/bench search).
"""

from __future__ import annotations

import base64
import json
import logging
import re
import sqlite3  # bound to sqlean by appliance/__init__.py
from dataclasses import dataclass
from typing import Any

from appliance.areas.accounts.permissions import Actor, can_see_numbers
from appliance.areas.chats import filters
from appliance.areas.chats.access import access_chat, visibility_clause
from appliance.areas.chats.query import SetStats, visibility_part
from appliance.areas.chats.service import Page, display_name
from appliance.areas.search.query import MessageQuery
from appliance.core.clock import iso
from appliance.core.db import Conn
from appliance.core.errors import InvalidInput
from appliance.core.i18n import _
from appliance.core.limits import MAX_ID
from appliance.core.redaction import redact_body

log = logging.getLogger(__name__)

MAX_LIMIT = 100
DEFAULT_LIMIT = 50
# Up to FEW_CHATS visible chats, FTS5 intersects the query with the chat ids (its
# cost grows with the number of ids); above, walking the hits finds a page sooner.
# Up to SOME_CHATS the walk checks a set read once (its cost grows with the set);
# above, it probes each hit, and hits in other chats are rare enough.
FEW_CHATS = 250
SOME_CHATS = 2500

# highlight() wraps each match in these; control characters that message text does
# not carry (a body that does is shown without highlight).
_OPEN, _CLOSE = "\x02", "\x03"


@dataclass(frozen=True)
class SearchCursor:
    before_id: int

    def encode(self) -> str:
        raw = json.dumps({"before": self.before_id}, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> SearchCursor:
        try:
            padded = text + "=" * (-len(text) % 4)
            before = json.loads(base64.urlsafe_b64decode(padded.encode()))["before"]
        except (ValueError, TypeError, KeyError) as exc:
            raise InvalidInput(_("Cursor inválido."), code="search.invalid_cursor") from exc
        if not isinstance(before, int) or isinstance(before, bool) or not 1 <= before <= MAX_ID:
            raise InvalidInput(_("Cursor inválido."), code="search.invalid_cursor")
        return cls(before)


def check_limit(limit: int | None) -> int:
    return filters.check_limit(limit, DEFAULT_LIMIT, MAX_LIMIT, "search.invalid_limit")


def highlight_segments(marked: str | None, body: str) -> list[dict[str, Any]]:
    """The body as ``[{"text", "match"}]`` from highlight()'s marked copy of it.

    Segments are plain text for the browser to render as text, never markup.
    """
    if not body:
        return []
    if marked is None or marked.replace(_OPEN, "").replace(_CLOSE, "") != body:
        return [{"text": body, "match": False}]
    segments: list[dict[str, Any]] = []
    for i, part in enumerate(marked.split(_OPEN)):
        matched, _, rest = part.partition(_CLOSE) if i else ("", "", part)
        for text, match in ((matched, True), (rest, False)):
            if not text:
                continue
            if segments and segments[-1]["match"] == match:
                segments[-1]["text"] += text
            else:
                segments.append({"text": text, "match": match})
    return segments


_SELECT = (
    "SELECT m.id, m.chat, m.direction, m.author_kind, m.kind, m.sent_at, m.body, m.media, "
    "c.custom_name, c.wa_name, c.phone, "
    f"highlight(message_fts, 0, char({ord(_OPEN)}), char({ord(_CLOSE)})) AS marked "
    "FROM message_fts f JOIN message m ON m.id = f.rowid JOIN chat c ON c.id = m.chat "
)


def _item(row: Any, show_number: bool, digits_asked: bool) -> dict[str, Any] | None:
    """The hit as shown; None for a hit a user without ``show_number`` may not have, one
    that asks for digits and lands in a message whose numbers are hidden from them (the
    hit alone would confirm the number)."""
    body = row["body"] or ""
    marked = row["marked"]
    if not show_number:
        media = json.loads(row["media"]) if row["media"] else None
        shown = redact_body(row["kind"], media, body)
        if shown != body:
            if digits_asked:
                return None
            body, marked = shown, None
    return {
        "id": row["id"],
        "chat_id": row["chat"],
        "chat_name": display_name(dict(row), show_number),
        "direction": row["direction"],
        "author_kind": row["author_kind"],
        "kind": row["kind"],
        "sent_at": iso(row["sent_at"]),
        "body": body,
        "highlight": highlight_segments(marked, body),
    }


@dataclass(frozen=True)
class _Narrowing:
    """How a walk over all chats is kept to the visible ones (besides the exact rule)."""

    chat_ids: list[int] | None = None  # few: FTS5 intersects with these chat tokens
    chat_set: tuple[str, list[object]] | None = None  # some: ``m.chat IN (…)``


def _narrowing(conn: Conn, actor: Actor, stats: SetStats) -> _Narrowing:
    """Chosen by the cached size of the set of visible chats (see the module docstring).

    ``visibility_part`` is the rule behind ``visibility_clause``; its driving form gives
    the set, and every row is still checked with ``visibility_clause``.
    """
    part = visibility_part(actor, stats)
    if part is None or part.drive is None or part.size is None or part.size > SOME_CHATS:
        return _Narrowing()
    if part.size <= FEW_CHATS:
        ids = [r[0] for r in conn.execute(part.drive, part.drive_params)]
        if len(ids) <= FEW_CHATS:
            return _Narrowing(chat_ids=ids)
    return _Narrowing(chat_set=(part.drive, list(part.drive_params)))


_PREFIX_OPTION = re.compile(r"\bprefix\s*=\s*'?([0-9 ,]+)", re.IGNORECASE)


def fts_prefix_lengths(conn: Conn) -> frozenset[int]:
    """The prefix lengths ``message_fts`` keeps an index for (its ``prefix=`` options)."""
    row = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'message_fts'").fetchone()
    options = _PREFIX_OPTION.findall(row[0] if row else "")
    return frozenset(int(n) for option in options for n in re.findall(r"\d+", option))


def search_messages(
    conn: Conn,
    actor: Actor,
    query: MessageQuery,
    *,
    chat_id: int | None,
    cursor: SearchCursor | None,
    limit: int,
    stats: SetStats,
) -> Page:
    """Messages matching ``query``, newest first, in chats ``actor`` may see.

    With ``chat_id``, only that chat; NotFound when the actor may not see it.
    """
    match = query.body_match(fts_prefix_lengths(conn))
    where: list[str] = ["message_fts MATCH ?"]
    params: list[object] = []
    if chat_id is not None:
        access_chat(conn, actor, chat_id)
        match += f" AND chat : {int(chat_id)}"
    else:
        narrowing = _narrowing(conn, actor, stats)
        if narrowing.chat_ids is not None:
            if not narrowing.chat_ids:
                return Page([], None)
            match += " AND chat : (" + " OR ".join(str(int(i)) for i in narrowing.chat_ids) + ")"
        if narrowing.chat_set is not None:
            where.append(f"m.chat IN ({narrowing.chat_set[0]})")
            params.extend(narrowing.chat_set[1])
        clause, clause_params = visibility_clause(actor)
        if clause != "1":
            where.append(clause)
            params.extend(clause_params)
    params.insert(0, match)
    if cursor is not None:
        where.append("f.rowid < ?")
        params.append(cursor.before_id)
    sql = f"{_SELECT} WHERE {' AND '.join(where)} ORDER BY f.rowid DESC LIMIT ?"
    try:
        rows = conn.execute(sql, [*params, limit + 1]).fetchall()
    except sqlite3.OperationalError as exc:
        # parse_message_query only writes string literals; this is the safety net.
        if not str(exc).startswith("fts5:"):
            raise
        log.warning("FTS5 refused %r (from %r): %s", match, query, exc)
        raise InvalidInput(
            _("Não foi possível entender a busca."), code="search.invalid_query"
        ) from exc
    more = len(rows) > limit
    rows = rows[:limit]
    show_number = can_see_numbers(actor)
    digits_asked = any(ch.isdigit() for term in query.terms for ch in term.text)
    items = [i for r in rows if (i := _item(r, show_number, digits_asked)) is not None]
    next_cursor = SearchCursor(rows[-1]["id"]).encode() if more and rows else None
    return Page(items, next_cursor)


# The full-text indexes (FTS5) the triggers keep in step with ``message`` and ``chat``.
SEARCH_INDEXES = ("message_fts", "chat_trgm")
_INDEX_COMMANDS = ("rebuild", "optimize", "integrity-check")


def index_command(conn: Conn, index: str, command: str, rank: int | None = None) -> None:
    """One FTS5 special command on a search index: ``rebuild`` it from its table (after a
    bulk load without its triggers), ``optimize`` it, or ``integrity-check`` it (``rank``
    1 also compares it with the table; raises "database disk image is malformed")."""
    if index not in SEARCH_INDEXES or command not in _INDEX_COMMANDS:
        raise ValueError(f"unknown search index command: {index} {command}")
    conn.execute(f"INSERT INTO {index}({index}, rank) VALUES (?, ?)", (command, rank))
