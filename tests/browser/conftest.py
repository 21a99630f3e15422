"""Browser fixtures: headless Debian Chromium through Playwright, a real ``balcao serve`` on a
copy of the migrated template database, and sessions for the shop's staff."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect, sync_playwright

from appliance.areas.accounts.service import create_session
from appliance.core.clock import now_ms
from appliance.core.db import Database
from tests.factories import (
    assign,
    make_chat,
    make_device,
    make_message,
    make_tag,
    tag_chat,
)
from tests.harness import Box, Server, make_people, running_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
KIOSK = {"width": 1280, "height": 800}
# Playwright waits this long (ms) for what a user would see.
WAIT_MS = 10_000
# Counts the alert sounds a page plays (an init script).
BEEP_SPY = """
window.beeps = 0;
window.AudioContext = class {
  constructor() { this.currentTime = 0; this.destination = {}; }
  createOscillator() {
    return { frequency: { setValueAtTime() {} }, connect: (g) => g,
             start() { window.beeps += 1; }, stop() {} };
  }
  createGain() {
    return { gain: { setValueAtTime() {}, exponentialRampToValueAtTime() {} }, connect: (d) => d };
  }
};
"""


T = TypeVar("T")


@contextlib.contextmanager
def shop_db(data_dir: Path) -> Iterator[Database]:
    """The database of the shop in ``data_dir``, open for what a test reads or writes itself
    while the server runs, and closed after."""
    db = Database(data_dir / "balcao.db", readers=1)
    try:
        yield db
    finally:
        db.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium per module: Playwright's sync API keeps an event loop running on this
    thread while it is open, which asyncio.run() in later tests must not find."""
    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=shutil.which("chromium") or CHROMIUM, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


def fresh_data_dir(root: Path, template_db: Path) -> Path:
    data = root / "data"
    data.mkdir()
    shutil.copyfile(template_db, data / "balcao.db")
    return data


@dataclass
class Staff:
    """Browser sessions of the shop's users against one server; pages watched for dialogs."""

    url: str
    data_dir: Path
    browser: Browser
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # The browser's language, sent as Accept-Language.
    locale: str = "pt-BR"
    _contexts: list[BrowserContext] = field(default_factory=list)

    def page(
        self,
        user_id: int,
        viewport: dict[str, int] | None = None,
        path: str = "/",
        init_script: str | None = None,
    ) -> Page:
        """A logged-in tab for ``user_id`` (a session made as the login form makes it);
        ``init_script`` runs in the page before the app's scripts."""
        with shop_db(self.data_dir) as db:
            token, _ = db.write_sync(create_session, user_id)
        context = self.browser.new_context(viewport=viewport or KIOSK, locale=self.locale)
        context.add_cookies([{"name": "balcao_session", "value": token, "url": self.url}])
        self._contexts.append(context)
        page = context.new_page()
        self.watch(page)
        if init_script:
            page.add_init_script(init_script)
        page.goto(self.url + path)
        return page

    def anonymous(self, viewport: dict[str, int] | None = None) -> Page:
        context = self.browser.new_context(viewport=viewport or KIOSK, locale=self.locale)
        self._contexts.append(context)
        page = context.new_page()
        self.watch(page)
        return page

    def watch(self, page: Page) -> None:
        page.set_default_timeout(WAIT_MS)
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def close(self) -> None:
        for context in self._contexts:
            context.close()


@dataclass
class Shop:
    """Ids of what the test shop holds (see ``shop``)."""

    admin: int = 0
    ana: int = 0
    bruno: int = 0
    vendas: int = 0
    suporte: int = 0
    device: int = 0
    tags: dict[str, int] = field(default_factory=dict)
    chats: dict[str, int] = field(default_factory=dict)
    messages: dict[str, int] = field(default_factory=dict)


MINUTE = 60_000
HOUR = 60 * MINUTE
DAY = 24 * HOUR


def _message(db: Database, chat: int, body: str, at: int, **kw: Any) -> int:
    """A message the box registered 1.5 s after it was sent (``late`` rows say otherwise)."""
    late = kw.pop("late", False)
    author = kw.pop("author", None)
    message = make_message(db, chat, body=body, sent_at=at, **kw)
    registered = at + (20 * MINUTE if late else 1500)
    db.write_sync(
        lambda c: c.execute(
            "UPDATE message SET registered_at = ?, author_user = ? WHERE id = ?",
            (registered, author, message),
        )
    )
    return message


def seed_shop(db: Database, archived: int | None = None) -> Shop:
    """Three users in two departments, five chats with tags, a conversation over three days
    with media, and a long chat whose oldest message mentions a "parafuso dourado";
    ``archived`` archived chats (ARCHIVED unless told)."""
    s = Shop()
    people = make_people(db, ana=("see_numbers",), names=NAMES)
    s.admin, s.ana, s.bruno = people.admin, people.ana, people.bruno
    s.vendas, s.suporte = people.vendas, people.suporte
    s.device, _ = make_device(db)
    s.tags = {name: make_tag(db, name, color) for name, color in TAGS}
    now = now_ms()
    for n, (key, name, tags, dept) in enumerate(CHATS):
        chat = make_chat(
            db,
            s.device,
            name=name,
            phone=f"+5511987650{n:03d}",
            last_message_at=now - n * HOUR,
            unread=2 if n == 1 else 0,
            preview=f"Última mensagem de {name.split()[0]}",
            registered_at=now - 30 * DAY,
        )
        s.chats[key] = chat
        if tags:
            tag_chat(db, chat, *(s.tags[t] for t in tags))
        if dept:
            assign(db, chat, department=s.vendas if dept == "Vendas" else s.suporte)
    for n in range(ARCHIVED if archived is None else archived):
        make_chat(
            db, s.device, name=f"Arquivado {n:02d}", archived=True, last_message_at=now - n * DAY
        )
    s.chats["broadcast"] = make_chat(db, s.device, name="Lista Promoções", is_broadcast=True)
    clara = s.chats["clara"]
    three_days = now - 3 * DAY
    s.messages["hello"] = _message(db, clara, "Oi, vocês vendem capinha?", three_days)
    _message(
        db,
        clara,
        "Vendemos sim! Qual o modelo?",
        three_days + 5 * MINUTE,
        direction="out",
        author_kind="user",
        author=s.ana,
    )
    _message(
        db,
        clara,
        "",
        now - DAY,
        kind="image",
        media={"mimetype": "image/jpeg", "size": 715_000, "caption": ""},
    )
    _message(
        db,
        clara,
        "Segue o catálogo",
        now - DAY + MINUTE,
        direction="out",
        author_kind="phone",
        kind="document",
        media={"mimetype": "application/pdf", "filename": "Catálogo.pdf", "size": 2_400_000},
    )
    _message(
        db,
        clara,
        "",
        now - DAY + 2 * MINUTE,
        kind="voice",
        media={"mimetype": "audio/ogg", "seconds": 12, "size": 20_000},
        late=True,
    )
    _message(
        db,
        clara,
        "",
        now - DAY + 3 * MINUTE,
        kind="location",
        media={"mimetype": "", "extra": {"lat": -22.9, "lng": -43.1, "name": "Loja Icaraí"}},
    )
    _message(
        db,
        clara,
        "Olá! Nosso horário é das 9h às 19h.",
        now - 3 * MINUTE,
        direction="out",
        author_kind="chatbot",
    )
    s.messages["last"] = _message(db, clara, "Obrigada, até amanhã!", now - 2 * MINUTE)
    long_chat = s.chats["bruno"]
    s.messages["parafuso"] = _message(
        db, long_chat, "Vocês têm o parafuso dourado da capinha?", now - 2 * DAY
    )
    for i in range(80):
        _message(db, long_chat, f"Mensagem de teste {i}", now - 2 * DAY + (i + 1) * MINUTE)
    return s


NAMES = {"admin": "Carla Gerente", "ana": "Ana Souza", "bruno": "Bruno Lima"}
# The chat with the conversation over three days, first in the list.
CLARA = "Ana Clara Conceição"
# More archived chats than one page of the list holds.
ARCHIVED = 60
TAGS = (("Cliente VIP", "#f5a623"), ("Atacado", "#795548"), ("Entrega", "#00897b"))
# key, name, tags, department; listed newest first.
CHATS = (
    ("clara", CLARA, ("Cliente VIP", "Atacado"), "Vendas"),
    ("bruno", "Bruno Peçanha", ("Cliente VIP",), "Vendas"),
    ("carlos", "Carlos Atacadista", ("Atacado",), "Suporte"),
    ("debora", "Débora Lima", (), None),
    ("elisa", "Elisa Souza", ("Entrega",), None),
)


@dataclass
class RunningShop:
    server: Server
    shop: Shop
    data_dir: Path

    def write(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(conn, *args)`` in a write transaction on the shop's database."""
        with shop_db(self.data_dir) as db:
            return db.write_sync(fn, *args)

    def read(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(conn, *args)`` on a reader of the shop's database."""
        with shop_db(self.data_dir) as db:
            return db.read_sync(fn, *args)


@contextlib.contextmanager
def running_shop(
    root: Path, template_db: Path, archived: int | None = None, **env: str
) -> Iterator[RunningShop]:
    data = fresh_data_dir(root, template_db)
    with shop_db(data) as db:
        shop = seed_shop(db, archived)
    with running_server(data, **env) as server:
        yield RunningShop(server, shop, data)


@pytest.fixture(scope="module")
def shared_shop(
    tmp_path_factory: pytest.TempPathFactory, template_db: Path
) -> Iterator[RunningShop]:
    """One server for the tests that only read: they share the seeded shop."""
    with running_shop(tmp_path_factory.mktemp("shop"), template_db) as running:
        yield running


@pytest.fixture
def own_shop(tmp_path: Path, template_db: Path) -> Iterator[RunningShop]:
    """A server of its own, for a test that changes the shop."""
    with running_shop(tmp_path, template_db) as running:
        yield running


@pytest.fixture
def lean_shop(tmp_path: Path, template_db: Path) -> Iterator[RunningShop]:
    """A server of its own without the archived chats: for a test that changes the shop
    and does not page through the archive."""
    with running_shop(tmp_path, template_db, archived=0) as running:
        yield running


@pytest.fixture
def shop(request: pytest.FixtureRequest) -> Shop:
    """The ids of what the test's server holds: the server of its own when it has one
    (``lean_shop``, ``own_shop``, through the staff fixture or itself), else the shared one."""
    for name in ("lean_shop", "own_shop"):
        if name in request.fixturenames:
            running: RunningShop = request.getfixturevalue(name)
            return running.shop
    shared: RunningShop = request.getfixturevalue("shared_shop")
    return shared.shop


@pytest.fixture
def staff(shared_shop: RunningShop, browser: Browser) -> Iterator[Staff]:
    yield from staff_for(shared_shop.server.url, shared_shop.data_dir, browser)


@pytest.fixture
def own_staff(own_shop: RunningShop, browser: Browser) -> Iterator[Staff]:
    yield from staff_for(own_shop.server.url, own_shop.data_dir, browser)


@pytest.fixture
def lean_staff(lean_shop: RunningShop, browser: Browser) -> Iterator[Staff]:
    yield from staff_for(lean_shop.server.url, lean_shop.data_dir, browser)


@pytest.fixture
def box_staff(box: Box, browser: Browser) -> Iterator[Staff]:
    """Sessions against the web of a whole box (see tests/harness.py), started here."""
    box.start_web()
    yield from staff_for(box.url, box.data, browser)


def staff_for(url: str, data_dir: Path, browser: Browser) -> Iterator[Staff]:
    staff = Staff(url, data_dir, browser)
    try:
        yield staff
        assert staff.errors == [], f"JavaScript errors: {staff.errors}"
    finally:
        staff.close()


def chat_names(page: Page) -> list[str]:
    return page.locator("#chat-list .chat .name").all_inner_texts()


def snap(page: Page, output_dir: Path, name: str) -> None:
    page.screenshot(path=str(output_dir / name))


def row(page: Page, name: str) -> Locator:
    """The chat list's row of the chat named ``name``."""
    return page.locator("#chat-list .chat", has=page.locator(".name", has_text=name))


def watching(staff: Staff, user_id: int, chat: str) -> Page:
    """A tab of ``user_id`` once its list shows ``chat``: loaded, so the live changes that
    follow reach it."""
    page = staff.page(user_id)
    expect(row(page, chat)).to_be_visible()
    return page


def open_chat(page: Page, name: str) -> None:
    """Click the chat's row and wait for its conversation."""
    page.locator("#chat-list .chat", has_text=name).click()
    expect(page.locator("#conv-name")).to_have_text(name)
