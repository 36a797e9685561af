"""Console actions of the routing domain: pick a triage suggestion, set the customer's segment, and
the agent's own absence.

The ticket actions start from `visible_ticket`, so a ticket outside the agent's queues is a 404
whatever is posted; the change itself goes through the same services as the ticket page's form.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from dapjang.agents.models import Agent
from dapjang.agents.services import (
    AgentError,
    agent_away,
    agent_back,
    is_desk_admin,
    queues_of,
    tickets_visible_to,
)
from dapjang.console.access import AgentRequest, agent_required, visible_ticket
from dapjang.customers.models import Customer
from dapjang.customers.services import customer_segment_by_hand
from dapjang.routing.pool import is_away
from dapjang.tickets.models import Queue, Ticket
from dapjang.tickets.services import ActionRefused, Change, ticket_change

HAND_SEGMENTS = ("vip", "ordinary", "abusive")
LOCAL_TIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


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


class AwayForm(forms.Form):
    """An absence in the desk's time zone, as the browser's date-time fields send it."""

    start = forms.DateTimeField(label=_lazy("From"), required=False, widget=LOCAL_TIME)
    until = forms.DateTimeField(label=_lazy("Until"), required=False, widget=LOCAL_TIME)
    reclaim = forms.BooleanField(label=_lazy("Take my moved tickets back when I return"), required=False)


def _away_state(agent: Agent) -> str:
    now = timezone.now()
    if is_away(agent, now):
        return "away"
    if agent.away_from is not None and agent.away_from > now:
        return "planned"
    return "here"


@agent_required
def away(request: AgentRequest) -> HttpResponse:
    """The agent's own absence (MISSION A8): a trip from/until, set and ended by the agent.

    Setting it moves their open tickets to colleagues at once when it starts now (a later start is
    the scheduled pass's work); leads and admins set others' in the admin or with `dapjang agent away`.
    """
    agent = request.agent
    status = 200
    if request.method == "POST":
        form = AwayForm(request.POST)
        if form.is_valid():
            try:
                moved = agent_away(
                    agent,
                    until=form.cleaned_data["until"],
                    start=form.cleaned_data["start"],
                    reclaim=form.cleaned_data["reclaim"],
                )
            except AgentError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    ngettext(
                        "Your absence is set. %(count)d open ticket moved to colleagues.",
                        "Your absence is set. %(count)d open tickets moved to colleagues.",
                        moved,
                    )
                    % {"count": moved},
                )
                return redirect("routing:away")
        status = 422
    else:
        # The absence set, if any, is the starting point: changing a date does not mean retyping both.
        form = AwayForm(
            initial={
                "start": timezone.localtime(agent.away_from) if agent.away_from else None,
                "until": timezone.localtime(agent.away_until) if agent.away_until else None,
                "reclaim": agent.reclaim_on_return,
            }
        )
    context = {
        "form": form,
        "agent": agent,
        "state": _away_state(agent),
        "zone": settings.TIME_ZONE,
        "section": "away",
    }
    return render(request, "routing/away.html", context, status=status)


@agent_required
@require_POST
def away_end(request: AgentRequest) -> HttpResponse:
    """Back now: the absence ends, and with 'take back' the moved tickets still open return."""
    back = agent_back(request.agent)
    messages.success(
        request,
        ngettext(
            "Welcome back. %(count)d ticket came back to you.",
            "Welcome back. %(count)d tickets came back to you.",
            back,
        )
        % {"count": back},
    )
    return redirect("routing:away")
