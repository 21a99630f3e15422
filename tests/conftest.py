"""Fixtures: a migrated SQLite file per test (copied from a template), the real app, clients."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

import appliance  # noqa: F401  (sqlite3 -> sqlean before anything else)
from appliance.core.db import Database, migrate
from appliance.core.settings import Settings
from appliance.http.app import create_app
from tests.factories import make_chat, make_device, make_user
from tests.harness import Box, seeded_box

REPO = Path(__file__).resolve().parent.parent
OUTPUT = REPO / "test-output"


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "balcao.db"
    migrate(path)
    return path


@pytest.fixture
def settings(tmp_path: Path, template_db: Path) -> Settings:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copyfile(template_db, data / "balcao.db")
    return Settings(
        data_dir=data,
        jobs_immediate=True,
        login_max_failures=5,
        # The test client calls itself "testserver.local".
        allowed_hosts=("testserver.local",),
    )


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = Database(settings.db_path, readers=2)
    yield database
    database.close()


@pytest.fixture
def app(settings: Settings) -> Litestar:
    return create_app(settings)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=app) as c:
        yield c


async def bearer(
    client: AsyncTestClient[Litestar], login: str, password: str | None = None
) -> dict[str, str]:
    r = await client.post(
        "/api/v1/auth/token", json={"login": login, "password": password or login}
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def admin_and_chats(
    client: AsyncTestClient[Litestar], db: Database, *names: str
) -> tuple[dict[str, str], list[int]]:
    """The admin's bearer headers, and chats named ``names`` on a new device."""
    make_user(db, "admin", is_admin=True)
    device, _ = make_device(db)
    chats = [make_chat(db, device, name=name) for name in names]
    return await bearer(client, "admin"), chats


@pytest.fixture
def output_dir() -> Path:
    OUTPUT.mkdir(exist_ok=True)
    return OUTPUT


@pytest.fixture
def box(tmp_path: Path, template_db: Path) -> Iterator[Box]:
    """A whole box in processes: web, bridge and simulated phone (see tests/harness.py)."""
    b = seeded_box(tmp_path, template_db)
    try:
        yield b
    finally:
        b.stop_all()
