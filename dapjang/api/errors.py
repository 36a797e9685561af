"""Every API error is the same small JSON shape, with a correlation id and nothing else (RELIABILITY 36).

A client (or the person reading its log) gets a message it can act on and an id an operator can
find in our log; the stack trace, the SQL and the host names stay in that log.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from dapjang.tickets.services import ActionRefused

log = logging.getLogger("dapjang.api")

CORRELATION_HEADER = "X-Correlation-ID"
NOT_FOUND = "not found / 찾을 수 없습니다"
UNAUTHORIZED = "a valid API token is required / 올바른 API 토큰이 필요합니다"
INTERNAL = "internal error; quote the correlation id to your administrator / 내부 오류입니다. 관리자에게 correlation_id를 알려 주세요"


class ApiError(Exception):
    """A refusal with a status and extra fields (e.g. the allowed keys) for the client to act on."""

    def __init__(self, status: int, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.extra = extra


def new_correlation_id() -> str:
    return uuid.uuid4().hex


def error_body(detail: object, correlation_id: str, **extra: Any) -> dict[str, Any]:
    return {"detail": detail, "correlation_id": correlation_id, **extra}


def json_error(
    status: int, detail: object, *, correlation_id: str | None = None, **extra: Any
) -> HttpResponse:
    """For the few errors raised outside ninja (unknown paths, wrong methods)."""
    cid = correlation_id or new_correlation_id()
    response = HttpResponse(
        json.dumps(error_body(detail, cid, **extra), ensure_ascii=False),
        status=status,
        content_type="application/json; charset=utf-8",
    )
    response[CORRELATION_HEADER] = cid
    return response


def install_error_handlers(api: NinjaAPI) -> None:
    """Replaces ninja's defaults, which answer an unhandled error with Django's page or, under DEBUG, the traceback."""

    def respond(request: HttpRequest, status: int, detail: object, **extra: Any) -> HttpResponse:
        cid = new_correlation_id()
        response = api.create_response(request, error_body(detail, cid, **extra), status=status)
        response[CORRELATION_HEADER] = cid
        if status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="dapjang"'
        return response

    # ninja's stubs type a handler's exception as "the class or an instance"; it passes instances.
    def on_api_error(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(request, exc.status, exc.detail, **exc.extra)

    def on_refused(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(request, 409, str(exc))

    def on_validation(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(request, 422, exc.errors)

    def on_auth(request: HttpRequest, exc: Any) -> HttpResponse:
        # One answer for a missing, malformed, unknown or revoked token: no hint which.
        return respond(request, 401, UNAUTHORIZED)

    def on_http(request: HttpRequest, exc: Any) -> HttpResponse:
        # ninja's own refusals, e.g. a body that is not JSON; its messages carry no internals.
        return respond(request, exc.status_code, str(exc.message))

    def on_404(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(request, 404, NOT_FOUND)

    def on_anything(request: HttpRequest, exc: Any) -> HttpResponse:
        cid = new_correlation_id()
        log.error("API %s %s failed [correlation_id=%s]", request.method, request.path, cid, exc_info=exc)
        response = api.create_response(request, error_body(INTERNAL, cid), status=500)
        response[CORRELATION_HEADER] = cid
        return response

    api.add_exception_handler(ApiError, on_api_error)
    api.add_exception_handler(ActionRefused, on_refused)
    api.add_exception_handler(ValidationError, on_validation)
    api.add_exception_handler(AuthenticationError, on_auth)
    api.add_exception_handler(HttpError, on_http)
    api.add_exception_handler(Http404, on_404)
    api.add_exception_handler(Exception, on_anything)


def json_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Gives the responses ninja makes outside its handlers (405 Method Not Allowed) the error shape too."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code == 405:
            allowed = response.get("Allow", "")
            response = json_error(405, "method not allowed / 허용되지 않는 메서드입니다")
            if allowed:
                response["Allow"] = allowed
        return response

    return wrapped
