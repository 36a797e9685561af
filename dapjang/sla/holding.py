"""The holding reply (MISSION A5): before a first answer would be late, the customer hears why and until when.

One per ticket, in the company's name and the ticket's language, threaded under the customer's
mail, through the outbox like every automatic mail. The same loop rules as the acknowledgement
hold: never to our own addresses, never to a bounced customer, never past the per-recipient caps;
a holding reply that may not go out is still written, as a suppressed row with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings

from dapjang.mail.ids import message_id_make
from dapjang.mail.models import Outbox
from dapjang.mail.render import AutomaticMail, template_render
from dapjang.sla import texts
from dapjang.sla.calendar import add_business_minutes, closed_days_between
from dapjang.sla.models import SlaPolicy
from dapjang.sla.policies import targets_for
from dapjang.tickets import defaults
from dapjang.tickets.automatic import automatic_refusal, automatic_send
from dapjang.tickets.models import Article, MailTemplate, Ticket, TicketEvent
from dapjang.tickets.queues import AddressBook, queue_from_address

KIND = "holding"
NO_ADDRESS_NOTE = "holding reply: no customer address"  # the trail's note; console/trail.py words it


@dataclass(frozen=True)
class Promise:
    """What the holding reply tells the customer: the new time and the reason for the delay."""

    until: datetime
    reason: str
    text: str  # `until` written out for the customer


def holding_promise(ticket: Ticket, policy: SlaPolicy, *, language: str, now: datetime) -> Promise:
    """One more first-response window after the missed target (or after now, if that already passed).

    The reason names the public holidays or company closed days between the customer's mail and the
    new time, if there are any; otherwise the honest default is the volume of enquiries.
    """
    calendar = policy.calendar()
    segment = ticket.customer.segment if ticket.customer_id and ticket.customer else None
    window = targets_for(policy, segment).first_response
    start = max(ticket.first_response_due_at or now, now)
    until = add_business_minutes(start, window, calendar)
    holidays = closed_days_between(ticket.created_at, until, calendar, language)
    return Promise(
        until=until,
        reason=texts.holding_reason(holidays, language),
        text=texts.when_text(until, calendar.tz, language, now=now),
    )


def _template(queue_id: int, language: str) -> tuple[str, str]:
    """The queue's own holding template, else the desk-wide one, else the built-in text."""
    rows = MailTemplate.objects.filter(kind=KIND, language=language)
    row = rows.filter(queue_id=queue_id).first() or rows.filter(queue=None).first()
    return (row.subject, row.body) if row else texts.HOLDING[language]


def holding_send(ticket: Ticket, policy: SlaPolicy, *, book: AddressBook, now: datetime) -> Outbox | None:
    """Queues the holding reply (idempotency key `holding:<ticket>`); the caller has claimed the ticket."""
    last_in = (
        ticket.articles.filter(direction=Article.Direction.IN).exclude(from_email="").order_by("id").last()
    )
    if last_in is None:
        TicketEvent.objects.create(ticket=ticket, field="sla", new=NO_ADDRESS_NOTE)
        return None
    language = ticket.language if ticket.language in texts.HOLDING else "ko"
    to_email = last_in.from_email
    customer = ticket.customer if ticket.customer_id else None
    suppressed = automatic_refusal(to_email=to_email, customer=customer, book=book, now=now)
    promise = holding_promise(ticket, policy, language=language, now=now)
    queue = ticket.queue
    customer_name = (
        last_in.from_name
        or (ticket.customer.name if ticket.customer_id and ticket.customer else "")
        or defaults.GREETING_FALLBACK[language]
    )
    values = {
        "ticket_number": ticket.number,
        "subject": ticket.subject,
        "customer_name": customer_name,
        "queue_name": queue.name,
        "company": settings.DAPJANG_COMPANY_NAME,
        "reason": promise.reason,
        "promised": promise.text,
    }
    subject_tpl, body_tpl = _template(queue.id, language)
    message_id = message_id_make()
    auto = AutomaticMail(
        from_name=queue.sender_name or settings.DAPJANG_COMPANY_NAME,
        from_email=queue_from_address(queue),
        to_email=to_email,
        to_name=last_in.from_name,
        subject=template_render(subject_tpl, values),
        body=template_render(body_tpl, values),
        message_id=message_id,
        in_reply_to=last_in.message_id,
        references=(*last_in.references, last_in.message_id),
        language=language,
    )
    row, _ = automatic_send(
        ticket, auto, kind=KIND, idempotency_key=f"holding:{ticket.id}", suppressed=suppressed
    )
    note = f"holding reply until {promise.until.isoformat()}"
    TicketEvent.objects.create(
        ticket=ticket, field="sla", new=(f"{note} (suppressed: {suppressed})" if suppressed else note)[:300]
    )
    return row
