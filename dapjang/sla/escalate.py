"""Escalation at a breach: the queue's team leads (else the desk admins) hear of each missed target once.

A ticket can miss more than one promise: its first response, later its resolution, and after the
customer reopens it past the resolution target, the fresh window the reopen gave it (clock.py).
Each of these is one breach and one notice. The notice is for our own staff, so it is not subject
to the per-recipient caps that protect customers from loops: a lead must not miss the twenty-first
breach of a bad day. It is bounded anyway, to one mail per breach and lead: the outbox's
idempotency key `escalate:<ticket>:<target>:<due time>:<agent>` names the target and the due time
that was missed, so the same breach never mails twice, whoever claims it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings
from django.db.models import Q
from django.urls import reverse

from dapjang.agents.models import Agent
from dapjang.mail.ids import message_id_make
from dapjang.mail.outbox import outbox_enqueue
from dapjang.mail.render import AutomaticMail, automatic_mail_bytes, envelope_sender, template_render
from dapjang.sla import texts
from dapjang.sla.clock import responded
from dapjang.sla.models import SlaPolicy
from dapjang.tickets.models import Ticket, TicketEvent
from dapjang.tickets.queues import queue_from_address

KIND = "notification"
NOBODY_TOLD = "nobody: no lead or admin"  # the trail's note when a queue has no lead and the desk no admin


def escalation_targets(queue_id: int) -> list[Agent]:
    """The queue's team leads; with none, the desk's administrators. Active logins with an address."""
    active = Agent.objects.select_related("user").filter(user__is_active=True).exclude(user__email="")
    leads = list(active.filter(memberships__queue_id=queue_id, memberships__is_lead=True).order_by("id"))
    if leads:
        return leads
    return list(active.filter(Q(role=Agent.Role.ADMIN) | Q(user__is_superuser=True)).order_by("id"))


def _language(agent: Agent) -> str:
    for language in agent.languages or []:
        if language in texts.ESCALATION:
            return str(language)
    return settings.LANGUAGE_CODE if settings.LANGUAGE_CODE in texts.ESCALATION else "ko"


def missed_target(ticket: Ticket) -> str:
    """Which promise `due_at` stands for: the first response until someone answered, then the resolution."""
    return "resolution" if responded(ticket) else "first"


def breach_key(ticket: Ticket, *, now: datetime) -> str:
    """`<target>:<due time>`: names one breach, so a new target or a new due time is a new one."""
    due = ticket.due_at or now
    return f"{missed_target(ticket)}:{due.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def ticket_escalate(ticket: Ticket, policy: SlaPolicy, *, now: datetime) -> list[str]:
    """Notifies every target and records one `sla` event; the caller has claimed the ticket.

    Returns the addresses told, so the sweep can report them.
    """
    which = missed_target(ticket)
    missed = breach_key(ticket, now=now)
    # A sweep that did not run for days, or a ticket nobody answered past its resolution target, has
    # missed both promises at once. The resolution miss gets no notice of its own later (this claim's
    # `escalated_at` is after it), so this one names it.
    also_missed = ticket.resolution_due_at if which == "first" else None
    if also_missed is not None and also_missed >= now:
        also_missed = None
    targets = escalation_targets(ticket.queue_id)
    queue = ticket.queue
    calendar = policy.calendar()
    customer = ticket.customer if ticket.customer_id else None
    told: list[str] = []
    for agent in targets:
        language = _language(agent)
        values = {
            "ticket_number": ticket.number,
            "subject": ticket.subject,
            "lead_name": agent.name,
            "queue_name": queue.name,
            "target": texts.TARGET[which][language],
            "due": texts.when_text(ticket.due_at or now, calendar.tz, language, now=now),
            "also_missed": texts.when_text(also_missed, calendar.tz, language, now=now)
            if also_missed
            else "",
            "customer": str(customer) if customer else "-",
            "assignee": ticket.assignee.email
            if ticket.assignee_id and ticket.assignee
            else texts.NOBODY[language],
            "holding": (texts.HOLDING_SENT if ticket.holding_sent_at else texts.HOLDING_NOT_SENT)[language],
            "path": reverse("console:ticket", args=[ticket.number]),
            "company": settings.DAPJANG_COMPANY_NAME,
        }
        subject_tpl, body_tpl = texts.ESCALATION[language]
        message_id = message_id_make()
        auto = AutomaticMail(
            from_name=settings.DAPJANG_COMPANY_NAME,
            from_email=queue_from_address(queue),
            to_email=agent.user.email,
            to_name=agent.name,
            subject=template_render(subject_tpl, values),
            body=template_render(body_tpl, values),
            message_id=message_id,
            in_reply_to="",
            references=(),
            language=language,
            auto_submitted="auto-generated",
        )
        outbox_enqueue(
            idempotency_key=f"escalate:{ticket.id}:{missed}:{agent.id}",
            kind=KIND,
            ticket_id=ticket.id,
            to_email=agent.user.email,
            envelope_from=envelope_sender(),
            subject=auto.subject,
            message_id=message_id,
            data=automatic_mail_bytes(auto),
        )
        told.append(agent.user.email)
    targets_missed = f"{which} and resolution targets" if also_missed else f"{which} target"
    summary = f"escalated ({targets_missed} missed) to {', '.join(told) or NOBODY_TOLD}"
    TicketEvent.objects.create(ticket=ticket, actor=None, field="sla", old="", new=summary[:300])
    return told
