"""Console actions of the routing domain: pick a triage suggestion, set the customer's segment.

Both start from `visible_ticket`, so a ticket outside the agent's queues is a 404 whatever is
posted; the change itself goes through the same services as the ticket page's change form.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from dapjang.agents.models import Agent
from dapjang.agents.services import is_desk_admin, queues_of, tickets_visible_to
from dapjang.console.access import AgentRequest, agent_required, visible_ticket
from dapjang.customers.models import Customer
from dapjang.customers.services import customer_segment_by_hand
from dapjang.tickets.models import Queue, Ticket
from dapjang.tickets.services import ActionRefused, Change, ticket_change

HAND_SEGMENTS = ("vip", "ordinary", "abusive")


def may_move_to(agent: Agent, ticket: Ticket, queue: Queue) -> bool:
    """An admin anywhere; an agent to a queue they work, or out of a queue they work (triage is the
    default queue's job: its agents send mail on to the queues that handle it)."""
    if is_desk_admin(agent):
        return True
    mine = queues_of(agent)
    return mine.filter(pk=queue.pk).exists() or mine.filter(pk=ticket.queue_id).exists()


def _back(request: AgentRequest, ticket: Ticket) -> HttpResponse:
    """Back to the ticket, or to the inbox when the agent can no longer see it where it went."""
    if tickets_visible_to(request.agent).filter(pk=ticket.pk).exists():
        url = reverse("console:ticket", args=[ticket.number])
    else:
        messages.info(
            request,
            _("Ticket %(number)s moved to %(queue)s.")
            % {"number": ticket.number, "queue": ticket.queue.name},
        )
        url = reverse("console:inbox")
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@agent_required
@require_POST
def triage_pick(request: AgentRequest, number: str) -> HttpResponse:
    """One click on a suggested queue: the ticket moves there, leaves triage, and the model learns."""
    ticket = visible_ticket(request.agent, number)
    queue = Queue.objects.filter(slug=request.POST.get("queue", "")).first()
    if queue is None or not may_move_to(request.agent, ticket, queue):
        raise Http404
    try:
        ticket_change(ticket, request.agent, Change(queue=queue))
    except ActionRefused as exc:
        messages.error(request, str(exc))
        return redirect("console:ticket", number=number)
    if ticket.triage:  # already in the picked queue: the pick still confirms the queue
        Ticket.objects.filter(pk=ticket.pk).update(triage=False)
        ticket.triage = False
    return _back(request, ticket)


@agent_required
@require_POST
def segment_set(request: AgentRequest, number: str) -> HttpResponse:
    """An agent marks the ticket's customer VIP, ordinary or abusive; rules then leave it alone."""
    ticket = visible_ticket(request.agent, number)
    segment = request.POST.get("segment", "")
    if ticket.customer is None:
        raise Http404
    if segment not in HAND_SEGMENTS:
        messages.error(request, _("Unknown customer segment “%(value)s”.") % {"value": segment[:50]})
        return redirect("console:ticket", number=number)
    customer: Customer = ticket.customer
    customer_segment_by_hand(customer, segment, agent=request.agent, ticket=ticket)
    return _back(request, ticket)
