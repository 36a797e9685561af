"""A ticket moved to another queue: its reply promise is counted again with that queue's policy.

The promise is the promise of the queue that answers (docs/sla.md): mail that landed in the general
queue and was sent on to shipping is due when shipping promises, in shipping's business hours. Only
the targets not yet met are counted again, and from the same start as before — the ticket's arrival,
or the restart after a late reopen (clock.py) — so a move neither resets the clock nor forgives the
time already spent. A first response already given stays as it was (on time or late); a solved or
closed ticket keeps its targets as they were. A VIP customer gets the new policy's VIP factor. The
priority is left alone: the clock's start raised it once for a VIP, and an agent may have changed it
since.

Every code path that changes a ticket's queue calls `sla_requeue` after writing the queue: the
console, the API and the triage pick (tickets/services.ticket_change), routing (routing/apply: rules,
the contact form, the classifier — before the clock starts, where it changes nothing) and the admin.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from dapjang.sla import texts
from dapjang.sla.calendar import add_business_minutes
from dapjang.sla.clock import next_due, responded, ticket_segment
from dapjang.sla.policies import policy_for, targets_for
from dapjang.tickets.models import Ticket, TicketEvent

if TYPE_CHECKING:
    from dapjang.agents.models import Agent

RESOLVED = (Ticket.Status.SOLVED, Ticket.Status.CLOSED)
CLOCK_FIELDS = ("first_response_due_at", "resolution_due_at", "due_at")


def sla_requeue(ticket: Ticket, *, now: datetime, actor: Agent | None = None) -> bool:
    """Counts the ticket's unmet targets again from its (new) queue's policy; True when one changed.

    A ticket that never had a promise (not a person's mail, imported history) is left alone without
    a query. A change is written with an UPDATE of the clock's own fields and one `sla` event.
    """
    if ticket.first_response_due_at is None and ticket.resolution_due_at is None:
        return False
    if ticket.status in RESOLVED:
        return False  # nothing is left to meet; the promise stays on record as it was
    before = {name: getattr(ticket, name) for name in CLOCK_FIELDS}
    policy = policy_for(ticket.queue_id)
    calendar = policy.calendar()
    targets = targets_for(policy, ticket_segment(ticket))
    arrival = ticket.clock_started_at or ticket.created_at  # no start on record: older than the field
    if not responded(ticket):
        ticket.first_response_due_at = add_business_minutes(arrival, targets.first_response, calendar)
    if ticket.clock_restarted_at is not None:
        start, minutes = ticket.clock_restarted_at, targets.first_response
    else:
        start, minutes = arrival, targets.resolution
    ticket.resolution_due_at = add_business_minutes(start, minutes, calendar)
    ticket.due_at = next_due(ticket)
    changed = {name: getattr(ticket, name) for name in CLOCK_FIELDS if getattr(ticket, name) != before[name]}
    if not changed:
        return False
    Ticket.objects.filter(pk=ticket.pk).update(**changed)
    TicketEvent.objects.create(
        ticket=ticket, actor=actor, field="sla", old="", new=_recounted(ticket, calendar.tz, now)[:300]
    )
    return True


def _recounted(ticket: Ticket, tz: ZoneInfo, now: datetime) -> str:
    """The trail line, in the desk's language: which queue's promise, and what is due when."""
    language = settings.LANGUAGE_CODE
    when_language = "ko" if language == "ko" else "en"

    def when(instant: datetime | None) -> str:
        return texts.when_text(instant, tz, when_language, now=now) if instant else "-"

    with translation.override(language):
        if responded(ticket):
            return _("Counted again for the queue %(queue)s: resolution by %(resolution)s.") % {
                "queue": ticket.queue.name,
                "resolution": when(ticket.resolution_due_at),
            }
        return _(
            "Counted again for the queue %(queue)s: first response by %(first)s, resolution by %(resolution)s."
        ) % {
            "queue": ticket.queue.name,
            "first": when(ticket.first_response_due_at),
            "resolution": when(ticket.resolution_due_at),
        }
