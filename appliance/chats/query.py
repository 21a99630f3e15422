"""The chat list query: filters, orderings, keyset cursors and the choice of access path.

SQLite does not choose between driving from a set (``c.id IN (…)``) and walking
the ordering index with correlated ``EXISTS`` probes; each loses 10–50× on some
filter (NOTES-sqlite-perf.md §4.2). ``plan_chat_list`` estimates both from cached
set sizes and writes the SQL accordingly.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from enum import StrEnum

from appliance.accounts.permissions import Actor, can_see_all_chats
from appliance.errors import InvalidInput
from appliance.text import digits, fold, fts_phrase

MAX_LIMIT = 200
DEFAULT_LIMIT = 50
# Below this many characters a substring is matched with LIKE while walking;
# from it on, through the trigram index.
TRIGRAM_MIN = 3


class Order(StrEnum):
    RECENT = "recent"  # last message, newest first (default)
    UNREAD_FIRST = "unread"  # chats with unread messages first, then by last message
    NAME = "name"  # A–Z
    REGISTERED = "registered"  # registration date, newest first
    WAITING = "waiting"  # customers waiting for a reply, longest wait first


class TagMode(StrEnum):
    ALL = "all"
    ANY = "any"
    NONE = "none"


# Sort key columns per ordering; all descending unless ascending is set.
_ORDER_KEYS: dict[Order, tuple[tuple[str, ...], bool]] = {
    Order.RECENT: (("c.last_message_at",), False),
    Order.UNREAD_FIRST: (("(c.unread_count > 0)", "c.last_message_at"), False),
    Order.NAME: (("c.sort_name",), True),
    Order.REGISTERED: (("c.registered_at",), False),
    Order.WAITING: (("c.waiting_since",), True),
}


@dataclass(frozen=True)
class Assignee:
    kind: str  # "user" | "department" | "none"
    id: int = 0

    @classmethod
    def parse(cls, raw: str) -> Assignee:
        if raw == "none":
            return cls("none")
        kind, _, ident = raw.partition(":")
        if kind not in ("user", "department") or not ident.isdigit():
            raise InvalidInput(
                f"Responsável inválido: {raw!r}. Use user:ID, department:ID ou none.",
                code="chats.invalid_assignee",
            )
        return cls(kind, int(ident))


@dataclass(frozen=True)
class ChatFilter:
    name: str | None = None
    number: str | None = None
    tags: tuple[int, ...] = ()
    tag_mode: TagMode = TagMode.ANY
    assignees: tuple[Assignee, ...] = ()
    statuses: tuple[int, ...] = ()
    stages: tuple[int, ...] = ()
    unread: bool = False
    archived: bool = False
    broadcast: bool = False
    order: Order = Order.RECENT


@dataclass(frozen=True)
class Cursor:
    order: Order
    key: tuple[object, ...]

    def encode(self) -> str:
        raw = json.dumps([self.order.value, list(self.key)], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str, order: Order) -> Cursor:
        try:
            padded = text + "=" * (-len(text) % 4)
            loaded = json.loads(base64.urlsafe_b64decode(padded.encode()))
            cursor_order, key = Order(loaded[0]), tuple(loaded[1])
        except (ValueError, TypeError, IndexError, KeyError) as exc:
            raise InvalidInput("Cursor inválido.", code="chats.invalid_cursor") from exc
        if cursor_order != order or len(key) != len(_ORDER_KEYS[order][0]) + 1:
            raise InvalidInput(
                "O cursor não corresponde a esta ordenação.", code="chats.invalid_cursor"
            )
        if not all(isinstance(v, int | str) for v in key):
            raise InvalidInput("Cursor inválido.", code="chats.invalid_cursor")
        return cls(order, key)


def check_limit(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit deve estar entre 1 e {MAX_LIMIT}.", code="chats.invalid_limit")
    return limit


@dataclass
class SetStats:
    """Cached sizes of the sets a filter can drive from (refreshed by the caller)."""

    total: int = 0
    per_tag: dict[int, int] = field(default_factory=dict)
    per_user: dict[int, int] = field(default_factory=dict)
    per_department: dict[int, int] = field(default_factory=dict)
    unassigned: int = 0


@dataclass
class _Part:
    """One restriction: how to probe it (EXISTS) and, if it is a set, how to drive from it."""

    probe: str
    params: list[object]
    drive: str | None = None
    drive_params: list[object] = field(default_factory=list)
    size: float | None = None  # estimated rows in the driving set


def _visibility(actor: Actor, stats: SetStats) -> _Part | None:
    """The one rule of who sees what: admins and see_all_chats see all; others see chats
    assigned to them or to one of their departments."""
    if can_see_all_chats(actor):
        return None
    depts = sorted(actor.departments)
    marks = ",".join("?" * len(depts))
    probe_terms = ["a.member = ?"] + ([f"a.department IN ({marks})"] if depts else [])
    probe = (
        "EXISTS (SELECT 1 FROM chat_assignee a WHERE a.chat = c.id AND ("
        + " OR ".join(probe_terms)
        + ") LIMIT 1)"
    )
    drive = "SELECT chat FROM chat_assignee WHERE member = ?"
    if depts:
        drive += f" UNION SELECT chat FROM chat_assignee WHERE department IN ({marks})"
    size = stats.per_user.get(actor.id, 0) + sum(stats.per_department.get(d, 0) for d in depts)
    return _Part(probe, [actor.id, *depts], drive, [actor.id, *depts], float(size))


def visibility_clause(actor: Actor) -> tuple[str, list[object]]:
    """SQL restricting ``c`` (the chat table) to the chats ``actor`` may see."""
    part = _visibility(actor, SetStats())
    return ("1", []) if part is None else (part.probe, part.params)


def _tag_parts(f: ChatFilter, stats: SetStats) -> list[_Part]:
    tags = sorted(set(f.tags))
    if not tags:
        return []
    marks = ",".join("?" * len(tags))
    if f.tag_mode is TagMode.NONE:
        return [
            _Part(
                f"NOT EXISTS (SELECT 1 FROM chat_tag x WHERE x.chat = c.id "
                f"AND x.tag IN ({marks}) LIMIT 1)",
                list(tags),
            )
        ]
    if f.tag_mode is TagMode.ANY:
        return [
            _Part(
                "EXISTS (SELECT 1 FROM chat_tag x WHERE x.chat = c.id "
                f"AND x.tag IN ({marks}) LIMIT 1)",
                list(tags),
                f"SELECT chat FROM chat_tag WHERE tag IN ({marks})",
                list(tags),
                float(sum(stats.per_tag.get(t, 0) for t in tags)),
            )
        ]
    return [
        _Part(
            "EXISTS (SELECT 1 FROM chat_tag x WHERE x.chat = c.id AND x.tag = ?)",
            [t],
            "SELECT chat FROM chat_tag WHERE tag = ?",
            [t],
            float(stats.per_tag.get(t, 0)),
        )
        for t in tags
    ]


def _assignee_part(f: ChatFilter, stats: SetStats) -> _Part | None:
    """Chats with any of the listed assignees; "none" means no assignee at all."""
    if not f.assignees:
        return None
    terms: list[str] = []
    params: list[object] = []
    drives: list[str] = []
    size = 0.0
    for a in dict.fromkeys(f.assignees):
        if a.kind == "none":
            terms.append("NOT EXISTS (SELECT 1 FROM chat_assignee a WHERE a.chat = c.id)")
            continue
        column = "member" if a.kind == "user" else "department"
        terms.append(
            f"EXISTS (SELECT 1 FROM chat_assignee a WHERE a.chat = c.id AND a.{column} = ? LIMIT 1)"
        )
        params.append(a.id)
        drives.append(f"SELECT chat FROM chat_assignee WHERE {column} = ?")
        per = stats.per_user if a.kind == "user" else stats.per_department
        size += per.get(a.id, 0)
    probe = "(" + " OR ".join(terms) + ")"
    if len(drives) < len(terms):  # "none" cannot drive
        return _Part(probe, params)
    return _Part(probe, params, " UNION ".join(drives), list(params), size)


def _text_parts(f: ChatFilter) -> list[_Part]:
    parts: list[_Part] = []
    if f.name is not None and f.name.strip():
        needle = " ".join(fold(f.name).split())
        if len(needle) >= TRIGRAM_MIN:
            parts.append(
                _Part(
                    "c.id IN (SELECT rowid FROM chat_trgm WHERE chat_trgm MATCH ?)",
                    [f"sort_name : {fts_phrase(needle)}"],
                    "SELECT rowid FROM chat_trgm WHERE chat_trgm MATCH ?",
                    [f"sort_name : {fts_phrase(needle)}"],
                    0.0,
                )
            )
        else:
            escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            parts.append(_Part("c.sort_name LIKE ? ESCAPE '\\'", [f"%{escaped}%"]))
    if f.number is not None and f.number.strip():
        needle = digits(f.number)
        if not needle:
            raise InvalidInput(
                "O filtro de número aceita apenas dígitos.", code="chats.invalid_number"
            )
        if len(needle) >= TRIGRAM_MIN:
            match = f"phone : {fts_phrase(needle)}"
            parts.append(
                _Part(
                    "c.id IN (SELECT rowid FROM chat_trgm WHERE chat_trgm MATCH ?)",
                    [match],
                    "SELECT rowid FROM chat_trgm WHERE chat_trgm MATCH ?",
                    [match],
                    0.0,
                )
            )
        else:
            parts.append(_Part("c.phone LIKE ?", [f"%{needle}%"]))
    return parts


@dataclass(frozen=True)
class PlannedQuery:
    sql: str
    params: list[object]
    path: str  # "walk" or "drive" (for benchmarks and tests)


COLUMNS = (
    "c.id, c.device, c.wa_id, c.lid, c.phone, c.wa_name, c.custom_name, c.sort_name, "
    "c.is_broadcast, c.registered_at, c.archived, c.chatbot_enabled, c.unread_count, "
    "c.last_message_at, c.last_message_preview, c.last_message_from_me, "
    "c.last_message_status, c.waiting_since, c.status_id, c.photo_file"
)


def plan_chat_list(
    actor: Actor, f: ChatFilter, cursor: Cursor | None, limit: int, stats: SetStats
) -> PlannedQuery:
    keys, ascending = _ORDER_KEYS[f.order]
    where = ["c.archived = ?", "c.is_broadcast = ?"]
    params: list[object] = [int(f.archived), int(f.broadcast)]
    if f.unread:
        where.append("c.unread_count > 0")
    if f.order is Order.WAITING:
        where.append("c.waiting_since IS NOT NULL")
    if f.statuses:
        where.append(f"c.status_id IN ({','.join('?' * len(f.statuses))})")
        params.extend(f.statuses)
    if f.stages:
        where.append(
            "EXISTS (SELECT 1 FROM chat_funnel_stage s WHERE s.chat = c.id AND "
            f"s.stage IN ({','.join('?' * len(f.stages))}) LIMIT 1)"
        )
        params.extend(f.stages)

    parts: list[_Part] = []
    vis = _visibility(actor, stats)
    if vis is not None:
        parts.append(vis)
    parts.extend(_tag_parts(f, stats))
    if (assignee := _assignee_part(f, stats)) is not None:
        parts.append(assignee)
    parts.extend(_text_parts(f))

    # Choose: drive from the smallest set, or walk the ordering index and probe.
    drivable = [p for p in parts if p.drive is not None and p.size is not None]
    driver: _Part | None = None
    if drivable:
        smallest = min(drivable, key=lambda p: p.size or 0.0)
        total = max(stats.total, 1)
        selectivity = 1.0
        for p in parts:
            if p.size is not None:
                selectivity *= min(1.0, max(p.size, 1.0) / total)
        walk_rows = (limit + 1) / max(selectivity, 1e-9)
        # Driving costs about the set size plus a sort; walking, the rows visited.
        if (smallest.size or 0.0) * 1.5 < walk_rows:
            driver = smallest
    for p in parts:
        if p is driver:
            where.append(f"c.id IN ({p.drive})")
            params.extend(p.drive_params)
        else:
            where.append(p.probe)
            params.extend(p.params)

    if cursor is not None:
        op = ">" if ascending else "<"
        cols = ", ".join((*keys, "c.id"))
        where.append(f"({cols}) {op} ({', '.join('?' * (len(keys) + 1))})")
        params.extend(cursor.key)
    direction = "ASC" if ascending else "DESC"
    order_by = ", ".join(f"{k} {direction}" for k in (*keys, "c.id"))
    key_select = ", ".join(f"{k} AS sort_key_{i}" for i, k in enumerate(keys))
    sql = (
        f"SELECT {COLUMNS}, {key_select} FROM chat c WHERE {' AND '.join(where)} "
        f"ORDER BY {order_by} LIMIT ?"
    )
    params.append(limit + 1)
    return PlannedQuery(sql, params, "drive" if driver else "walk")


def next_cursor(order: Order, last_row: dict[str, object]) -> Cursor:
    keys, _ = _ORDER_KEYS[order]
    values = [last_row[f"sort_key_{i}"] for i in range(len(keys))]
    return Cursor(order, (*values, last_row["id"]))
