"""The knowledge card's actions on a ticket page: rate the automatic answer, insert a suggestion, keep
a reply as a model answer. Each finds the ticket through `visible_ticket`, so outside the agent's
queues every one of them is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dapjang.console.access import AgentRequest, agent_required, visible_ticket
from dapjang.console.forms import ReplyForm
from dapjang.knowledge.side import knowledge_side_context
from dapjang.knowledge.suggestions import faq_entry_for_insert, saved_answers_visible_to
from dapjang.knowledge.ticket_actions import KnowledgeActionRefused, autoanswer_rate, reply_keep
from dapjang.tickets.models import Ticket

MAX_DRAFT = 100_000


def _back_to(ticket: Ticket, anchor: str = "knowledge") -> HttpResponse:
    return redirect(f"{reverse('console:ticket', args=[ticket.number])}#{anchor}")


def _pk(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) < 12 else None


@agent_required
@require_POST
def rate(request: AgentRequest, number: str) -> HttpResponse:
    """good / wrong on the automatic answer; htmx gets the card back, a plain form the page."""
    ticket = visible_ticket(request.agent, number)
    error = ""
    try:
        autoanswer_rate(ticket, request.agent, request.POST.get("verdict", ""))
    except KnowledgeActionRefused as exc:
        error = str(exc)
    if request.htmx:
        context = knowledge_side_context(request, ticket, knowledge_error=error)
        return render(request, "knowledge/ticket_side.html", context, status=422 if error else 200)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Thank you: the rating is recorded."))
    return _back_to(ticket)


@agent_required
@require_POST
def insert(request: AgentRequest, number: str) -> HttpResponse:
    """Appends a suggested answer to the reply being written; answers the new text area.

    A POST, as for snippets: the draft travels with it and can be longer than a URL may be.
    """
    ticket = visible_ticket(request.agent, number)
    body = request.POST.get("body", "")[:MAX_DRAFT]
    text = ""
    faq_pk, saved_pk = _pk(request.POST.get("faq", "")), _pk(request.POST.get("saved", ""))
    if faq_pk is not None:
        entry = faq_entry_for_insert(faq_pk)
        text = entry.answer.strip() if entry else ""
    elif saved_pk is not None:
        saved = saved_answers_visible_to(request.agent).filter(pk=saved_pk).first()
        text = saved.text.strip() if saved else ""
    if text:
        body = f"{body.rstrip()}\n\n{text}" if body.strip() else text
    form = ReplyForm(initial={"body": body})
    return render(request, "console/partials/reply_body.html", {"reply_form": form, "ticket": ticket})


@agent_required
@require_POST
def keep(request: AgentRequest, number: str) -> HttpResponse:
    """Keeps one of the ticket's replies as a model answer, optionally suggested for the FAQ."""
    ticket = visible_ticket(request.agent, number)
    article_id = _pk(request.POST.get("article", ""))
    try:
        if article_id is None:
            raise KnowledgeActionRefused("choose a reply / 답장을 고르세요")
        _saved, created = reply_keep(
            ticket,
            request.agent,
            article_id,
            title=request.POST.get("title", "")[:300],
            suggest_for_faq=bool(request.POST.get("suggest_for_faq")),
        )
    except KnowledgeActionRefused as exc:
        messages.error(request, str(exc))
    else:
        if created:
            messages.success(request, _("The reply is kept as a model answer."))
        else:
            messages.info(request, _("This reply is already a model answer."))
    return _back_to(ticket)
