"""The API explorer at /schema: Swagger UI with no inline script, under the pages' policy."""

from __future__ import annotations

from typing import Any

from litestar import Request, Router
from litestar.openapi.plugins import SwaggerRenderPlugin

VENDOR = "/static/vendor/swagger-ui"


class SwaggerPage(SwaggerRenderPlugin):
    """Swagger UI whose start-up lives in /static/js/schema.js; the document rides in a
    JSON data block, which a Content-Security-Policy without inline script allows."""

    def __init__(self) -> None:
        super().__init__(
            js_url=f"{VENDOR}/swagger-ui-bundle.js",
            css_url=f"{VENDOR}/swagger-ui.css",
            standalone_preset_js_url=f"{VENDOR}/swagger-ui-standalone-preset.js",
            favicon=f'<link rel="icon" type="image/png" href="{VENDOR}/favicon-32x32.png">',
        )

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        # "<" only occurs inside JSON strings, where \u003c reads the same: no text in the
        # document can close the data block.
        spec = self.render_json(request, openapi_schema).replace(b"<", b"\\u003c")
        head = (
            "<head>"
            f"<title>{openapi_schema['info']['title']}</title>{self.favicon}"
            '<meta charset="utf-8"><meta name="viewport" content="width=device-width, '
            'initial-scale=1">'
            f'<link href="{self.css_url}" rel="stylesheet">'
            '<link href="/static/css/schema.css" rel="stylesheet">'
            f'<script src="{self.js_url}"></script>'
            f'<script src="{self.standalone_preset_js_url}"></script>'
            '<script src="/static/js/schema.js" defer></script>'
            "</head>"
        )
        body = (
            b"<body><div id='swagger-container'></div>"
            b'<script id="openapi" type="application/json">' + spec + b"</script></body>"
        )
        return b"<!DOCTYPE html><html>" + head.encode() + body + b"</html>"

    def receive_router(self, router: Router) -> None:
        """No OAuth2 redirect page: the API's only scheme is a bearer token."""
