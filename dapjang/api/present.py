"""Rows to response schemas, field by field, so what the API shows is decided here and nowhere else."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.urls import reverse

from dapjang.api.schemas import (
    PRIORITY_NAMES,
    ArticleOut,
    AttachmentOut,
    CustomerOut,
    CustomerRef,
    EventOut,
    TicketDetail,
    TicketOut,
)
from dapjang.customers.models import Customer
from dapjang.tickets.models import Article, Attachment, Ticket, TicketEvent


def for_summary(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return tickets.select_related("queue", "customer", "assignee")


def for_detail(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    articles = Article.objects.select_related("author__user").prefetch_related(
        Prefetch("attachments", queryset=Attachment.objects.order_by("id"))
    )
    events = TicketEvent.objects.select_related("actor__user").order_by("created_at", "id")
    return for_summary(tickets).prefetch_related(
        Prefetch("articles", queryset=articles.order_by("created_at", "id")),
        Prefetch("events", queryset=events),
    )


def ticket_url(number: str) -> str:
    return reverse("api:ticket_get", kwargs={"number": number})


def ticket_out(ticket: Ticket) -> TicketOut:
    customer = ticket.customer
    return TicketOut(
        number=ticket.number,
        subject=ticket.subject,
        status=ticket.status,
        priority=PRIORITY_NAMES.get(ticket.priority, str(ticket.priority)),
        queue=ticket.queue.slug,
        queue_name=ticket.queue.name,
        assignee=ticket.assignee.email if ticket.assignee else None,
        customer=(
            CustomerRef(id=customer.pk, email=customer.email, name=customer.name, segment=customer.segment)
            if customer
            else None
        ),
        channel=ticket.channel,
        language=ticket.language,
        kind=ticket.kind,
        tags=[str(t) for t in ticket.tags or []],
        topic=ticket.topic,
        confidence=ticket.confidence,
        triage=ticket.triage,
        due_at=ticket.due_at,
        first_response_at=ticket.first_response_at,
        auto_answered=ticket.auto_answered_at is not None,
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
        url=ticket_url(ticket.number),
    )


def attachment_out(ticket: Ticket, attachment: Attachment) -> AttachmentOut:
    return AttachmentOut(
        id=attachment.pk,
        filename=attachment.filename,
        content_type=attachment.content_type,
        size=attachment.size,
        sha256=attachment.sha256,
        inline=attachment.inline,
        url=reverse("api:attachment_get", kwargs={"number": ticket.number, "attachment_id": attachment.pk}),
    )


def article_out(ticket: Ticket, article: Article) -> ArticleOut:
    return ArticleOut(
        id=article.pk,
        direction=article.direction,
        kind=article.kind,
        from_email=article.from_email,
        from_name=article.from_name,
        to=[str(a) for a in article.to or []],
        cc=[str(a) for a in article.cc or []],
        subject=article.subject,
        text=article.text,
        message_id=article.message_id,
        in_reply_to=article.in_reply_to,
        author=article.author.user.email if article.author else None,
        created_at=article.created_at,
        attachments=[attachment_out(ticket, a) for a in article.attachments.all()],
    )


def event_out(event: TicketEvent) -> EventOut:
    old, new = event.old, event.new
    if event.field == "priority":  # stored as numbers; the API speaks of priorities by name
        old, new = (PRIORITY_NAMES.get(int(v), v) if v.isdigit() else v for v in (old, new))
    return EventOut(
        field=event.field,
        old=old,
        new=new,
        actor=event.actor.user.email if event.actor else None,
        created_at=event.created_at,
    )


def ticket_detail(ticket: Ticket) -> TicketDetail:
    """Expects a ticket loaded through `for_detail`, so a long conversation costs four queries."""
    return TicketDetail(
        **dict(ticket_out(ticket)),
        articles=[article_out(ticket, a) for a in ticket.articles.all()],
        events=[event_out(e) for e in ticket.events.all()],
    )


def customer_out(customer: Customer, tickets: list[Ticket]) -> CustomerOut:
    return CustomerOut(
        id=customer.pk,
        name=customer.name,
        email=customer.email,
        segment=customer.segment,
        language=customer.language,
        first_contact=customer.created_at,
        tickets=[ticket_out(t) for t in tickets],
    )
