"""The reply promise on a ticket (MISSION A5): its due times in business hours."""

from __future__ import annotations

from datetime import datetime

from dapjang.tickets.models import Ticket


def ticket_clock_start(ticket: Ticket, *, now: datetime) -> None:
    """A new ticket's first-response and resolution targets, from its queue's policy."""
    return


def ticket_clock_update(ticket: Ticket, *, now: datetime) -> None:
    """After a reply, a status change or a customer's mail: the next target becomes `due_at`."""
    return
