"""Who may use the console, and the one way its views find a ticket (RELIABILITY 34, 35).

Every view is wrapped in `agent_required` and takes its tickets from `visible_ticket` or
`tickets_visible_to`, so a ticket outside the agent's queues is a 404 (not a 403: its existence
is not revealed) whatever page or action was asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec, TypeVar, cast
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

from dapjang.agents.models import Agent
from dapjang.agents.services import agent_of, tickets_visible_to
from dapjang.tickets.models import Ticket

P = ParamSpec("P")
R = TypeVar("R", bound=HttpResponseBase)

# The console's own pages: scripts, styles and frames only from us. Mail HTML and attachments get
# a stricter policy of their own (console/content.py), set before this one and kept by setdefault.
CONSOLE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
)


class AgentRequest(HttpRequest):
    """A request from a logged-in agent; `agent_required` sets `agent`, django-htmx sets `htmx`."""

    agent: Agent
    htmx: HtmxDetails


def console_headers(response: R) -> R:
    response.headers.setdefault("Content-Security-Policy", CONSOLE_CSP)
    # Ticket pages must not come back from the browser cache after logout, or on a shared screen.
    add_never_cache_headers(response)
    return response


def login_url_for(request: HttpRequest) -> str:
    return f"{reverse('console:login')}?{urlencode({'next': request.get_full_path()})}"


def agent_required(
    view: Callable[Concatenate[AgentRequest, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """Logged in, with an agent profile; otherwise the login page (or 403 for a login without one)."""

    @wraps(view)
    def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        agent = agent_of(request.user)
        if agent is None:
            if request.user.is_authenticated:
                raise PermissionDenied(
                    _(
                        "This login has no agent profile. An administrator can add one with `dapjang agent add`."
                    )
                )
            if getattr(request, "htmx", False):
                return HttpResponseClientRedirect(login_url_for(request))
            return redirect(login_url_for(request))
        request.agent = agent  # type: ignore[attr-defined]
        return console_headers(view(cast("AgentRequest", request), *args, **kwargs))

    return wrapper


def visible_ticket(agent: Agent, number: str) -> Ticket:
    """The agent's ticket with this number, or 404: the access rule is part of the query."""
    tickets = tickets_visible_to(agent).select_related("queue", "customer", "assignee__agent")
    return get_object_or_404(tickets, number=number)
