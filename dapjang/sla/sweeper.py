"""The SLA's scheduled pass: holding replies before a miss, escalation at a breach.

The clock is a parameter, so a test plays a whole week with a holiday in seconds. Every question is
asked of the (status, due_at) index, in bounded batches ordered by due time, and every action is
claimed first with a conditional UPDATE on the ticket: of two sweepers running at once, exactly one
sees "1 row changed" and acts, the other moves on. Each ticket is its own transaction, so one bad
ticket does not hold back the rest.

A holding reply is sent once per ticket (`holding_sent_at` still empty). An escalation is sent once
per missed target: the claim sets `escalated_at` to the sweep's time, which is after the due time it
reports, so a ticket is claimable again only when its `due_at` moved past its last escalation — the
resolution target after a first-response breach, the fresh window of a reopen, a later target after
a move to another queue (see `unescalated`).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from dapjang.mail.tasks import outbox_dispatch
from dapjang.sla.calendar import add_business_minutes
from dapjang.sla.escalate import ticket_escalate
from dapjang.sla.holding import holding_send
from dapjang.sla.models import SlaPolicy
from dapjang.sla.policies import policies_by_queue
from dapjang.tickets.models import Ticket
from dapjang.tickets.queues import AddressBook

log = logging.getLogger("dapjang.sla.sweeper")

BATCH = 200
RUNNING = (Ticket.Status.NEW, Ticket.Status.OPEN)


@dataclass
class SweepReport:
    holding: list[str] = field(default_factory=list)  # ticket numbers
    escalated: list[str] = field(default_factory=list)
    more: bool = False  # a batch was full: the next run continues

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _scopes(default: SlaPolicy, own: dict[int, SlaPolicy]) -> list[tuple[SlaPolicy, Q]]:
    """Each policy with the tickets it governs: a queue's own, and the default for all the others."""
    scopes = [(policy, Q(queue_id=queue_id)) for queue_id, policy in own.items()]
    scopes.append((default, ~Q(queue_id__in=list(own))))
    return scopes


def _holding_due(policy: SlaPolicy, where: Q, now: datetime, batch: int) -> list[int]:
    """Tickets without a first answer whose target is within the lead time (in business minutes).

    Business minutes grow with wall time, so "at most `lead` business minutes left" is exactly
    "due no later than now + `lead` business minutes": one range on the due index.
    """
    horizon = add_business_minutes(now, policy.holding_lead_minutes, policy.calendar())
    rows = Ticket.objects.filter(where, unheld(), status__in=RUNNING, due_at__lte=horizon).order_by(
        "due_at", "id"
    )
    return list(rows.values_list("id", flat=True)[:batch])


def _holding_one(ticket_id: int, policy: SlaPolicy, book: AddressBook, now: datetime) -> str | None:
    with transaction.atomic():
        claimed = Ticket.objects.filter(unheld(), id=ticket_id, status__in=RUNNING).update(
            holding_sent_at=now
        )
        if claimed != 1:
            return None
        ticket = Ticket.objects.select_related("queue", "customer").get(id=ticket_id)
        holding_send(ticket, policy, book=book, now=now)
        return ticket.number


def unheld() -> Q:
    """Tickets that may still get their one holding reply: none sent yet, and nobody (an agent or the
    FAQ) has answered."""
    return Q(holding_sent_at__isnull=True, first_response_at__isnull=True, auto_answered_at__isnull=True)


def unescalated() -> Q:
    """Tickets whose current target has not been escalated: never escalated, or only before it was due.

    An escalation always happens after the due time it reports (`due_at < now`), so an `escalated_at`
    earlier than `due_at` belongs to an earlier target.
    """
    return Q(escalated_at__isnull=True) | Q(escalated_at__lt=F("due_at"))


def _escalate_one(ticket_id: int, policy: SlaPolicy, now: datetime) -> str | None:
    with transaction.atomic():
        claimed = Ticket.objects.filter(
            unescalated(), id=ticket_id, status__in=RUNNING, due_at__lt=now
        ).update(escalated_at=now)
        if claimed != 1:
            return None
        ticket = Ticket.objects.select_related("queue", "customer", "assignee").get(id=ticket_id)
        ticket_escalate(ticket, policy, now=now)
        return ticket.number


def sla_sweep(*, now: datetime | None = None, batch: int = BATCH) -> dict[str, Any]:
    """One pass: holding replies first (so an escalation can say one went out), then breaches."""
    now = now or timezone.now()
    report = SweepReport()
    default, own = policies_by_queue()
    book = AddressBook.load()
    for policy, where in _scopes(default, own):
        if policy.holding_enabled:
            ids = _holding_due(policy, where, now, batch)
            report.more |= len(ids) == batch
            for ticket_id in ids:
                number = _holding_one(ticket_id, policy, book, now)
                if number:
                    report.holding.append(number)
        if policy.escalation_enabled:
            breached = Ticket.objects.filter(
                where, unescalated(), status__in=RUNNING, due_at__lt=now
            ).order_by("due_at", "id")
            ids = list(breached.values_list("id", flat=True)[:batch])
            report.more |= len(ids) == batch
            for ticket_id in ids:
                number = _escalate_one(ticket_id, policy, now)
                if number:
                    report.escalated.append(number)
    if report.holding or report.escalated:
        log.info("sla sweep: %d holding replies, %d escalations", len(report.holding), len(report.escalated))
        outbox_dispatch()
    return report.as_dict()
