"""Assignment (MISSION A9): the available queue member with the smallest unanswered load."""

from __future__ import annotations

from datetime import datetime

from dapjang.agents.models import Agent
from dapjang.routing.absence import assignee_unavailable, ticket_move_away
from dapjang.routing.pool import ACTIVE, Pool, pool_load, ticket_give
from dapjang.tickets.models import Ticket


def ticket_assign_new(ticket: Ticket, *, now: datetime, pool: Pool | None = None) -> bool:
    """Gives an active, unassigned ticket to the least-loaded available member of its queue.

    Within capacity and speaking the ticket's language (an agent who lists no language takes any).
    Nobody fits: the ticket stays unassigned, in the queue's view, for the scheduled pass to retry.
    """
    if ticket.assignee_id is not None or ticket.status not in ACTIVE:
        return False
    pool = pool or pool_load(now=now, queue_id=ticket.queue_id)
    taker = pool.pick(ticket.queue_id, ticket.language)
    if taker is None:
        return False
    return ticket_give(ticket, to=taker, now=now, pool=pool)


def ticket_assign_reopened(ticket: Ticket, *, now: datetime) -> bool:
    """A customer's reply made the ticket active again: it needs an agent who is here.

    No assignee: assigned like a new ticket. An assignee away or gone (login disabled, no longer an
    agent): moved the way an absence moves tickets, so they come back on return if the agent asked.
    """
    if ticket.status not in ACTIVE:
        return False
    if ticket.assignee_id is None:
        return ticket_assign_new(ticket, now=now)
    holder = Agent.objects.select_related("user").filter(user_id=ticket.assignee_id).first()
    if not assignee_unavailable(holder, ticket, now=now):
        return False
    return ticket_move_away(ticket, holder, now=now)
