"""The ticket page, its change form (status, priority, queue, assignee) and the presence heartbeat."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from dapjang.agents.services import tickets_visible_to
from dapjang.console.access import AgentRequest, agent_required, visible_ticket
from dapjang.console.forms import ChangeForm, ConsultForm, NoteForm, ReplyForm, refusal_text
from dapjang.console.presence import HEARTBEAT_SECONDS, viewers_of, viewing_touch
from dapjang.console.selectors import (
    consultations_of,
    conversation_of,
    customer_panel,
    snippets_for,
)
from dapjang.console.trail import trail_of
from dapjang.tickets.models import Ticket
from dapjang.tickets.services import ActionRefused, signature_of, ticket_change


def side_context(
    request: AgentRequest, ticket: Ticket, change_form: ChangeForm | None = None
) -> dict[str, Any]:
    return {
        "ticket": ticket,
        "change_form": change_form or ChangeForm(ticket=ticket),
        "panel": customer_panel(request.agent, ticket),
        "trail": trail_of(ticket),
        "consultations": consultations_of(ticket),
        "consult_form": ConsultForm(),
    }


def page_context(request: AgentRequest, ticket: Ticket, **forms: Any) -> dict[str, Any]:
    return {
        **side_context(request, ticket),
        "articles": conversation_of(ticket),
        "text_view": request.GET.get("view") == "text",
        "snippets": snippets_for(ticket),
        "signature": signature_of(request.agent, ticket.queue),
        "reply_form": forms.get("reply_form") or ReplyForm(),
        "note_form": forms.get("note_form") or NoteForm(),
        "consult_form": forms.get("consult_form") or ConsultForm(),
        "heartbeat_seconds": HEARTBEAT_SECONDS,
    }


@agent_required
@require_GET
def ticket_page(request: AgentRequest, number: str) -> HttpResponse:
    ticket = visible_ticket(request.agent, number)
    return render(request, "console/ticket.html", page_context(request, ticket))


@agent_required
@require_POST
def ticket_update(request: AgentRequest, number: str) -> HttpResponse:
    """Only the fields that differ become a change; ticket_change writes each one to the trail."""
    ticket = visible_ticket(request.agent, number)
    form = ChangeForm(request.POST, ticket=ticket)
    error = ""
    if form.is_valid():
        try:
            ticket_change(ticket, request.agent, form.change())
        except ActionRefused as exc:
            error = refusal_text(exc)
    else:
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    if not error and not tickets_visible_to(request.agent).filter(pk=ticket.pk).exists():
        # Moved to a queue this agent does not work: the page would now be a 404 for them.
        messages.info(
            request,
            _("Ticket %(number)s moved to %(queue)s.") % {"number": number, "queue": ticket.queue.name},
        )
        url = reverse("console:inbox")
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect("console:ticket", number=number)
    ticket = visible_ticket(request.agent, number)
    context = {**side_context(request, ticket), "change_error": error, "oob": True}
    return render(request, "console/partials/ticket_side.html", context, status=422 if error else 200)


@agent_required
@require_POST
def presence(request: AgentRequest, number: str) -> HttpResponse:
    """The heartbeat of an open ticket page; answers with who else has it open."""
    ticket = visible_ticket(request.agent, number)
    viewing_touch(agent=request.agent, ticket=ticket)
    viewers = viewers_of(ticket, besides=request.agent)
    return render(request, "console/partials/presence.html", {"viewers": viewers})
