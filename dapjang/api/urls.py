"""The REST API (django-ninja); OpenAPI at /api/openapi.json, browsable at /api/docs.

ninja's URL patterns are re-wrapped so that what it answers outside its handlers (405) has our
error shape too, and a catch-all answers unknown /api/ paths with JSON instead of the HTML 404.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, include, path, re_path

from dapjang.api.docs import docs_asset
from dapjang.api.errors import NOT_FOUND, json_error, json_errors
from dapjang.api.main import api


def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    return json_error(404, NOT_FOUND)


def _wrapped(patterns: list[URLPattern | URLResolver]) -> list[URLPattern | URLResolver]:
    result: list[URLPattern | URLResolver] = []
    for p in patterns:
        if isinstance(p, URLPattern):
            p = URLPattern(p.pattern, json_errors(p.callback), p.default_args, p.name)
        result.append(p)
    return result


_patterns, _app_name, _namespace = api.urls

urlpatterns: list[URLPattern | URLResolver] = [
    path("", not_found),  # ninja's own root view answers with the HTML 404 and a hint of the docs URL
    path("docs/assets/<str:name>", docs_asset, name="api-docs-asset"),
    path("", include((_wrapped(_patterns), _app_name), namespace=_namespace)),
    re_path(r"^(?P<rest>.*)$", not_found),
]
