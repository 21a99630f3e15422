"""create_app(settings): the one place that wires routes, dependencies and handlers."""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import Any

from litestar import Litestar, Request, Response, Router
from litestar.config.compression import CompressionConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from appliance.areas.accounts import service as accounts
from appliance.areas.accounts.routes import AuthController, LoginController, UsersController
from appliance.areas.assignments.routes import ASSIGNMENT_HANDLERS
from appliance.areas.attendance.routes import ATTENDANCE_CONTROLLERS
from appliance.areas.attendance.service import ensure_default_statuses
from appliance.areas.bridge_api.routes import BridgeController
from appliance.areas.bridge_api.service import LinkSignals
from appliance.areas.chats.action_routes import CHAT_ACTION_HANDLERS
from appliance.areas.chats.routes import ChatsController
from appliance.areas.devices.routes import DevicesController, healthz
from appliance.areas.fields.routes import FieldsController
from appliance.areas.funnels.routes import ChatFunnelsController, FunnelsController
from appliance.areas.messages.routes import MessageActionsController, send_message
from appliance.areas.modules.routes import ModulesController
from appliance.areas.search.routes import SearchController
from appliance.areas.tags.routes import TagsController
from appliance.core.db import Database, prepare_database
from appliance.core.errors import EXCEPTION_HANDLERS, document_error_responses, handle_http_error
from appliance.core.i18n import browser_catalog, current_language, gettext, ngettext
from appliance.core.limits import BODY_BYTES
from appliance.core.settings import Settings
from appliance.http.auth import PUBLIC_PATHS, AuthMiddleware
from appliance.http.context import provide_context
from appliance.http.deps import provide_runtime
from appliance.http.guard import BrowserGuard
from appliance.http.language import LanguageMiddleware
from appliance.http.live import LiveHub, live_socket
from appliance.http.pages import PagesController
from appliance.http.runtime import Runtime
from appliance.http.schema_page import SwaggerPage
from appliance.jobs import build_jobs
from wire.contract import MAX_FRAME_BYTES

log = logging.getLogger(__name__)

WEB_DIR = Path(__file__).resolve().parents[2] / "web"
# A frame of the bridge link, and one byte to tell "too large" from "exactly the limit".
FRAME_LIMIT = MAX_FRAME_BYTES + 1


def _unauthorized(request: Request[Any, Any, Any], exc: NotAuthorizedException) -> Response[Any]:
    """Browsers asking for a page go to the login form; API callers get JSON 401."""
    path = request.url.path
    wants_html = "text/html" in request.headers.get("accept", "")
    if wants_html and not path.startswith("/api/"):
        return Redirect("/login", status_code=303)
    return handle_http_error(request, exc)


def install_translations(engine: JinjaTemplateEngine) -> None:
    """Templates read ``_("…")`` from the same catalogs, in the request's language; the
    pages with scripts also embed the browser's catalog (empty for pt-BR, the source)."""
    engine.engine.globals.update(
        _=gettext,
        gettext=gettext,
        ngettext=ngettext,
        current_language=current_language,
        browser_catalog=lambda: browser_catalog(current_language()),
    )


def create_app(settings: Settings) -> Litestar:
    prepare_database(settings.db_path)
    db = Database(settings.db_path, readers=settings.db_readers)
    db.write_sync(accounts.ensure_account, time_zone=settings.time_zone)
    db.write_sync(ensure_default_statuses)
    runtime = Runtime(settings=settings, db=db)
    live = LiveHub(db, runtime)

    openapi = OpenAPIConfig(
        title="Balcão API",
        version="1",
        description="Caixa de entrada compartilhada do WhatsApp da loja.",
        path="/schema",
        render_plugins=[SwaggerPage()],
        components=Components(
            security_schemes={
                "BearerToken": SecurityScheme(type="http", scheme="bearer"),
            }
        ),
        security=[{"BearerToken": []}],
    )

    app = Litestar(
        route_handlers=[
            LoginController,
            AuthController,
            UsersController,
            *ASSIGNMENT_HANDLERS,
            ChatsController,
            *CHAT_ACTION_HANDLERS,
            TagsController,
            FieldsController,
            *ATTENDANCE_CONTROLLERS,
            DevicesController,
            MessageActionsController,
            SearchController,
            FunnelsController,
            ChatFunnelsController,
            ModulesController,
            send_message,
            # The link's frames carry up to MAX_FRAME_BYTES (history sync in batches).
            Router("/", route_handlers=[BridgeController], request_max_body_size=FRAME_LIMIT),
            live_socket,
            PagesController,
            healthz,
            create_static_files_router(
                path="/static", directories=[WEB_DIR / "static"], include_in_schema=False
            ),
        ],
        dependencies={
            "runtime": Provide(provide_runtime, sync_to_thread=False),
            "ctx": Provide(provide_context, sync_to_thread=False),
        },
        middleware=[
            DefineMiddleware(LanguageMiddleware, settings=settings),
            DefineMiddleware(BrowserGuard, settings=settings),
            DefineMiddleware(AuthMiddleware, exclude=PUBLIC_PATHS),
        ],
        exception_handlers={
            **EXCEPTION_HANDLERS,  # type: ignore[dict-item]
            NotAuthorizedException: _unauthorized,
        },
        template_config=TemplateConfig(
            directory=WEB_DIR / "templates",
            engine=JinjaTemplateEngine,
            engine_callback=install_translations,
        ),
        openapi_config=openapi,
        # Level 1 takes a page of 50 chats (34 kB) to 5.6 kB in 0.2 ms; level 5 gains
        # 0.7 kB for twice the time, which a LAN does not repay.
        # Media files are compressed already, and ranges must address their real bytes.
        compression_config=CompressionConfig(
            backend="gzip",
            minimum_size=2048,
            gzip_compress_level=1,
            exclude=[r"^/api/v1/chats/\d+/media/"],
        ),
        on_startup=[runtime.start],
        on_shutdown=[live.close, runtime.stop],
        state=State(
            {
                "runtime": runtime,
                "live": live,
                "link": LinkSignals(),
                # The job queue is built on first use: most requests never enqueue.
                "build_jobs": functools.partial(build_jobs, settings),
            }
        ),
        # Any body but the bridge's frames and files (limits.BODY_BYTES says why so much).
        request_max_body_size=BODY_BYTES,
        debug=False,
    )
    document_error_responses(app)
    return app
