"""Stalled tickets (MISSION A8): no agent action within the queue's limit moves the ticket on, and the lead hears.

A ticket is stalled when it is active, assigned, and neither its assignment nor the last reply,
note or change by an agent is younger than the queue's `stall_minutes`. The later of the two counts,
so a move (which sets a fresh `assigned_at`) gives the new owner the whole limit: no ping-pong.
A queue with a limit of 0 never stalls.
The queue's leads get one mail per move, through the outbox, keyed by ticket, previous owner and
the moment the stall began, so a pass run twice cannot tell them twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dapjang.agents.models import Agent
from dapjang.agents.services import leads_of
from dapjang.mail.ids import message_id_make
from dapjang.mail.outbox import outbox_enqueue
from dapjang.mail.render import AutomaticMail, automatic_mail_bytes, envelope_sender
from dapjang.routing.pool import ACTIVE, Candidate, Pool, chunked, ticket_give
from dapjang.tickets.models import Queue, Ticket, TicketEvent
from dapjang.tickets.queues import queue_from_address

STALL_EVENT = "stalled"
EXAMINE_FACTOR = 5  # tickets looked at per move allowed: bounds a pass where few can move


def stalled_tickets(queue: Queue, *, now: datetime) -> QuerySet[Ticket]:
    """The queue's active, assigned tickets with no assignment and no agent action within its limit."""
    cut = now - timedelta(minutes=queue.stall_minutes)
    return (
        Ticket.objects.filter(queue=queue, status__in=ACTIVE, assignee__isnull=False)
        .filter(Q(assigned_at__lt=cut) | Q(assigned_at__isnull=True, created_at__lt=cut))
        .filter(Q(last_agent_action_at__isnull=True) | Q(last_agent_action_at__lt=cut))
    )


@dataclass(frozen=True)
class QueueNotice:
    """What telling a queue's leads needs, read once per queue in a pass rather than once a ticket."""

    queue: Queue
    leads: list[Agent]
    from_email: str
    names: dict[int, str]  # agent names by user id, for the note and the mail

    @classmethod
    def load(cls, queue: Queue, names: dict[int, str]) -> QueueNotice:
        leads = list(leads_of(queue).filter(user__is_active=True).select_related("user"))
        return cls(queue=queue, leads=leads, from_email=queue_from_address(queue), names=names)


def stall_sweep(*, now: datetime, pool: Pool, limit: int) -> int:
    """Moves up to `limit` stalled tickets to another available member; returns how many moved.

    A ticket nobody else can take (the only member, everyone full) stays where it is. When one
    available member is left in a queue, their own tickets are not even looked at, so they cannot
    crowd the batch out pass after pass.
    """
    moved = 0
    names = dict(Agent.objects.values_list("user_id", "name"))
    for queue in Queue.objects.filter(stall_minutes__gt=0).order_by("id"):
        if moved >= limit:
            break
        members = [c for c in pool.candidates.values() if queue.id in c.queue_ids]
        if not members:
            continue
        stalled = stalled_tickets(queue, now=now)
        if len(members) == 1:
            stalled = stalled.exclude(assignee_id=members[0].user_id)
        budget = (limit - moved) * EXAMINE_FACTOR
        notice: QueueNotice | None = None
        for chunk in chunked(stalled.select_related("assignee").order_by("assigned_at", "id")[:budget]):
            if moved >= limit:
                break
            with transaction.atomic():
                for ticket in chunk:
                    taker = pool.pick(queue.id, ticket.language, exclude_user_ids=[ticket.assignee_id or 0])
                    if taker is not None and moved < limit:
                        notice = notice or QueueNotice.load(queue, names)
                        moved += ticket_stall_move(ticket, notice, to=taker, now=now, pool=pool)
    return moved


def ticket_stall_move(
    ticket: Ticket, notice: QueueNotice, *, to: Candidate, now: datetime, pool: Pool
) -> bool:
    """Moves one stalled ticket, notes why, records a `stalled` event and tells the queue's leads."""
    queue = notice.queue
    old_email = ticket.assignee.email if ticket.assignee else ""
    old_name = notice.names.get(ticket.assignee_id or 0, old_email)
    since = max(t for t in (ticket.assigned_at or ticket.created_at, ticket.last_agent_action_at) if t)
    with translation.override(settings.LANGUAGE_CODE):
        note = _("Moved from %(old)s to %(new)s: no agent action for %(minutes)s minutes.") % {
            "old": old_name,
            "new": to.name,
            "minutes": queue.stall_minutes,
        }
    if not ticket_give(ticket, to=to, now=now, pool=pool, note=note):
        return False
    TicketEvent.objects.create(
        ticket=ticket, actor=None, field=STALL_EVENT, old=old_email[:300], new=to.email
    )
    stall_key = f"{ticket.pk}:{old_email}:{int(since.timestamp())}"
    leads_notify(ticket, notice, old_name=old_name, new_name=to.name, since=since, key=stall_key)
    return True


def _language_of(lead: Agent) -> str:
    first = next((str(x) for x in lead.languages or [] if x in ("ko", "en")), "")
    return first or settings.LANGUAGE_CODE


def leads_notify(
    ticket: Ticket, notice: QueueNotice, *, old_name: str, new_name: str, since: datetime, key: str
) -> int:
    """One "notification" mail to each active lead of the queue, in the lead's language; how many queued."""
    queued = 0
    queue, from_email = notice.queue, notice.from_email
    sender = queue.sender_name or settings.DAPJANG_COMPANY_NAME
    for lead in notice.leads:
        language = _language_of(lead)
        values = {
            "number": ticket.number,
            "subject": ticket.subject,
            "queue": queue.name,
            "old": old_name,
            "new": new_name,
            "since": timezone.localtime(since).strftime("%Y-%m-%d %H:%M"),
            "minutes": queue.stall_minutes,
        }
        with translation.override(language):
            subject = _("[#%(number)s] Stalled ticket moved to %(new)s") % values
            body = (
                _(
                    "Ticket #%(number)s \u201c%(subject)s\u201d in %(queue)s had no agent action since "
                    "%(since)s (limit: %(minutes)s minutes).\n"
                    "It moved from %(old)s to %(new)s.\n\n"
                    "Open it in the console: /t/%(number)s/"
                )
                % values
            )
        message_id = message_id_make()
        mail = AutomaticMail(
            from_name=sender,
            from_email=from_email,
            to_email=lead.user.email,
            to_name=lead.name,
            subject=subject,
            body=body,
            message_id=message_id,
            in_reply_to="",
            references=(),
            language=language,
            auto_submitted="auto-generated",
        )
        _row, created = outbox_enqueue(
            idempotency_key=f"stall:{key}:{lead.pk}",
            kind="notification",
            ticket_id=ticket.pk,
            to_email=lead.user.email,
            envelope_from=envelope_sender(),
            subject=subject,
            message_id=message_id,
            data=automatic_mail_bytes(mail),
        )
        queued += created
    return queued
