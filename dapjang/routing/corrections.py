"""An agent moved a ticket to another queue: the classifier learns from the correction (MISSION A7)."""

from __future__ import annotations

from dapjang.agents.models import Agent
from dapjang.tickets.models import Queue, Ticket


def queue_corrected(ticket: Ticket, *, old_queue: Queue, agent: Agent) -> None:
    return None
