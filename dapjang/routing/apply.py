"""Routing a new ticket (MISSION A7, B3): the admins' rules first, then the topic classifier."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dapjang.tickets.dispatch import NewTicket


def ticket_route(new: NewTicket) -> None:
    """Sets the ticket's queue, priority, tags and customer segment, or puts it in triage."""
    return
