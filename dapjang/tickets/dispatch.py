"""A new ticket's later steps (DESIGN §1): route, answer by itself or acknowledge, assign, start the clock.

They run in the pipeline's unit of work, so a crash leaves the ticket with all of them or no ticket
at all, and the mail is processed again from its raw bytes. Each step belongs to its domain and is
called here in order: routing first (it decides the queue every later step reads), then the
automatic answer (a ticket answered by the FAQ waits on the customer and needs no agent yet), then
assignment and the reply promise, and last the acknowledgement, which can then name the agent's
queue and the due time, and is not sent when an automatic answer already went out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from dapjang.knowledge.answer import ticket_autoanswer
from dapjang.mail.kinds import Kind
from dapjang.mail.parse import ParsedMail
from dapjang.routing.apply import ticket_route
from dapjang.routing.assign import ticket_assign_new, ticket_assign_reopened
from dapjang.sla.clock import ticket_clock_start, ticket_clock_update
from dapjang.tickets.acknowledge import ticket_acknowledge
from dapjang.tickets.context import PipelineContext
from dapjang.tickets.models import Article, Ticket

FORM_HEADER = "x-dapjang-form-"


@dataclass(frozen=True)
class NewTicket:
    """What the later steps may read about a ticket the pipeline just made."""

    ticket: Ticket
    article: Article  # the customer's first mail
    mail: ParsedMail
    kind: Kind
    channel: str  # smtp, imap, file, form, api
    verified: bool  # the sender is unambiguous (no multiple or look-alike From)
    now: datetime
    # The contact form's fields (topic, product, …), trusted only when the channel is "form": an
    # e-mail could carry the same headers to route itself.
    form: dict[str, str] = field(default_factory=dict)

    @property
    def live(self) -> bool:
        """Mail arriving now, not history: an import of old mail from files (`dapjang import`) must
        not write to customers about it, nor start a reply promise that is already years late."""
        return self.channel != "file"

    @property
    def answerable(self) -> bool:
        """Live human mail from a clear sender: the only kind we ever write back to by ourselves."""
        return self.kind is Kind.HUMAN and self.verified and self.live


def form_fields(mail: ParsedMail, channel: str) -> dict[str, str]:
    if channel != "form":
        return {}
    return {k[len(FORM_HEADER) :]: v for k, v in mail.headers.items() if k.startswith(FORM_HEADER)}


def ticket_dispatch(new: NewTicket, ctx: PipelineContext) -> None:
    """The later steps for a new ticket, in order; each is idempotent on its own fields."""
    ticket = new.ticket
    ticket_route(new)
    answered = ticket_autoanswer(new, ctx) if new.answerable else False
    ticket_assign_new(ticket, now=new.now)
    if new.live:
        ticket_clock_start(ticket, now=new.now)
    if new.answerable and not answered:
        ticket_acknowledge(ticket=ticket, article=new.article, mail=new.mail, ctx=ctx, fresh=True)
    Ticket.objects.filter(pk=ticket.pk).update(dispatched_at=new.now)
    ticket.dispatched_at = new.now


def ticket_customer_replied(ticket: Ticket, *, now: datetime) -> None:
    """A customer's mail on an existing ticket: it may need an agent again, and its clock moves."""
    ticket_assign_reopened(ticket, now=now)
    ticket_clock_update(ticket, now=now)
