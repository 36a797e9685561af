"""What an agent writes on a ticket: a reply, an internal note, a question to an expert, a snippet.

Each form posts, the service does the work, and the browser is redirected back to the ticket, so
a reload never sends a reply twice. A refused action re-renders the page with what was typed.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dapjang.console.access import AgentRequest, agent_required, visible_ticket
from dapjang.console.forms import ConsultForm, NoteForm, ReplyForm, refusal_text
from dapjang.console.selectors import snippets_for
from dapjang.console.views.ticket import page_context
from dapjang.tickets.models import Ticket
from dapjang.tickets.services import ActionRefused, snippet_render, ticket_consult, ticket_note, ticket_reply


def _back_to(ticket: Ticket, anchor: str) -> HttpResponse:
    return redirect(f"{reverse('console:ticket', args=[ticket.number])}#{anchor}")


@agent_required
@require_POST
def reply(request: AgentRequest, number: str) -> HttpResponse:
    ticket = visible_ticket(request.agent, number)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            article = ticket_reply(
                ticket,
                request.agent,
                data["body"],
                files=form.files_to_send(),
                cc=data["cc"],
                status_after=data["status_after"],
            )
        except ActionRefused as exc:
            form.add_error(None, refusal_text(exc))
        else:
            messages.success(request, _("Reply sent to %(email)s.") % {"email": ", ".join(article.to)})
            return _back_to(ticket, f"a{article.pk}")
    return render(request, "console/ticket.html", page_context(request, ticket, reply_form=form), status=400)


@agent_required
@require_POST
def note(request: AgentRequest, number: str) -> HttpResponse:
    ticket = visible_ticket(request.agent, number)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            article = ticket_note(ticket, request.agent, form.cleaned_data["body"])
        except ActionRefused as exc:
            form.add_error(None, refusal_text(exc))
        else:
            messages.success(request, _("Note added."))
            return _back_to(ticket, f"a{article.pk}")
    return render(request, "console/ticket.html", page_context(request, ticket, note_form=form), status=400)


@agent_required
@require_POST
def consult(request: AgentRequest, number: str) -> HttpResponse:
    ticket = visible_ticket(request.agent, number)
    form = ConsultForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            ticket_consult(
                ticket, request.agent, expert_email=data["expert_email"], question=data["question"]
            )
        except ActionRefused as exc:
            form.add_error(None, refusal_text(exc))
        else:
            messages.success(request, _("Question sent to %(email)s.") % {"email": data["expert_email"]})
            return _back_to(ticket, "consultations")
    return render(
        request, "console/ticket.html", page_context(request, ticket, consult_form=form), status=400
    )


@agent_required
@require_POST
def snippet(request: AgentRequest, number: str) -> HttpResponse:
    """Appends a snippet, placeholders filled, to what the agent has typed; answers the new text area.

    A POST although nothing changes: the draft travels with it and can be longer than a URL may be.
    """
    ticket = visible_ticket(request.agent, number)
    body = request.POST.get("body", "")[:100_000]
    chosen = request.POST.get("snippet", "")
    found = (
        snippets_for(ticket).filter(pk=int(chosen)).first() if chosen.isdigit() and len(chosen) < 12 else None
    )
    if found is not None:
        text = snippet_render(found, ticket=ticket, agent=request.agent)
        body = f"{body.rstrip()}\n\n{text}" if body.strip() else text
    form = ReplyForm(initial={"body": body})
    return render(request, "console/partials/reply_body.html", {"reply_form": form})
