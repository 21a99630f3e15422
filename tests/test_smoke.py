from litestar import Litestar
from litestar.testing import AsyncTestClient

from appliance.core.db import Database
from tests.conftest import bearer
from tests.factories import make_chat, make_device, make_user


async def test_admin_lists_chats_through_the_api(
    client: AsyncTestClient[Litestar], db: Database
) -> None:
    make_user(db, "admin", is_admin=True)
    device, _ = make_device(db)
    first = make_chat(db, device, name="Maria", last_message_at=1000)
    second = make_chat(db, device, name="João", last_message_at=2000)
    headers = await bearer(client, "admin")
    r = await client.get("/api/v1/chats", headers=headers)
    assert r.status_code == 200
    assert [c["id"] for c in r.json()["items"]] == [second, first]
