"""Routing on the ticket page: triage suggestions to pick from, and the customer's segment."""

from __future__ import annotations

from typing import Any

from django import template

from dapjang.agents.models import Agent
from dapjang.routing.views import HAND_SEGMENTS, may_move_to
from dapjang.tickets.models import Queue, Ticket

register = template.Library()


def pickable(agent: Agent | None, ticket: Ticket) -> list[dict[str, Any]]:
    """The ticket's suggestions with their queues, those the agent may move it to (one query)."""
    suggestions = [s for s in ticket.suggestions if isinstance(s, dict) and s.get("topic")]
    queues = {q.slug: q for q in Queue.objects.filter(slug__in=[s["topic"] for s in suggestions])}
    rows = []
    for s in suggestions:
        queue = queues.get(s["topic"])
        if queue is not None and agent is not None and may_move_to(agent, ticket, queue):
            rows.append({"queue": queue, "confidence": float(s.get("confidence") or 0.0)})
    return rows


@register.inclusion_tag("routing/ticket_side.html", takes_context=True)
def ticket_routing(context: dict[str, Any], ticket: Any) -> dict[str, Any]:
    request = context.get("request")
    agent = getattr(request, "agent", None)
    customer = ticket.customer
    return {
        "ticket": ticket,
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "picks": pickable(agent, ticket) if ticket.triage else [],
        "customer": customer,
        "segments": [(value, label) for value, label in customer.Segment.choices if value in HAND_SEGMENTS]
        if customer is not None
        else [],
    }
