"""What the ticket page shows, read in a few queries; each reader starts from a ticket the caller
already found through `tickets_visible_to` (access.visible_ticket)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from dapjang.agents.models import Agent
from dapjang.agents.services import tickets_visible_to
from dapjang.customers.models import Customer
from dapjang.tickets.models import Article, Consultation, Queue, Snippet, Ticket, TicketEvent

ACTIVE = (Ticket.Status.NEW, Ticket.Status.OPEN, Ticket.Status.WAITING)
HISTORY_LIMIT = 30


def conversation_of(ticket: Ticket) -> QuerySet[Article]:
    """Every article in the order it happened, with authors and files, in three queries."""
    return (
        ticket.articles.select_related("author").prefetch_related("attachments").order_by("created_at", "id")
    )


@dataclass(frozen=True)
class TrailLine:
    at: datetime
    actor: str
    what: str
    old: str
    new: str


def _field_labels() -> dict[str, str]:
    return {
        "status": _("status"),
        "priority": _("priority"),
        "queue": _("queue"),
        "assignee": _("assignee"),
        "reply": _("replied"),
        "note": _("added a note"),
        "consult": _("asked an expert"),
        "consult-answer": _("expert answered"),
        "routing": _("routing"),
        "tags": _("tags"),
        "segment": _("customer segment"),
        "sla": _("reply promise"),
        "auto-answer": _("answered automatically"),
        "absence": _("moved during an absence"),
        "stalled": _("moved: no action in time"),
    }


def trail_of(ticket: Ticket) -> list[TrailLine]:
    """The audit trail with codes turned into the words the agent reads (status, priority, queue)."""
    statuses = dict(Ticket.Status.choices)
    priorities = {str(value): str(label) for value, label in Ticket.Priority.choices}
    labels = _field_labels()
    events = list(ticket.events.select_related("actor").order_by("created_at", "id"))
    slugs = {e.old for e in events if e.field == "queue"} | {e.new for e in events if e.field == "queue"}
    # The router's notes name topics, not the queues moved between: then every queue's name, in one query.
    named = (
        Queue.objects.all()
        if any(e.field == "routing" for e in events)
        else Queue.objects.filter(slug__in=slugs)
    )
    queues = dict(named.values_list("slug", "name"))
    emails = {e.old for e in events if e.field == "assignee"} | {
        e.new for e in events if e.field == "assignee"
    }
    names = dict(Agent.objects.filter(user__email__in=emails - {""}).values_list("user__email", "name"))

    def shown(event: TicketEvent, value: str) -> str:
        if event.field == "status":
            return str(statuses.get(value, value))
        if event.field == "priority":
            return priorities.get(value, value)
        if event.field == "queue":
            return queues.get(value, value)
        if event.field == "assignee":
            return names.get(value, value) if value else _("(unassigned)")
        if event.field in {"reply", "note"}:
            return ""  # the article id: the article itself is in the conversation
        if event.field == "routing":
            return routing_shown(value, queues)
        return value

    return [
        TrailLine(
            at=e.created_at,
            actor=e.actor.name if e.actor else _("system"),
            what=labels.get(e.field, e.field),
            old=shown(e, e.old) if e.field in {"status", "priority", "queue", "assignee"} else "",
            new=shown(e, e.new),
        )
        for e in events
    ]


def routing_shown(value: str, names: dict[str, str]) -> str:
    """The router's note ("classifier: shipping 0.95 ≥ 0.85", "triage: a 0.24, b 0.16") in the agent's
    words: queue names for slugs, percentages for confidences. It is stored as a code so that the
    trail reads in whichever language the agent uses; anything else is shown as it was stored."""
    kind, _sep, rest = value.partition(": ")

    def topic(slug: str) -> str:
        return names.get(slug, slug)

    def percent(number: str) -> str:
        try:
            return f"{float(number):.0%}"
        except ValueError:
            return number

    parts = rest.split()
    if kind == "classifier" and len(parts) == 4:
        return _("topic model: %(queue)s %(confidence)s (threshold %(threshold)s)") % {
            "queue": topic(parts[0]),
            "confidence": percent(parts[1]),
            "threshold": percent(parts[3]),
        }
    if kind == "triage" and rest:
        guesses = []
        for guess in rest.split(", "):
            slug, _space, confidence = guess.rpartition(" ")
            guesses.append(f"{topic(slug)} {percent(confidence)}")
        return _("in triage, suggested: %(guesses)s") % {"guesses": ", ".join(guesses)}
    if kind == "contact form" and rest:
        return _("contact form topic: %(queue)s") % {"queue": topic(rest)}
    if kind == "rule" and rest:
        return _("rule: %(names)s") % {"names": rest}
    return value


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
