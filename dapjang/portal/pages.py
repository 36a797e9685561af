"""What every portal page shares: the content policy, the visitor's language and address."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec

from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language

P = ParamSpec("P")

# Scripts, styles and images only from us; nothing a customer typed can pull in anything else
# (RELIABILITY 31). The same policy as the agent console.
PORTAL_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
)


def portal_page(view: Callable[P, HttpResponse]) -> Callable[P, HttpResponse]:
    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        response = view(*args, **kwargs)
        response.headers.setdefault("Content-Security-Policy", PORTAL_CSP)
        # Signed links in the address bar are never sent to other sites; our own forms keep their Origin.
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    return wrapper


def page_language() -> str:
    return "en" if (get_language() or "ko").startswith("en") else "ko"


def client_address(request: HttpRequest) -> str:
    """The visitor's IP as the web server saw it (a proxy in front sets REMOTE_ADDR via its own config)."""
    return str(request.META.get("REMOTE_ADDR", "") or "unknown")
