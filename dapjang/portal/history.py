"""What a customer sees of their tickets through a signed link: their mail and our answers, no more.

Internal notes, consultations with experts and anything the desk did not send to the customer stay
out by construction: only the article kinds listed here are read, from the one ticket the token
names, and only while that ticket still belongs to the token's customer (a merge or a correction by
an agent makes old links stop working rather than show the ticket to the wrong person).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from dapjang.customers.models import Customer, Identity
from dapjang.portal.links import LinkTarget, ticket_path
from dapjang.tickets.models import Article, Ticket

# What we sent the customer: an agent's reply, the acknowledgement, the holding reply, an FAQ answer.
CUSTOMER_VISIBLE_OUT = ("reply", "ack", "holding", "auto-answer")


@dataclass(frozen=True)
class Message:
    from_us: bool
    author: str
    subject: str
    text: str
    created_at: datetime
    attachments: tuple[str, ...]


@dataclass(frozen=True)
class OtherTicket:
    number: str
    subject: str
    status: str
    status_code: str
    created_at: datetime
    path: str  # its own signed link


@dataclass(frozen=True)
class CustomerView:
    ticket: Ticket
    messages: list[Message]
    others: list[OtherTicket]


def _customer_addresses(customer: Customer | None) -> set[str]:
    if customer is None:
        return set()
    emails = {customer.email.lower()}
    emails |= {
        v.lower()
        for v in Identity.objects.filter(customer=customer, kind="email").values_list("value", flat=True)
    }
    return emails


def customer_view(target: LinkTarget) -> CustomerView | None:
    """The ticket the link names with the customer's side of it, or None when it is not theirs any more."""
    tickets = Ticket.objects.select_related("queue", "customer").filter(pk=target.ticket_id)
    if target.customer_id is None:
        tickets = tickets.filter(customer__isnull=True)
    else:
        tickets = tickets.filter(customer_id=target.customer_id)
    ticket = tickets.first()
    if ticket is None:
        return None
    addresses = _customer_addresses(ticket.customer)
    rows = ticket.articles.filter(
        Q(direction=Article.Direction.IN) | Q(direction=Article.Direction.OUT, kind__in=CUSTOMER_VISIBLE_OUT)
    ).prefetch_related("attachments")
    messages = []
    for article in rows:
        inbound = article.direction == Article.Direction.IN
        # A stranger's mail threaded into the ticket is the stranger's data, not the customer's.
        if inbound and addresses and article.from_email.lower() not in addresses:
            continue
        messages.append(
            Message(
                from_us=not inbound,
                author=article.from_name or article.from_email,
                subject=article.subject,
                text=(article.new_text or article.text) if inbound else article.text,
                created_at=article.created_at,
                attachments=tuple(a.filename for a in article.attachments.all() if not a.inline),
            )
        )
    others: list[OtherTicket] = []
    if target.customer_id is not None:
        for other in (
            Ticket.objects.filter(customer_id=target.customer_id)
            .exclude(pk=ticket.pk)
            .order_by("-created_at")[:50]
        ):
            others.append(
                OtherTicket(
                    number=other.number,
                    subject=other.subject,
                    status=other.get_status_display(),
                    status_code=other.status,
                    created_at=other.created_at,
                    path=ticket_path(other.pk, target.customer_id),
                )
            )
    return CustomerView(ticket=ticket, messages=messages, others=others)


def last_message_id(ticket: Ticket) -> str:
    """The Message-ID a customer's follow-up answers, so it threads onto this ticket."""
    article = (
        ticket.articles.filter(
            Q(direction=Article.Direction.IN)
            | Q(direction=Article.Direction.OUT, kind__in=CUSTOMER_VISIBLE_OUT)
        )
        .exclude(message_id="")
        .order_by("created_at", "id")
        .last()
    )
    return article.message_id if article else ""
