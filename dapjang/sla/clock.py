"""The reply promise on a ticket (MISSION A5): its due times in business hours.

Rules, kept simple on purpose (docs/sla.md):
- The clock starts when the pipeline makes a ticket from a person's mail (kind "human"); bulk mail,
  auto-replies and bounces get no promise, so they never breach or escalate.
- First response and resolution are counted from arrival in the queue policy's business time; a VIP
  customer's targets are multiplied by the policy's VIP factor and the priority raised to at least
  high; abusive customers keep the ordinary targets.
- `due_at` is the next target: the first response until someone answered (an agent's reply or an
  automatic FAQ answer), then the resolution. While the ticket waits on the customer, or is solved
  or closed, nothing is due and `due_at` is empty. Waiting does not move the resolution target.
- When the clock starts again (the customer wrote back, an agent reopened it) after the resolution
  target has passed, the next answer is due one first-response window from then.
- A move to another queue counts the targets not yet met again with the new queue's policy, from
  the same start (sla/requeue.py).
"""

from __future__ import annotations

from datetime import datetime

from dapjang.sla.calendar import add_business_minutes
from dapjang.sla.policies import policy_for, targets_for
from dapjang.tickets.models import Ticket, TicketEvent

STOPPED = (Ticket.Status.WAITING, Ticket.Status.SOLVED, Ticket.Status.CLOSED)


def responded(ticket: Ticket) -> bool:
    """An agent's reply or an automatic FAQ answer both count as the first response."""
    return ticket.first_response_at is not None or ticket.auto_answered_at is not None


def next_due(ticket: Ticket) -> datetime | None:
    if ticket.status in STOPPED:
        return None
    return ticket.resolution_due_at if responded(ticket) else ticket.first_response_due_at


def ticket_segment(ticket: Ticket) -> str | None:
    """The customer's segment, which decides whether the policy's VIP factor applies."""
    customer = ticket.customer if ticket.customer_id else None
    return customer.segment if customer is not None else None


def ticket_clock_start(ticket: Ticket, *, now: datetime) -> None:
    """A new ticket's first-response and resolution targets, from its queue's policy.

    Idempotent: a ticket whose clock already runs keeps its targets.
    """
    if ticket.first_response_due_at is not None or ticket.kind != "human":
        return
    policy = policy_for(ticket.queue_id)
    calendar = policy.calendar()
    targets = targets_for(policy, ticket_segment(ticket))
    fields: dict[str, object] = {
        "first_response_due_at": add_business_minutes(now, targets.first_response, calendar),
        "resolution_due_at": add_business_minutes(now, targets.resolution, calendar),
    }
    ticket.first_response_due_at = fields["first_response_due_at"]  # type: ignore[assignment]
    ticket.resolution_due_at = fields["resolution_due_at"]  # type: ignore[assignment]
    fields["clock_started_at"] = ticket.clock_started_at = now
    if targets.faster and ticket.priority < Ticket.Priority.HIGH:
        TicketEvent.objects.create(
            ticket=ticket,
            actor=None,
            field="priority",
            old=str(ticket.priority),
            new=str(Ticket.Priority.HIGH),
        )
        fields["priority"] = ticket.priority = Ticket.Priority.HIGH
    fields["due_at"] = ticket.due_at = next_due(ticket)
    Ticket.objects.filter(pk=ticket.pk).update(**fields)


def ticket_clock_update(ticket: Ticket, *, now: datetime) -> None:
    """After a reply, a status change or a customer's mail: the next target becomes `due_at`."""
    if ticket.first_response_due_at is None and ticket.resolution_due_at is None:
        return  # no promise was ever made (not a person's mail)
    fields: dict[str, object] = {}
    restarting = ticket.due_at is None and ticket.status not in STOPPED
    if (
        restarting
        and responded(ticket)
        and ticket.resolution_due_at is not None
        and ticket.resolution_due_at < now
    ):
        policy = policy_for(ticket.queue_id)
        targets = targets_for(policy, ticket_segment(ticket))
        fields["resolution_due_at"] = ticket.resolution_due_at = add_business_minutes(
            now, targets.first_response, policy.calendar()
        )
        fields["clock_restarted_at"] = ticket.clock_restarted_at = now
    due = next_due(ticket)
    if due != ticket.due_at:
        fields["due_at"] = ticket.due_at = due
    if fields:
        Ticket.objects.filter(pk=ticket.pk).update(**fields)
