"""The automatic FAQ answer to a new ticket (MISSION A11, B3), sent through the outbox."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dapjang.tickets.context import PipelineContext
    from dapjang.tickets.dispatch import NewTicket


def ticket_autoanswer(new: NewTicket, ctx: PipelineContext) -> bool:
    """Queues the FAQ answer when it fully answers the mail; True when it did (no ack then)."""
    return False
