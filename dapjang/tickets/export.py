"""Tickets as plain dictionaries for `dapjang export tickets` (the contract in DESIGN.md §5)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Prefetch

from dapjang.tickets.models import Article, Attachment, Ticket


def ticket_export_rows(*, queue: str | None = None, chunk: int = 500) -> Iterator[dict[str, Any]]:
    tickets = Ticket.objects.select_related("queue", "customer", "assignee").order_by("id")
    if queue:
        tickets = tickets.filter(queue__slug=queue)
    articles = Article.objects.order_by("created_at", "id").prefetch_related(
        Prefetch("attachments", queryset=Attachment.objects.order_by("id"))
    )
    for ticket in tickets.prefetch_related(Prefetch("articles", queryset=articles)).iterator(
        chunk_size=chunk
    ):
        yield ticket_export_row(ticket)


def ticket_export_row(ticket: Ticket) -> dict[str, Any]:
    customer = ticket.customer
    first_in = next((a for a in ticket.articles.all() if a.direction == Article.Direction.IN), None)
    return {
        "number": ticket.number,
        "subject": ticket.subject,
        "status": ticket.status,
        "queue": ticket.queue.slug,
        "priority": Ticket.Priority(ticket.priority).name.lower(),
        "assignee": ticket.assignee.get_username() if ticket.assignee else None,
        "customer": {
            "email": customer.email if customer else (first_in.from_email if first_in else ""),
            "name": customer.name if customer else (first_in.from_name if first_in else ""),
        },
        "created_at": ticket.created_at.isoformat(),
        "kind": ticket.kind,
        "flags": ticket.flags,
        "messages": [
            {
                "message_id": a.message_id,
                "direction": a.direction,
                "kind": a.kind,
                "from": a.from_email,
                "to": a.to,
                "cc": a.cc,
                "subject": a.subject,
                "text": a.text,
                "attachments": [
                    {
                        "filename": f.filename,
                        "content_type": f.content_type,
                        "size": f.size,
                        "sha256": f.sha256,
                    }
                    for f in a.attachments.all()
                ],
            }
            for a in ticket.articles.all()
        ],
    }
