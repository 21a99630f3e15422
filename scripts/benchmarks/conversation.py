"""Conversation latency: a 20,000-message chat's messages over HTTP and its first page in Chromium.

Issue 4's targets: the messages of a 20,000-message chat answer in under 10 ms, and the
conversation's first page renders in the browser in under 300 ms. Builds (or reuses) the
seeded shop of ``scripts.benchmarks.shop``, copies its database and adds one reseller's
chat of ``--heavy`` messages over the shop's two years (Portuguese bodies from the shop's
generator, both directions, audio, photos and documents), the newest chat of the inbox.
Starts the real ``balcao serve`` on the copy and times, at the client over loopback with
an admin's bearer token, GET /api/v1/chats/{id}/messages: the first page, a page deep
in the history (after following ``next_cursor``), a page ``around`` a message in the
middle, and a typical chat's first page for comparison. Then logs in through the login
form in headless Chromium and opens the heavy chat by a click on its row in the chat
list, again and again (the next chat opened in between), timing inside the page from the
click to the first page of bubbles in the DOM and laid out; then loads the inbox at the
chat's link (``/?chat=ID``) as many times, timed from the navigation's start. Prints
p50/p95 with the data size and the machine; ``--json`` prints the same as one JSON object.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

import appliance  # noqa: F401  (sqlite3 -> sqlean before anything else)
from appliance.areas.chats.rows import ChatRow, insert_chat
from appliance.areas.messages.rows import MessageRow, insert_messages
from appliance.core.db import Conn, connect
from appliance.core.text import preview, sort_key
from scripts.benchmarks import common
from scripts.benchmarks.shop import (
    CUSTOMER_TEMPLATES,
    DAY_MS,
    END_MS,
    HISTORY_MS,
    IMAGE_CAPTIONS,
    SHOP_TEMPLATES,
    STAFF,
    Shop,
    build_or_reuse,
    text_filler,
)
from tests.harness import bearer_token, running_server

PAGE = 50
HEAVY_MESSAGES = 20_000
DEEP_PAGES = 40
OPENS = 30
TARGET_API_P95_MS = 10.0
TARGET_RENDER_P95_MS = 300.0
COPY_VERSION = 1  # bump when add_heavy_chat writes something else
HEAVY_NAME = "Rosângela Atacado"
HEAVY_PHONE = "+5511955501234"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
VIEWPORT = {"width": 1280, "height": 800}
BROWSER_WAIT_MS = 30_000

_UNACCENT = str.maketrans(
    "áàâãäéèêëíìîïóòôõöúùûüçÁÀÂÃÄÉÈÊËÍÌÎÏÓÒÔÕÖÚÙÛÜÇ",
    "aaaaaeeeeiiiiooooouuuucAAAAAEEEEIIIIOOOOOUUUUC",
)
_MEDIA_PREVIEW = {"audio": "🎤 Áudio", "image": "📷 Foto", "document": "📄 Documento"}
_WA_ID_MIX = 0xC2B2AE3D27D4EB4F  # odd: one WhatsApp-looking id per message id
_U64 = 2**64 - 1


# -- the data -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Heavy:
    """The chat added to the copy and what the cases need from it."""

    chat: int
    messages: int
    newest: int  # message ids
    middle: int
    first_id: int


def _timeline(rng: random.Random, n: int, first_at: int, last_start: int) -> list[int]:
    """``n`` strictly increasing send times in sessions (a few minutes apart inside one),
    the first at ``first_at``, the last session starting at ``last_start``."""
    sessions = max(1, min(n, round(n / rng.uniform(5.0, 9.0))))
    starts = sorted(rng.randint(first_at, last_start) for _ in range(sessions - 2))
    starts = [first_at, *starts, last_start][:sessions] if sessions > 1 else [first_at]
    cuts = sorted(rng.sample(range(1, n), sessions - 1)) if sessions > 1 else []
    sizes = [b - a for a, b in zip([0, *cuts], [*cuts, n], strict=True)]
    out: list[int] = []
    ts = 0
    for start, size in zip(starts, sizes, strict=True):
        ts = max(start, ts + 1000)
        for k in range(size):
            if k:
                ts += int(rng.expovariate(1 / 75_000)) + 1000
            out.append(ts)
    return out


def add_heavy_chat(conn: Conn, seed: int, count: int) -> Heavy:
    """One reseller's chat of ``count`` messages, in time order, ids after every other
    message; the newest chat of the inbox, read, the shop's message last."""
    rng = random.Random(seed * 31 + count)
    fill = text_filler(seed + count)
    device = conn.execute("SELECT min(id) FROM device").fetchone()[0]
    users = [
        r[0]
        for r in conn.execute(
            f"SELECT id FROM app_user WHERE login IN ({','.join('?' * len(STAFF))}) ORDER BY id",
            [login for login, _, _ in STAFF],
        )
    ]
    newest_elsewhere = conn.execute("SELECT coalesce(max(sent_at), ?) FROM message", (END_MS,))
    top = int(newest_elsewhere.fetchone()[0])
    first_at = END_MS - HISTORY_MS
    times = _timeline(rng, count, first_at, top + 60_000)
    chat_id = int(conn.execute("SELECT coalesce(max(id), 0) + 1 FROM chat").fetchone()[0])
    first_id = int(conn.execute("SELECT coalesce(max(id), 0) + 1 FROM message").fetchone()[0])
    phone = HEAVY_PHONE
    while conn.execute("SELECT 1 FROM chat WHERE phone = ?", (phone,)).fetchone():
        phone = f"+55119{rng.randint(0, 99_999_999):08d}"

    rows: list[MessageRow] = []
    from_me = False
    recent_cut = END_MS - 2 * DAY_MS
    last_preview, last_status, waiting = "", "", None
    for k, ts in enumerate(times):
        message_id = first_id + k
        if k == len(times) - 1:
            from_me = True  # the shop answered last: nothing waits, nothing unread
        elif k and rng.random() < 0.55:
            from_me = not from_me
        roll = rng.random()
        media = None
        if roll < 0.03:
            kind, body = "audio", ""
            media = json.dumps({"mime": "audio/ogg", "seconds": 3 + rng.randrange(60)})
        elif roll < 0.11:
            kind = "image"
            body = fill(rng.choice(IMAGE_CAPTIONS)) if rng.random() < 0.5 else ""
            media = json.dumps({"mime": "image/jpeg", "size": 40_000 + rng.randrange(400_000)})
        elif roll < 0.12:
            kind, body = "document", ""
            media = json.dumps(
                {"mime": "application/pdf", "name": f"pedido-{rng.randrange(100_000)}.pdf"}
            )
        else:
            kind = "text"
            body = fill(rng.choice(SHOP_TEMPLATES if from_me else CUSTOMER_TEMPLATES))
            if not from_me and rng.random() < 0.15:
                body = body.translate(_UNACCENT)
        if from_me:
            direction = "out"
            roll = rng.random()
            if roll < 0.80:
                author_kind, author = "user", rng.choice(users) if users else None
            elif roll < 0.92:
                author_kind, author = "phone", None
            else:
                author_kind, author = "chatbot", None
            if ts < recent_cut:
                status = "read" if rng.random() < 0.9 else "delivered"
            else:
                status = rng.choice(("read", "delivered"))
            waiting = None
        else:
            direction, author_kind, author, status = "in", "customer", None, "received"
            waiting = ts if waiting is None else waiting
        registered = ts + rng.randrange(2500)
        rows.append(
            MessageRow(
                id=message_id,
                chat=chat_id,
                device=device,
                wa_id=f"3EB1{(message_id * _WA_ID_MIX) & _U64:016X}",
                direction=direction,
                author_kind=author_kind,
                author_user=author,
                kind=kind,
                body=body,
                media=media,
                status=status,
                status_at=registered + (30_000 if from_me else 0),
                sent_at=ts,
                registered_at=registered,
            )
        )
        last_preview = preview(body) if body else _MEDIA_PREVIEW[kind]
        last_status = status
    conn.execute("BEGIN IMMEDIATE")
    insert_chat(
        conn,
        ChatRow(
            id=chat_id,
            device=device,
            wa_id=f"{phone.lstrip('+')}@s.whatsapp.net",
            phone=phone,
            wa_name=HEAVY_NAME,
            sort_name=sort_key(HEAVY_NAME),
            registered_at=first_at - 5000,
            last_message_at=times[-1],
            last_message_preview=last_preview,
            last_message_from_me=1,
            last_message_status=last_status,
            waiting_since=waiting,
        ),
    )
    insert_messages(conn, rows)
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    return Heavy(
        chat=chat_id,
        messages=count,
        newest=first_id + count - 1,
        middle=first_id + count // 2,
        first_id=first_id,
    )


def prepare_copy(shop: Shop, root: Path, heavy: int) -> tuple[Path, Heavy]:
    """A copy of the shop's database with the heavy chat added; kept while the shop is.

    The shop itself stays as built, for the other benchmarks.
    """
    folder = root / f"conversation{COPY_VERSION}-h{heavy}-{shop.data_dir.name}"
    done = folder / "conversation.json"
    if done.is_file() and (folder / "balcao.db").is_file():
        return folder, Heavy(**json.loads(done.read_text()))
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    source = connect(shop.db_path)
    copy = connect(folder / "balcao.db")
    try:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode = WAL")
        added = add_heavy_chat(copy, shop.seed, heavy)
    finally:
        copy.close()
        source.close()
    done.write_text(json.dumps(asdict(added)))
    return folder, added


@dataclass(frozen=True)
class Typical:
    chat: int
    messages: int
    newest: int


def typical_chat(conn: Conn, near: int = PAGE) -> Typical:
    """A plain chat (not archived, not a list) of about ``near`` messages."""
    rows = conn.execute(
        "SELECT m.chat, count(*), max(m.id) FROM message m JOIN chat c ON c.id = m.chat "
        "WHERE NOT c.archived AND NOT c.is_broadcast GROUP BY m.chat"
    ).fetchall()
    chat, n, newest = min(rows, key=lambda r: (abs(r[1] - near), -r[0]))
    return Typical(int(chat), int(n), int(newest))


def data_size(conn: Conn) -> dict[str, int]:
    chats, messages = conn.execute(
        "SELECT (SELECT count(*) FROM chat), (SELECT count(*) FROM message)"
    ).fetchone()
    return {"chats": int(chats), "messages": int(messages)}


# -- the API ------------------------------------------------------------------------------------


@dataclass(kw_only=True)
class ApiResult(common.Timing):
    case: str
    label: str
    chat: int
    chat_messages: int
    depth: int  # messages newer than this page


def _url(chat: int) -> str:
    return f"/api/v1/chats/{chat}/messages"


def _key(item: dict[str, Any]) -> tuple[str, int]:
    # ISO times of one zone sort as text.
    return (str(item["sent_at"]), int(item["id"]))


def follow_cursor(
    client: httpx.Client, headers: dict[str, str], chat: int, pages: int
) -> tuple[str | None, int, list[str]]:
    """Follows next_cursor ``pages`` times (fewer when the chat ends first); returns the
    last cursor, the messages before it, and whether the pages went strictly back in time."""
    cursor: str | None = None
    last: tuple[str, int] | None = None
    seen = 0
    for _ in range(pages):
        params = [("limit", str(PAGE)), *([("cursor", cursor)] if cursor else [])]
        r = client.get(_url(chat), params=params, headers=headers)
        if r.status_code != 200:
            return None, 0, [f"HTTP {r.status_code} while paging"]
        page = r.json()
        keys = [_key(item) for item in page["items"]]
        if any(b >= a for a, b in zip([last, *keys], keys, strict=False) if a is not None):
            return None, 0, ["messages not strictly newest first across pages"]
        last = keys[-1] if keys else last
        if page["next_cursor"] is None:
            break
        cursor, seen = page["next_cursor"], seen + len(keys)
    return cursor, seen, []


def _result(
    case: str,
    label: str,
    chat: int,
    chat_messages: int,
    depth: int,
    times: list[float],
    body: dict[str, Any],
    errors: list[str],
) -> ApiResult:
    return ApiResult(
        case=case,
        label=label,
        chat=chat,
        chat_messages=chat_messages,
        depth=depth,
        **common.timing(times, body, errors),
    )


def measure_api(
    client: httpx.Client,
    headers: dict[str, str],
    heavy: Heavy,
    typical: Typical,
    budget: common.Budget,
    progress: bool,
) -> list[ApiResult]:
    results: list[ApiResult] = []
    first = [("limit", str(PAGE))]

    def run(case: str, label: str, chat: int, n: int, depth: int, params: list[Any]) -> None:
        times, body, errors = common.time_request(client, headers, params, budget, _url(chat))
        items = body.get("items", [])
        if not errors and [_key(i) for i in items] != sorted(map(_key, items), reverse=True):
            errors.append("items not newest first")
        if case == "around" and heavy.middle not in {i["id"] for i in items}:
            errors.append("the page does not hold the message it is centred on")
        if case == "first" and items and items[0]["id"] != heavy.newest:
            errors.append("the first page does not start at the newest message")
        result = _result(case, label, chat, n, depth, times, body, errors)
        results.append(result)
        if progress:
            print(
                f"  {case:<8} p50 {result.p50_ms:6.2f}  p95 {result.p95_ms:6.2f} ms  {label}",
                file=sys.stderr,
                flush=True,
            )

    n = heavy.messages
    run("first", f"first page, chat of {n:,} msgs", heavy.chat, n, 0, first)
    # A page after following next_cursor deep_pages times, and the chat's oldest page.
    for case, pages in (("deep", budget.deep_pages), ("oldest", n // PAGE + 2)):
        cursor, depth, errors = follow_cursor(client, headers, heavy.chat, pages)
        if cursor is None:
            errors = errors or ["the chat has no page that deep"]
            results.append(_result(case, f"{case} page", heavy.chat, n, 0, [], {}, errors))
            continue
        label = f"page {depth // PAGE + 1} (after {depth:,} msgs)"
        label += ", the oldest" if case == "oldest" else ""
        run(case, label, heavy.chat, n, depth, [*first, ("cursor", cursor)])
    older = heavy.newest - heavy.middle
    run(
        "around",
        f"around a message {older:,} msgs back",
        heavy.chat,
        n,
        max(0, older - PAGE // 2),
        [*first, ("around", str(heavy.middle))],
    )
    t = typical
    run("typical", f"first page, chat of {t.messages} msgs", t.chat, t.messages, 0, first)
    return results


# -- the browser --------------------------------------------------------------------------------

# Installed before the click: resolves once the chat's first page of bubbles is in the DOM
# (the expected count, the newest message last), with layout forced, then on the next frame.
_OPEN_JS = """
([chatId, newest, expected, waitMs]) => new Promise((resolve, reject) => {
  const box = document.getElementById("messages");
  const scroller = document.getElementById("messages-scroll");
  const row = document.querySelector(`#chat-list .chat[data-chat-id="${chatId}"]`);
  const mine = [`/api/v1/chats/${chatId}`, `/api/v1/chats/${chatId}/messages`];
  if (!row) { reject(new Error(`chat ${chatId} is not in the list`)); return; }
  const ready = () => {
    const bubbles = box.querySelectorAll(".msg");
    return bubbles.length === expected
      && bubbles[bubbles.length - 1].dataset.id === String(newest)
      && window.balcao.conversation.chat?.id === chatId;
  };
  let t0 = 0;
  let timer = 0;
  const observer = new MutationObserver(() => {
    if (!ready()) return;
    observer.disconnect();
    clearTimeout(timer);
    const dom = performance.now();
    void scroller.scrollHeight;
    const height = box.getBoundingClientRect().height;
    const layout = performance.now();
    // The chat's two GETs (the chat, its messages page) as the network saw them.
    const api = performance.getEntriesByType("resource").filter(
      (e) => e.startTime >= t0 && mine.includes(new URL(e.name).pathname));
    requestAnimationFrame(() => {
      const frame = performance.now();
      resolve({
        dom_ms: dom - t0, layout_ms: layout - t0, frame_ms: frame - t0,
        fetched_ms: Math.max(0, ...api.map((e) => e.responseEnd)) - t0,
        requests: api.length, cached: api.filter((e) => e.transferSize === 0).length,
        bubbles: box.querySelectorAll(".msg").length, days: box.querySelectorAll(".day").length,
        height,
      });
    });
  });
  observer.observe(box, { childList: true, subtree: true });
  performance.clearResourceTimings();
  t0 = performance.now();
  row.click();
  timer = setTimeout(() => {
    observer.disconnect();
    const bubbles = box.querySelectorAll(".msg");
    reject(new Error(`no bubbles in time: chat ${chatId} wants ${expected} ending at ${newest}; `
      + `shown ${window.balcao.conversation.chat?.id}, ${bubbles.length} bubbles ending at `
      + `${bubbles.length ? bubbles[bubbles.length - 1].dataset.id : "-"}`));
  }, waitMs);
})
"""


# Runs in the page before the app's scripts when the chat is opened by its URL (/?chat=ID):
# ``window.__benchOpen`` resolves as _OPEN_JS does, with times from the navigation's start.
_URL_WATCH_JS = """
(() => {
  const [chatId, newest, expected] = %s;
  const mine = [`/api/v1/chats/${chatId}`, `/api/v1/chats/${chatId}/messages`];
  window.__benchOpen = new Promise((resolve) => {
    const ready = () => {
      const box = document.getElementById("messages");
      const bubbles = box ? box.querySelectorAll(".msg") : [];
      return bubbles.length === expected
        && bubbles[bubbles.length - 1].dataset.id === String(newest);
    };
    const observer = new MutationObserver(() => {
      if (!ready()) return;
      observer.disconnect();
      const box = document.getElementById("messages");
      const dom = performance.now();
      void document.getElementById("messages-scroll").scrollHeight;
      const height = box.getBoundingClientRect().height;
      const layout = performance.now();
      const api = performance.getEntriesByType("resource").filter(
        (e) => mine.includes(new URL(e.name).pathname));
      requestAnimationFrame(() => resolve({
        dom_ms: dom, layout_ms: layout, frame_ms: performance.now(),
        fetched_ms: Math.max(0, ...api.map((e) => e.responseEnd)),
        requests: api.length, cached: api.filter((e) => e.transferSize === 0).length,
        bubbles: box.querySelectorAll(".msg").length, height,
      }));
    });
    observer.observe(document, { childList: true, subtree: true });
  });
})();
"""


@dataclass
class RenderResult:
    case: str
    label: str
    chat: int
    chat_messages: int
    bubbles: int
    runs: int
    layout_p50_ms: float  # click -> bubbles in the DOM and laid out (in the page)
    layout_p95_ms: float
    frame_p50_ms: float  # click -> the next animation frame after that (in the page)
    frame_p95_ms: float
    fetched_p50_ms: float  # click -> the chat's GET responses all in (resource timing)
    fetched_p95_ms: float
    outer_p50_ms: float  # the same from Python: Playwright round trips included
    outer_p95_ms: float
    max_ms: float
    errors: list[str] = field(default_factory=list)


def _stats(values: list[float]) -> tuple[float, float]:
    values = sorted(values)
    return round(common.percentile(values, 0.50), 1), round(common.percentile(values, 0.95), 1)


def first_page(client: httpx.Client, headers: dict[str, str], chat: int) -> tuple[int, int]:
    """The newest message id of the chat's first page and the bubbles it gives."""
    r = client.get(_url(chat), params={"limit": PAGE}, headers=headers)
    r.raise_for_status()
    items = r.json()["items"]
    return (int(items[0]["id"]) if items else 0), len(items)


def count_messages(data_dir: Path, chat: int) -> int:
    conn = connect(data_dir / "balcao.db")
    try:
        return int(
            conn.execute("SELECT count(*) FROM message WHERE chat = ?", (chat,)).fetchone()[0]
        )
    finally:
        conn.close()


def measure_render(
    url: str,
    client: httpx.Client,
    headers: dict[str, str],
    shop: Shop,
    data_dir: Path,
    heavy: Heavy,
    opens: int,
    warmup: int,
    progress: bool,
) -> tuple[list[RenderResult], list[str]]:
    """Logs in through the login form, then opens the heavy chat (the list's first row) and
    the chat below it in turn, each by a click on its row, timing every open."""
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=shutil.which("chromium") or CHROMIUM, args=CHROMIUM_ARGS
        )
        try:
            context = browser.new_context(viewport=VIEWPORT, locale="pt-BR")
            page = context.new_page()
            page.set_default_timeout(BROWSER_WAIT_MS)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on(
                "console",
                lambda m: errors.append(f"console: {m.text}") if m.type == "error" else None,
            )
            page.goto(url + "/")
            page.fill("input[name=login]", shop.admin_login)
            page.fill("input[name=password]", shop.admin_password)
            page.click("button[type=submit]")
            page.wait_for_selector(f'#chat-list .chat[data-chat-id="{heavy.chat}"]')
            # The rows come with the page; clicks open chats once its scripts have run.
            page.wait_for_function("() => window.balcao?.conversation && window.balcao?.list")
            rows = page.eval_on_selector_all(
                "#chat-list .chat", "els => els.map(e => Number(e.dataset.chatId))"
            )
            if rows[0] != heavy.chat:
                errors.append(f"the heavy chat is row {rows.index(heavy.chat) + 1} of the list")
            other = next(r for r in rows if r != heavy.chat)
            other_newest, other_bubbles = first_page(client, headers, other)
            other_count = count_messages(data_dir, other)
            cases = [
                ("heavy", heavy.chat, heavy.messages, heavy.newest, min(PAGE, heavy.messages)),
                ("other", other, other_count, other_newest, other_bubbles),
            ]
            samples: dict[str, dict[str, list[float]]] = {
                key: {"layout": [], "frame": [], "fetched": [], "outer": []}
                for key in ("heavy", "other", "url")
            }
            shown: dict[str, int] = {}

            def keep(key: str, n: int, got: dict[str, Any], outer: float) -> None:
                shown[key] = int(got["bubbles"])
                if n < warmup:
                    return
                for what in ("layout", "frame", "fetched"):
                    samples[key][what].append(got[f"{what}_ms"])
                samples[key]["outer"].append(outer)
                if got["requests"] != 2 or got["cached"]:
                    errors.append(f"{key} open {n}: chat and messages not both fetched")

            for n in range(warmup + opens):
                for key, chat, _, newest, expected in cases:
                    started = time.perf_counter()
                    try:
                        got = page.evaluate(_OPEN_JS, [chat, newest, expected, BROWSER_WAIT_MS])
                    except Exception as exc:
                        raise RuntimeError(f"{key} open {n}: {exc}; page errors: {errors}") from exc
                    keep(key, n, got, (time.perf_counter() - started) * 1000)
                if progress and n >= warmup:
                    print(
                        f"  open {n - warmup + 1:>3}: "
                        f"heavy {samples['heavy']['layout'][-1]:6.1f} ms, "
                        f"other {samples['other']['layout'][-1]:6.1f} ms",
                        file=sys.stderr,
                        flush=True,
                    )
            # The same chat from its link: a fresh load of the inbox with ?chat=ID.
            linked = context.new_page()
            linked.set_default_timeout(BROWSER_WAIT_MS)
            linked.on("pageerror", lambda e: errors.append(str(e)))
            watch = json.dumps([heavy.chat, heavy.newest, min(PAGE, heavy.messages)])
            linked.add_init_script(_URL_WATCH_JS % watch)
            for n in range(warmup + opens):
                started = time.perf_counter()
                linked.goto(f"{url}/?chat={heavy.chat}", wait_until="commit")
                got = linked.evaluate("window.__benchOpen")
                keep("url", n, got, (time.perf_counter() - started) * 1000)
            if progress:
                print(
                    f"  url opens: p50 {_stats(samples['url']['layout'])[0]:6.1f} ms",
                    file=sys.stderr,
                    flush=True,
                )
            context.close()
        finally:
            browser.close()
    results = []
    labels = {
        "heavy": "heavy chat, click",
        "other": "next chat in the list, click",
        "url": "heavy chat, page load /?chat=ID",
    }
    cases.append(("url", heavy.chat, heavy.messages, heavy.newest, min(PAGE, heavy.messages)))
    for key, chat, count, _, _ in cases:
        s = samples[key]
        layout, frame, outer = _stats(s["layout"]), _stats(s["frame"]), _stats(s["outer"])
        fetched = _stats(s["fetched"])
        results.append(
            RenderResult(
                case=key,
                label=f"{labels[key]} ({count:,} msgs)",
                chat=chat,
                chat_messages=count,
                bubbles=shown.get(key, 0),
                runs=len(s["layout"]),
                layout_p50_ms=layout[0],
                layout_p95_ms=layout[1],
                frame_p50_ms=frame[0],
                frame_p95_ms=frame[1],
                fetched_p50_ms=fetched[0],
                fetched_p95_ms=fetched[1],
                outer_p50_ms=outer[0],
                outer_p95_ms=outer[1],
                max_ms=round(max(s["layout"], default=math.nan), 1),
            )
        )
    return results, errors


# -- the run ------------------------------------------------------------------------------------


def run(
    shop: Shop,
    data_dir: Path,
    heavy: Heavy,
    budget: common.Budget,
    opens: int,
    warmup_opens: int,
    progress: bool,
) -> tuple[list[ApiResult], list[RenderResult], list[str], dict[str, Any]]:
    conn = connect(data_dir / "balcao.db")
    try:
        typical = typical_chat(conn)
        size = data_size(conn)
    finally:
        conn.close()
    with (
        running_server(data_dir, log_level="WARNING") as server,
        httpx.Client(base_url=server.url, timeout=60) as client,
    ):
        token = bearer_token(client, shop.admin_login, shop.admin_password)
        headers = {"Authorization": f"Bearer {token}"}
        # The floor under every case: the same server, no messages.
        floor = {}
        for what, path in (("healthz", "/healthz"), ("me", "/api/v1/me")):
            times = sorted(common.time_request(client, headers, [], budget, path)[0])
            floor[what] = {
                "p50_ms": round(common.percentile(times, 0.50), 2),
                "p95_ms": round(common.percentile(times, 0.95), 2),
            }
        api = measure_api(client, headers, heavy, typical, budget, progress)
        render: list[RenderResult] = []
        page_errors: list[str] = []
        if opens:
            render, page_errors = measure_render(
                server.url, client, headers, shop, data_dir, heavy, opens, warmup_opens, progress
            )
    return api, render, page_errors, {**size, "typical_chat": asdict(typical), "floor": floor}


def report(
    shop: Shop,
    data_dir: Path,
    heavy: Heavy,
    api: list[ApiResult],
    render: list[RenderResult],
    page_errors: list[str],
    extra: dict[str, Any],
    budget: common.Budget,
    load_before: list[float],
) -> dict[str, Any]:
    heavy_api = [r for r in api if r.case != "typical"]
    heavy_render = next((r for r in render if r.case == "heavy"), None)
    return {
        "benchmark": "conversation",
        "data": {
            "chats": extra["chats"],
            "messages": extra["messages"],
            "db_bytes": (data_dir / "balcao.db").stat().st_size,
            "heavy_chat": asdict(heavy),
            "typical_chat": extra["typical_chat"],
            "shop": {"chats": shop.chats, "messages": shop.messages, "seed": shop.seed},
            "build_seconds": shop.build_seconds,
            "reused": shop.reused,
            "path": str(data_dir / "balcao.db"),
        },
        "machine": {**common.machine(), "load_average_before": load_before},
        "budget": asdict(budget),
        "page_size": PAGE,
        "floor": extra["floor"],
        "render": {
            "opened_by": "a click on the chat's row in the chat list (HTMLElement.click())",
            "measured": "performance.now() in the page, from just before the click to the "
            "first page of bubbles in #messages (count and newest id) with layout forced; "
            "fetched = the chat's GETs answered (resource timing); frame = the next "
            "requestAnimationFrame; outer = Playwright's evaluate round trip",
            "url": "the inbox loaded afresh at /?chat=ID (server-rendered list, the app's "
            "modules, then the chat), timed in the page from the navigation's start",
            "viewport": VIEWPORT,
        },
        "target_api_p95_ms": TARGET_API_P95_MS,
        "target_render_p95_ms": TARGET_RENDER_P95_MS,
        "worst_api_p95_ms": max((r.p95_ms for r in heavy_api), default=math.nan),
        "render_p95_ms": heavy_render.layout_p95_ms if heavy_render else math.nan,
        "over_target": sorted(
            [f"api/{r.case}" for r in heavy_api if r.p95_ms > TARGET_API_P95_MS]
            + [
                f"render/{r.case}"
                for r in render
                if r.case == "heavy" and r.layout_p95_ms > TARGET_RENDER_P95_MS
            ]
        ),
        "errors": [f"api/{r.case}: {e}" for r in api for e in r.errors]
        + [f"render/{r.case}: {e}" for r in render for e in r.errors]
        + [f"page: {e}" for e in page_errors],
        "api": [asdict(r) for r in api],
        "render_results": [asdict(r) for r in render],
    }


def print_table(out: dict[str, Any]) -> None:
    d = out["data"]
    h = d["heavy_chat"]
    print(
        f"conversation: {d['chats']:,} chats, {d['messages']:,} messages, "
        f"DB {d['db_bytes'] / 1e6:.0f} MB (shop {common.built_note(d)}); "
        f"heavy chat #{h['chat']} of "
        f"{h['messages']:,} messages, typical chat #{d['typical_chat']['chat']} of "
        f"{d['typical_chat']['messages']}"
    )
    print(common.machine_line(out["machine"]) + "\n")
    print(
        f"GET /api/v1/chats/{{id}}/messages, limit {out['page_size']}, admin bearer token; "
        f"ms at the client over loopback (target p95 < {out['target_api_p95_ms']:.0f} ms)"
    )
    f = out["floor"]
    print(
        f"floor on the same server: /healthz p50 {f['healthz']['p50_ms']:.2f} / p95 "
        f"{f['healthz']['p95_ms']:.2f} ms, /api/v1/me p50 {f['me']['p50_ms']:.2f} / p95 "
        f"{f['me']['p95_ms']:.2f} ms"
    )
    header = f"{'case':<8} {'page':<46} {'rows':>4} {'runs':>5} {'p50':>7} {'p95':>7} {'max':>7}"
    print(header)
    print("-" * len(header))
    for r in out["api"]:
        flag = " !" if r["case"] != "typical" and r["p95_ms"] > out["target_api_p95_ms"] else ""
        err = f"  ERR {r['errors']}" if r["errors"] else ""
        print(
            f"{r['case']:<8} {r['label'][:46]:<46} {r['rows']:>4} {r['runs']:>5} "
            f"{r['p50_ms']:>7.2f} {r['p95_ms']:>7.2f} {r['max_ms']:>7.2f}{flag}{err}"
        )
    if out["render_results"]:
        how = out["render"]
        print(
            f"\nbrowser: headless Chromium {how['viewport']['width']}x"
            f"{how['viewport']['height']}, logged in through the login form; opened by "
            f"{how['opened_by']}; in-page ms from the click to the bubbles in the DOM and "
            f"laid out (target p95 < {out['target_render_p95_ms']:.0f} ms); fetch = until "
            "both GETs (chat, messages) had answered; frame = to the next animation frame; "
            "outer = the same from Python (Playwright round trip); the url row loads the "
            "inbox at /?chat=ID and counts from the navigation's start"
        )
        header = (
            f"{'case':<6} {'chat':<46} {'bubbles':>7} {'runs':>4} {'p50':>7} {'p95':>7} "
            f"{'fetch50':>7} {'fetch95':>7} {'frame50':>7} {'frame95':>7} "
            f"{'outer50':>7} {'outer95':>7}"
        )
        print(header)
        print("-" * len(header))
        for r in out["render_results"]:
            flag = (
                " !" if r["case"] == "heavy" and r["layout_p95_ms"] > TARGET_RENDER_P95_MS else ""
            )
            print(
                f"{r['case']:<6} {r['label'][:46]:<46} {r['bubbles']:>7} {r['runs']:>4} "
                f"{r['layout_p50_ms']:>7.1f} {r['layout_p95_ms']:>7.1f} "
                f"{r['fetched_p50_ms']:>7.1f} {r['fetched_p95_ms']:>7.1f} "
                f"{r['frame_p50_ms']:>7.1f} {r['frame_p95_ms']:>7.1f} "
                f"{r['outer_p50_ms']:>7.1f} {r['outer_p95_ms']:>7.1f}{flag}"
            )
    print(
        f"\nworst API p95 {out['worst_api_p95_ms']:.2f} ms (target "
        f"{out['target_api_p95_ms']:.0f} ms); render p95 {out['render_p95_ms']:.1f} ms "
        f"(target {out['target_render_p95_ms']:.0f} ms); over target: "
        f"{', '.join(out['over_target']) or 'none'}"
    )
    if out["errors"]:
        print("errors: " + "; ".join(out["errors"]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench conversation", description=__doc__)
    common.add_shop_arguments(parser, "opens")
    parser.add_argument("--heavy", type=int, default=HEAVY_MESSAGES, help="the heavy chat's size")
    parser.add_argument("--deep-pages", type=int, default=DEEP_PAGES)
    parser.add_argument("--opens", type=int, help=f"timed opens in the browser ({OPENS})")
    parser.add_argument("--warmup-opens", type=int, default=3)
    parser.add_argument("--table", type=Path, help="print the table of a saved --json output")
    args = parser.parse_args(argv)
    if args.table:
        print_table(json.loads(args.table.read_text()))
        return 0

    chats, messages = common.shop_size(args)
    base = common.Budget(warmup=10, min_runs=100, max_runs=300, seconds=1.0)
    budget = common.budget_from(args, base, args.deep_pages)
    opens = OPENS if args.opens is None else args.opens
    if args.quick and args.opens is None:
        opens = 20
    load_before = common.load_average()
    shop = build_or_reuse(
        chats=chats, messages=messages, seed=args.seed, root=args.data_root, log=not args.json
    )
    data_dir, heavy = prepare_copy(shop, args.data_root, args.heavy)
    api, render, page_errors, extra = run(
        shop, data_dir, heavy, budget, opens, args.warmup_opens, progress=not args.json
    )
    out = report(shop, data_dir, heavy, api, render, page_errors, extra, budget, load_before)
    return common.emit(out, args.json, print_table)


if __name__ == "__main__":
    raise SystemExit(main())
