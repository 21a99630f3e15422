"""Which language an answer speaks: the ``language`` setting when the shop fixed one, else
the browser's Accept-Language, else pt-BR; API errors keep their code in every language."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from appliance.core.db import Database
from appliance.core.i18n import (
    choose_language,
    format_datetime,
    format_decimal,
    format_money,
    negotiate,
    use_language,
)
from appliance.core.settings import Settings, SettingsError, load_settings
from appliance.http.app import create_app
from tests.factories import make_user

MISSING_CHAT = "/api/v1/chats/987654321"


@pytest.mark.parametrize(
    ("header", "wanted"),
    [
        ("en-US,en;q=0.9", "en"),
        ("pt-BR,pt;q=0.9,en;q=0.8", "pt-BR"),
        ("fr-FR, en;q=0.5", "en"),
        ("fr-FR, pt;q=0.4, en;q=0.3", "pt-BR"),
        ("en;q=0, pt", "pt-BR"),
        ("fr", None),
        ("", None),
        ("en;q=1.2.3", None),
        ("x" * 10_000, None),
        (",".join(["fr"] * 50) + ",en", None),
    ],
)
def test_the_browser_language_is_its_best_supported_choice(header: str, wanted: str) -> None:
    assert negotiate(header) == wanted


def test_the_shop_setting_wins_over_the_browser() -> None:
    assert choose_language("en", "pt-BR") == "en"
    assert choose_language("pt-BR", "en-US") == "pt-BR"
    assert choose_language("", "en-US") == "en"
    assert choose_language("", None) == "pt-BR"


def test_the_language_setting_takes_pt_br_or_english(tmp_path: Path) -> None:
    none = tmp_path / "none.toml"
    assert load_settings({"BALCAO_LANGUAGE": "en-US"}, none).language == "en"
    assert load_settings({"BALCAO_LANGUAGE": "pt_BR"}, none).language == "pt-BR"
    assert load_settings({}, none).language == ""
    with pytest.raises(SettingsError, match="pt-BR or en"):
        load_settings({"BALCAO_LANGUAGE": "fr"}, none)


def test_dates_numbers_and_money_follow_the_language() -> None:
    moment = datetime(2026, 12, 4, 15, 30, tzinfo=UTC)
    assert format_money(Decimal("1234.5")) == "R$\xa01.234,50"
    assert format_decimal(1234.5) == "1.234,5"
    assert format_datetime(moment, "short", "America/Sao_Paulo") == "04/12/2026 12:30"
    with use_language("en"):
        assert format_money(Decimal("1234.5")) == "R$1,234.50"
        assert format_decimal(1234.5) == "1,234.5"
        assert format_datetime(moment, "short", "America/Sao_Paulo").startswith("12/4/26")


async def test_api_errors_speak_the_request_language(client: AsyncTestClient, db: Database) -> None:
    make_user(db, "ana", is_admin=True)
    r = await client.post("/api/v1/auth/token", json={"login": "ana", "password": "ana"})
    token = {"Authorization": f"Bearer {r.json()['access_token']}"}

    r = await client.get(MISSING_CHAT, headers=token)
    assert (r.status_code, r.json()["message"]) == (404, "Chat não encontrado.")
    r = await client.get(MISSING_CHAT, headers={**token, "Accept-Language": "en-US,en;q=0.9"})
    assert r.status_code == 404
    assert r.json() == {"code": "chat.not_found", "message": "Chat not found."}

    # Validation, raised before the handler, and a login required, raised by middleware.
    english = {"Accept-Language": "en"}
    r = await client.get("/api/v1/chats", params={"limit": "x"}, headers={**token, **english})
    assert r.status_code == 400
    assert r.json()["message"].startswith("Invalid data: limit: expected an integer")
    r = await client.get("/api/v1/chats", headers=english)
    assert r.json() == {"code": "auth.required", "message": "Sign in to continue."}
    # Raised in a database thread: the language follows the request there.
    r = await client.post(
        "/api/v1/tags", json={"name": " ", "color": "#ffffff"}, headers={**token, **english}
    )
    assert r.json() == {"code": "tag.name_empty", "message": "Give the name of the tag."}


async def test_a_shop_set_to_english_answers_in_english(settings: Settings) -> None:
    app = create_app(replace(settings, language="en"))
    async with AsyncTestClient(app=app) as client:
        r = await client.get("/api/v1/chats", headers={"Accept-Language": "pt-BR"})
        assert r.json()["message"] == "Sign in to continue."
        page = await client.get("/login", headers={"Accept-Language": "pt-BR"})
        assert '<html lang="en">' in page.text
        assert "Sign in with your shop user." in page.text
