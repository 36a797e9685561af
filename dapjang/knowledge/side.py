"""What the knowledge card on the ticket page shows; one function for the tag and the card's own views."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from dapjang.agents.models import Agent
from dapjang.knowledge.models import FaqEntry
from dapjang.knowledge.suggestions import suggestions_for
from dapjang.knowledge.ticket_actions import RATING_NAMES, agent_replies
from dapjang.tickets.models import Ticket


def knowledge_side_context(request: HttpRequest | None, ticket: Ticket, **extra: Any) -> dict[str, Any]:
    agent: Agent | None = getattr(request, "agent", None)
    context: dict[str, Any] = {"ticket": ticket, "request": request, **extra}
    if agent is None:  # the tag outside an agent's page (an e-mail preview, a test): nothing to show
        return context
    if ticket.auto_answered_at is not None:
        entries = list(FaqEntry.objects.filter(faq_id=ticket.auto_answer_faq))
        same = [e for e in entries if e.language == ticket.language]
        context["auto_entry"] = next(iter(same or entries), None)
        context["rating"] = RATING_NAMES.get(ticket.auto_answer_rating or 0, "")
    context["suggestions"] = suggestions_for(ticket, agent)
    context["replies"] = agent_replies(ticket)
    return context
