"""Assignment (MISSION A9): the available queue member with the smallest unanswered load."""

from __future__ import annotations

from datetime import datetime

from dapjang.tickets.models import Ticket


def ticket_assign_new(ticket: Ticket, *, now: datetime) -> None:
    return None


def ticket_assign_reopened(ticket: Ticket, *, now: datetime) -> None:
    """A customer's reply reopened the ticket: it needs an agent again if it has none."""
    return
