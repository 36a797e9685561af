"""The 500 page with an incident id: the agent can quote it, the log has the traceback (RELIABILITY 36).

Django logs the exception itself; this adds one line that ties the id on the page to that request,
and renders without the request's context, which may be what failed.
"""

from __future__ import annotations

import logging
import secrets

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template import loader

logger = logging.getLogger("dapjang.console")


def server_error(request: HttpRequest) -> HttpResponse:
    incident = secrets.token_hex(6)
    logger.error(
        "incident %s: unhandled error on %s %s", incident, request.method, request.path, exc_info=True
    )
    try:
        page = loader.get_template("500.html").render({"incident": incident})
    except Exception:  # noqa: BLE001 - the error page must not fail in turn
        page = f"<h1>Server error / 서버 오류</h1><p>{incident}</p>"
    return HttpResponseServerError(page)
