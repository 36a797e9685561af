"""The inbox: the agent's tickets, filtered, searched, paged, and refreshed in place by htmx."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from dapjang.agents.models import Agent
from dapjang.agents.services import queues_of
from dapjang.console.access import AgentRequest, agent_required
from dapjang.console.inbox import (
    PAGE_SIZE,
    BadFilter,
    InboxFilter,
    inbox_counts,
    inbox_filter_parse,
    inbox_tickets,
)
from dapjang.customers.models import Customer
from dapjang.tickets.models import Ticket

# How often an open inbox asks for new tickets; short in the browser tests.
POLL_SECONDS_DEFAULT = 10


@agent_required
@require_GET
def inbox(request: AgentRequest) -> HttpResponse:
    agent = request.agent
    error, status = "", 200
    try:
        chosen = inbox_filter_parse(request.GET, agent)
    except BadFilter as exc:
        chosen, error, status = InboxFilter(), str(exc), 400
    page = None if error else Paginator(inbox_tickets(agent, chosen), PAGE_SIZE).get_page(chosen.page)
    counts = inbox_counts(agent)
    context = {
        "page": page,
        "chosen": chosen,
        "error": error,
        "queues": counts.queues,
        "total": counts.total,
        "section": "inbox",
        "mine": counts.mine,
        "unassigned": counts.unassigned,
        "triage": counts.triage,
        "statuses": Ticket.Status.choices,
        "segments": Customer.Segment.choices,
        "agents": Agent.objects.filter(memberships__queue__in=queues_of(agent)).distinct().order_by("name"),
        "poll_seconds": getattr(settings, "DAPJANG_INBOX_POLL_SECONDS", POLL_SECONDS_DEFAULT),
        "now": timezone.now(),
    }
    # The poller asks for the rows and counts only; a search or a filter change loads the page.
    template = "console/partials/inbox_live.html" if request.htmx and not error else "console/inbox.html"
    return render(request, template, context, status=status)
