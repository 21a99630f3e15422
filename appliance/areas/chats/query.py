"""The chat list planner: the choice of access path for a filter, and its SQL.

SQLite does not choose between driving from a set (``c.id IN (…)``) and walking
the ordering index with correlated ``EXISTS`` probes; each loses 10–50× on some
filter (docs/decisions.md#the-chat-lists-query-shapes). ``plan_chat_list`` estimates
both from cached set sizes (and, for name and number substrings, from a sample of chats) and writes
the SQL accordingly. Estimates assume independent filters; when they are wrong a walk
can visit the whole list, so a walk carries its drive as a fallback that runs once
the walk has cost what the drive would (``service.list_chats``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from appliance.areas.accounts.permissions import Actor
from appliance.areas.chats.access import visible_set
from appliance.areas.chats.filters import ORDER_KEYS, ChatFilter, Cursor, Order, TagMode
from appliance.core.errors import InvalidInput
from appliance.core.i18n import _
from appliance.core.text import digits, fold, fts_phrase

# Below this many characters a substring is matched with LIKE while walking;
# from it on, through the trigram index.
TRIGRAM_MIN = 3
# Planner costs in microseconds, as measured with scripts/bench chatlist at 50k
# chats on a 2-core VM. Only their ratios matter.
WALK_ROW_US = 0.1  # one entry of an ordering index, walked
PROBE_US = 0.25  # one correlated EXISTS, checked on a row
LIKE_US = 0.05  # a LIKE on a row's name or number
DRIVE_ENTRY_US = 0.12  # one id of a driving set, read
DRIVE_ROW_US = 0.8  # one chat of a driving set: fetch its row, sort it
SCAN_ENTRY_US = 0.12  # one covering-index entry read for a LIKE
STEP_US = 0.03  # one SQLite VM step
# A walk's estimate assumes independent filters, and a walk that meets none of its rows
# costs the whole list: it must look this much cheaper than the drive to be chosen. It
# may then run as long as the drive would before the drive runs instead.
WALK_RISK = 1.5
MIN_WALK_STEPS = 20_000


@dataclass
class SetStats:
    """Cached sizes of the sets a filter can drive from (refreshed by the caller).

    ``name_sample`` and ``phone_sample`` are the folded names and the numbers of an
    evenly spread sample of chats: the share of them containing a substring estimates
    how many chats a name or number filter keeps.
    """

    total: int = 0
    per_tag: dict[int, int] = field(default_factory=dict)
    per_stage: dict[int, int] = field(default_factory=dict)
    per_user: dict[int, int] = field(default_factory=dict)
    per_department: dict[int, int] = field(default_factory=dict)
    unassigned: int = 0
    unread: int = 0
    archived: int = 0
    broadcast: int = 0
    name_sample: list[str] = field(default_factory=list)
    phone_sample: list[str] = field(default_factory=list)

    def substring_share(self, needle: str, sample: list[str]) -> float:
        """Estimated share of chats whose value contains ``needle``; a match that the
        sample misses counts as half a sample step."""
        if not sample:
            return 1.0
        hits = sum(1 for value in sample if needle in value)
        return max(hits, 0.5) / len(sample)


@dataclass
class _Part:
    """One restriction: how to probe it on a row and, if it is a set, how to drive from it.

    ``size`` estimates the chats it keeps. Driving from it costs ``scan_us`` to find
    them (beyond reading them) plus DRIVE_ROW_US each.
    """

    probe: str
    params: list[object]
    drive: str | None = None
    drive_params: list[object] = field(default_factory=list)
    size: float | None = None
    scan_us: float = 0.0
    probe_us: float = PROBE_US
    # ``drive`` as the right side of ``c.id IN (…)``, which needs no distinct ids.
    drive_in: str | None = None
    # The visibility rule itself (its set is what the actor may see).
    is_visibility: bool = False
    # Chats of this set the actor sees whatever the rule (assigned to them or to one of
    # their departments): with the rule present, the two are not independent.
    seen_by_actor: float = 0.0


def visibility_part(actor: Actor, stats: SetStats) -> _Part | None:
    """The visibility rule (``access.visible_set``) as a part of the plan: probed on each
    row of a walk, or driven from, sized by the actor's and their departments' chats."""
    rule = visible_set(actor)
    if rule is None:
        return None
    size = stats.per_user.get(actor.id, 0) + sum(
        stats.per_department.get(d, 0) for d in actor.departments
    )
    return _Part(
        rule.probe,
        list(rule.params),
        rule.drive,
        list(rule.params),
        float(size),
        drive_in=rule.drive_in,
        is_visibility=True,
    )


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


def _stage_part(f: ChatFilter, stats: SetStats) -> _Part | None:
    """Chats at any of the listed stages (of one or several funnels)."""
    stages = sorted(set(f.stages))
    if not stages:
        return None
    marks = ",".join("?" * len(stages))
    return _Part(
        "EXISTS (SELECT 1 FROM chat_funnel_stage s WHERE s.chat = c.id "
        f"AND s.stage IN ({marks}) LIMIT 1)",
        list(stages),
        f"SELECT chat FROM chat_funnel_stage WHERE stage IN ({marks})",
        list(stages),
        float(sum(stats.per_stage.get(st, 0) for st in stages)),
    )


def _assignee_part(f: ChatFilter, stats: SetStats, actor: Actor, restricted: bool) -> _Part | None:
    """Chats with any of the listed assignees; "none" means no assignee at all.

    A ``restricted`` actor sees only chats with an assignee, so "none" keeps nothing
    for them: it is left out, and alone it gives an empty list without a walk.
    """
    if not f.assignees:
        return None
    if restricted and all(a.kind == "none" for a in f.assignees):
        return _Part("0", [], "SELECT NULL WHERE 0", [], 0.0, probe_us=0.0)
    terms: list[str] = []
    params: list[object] = []
    drives: list[str] = []
    size = 0.0
    own = 0.0
    for a in dict.fromkeys(f.assignees):
        if a.kind == "none" and restricted:
            continue
        if a.kind == "none":
            terms.append("NOT EXISTS (SELECT 1 FROM chat_assignee a WHERE a.chat = c.id)")
            size += stats.unassigned
            continue
        column = "member" if a.kind == "user" else "department"
        terms.append(
            f"EXISTS (SELECT 1 FROM chat_assignee a WHERE a.chat = c.id AND a.{column} = ? LIMIT 1)"
        )
        params.append(a.id)
        drives.append(f"SELECT chat FROM chat_assignee WHERE {column} = ?")
        per = stats.per_user if a.kind == "user" else stats.per_department
        size += per.get(a.id, 0)
        if (a.kind == "user" and a.id == actor.id) or (
            a.kind == "department" and a.id in actor.departments
        ):
            own += per.get(a.id, 0)
    probe = "(" + " OR ".join(terms) + ")"
    if len(drives) < len(terms):  # "none" cannot drive
        return _Part(probe, params, size=size, seen_by_actor=own)
    return _Part(probe, params, " UNION ALL ".join(drives), list(params), size, seen_by_actor=own)


def _like_pattern(needle: str) -> str:
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _substring_part(
    column: str, needle: str, sample: list[str], f: ChatFilter, stats: SetStats
) -> _Part:
    """``column`` (the folded name, or the number) contains ``needle``.

    On a row it is a LIKE. To drive from it: the trigram index from TRIGRAM_MIN
    characters on; a name of two letters, the index of two-letter pieces of names;
    otherwise a LIKE over the entries of a covering index, which costs a read of that
    whole index whatever it finds.
    """
    pattern = _like_pattern(needle)
    size = stats.substring_share(needle, sample) * stats.total
    probe = f"c.{column} LIKE ? ESCAPE '\\'"
    if len(needle) >= TRIGRAM_MIN:
        match = f"{column} : {fts_phrase(needle)}"
        drive = "SELECT rowid FROM chat_trgm WHERE chat_trgm MATCH ?"
        return _Part(probe, [pattern], drive, [match], size, probe_us=LIKE_US)
    if column == "sort_name" and len(needle) == 2:
        drive = "SELECT chat FROM chat_name_pair WHERE pair = ?"
        return _Part(probe, [pattern], drive, [needle], size, probe_us=LIKE_US)
    if column == "sort_name":
        drive = (
            "SELECT id FROM chat INDEXED BY chat_by_name WHERE archived = ? AND is_broadcast = ? "
            "AND sort_name LIKE ? ESCAPE '\\'"
        )
        drive_params: list[object] = [int(f.archived), int(f.broadcast), pattern]
    else:
        drive = "SELECT id FROM chat INDEXED BY chat_phone WHERE phone LIKE ? ESCAPE '\\'"
        drive_params = [pattern]
    return _Part(
        probe,
        [pattern],
        drive,
        drive_params,
        size,
        scan_us=SCAN_ENTRY_US * stats.total,
        probe_us=LIKE_US,
    )


def _text_parts(f: ChatFilter, stats: SetStats) -> list[_Part]:
    parts: list[_Part] = []
    if f.name is not None and f.name.strip():
        needle = " ".join(fold(f.name).split())
        parts.append(_substring_part("sort_name", needle, stats.name_sample, f, stats))
    if f.number is not None and f.number.strip():
        needle = digits(f.number)
        if not needle:
            raise InvalidInput(
                _("O filtro de número aceita apenas dígitos."), code="chats.invalid_number"
            )
        parts.append(_substring_part("phone", needle, stats.phone_sample, f, stats))
    return parts


@dataclass(frozen=True)
class PlannedQuery:
    sql: str
    params: list[object]
    path: str  # "walk" or "drive" (for benchmarks and tests)
    # A walk that a drive bounds: run ``fallback`` instead once the walk has taken
    # ``step_budget`` SQLite VM steps (the estimates behind the walk were wrong).
    fallback: PlannedQuery | None = None
    step_budget: int = 0


COLUMNS = (
    "c.id, c.device, c.wa_id, c.lid, c.phone, c.wa_name, c.custom_name, c.sort_name, "
    "c.is_broadcast, c.registered_at, c.archived, c.chatbot_enabled, c.unread_count, "
    "c.last_message_at, c.last_message_preview, c.last_message_from_me, "
    "c.last_message_status, c.waiting_since, c.status_id, c.photo_file"
)


def _restrictions(actor: Actor, f: ChatFilter, stats: SetStats) -> list[_Part]:
    parts: list[_Part] = []
    vis = visibility_part(actor, stats)
    if vis is not None and not _only_own_assignees(actor, f):
        parts.append(vis)
    parts.extend(_tag_parts(f, stats))
    if (stage := _stage_part(f, stats)) is not None:
        parts.append(stage)
    if (assignee := _assignee_part(f, stats, actor, restricted=vis is not None)) is not None:
        parts.append(assignee)
    parts.extend(_text_parts(f, stats))
    return parts


def _only_own_assignees(actor: Actor, f: ChatFilter) -> bool:
    """The assignee filter keeps only chats assigned to the actor or to one of their
    departments ("my chats"): it implies visibility, whose probe would only cost, and
    whose set would look independent of it to the estimates."""
    own = [a for a in f.assignees if a.kind != "none"]
    return bool(own) and all(
        (a.kind == "user" and a.id == actor.id)
        or (a.kind == "department" and a.id in actor.departments)
        for a in own
    )


@dataclass(frozen=True)
class _Together:
    """What ``_joint`` needs of a set of parts, gathered so that one more part costs O(1)
    (the planner prices each drive as a shared set plus its own part)."""

    total: int
    shares: float = 1.0  # product of every part's share of all chats
    rest: float = 1.0  # the same, without visibility and the parts the actor sees anyway
    own: float = 0.0  # the most chats of one part that the actor sees anyway
    visibility: bool = False

    def add(self, p: _Part) -> _Together:
        share = 1.0 if p.size is None else min(1.0, max(p.size, 1.0) / self.total)
        plain = not p.is_visibility and not p.seen_by_actor
        return _Together(
            self.total,
            self.shares * share,
            self.rest * share if plain else self.rest,
            max(self.own, p.seen_by_actor),
            self.visibility or p.is_visibility,
        )

    def joint(self) -> float:
        joint = self.total * self.shares
        if self.own and self.visibility:
            joint = max(joint, self.own * self.rest)
        return joint


def _together(parts: list[_Part], total: int) -> _Together:
    together = _Together(total)
    for p in parts:
        together = together.add(p)
    return together


def _joint(parts: list[_Part], total: int) -> float:
    """Chats that every one of ``parts`` keeps, taking them as independent, except that
    chats the actor sees whatever the visibility rule pass the rule."""
    return _together(parts, total).joint()


def _walk_rows(f: ChatFilter, parts: list[_Part], limit: int, stats: SetStats) -> float:
    """Ordering-index entries a walk visits to fill the page, if the filters are
    independent; at most the range it walks (archived or not, broadcast or not)."""
    total = max(stats.total, 1)
    selectivity = _joint(parts, total) / total
    in_range = float(stats.archived if f.archived else total - stats.archived)
    if f.broadcast:
        in_range = float(stats.broadcast)
    if f.unread:
        if f.order in (Order.RECENT, Order.UNREAD_FIRST):
            # The walk visits unread chats only (chat_unread_first).
            in_range = min(in_range, float(stats.unread))
        else:
            selectivity *= min(1.0, max(stats.unread, 1) / total)
    return min((limit + 1) / max(selectivity, 1e-9), max(in_range, 1.0))


def plan_chat_list(
    actor: Actor, f: ChatFilter, cursor: Cursor | None, limit: int, stats: SetStats
) -> PlannedQuery:
    """The page's SQL: a walk of the ordering index with probes, or a drive from the
    cheapest set. A walk that could go wrong gets a drive as its bounded fallback."""
    parts = _restrictions(actor, f, stats)
    drivable = [p for p in parts if p.drive is not None and p.size is not None]
    if not drivable:
        return _sql(f, parts, None, cursor, limit)
    probes_us = sum(p.probe_us for p in parts)

    total = max(stats.total, 1)
    # Every drive gets the same probes pushed into it, but its own: gathered once, each
    # drive is priced in O(1) and planning stays linear in the number of filters.
    pushable = _pushable(parts)
    pushable_ids = {id(q) for q in pushable}
    pushable_us = sum(q.probe_us for q in pushable)
    pushable_together = _together(pushable, total)

    def drive_us(p: _Part) -> float:
        # The set's ids, checked by the probes pushed into it; then the chats that pass,
        # read, probed by the rest and sorted.
        own_pushed = id(p) in pushable_ids
        pushed_us = pushable_us - (p.probe_us if own_pushed else 0.0)
        with_p = pushable_together if own_pushed else pushable_together.add(p)
        passing = with_p.joint() if p.size else 0.0
        rest_us = probes_us - p.probe_us - pushed_us
        return (
            p.scan_us
            + (p.size or 0.0) * (DRIVE_ENTRY_US + pushed_us)
            + passing * (DRIVE_ROW_US + rest_us)
        )

    cheapest = min(drivable, key=drive_us)
    drive = drive_us(cheapest)
    walk = _walk_rows(f, parts, limit, stats) * (WALK_ROW_US + probes_us)
    if drive <= walk * WALK_RISK:
        return _sql(f, parts, cheapest, cursor, limit)
    budget = max(MIN_WALK_STEPS, int(drive / STEP_US))
    return replace(
        _sql(f, parts, None, cursor, limit),
        fallback=_sql(f, parts, cheapest, cursor, limit),
        step_budget=budget,
    )


def _where(
    f: ChatFilter, parts: list[_Part], driver: _Part | None
) -> tuple[list[str], list[object]]:
    where = ["c.archived = ?", "c.is_broadcast = ?"]
    params: list[object] = [int(f.archived), int(f.broadcast)]
    if f.unread:
        # This form, not "unread_count > 0", lets SQLite use chat_unread_first.
        where.append("(c.unread_count > 0) = 1")
    if f.order is Order.WAITING:
        where.append("c.waiting_since IS NOT NULL")
    if f.statuses:
        where.append(f"c.status_id IN ({','.join('?' * len(f.statuses))})")
        params.extend(f.statuses)
    pushed = _pushed_into(driver, parts)
    pushed_ids = {id(q) for q in pushed}
    for p in parts:
        if p is driver:
            clause, drive_params = _drive_clause(p, pushed)
            where.append(clause)
            params.extend(drive_params)
        elif p.probe != "1" and id(p) not in pushed_ids:
            where.append(p.probe)
            params.extend(p.params)
    return where, params


_OUTER_ID = re.compile(r"\bc\.id\b")


def _pushed_into(driver: _Part | None, parts: list[_Part]) -> list[_Part]:
    """The probes that only need the chat's id: they run on the driving set's ids before
    any chat row is read, so the drive fetches and sorts only the chats that pass them."""
    if driver is None:
        return []
    return [p for p in _pushable(parts) if p is not driver]


def _pushable(parts: list[_Part]) -> list[_Part]:
    """The parts whose probe needs only the chat's id."""
    return [
        p for p in parts if p.probe not in ("1", "0") and "c." not in _OUTER_ID.sub("", p.probe)
    ]


def _drive_clause(driver: _Part, pushed: list[_Part]) -> tuple[str, list[object]]:
    drive = driver.drive_in or driver.drive
    params = list(driver.drive_params)
    if not pushed:
        return f"c.id IN ({drive})", params
    probes = [_OUTER_ID.sub("d.chat", p.probe) for p in pushed]
    for p in pushed:
        params.extend(p.params)
    return (
        f"c.id IN (WITH d(chat) AS ({drive}) SELECT d.chat FROM d WHERE {' AND '.join(probes)})",
        params,
    )


def _sql(
    f: ChatFilter, parts: list[_Part], driver: _Part | None, cursor: Cursor | None, limit: int
) -> PlannedQuery:
    """The page in two steps: the ids and sort keys of its rows (a narrow sort, however
    many rows a drive reads), then those rows."""
    path = "drive" if driver else "walk"
    if f.order is Order.UNREAD_FIRST:
        page, params = _unread_first_page(f, parts, driver, cursor, limit)
        n_keys, direction = 2, "DESC"
    else:
        keys, ascending = ORDER_KEYS[f.order]
        where, params = _where(f, parts, driver)
        if cursor is not None:
            op = ">" if ascending else "<"
            cols = ", ".join((*keys, "c.id"))
            where.append(f"({cols}) {op} ({', '.join('?' * (len(keys) + 1))})")
            params.extend(cursor.key)
        direction = "ASC" if ascending else "DESC"
        order_by = ", ".join(f"{k} {direction}" for k in (*keys, "c.id"))
        key_select = ", ".join(f"{k} AS sort_key_{i}" for i, k in enumerate(keys))
        page = (
            f"SELECT c.id AS pick, {key_select} FROM chat c WHERE {' AND '.join(where)} "
            f"ORDER BY {order_by} LIMIT ?"
        )
        params.append(limit + 1)
        n_keys = len(keys)
    sort_keys = [f"p.sort_key_{i}" for i in range(n_keys)]
    sql = (
        f"SELECT {COLUMNS}, {', '.join(sort_keys)} FROM ({page}) p JOIN chat c ON c.id = p.pick "
        f"ORDER BY {', '.join(f'{k} {direction}' for k in (*sort_keys, 'p.pick'))}"
    )
    return PlannedQuery(sql, params, path)


def _unread_first_page(
    f: ChatFilter, parts: list[_Part], driver: _Part | None, cursor: Cursor | None, limit: int
) -> tuple[str, list[object]]:
    """Unread chats, then the others, each by last message: two ordered halves merged.

    A cursor over ``(unread_count > 0, last_message_at, id)`` cannot start a range of
    chat_unread_first, so each half gets its own ``(last_message_at, id)`` cursor and
    reads at most a page.
    """
    flags = [1] if f.unread else [1, 0]
    if cursor is not None:
        flag, *rest = cursor.key
        if not isinstance(flag, int):
            raise InvalidInput(_("Cursor inválido."), code="chats.invalid_cursor")
        flags = [x for x in flags if x <= flag]
    arms: list[str] = []
    params: list[object] = []
    for flag_value in flags:
        where, arm_params = _where(f, parts, driver)
        where.append(f"(c.unread_count > 0) = {flag_value}")
        if cursor is not None and flag_value == cursor.key[0]:
            where.append("(c.last_message_at, c.id) < (?, ?)")
            arm_params.extend(rest)
        arms.append(
            f"SELECT * FROM (SELECT c.id AS pick, {flag_value} AS sort_key_0, "
            f"c.last_message_at AS sort_key_1 FROM chat c WHERE {' AND '.join(where)} "
            "ORDER BY c.last_message_at DESC, c.id DESC LIMIT ?)"
        )
        params.extend([*arm_params, limit + 1])
    page = (
        " UNION ALL ".join(arms) + " ORDER BY sort_key_0 DESC, sort_key_1 DESC, pick DESC LIMIT ?"
    )
    params.append(limit + 1)
    return page, params
