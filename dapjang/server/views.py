"""Operational endpoints; thin on purpose (the facts come from server/health.py)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from dapjang.server.health import desk_health


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the desk can take and process mail, 503 otherwise, for a load balancer or a monitor."""
    report = desk_health()
    return JsonResponse(
        report, status=200 if report["ok"] else 503, json_dumps_params={"ensure_ascii": False}
    )
