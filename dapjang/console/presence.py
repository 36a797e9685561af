"""Presence: "김민지 님도 보고 있습니다" when two agents have the same ticket open.

Each open ticket page posts a heartbeat every HEARTBEAT_SECONDS; an agent counts as viewing while
their last heartbeat is younger than FRESH_SECONDS (two missed beats), so a closed tab fades out
without any "leave" message, which browsers do not deliver reliably anyway.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from dapjang.agents.models import Agent
from dapjang.console.models import Viewing
from dapjang.tickets.models import Ticket

HEARTBEAT_SECONDS = 15
FRESH_SECONDS = 40
KEEP = timedelta(days=1)


def viewing_touch(*, agent: Agent, ticket: Ticket) -> None:
    """Records a heartbeat: one UPDATE in the common case, an INSERT on the first beat."""
    now = timezone.now()
    if Viewing.objects.filter(agent=agent, ticket=ticket).update(seen_at=now):
        return
    Viewing.objects.bulk_create([Viewing(agent=agent, ticket=ticket, seen_at=now)], ignore_conflicts=True)
    # New rows are rare (one per agent and ticket), so old ones are cleared here, not by a job.
    Viewing.objects.filter(seen_at__lt=now - KEEP).delete()


def viewers_of(ticket: Ticket, *, besides: Agent) -> list[Agent]:
    """The other agents whose page for this ticket is open now."""
    since = timezone.now() - timedelta(seconds=FRESH_SECONDS)
    return list(
        Agent.objects.filter(viewings__ticket=ticket, viewings__seen_at__gte=since)
        .exclude(pk=besides.pk)
        .order_by("name")
    )
