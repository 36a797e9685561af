"""/api/docs without the internet: Swagger UI from the copy inside the django-ninja package.

ninja's own page takes Swagger UI from a CDN unless "ninja" is an installed app, and a desk may run
where no CDN is reachable (and should not tell a CDN who reads its API docs). The files ship in
ninja's wheel, so they are served from there, by name from a short allowlist.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import ninja
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET
from ninja.openapi.docs import DocsBase

from dapjang.api.errors import NOT_FOUND, json_error

if TYPE_CHECKING:
    from ninja import NinjaAPI

ASSET_DIR = Path(ninja.__file__).resolve().parent / "static" / "ninja"
ASSETS: dict[str, str] = {
    "swagger-ui.css": "text/css; charset=utf-8",
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui-init.js": "text/javascript; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}
# Swagger UI needs inline styles and data: images; scripts and requests stay on our origin.
DOCS_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


class OfflineSwagger(DocsBase):
    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        assets = {
            key: reverse("api-docs-asset", kwargs={"name": name})
            for key, name in (
                ("css", "swagger-ui.css"),
                ("bundle", "swagger-ui-bundle.js"),
                ("init", "swagger-ui-init.js"),
                ("icon", "favicon.svg"),
            )
        }
        settings = {"url": self.get_openapi_url(api, kwargs), "layout": "BaseLayout", "deepLinking": True}
        response = render(
            request, "api/docs.html", {"title": api.title, "assets": assets, "swagger_settings": settings}
        )
        response["Content-Security-Policy"] = DOCS_CSP
        return response


@require_GET
def docs_asset(request: HttpRequest, name: str) -> HttpResponseBase:
    content_type = ASSETS.get(name)
    if content_type is None:
        return json_error(404, NOT_FOUND)
    response = FileResponse((ASSET_DIR / name).open("rb"), content_type=content_type)
    response["Cache-Control"] = "public, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response
