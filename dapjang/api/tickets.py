"""/api/tickets: each handler authenticates, takes its ticket from `tickets_visible_to`, calls a service.

A ticket outside the agent's queues is answered exactly like one that does not exist (404, never
403), so numbers cannot be probed for existence (RELIABILITY 34).
"""

from __future__ import annotations

import re
from typing import Annotated

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Path, Query, Router, Status

from dapjang.agents.models import Agent
from dapjang.agents.services import tickets_visible_to
from dapjang.api.auth import agent_from
from dapjang.api.errors import ApiError
from dapjang.api.present import article_out, for_detail, for_summary, ticket_detail, ticket_out
from dapjang.api.queries import ordering, reject_unknown_parameters, tickets_filtered
from dapjang.api.schemas import (
    PRIORITY_BY_NAME,
    ArticleOut,
    ErrorOut,
    NoteIn,
    ReplyIn,
    TicketDetail,
    TicketFilters,
    TicketPage,
    TicketPatch,
)
from dapjang.tickets.downloads import content_disposition
from dapjang.tickets.models import Attachment, Queue, Ticket
from dapjang.tickets.services import Change, attachment_bytes, ticket_change, ticket_note, ticket_reply

router = Router(tags=["tickets"])

DB_ID_MAX = 2**63 - 1  # a larger id is not a row; refused before it reaches the database
TicketNumber = Annotated[str, Path(max_length=40, description="The ticket number, e.g. 2026-000123.")]
_NUMBER = re.compile(r"[0-9A-Za-z-]{1,40}")

READ_ERRORS: dict[int, type[ErrorOut]] = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE_ERRORS: dict[int, type[ErrorOut]] = {**READ_ERRORS, 409: ErrorOut}


def visible_ticket(agent: Agent, number: str, tickets: QuerySet[Ticket] | None = None) -> Ticket:
    """The one way a handler gets a ticket: from what the agent may see, or a 404."""
    if not _NUMBER.fullmatch(number):
        raise Http404
    query = tickets if tickets is not None else tickets_visible_to(agent)
    ticket = query.filter(number=number).first()
    if ticket is None:
        raise Http404
    return ticket


def _for_update(agent: Agent) -> QuerySet[Ticket]:
    """Locks the ticket row until the change commits, so two writers cannot record the same "old" value."""
    return tickets_visible_to(agent).select_for_update(of=("self",))


def _detail(agent: Agent, number: str) -> Ticket:
    return visible_ticket(agent, number, for_detail(tickets_visible_to(agent)))


@router.get("/tickets", response={200: TicketPage, **READ_ERRORS}, summary="List the tickets you may see")
def ticket_list(request: HttpRequest, filters: Query[TicketFilters]) -> TicketPage:
    reject_unknown_parameters(request, TicketFilters.model_fields)
    agent = agent_from(request)
    sort = ordering(filters.sort)
    tickets = tickets_filtered(tickets_visible_to(agent), filters, agent)
    if not (filters.q and filters.q.strip()) or "sort" in request.GET:
        tickets = tickets.order_by(*sort)  # else: search's own order, best matches first
    page = for_summary(tickets)[filters.offset : filters.offset + filters.limit]
    return TicketPage(
        count=tickets.count(),
        limit=filters.limit,
        offset=filters.offset,
        items=[ticket_out(t) for t in page],
    )


@router.get("/tickets/{number}", response={200: TicketDetail, **READ_ERRORS}, summary="A ticket")
def ticket_get(request: HttpRequest, number: TicketNumber) -> TicketDetail:
    reject_unknown_parameters(request)
    return ticket_detail(_detail(agent_from(request), number))


@router.patch("/tickets/{number}", response={200: TicketDetail, **WRITE_ERRORS}, summary="Change a ticket")
def ticket_patch(request: HttpRequest, number: TicketNumber, payload: TicketPatch) -> TicketDetail:
    reject_unknown_parameters(request)
    agent = agent_from(request)
    with transaction.atomic():
        ticket = visible_ticket(agent, number, _for_update(agent))  # first: a 404 before any other answer
        queue = None
        if payload.queue is not None:
            queue = Queue.objects.filter(slug=payload.queue.strip()).first()
            if queue is None:
                raise ApiError(409, f"no queue '{payload.queue}' / 없는 큐입니다")
        change = Change(
            status=payload.status,
            priority=PRIORITY_BY_NAME[payload.priority] if payload.priority else None,
            queue=queue,
            assignee=_agent_by_email(payload.assignee) if payload.assignee is not None else None,
            unassign="assignee" in payload.model_fields_set and payload.assignee is None,
        )
        ticket_change(ticket, agent, change)
    after = for_detail(tickets_visible_to(agent)).filter(pk=ticket.pk).first()
    if after is None:
        # Moved to a queue the agent does not work: they were allowed to make this change, so they
        # see its outcome once, read by the id of the ticket found above; the next GET is a 404.
        after = for_detail(Ticket.objects.filter(pk=ticket.pk)).get()
    return ticket_detail(after)


def _agent_by_email(email: str) -> Agent:
    agent = (
        Agent.objects.select_related("user")
        .filter(user__email__iexact=email.strip(), user__is_active=True)
        .order_by("id")
        .first()
    )
    if agent is None:
        raise ApiError(409, f"no agent '{email}' / 없는 상담원입니다")
    return agent


@router.post(
    "/tickets/{number}/reply", response={201: ArticleOut, **WRITE_ERRORS}, summary="Answer the customer"
)
def ticket_reply_post(request: HttpRequest, number: TicketNumber, payload: ReplyIn) -> Status[ArticleOut]:
    reject_unknown_parameters(request)
    agent = agent_from(request)
    status_after = payload.status_after or Ticket.Status.WAITING
    with transaction.atomic():
        ticket = visible_ticket(agent, number, _for_update(agent))
        article = ticket_reply(ticket, agent, payload.body, cc=payload.cc, status_after=status_after)
    return Status(201, article_out(ticket, article))


@router.post(
    "/tickets/{number}/note", response={201: ArticleOut, **WRITE_ERRORS}, summary="Add an internal note"
)
def ticket_note_post(request: HttpRequest, number: TicketNumber, payload: NoteIn) -> Status[ArticleOut]:
    reject_unknown_parameters(request)
    agent = agent_from(request)
    ticket = visible_ticket(agent, number)
    article = ticket_note(ticket, agent, payload.body)
    return Status(201, article_out(ticket, article))


@router.get(
    "/tickets/{number}/attachments/{attachment_id}",
    response={200: None, **READ_ERRORS},
    summary="Download an attachment",
    openapi_extra={
        "responses": {
            200: {
                "description": "The file, always as a download (application/octet-stream).",
                "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def attachment_get(
    request: HttpRequest,
    number: TicketNumber,
    attachment_id: Annotated[int, Path(ge=1, le=DB_ID_MAX)],
) -> HttpResponse:
    reject_unknown_parameters(request)
    ticket = visible_ticket(agent_from(request), number)
    attachment = Attachment.objects.filter(pk=attachment_id, article__ticket=ticket).first()
    data = attachment_bytes(attachment) if attachment else None
    if attachment is None or data is None:
        raise Http404
    return download(data, attachment.filename)


def download(data: bytes, filename: str) -> HttpResponse:
    """Bytes a customer sent are never rendered by a browser on our origin (RELIABILITY 33).

    Always `application/octet-stream` (the real type is in the ticket's JSON), always a download,
    no sniffing, and a sandbox CSP in case something still opens it.
    """
    response = HttpResponse(data, content_type="application/octet-stream")
    response["Content-Disposition"] = content_disposition(filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
