"""What the ticket page shows, read in a few queries; each reader starts from a ticket the caller
already found through `tickets_visible_to` (access.visible_ticket)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from dapjang.agents.models import Agent
from dapjang.agents.services import tickets_visible_to
from dapjang.customers.models import Customer
from dapjang.tickets.models import Article, Consultation, Snippet, Ticket

ACTIVE = (Ticket.Status.NEW, Ticket.Status.OPEN, Ticket.Status.WAITING)
HISTORY_LIMIT = 30


def conversation_of(ticket: Ticket) -> QuerySet[Article]:
    """Every article in the order it happened, with authors and files, in three queries."""
    return (
        ticket.articles.select_related("author").prefetch_related("attachments").order_by("created_at", "id")
    )


@dataclass(frozen=True)
class CustomerPanel:
    customer: Customer
    tickets: int
    active: int
    history: list[Ticket]


def customer_panel(agent: Agent, ticket: Ticket) -> CustomerPanel | None:
    """The customer and their other tickets, counted and listed only where the agent may look (A13)."""
    customer = ticket.customer
    if customer is None:
        return None
    theirs = tickets_visible_to(agent).filter(customer=customer)
    counts = theirs.aggregate(n=Count("id"), active=Count("id", filter=Q(status__in=ACTIVE)))
    history = list(
        theirs.exclude(pk=ticket.pk).select_related("queue").order_by("-created_at")[:HISTORY_LIMIT]
    )
    return CustomerPanel(customer=customer, tickets=counts["n"], active=counts["active"], history=history)


def snippets_for(ticket: Ticket) -> QuerySet[Snippet]:
    """Canned answers of the ticket's queue and desk-wide ones, in the language of the ticket."""
    return Snippet.objects.filter(
        Q(queue_id=ticket.queue_id) | Q(queue__isnull=True), language=ticket.language
    ).order_by("title")


def consultations_of(ticket: Ticket) -> QuerySet[Consultation]:
    return ticket.consultations.select_related("asked_by").order_by("created_at")
