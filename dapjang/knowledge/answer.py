"""The automatic FAQ answer to a new ticket (MISSION A11, B3), sent through the outbox.

Called by the pipeline inside its unit of work, after routing and before the acknowledgement, for
human mail from a clear sender only. When the verifier is sure enough that one published entry
fully answers the mail, the customer gets that entry in the company's voice instead of an ack, the
ticket waits on them, and their reply (if it did not help) reopens it for a person. Everything the
mail layer already guards stays guarded here: the per-recipient caps on automatic mail, bounced
addresses, and our own addresses; a mail those rules forbid is still written, as a suppressed row
with its reason, and the ticket is then treated as not answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings

from dapjang.knowledge.answer_texts import BODY, SUBJECT
from dapjang.knowledge.autoanswer import Decision, autoanswer_decide, autoanswer_entry
from dapjang.knowledge.models import FaqEntry
from dapjang.mail.ids import message_id_make
from dapjang.mail.models import Outbox
from dapjang.mail.render import AutomaticMail, template_render
from dapjang.portal.links import ticket_url
from dapjang.tickets import defaults
from dapjang.tickets.automatic import automatic_refusal, automatic_send
from dapjang.tickets.models import Queue, Ticket, TicketEvent

if TYPE_CHECKING:
    from dapjang.customers.models import Customer
    from dapjang.tickets.context import PipelineContext
    from dapjang.tickets.dispatch import NewTicket

KIND = "auto-answer"  # the outbox row's and the article's kind; the loop caps count it (mail/loops.py)
EVENT_FIELD = "auto-answer"


def idempotency_key(ticket: Ticket) -> str:
    return f"autoanswer:{ticket.id}"


def ticket_autoanswer(new: NewTicket, ctx: PipelineContext) -> bool:
    """Queues the FAQ answer when it fully answers the mail; True when it did (no ack then)."""
    ticket = new.ticket
    if not new.answerable or ticket.auto_answered_at is not None:
        return False
    queue = ctx.queue(ticket.queue_id)
    if not autoanswer_allowed(queue, ticket.customer):
        return False
    if not FaqEntry.objects.filter(status=FaqEntry.Status.PUBLISHED).exists():
        return False  # no FAQ yet: nothing to send, and no reason to load the analyser and encoder
    decision = ticket_decision(new, queue)
    if not decision.send:
        return False
    entry = autoanswer_entry(decision)
    if entry is None:
        return False
    return _send(new, ctx, queue, entry, decision)


def autoanswer_allowed(queue: Queue, customer: Customer | None) -> bool:
    """The queue answers by itself, and the customer is not one a person must always answer (VIP…)."""
    if not queue.autoanswer_enabled:
        return False
    skip = queue.autoanswer_skip_segments if isinstance(queue.autoanswer_skip_segments, list) else []
    return customer is None or customer.segment not in skip


def ticket_decision(new: NewTicket, queue: Queue) -> Decision:
    """The decision on the customer's own words (no quoted history), at the queue's coefficient."""
    text = new.article.new_text or new.article.text
    topic = queue.slug if faq_topics_are_queues() else None
    return autoanswer_decide(
        new.mail.subject or "", text, queue_threshold=queue.autoanswer_threshold, topic=topic
    )


def faq_topics_are_queues() -> bool:
    """Whether every published entry's topic names a queue (the shipped desk's layout).

    Then an entry of another topic than the ticket's queue means routing or retrieval erred, and the
    entry is not sent. Where the FAQ has topics of its own, the queue says nothing about them.
    """
    published = FaqEntry.objects.filter(status=FaqEntry.Status.PUBLISHED)
    return not published.exclude(topic__in=Queue.objects.values("slug")).exists()


@dataclass(frozen=True)
class _Reply:
    mail: AutomaticMail
    suppressed: str


def _compose(new: NewTicket, ctx: PipelineContext, queue: Queue, entry: FaqEntry) -> _Reply:
    ticket, article, mail = new.ticket, new.article, new.mail
    language = entry.language if entry.language in BODY else "ko"
    customer = ticket.customer
    name = article.from_name or (customer.name if customer else "") or defaults.GREETING_FALLBACK[language]
    values = {
        "ticket_number": ticket.number,
        "subject": ticket.subject,
        "customer_name": name,
        "queue_name": queue.name,
        "company": settings.DAPJANG_COMPANY_NAME,
        "answer": entry.answer.strip(),
        "portal_url": ticket_url(ticket.id, ticket.customer_id),
    }
    to_email = article.from_email
    auto = AutomaticMail(
        from_name=queue.sender_name or settings.DAPJANG_COMPANY_NAME,
        from_email=ctx.from_address(queue.id),
        to_email=to_email,
        to_name=article.from_name,
        subject=template_render(SUBJECT[language], values),
        body=template_render(BODY[language], values),
        message_id=message_id_make(),
        in_reply_to=mail.message_id,
        references=tuple(r for r in (*mail.references, mail.message_id) if r),
        language=language,
    )
    return _Reply(auto, automatic_refusal(to_email=to_email, customer=customer, book=ctx.book, now=new.now))


def _send(new: NewTicket, ctx: PipelineContext, queue: Queue, entry: FaqEntry, decision: Decision) -> bool:
    ticket = new.ticket
    reply = _compose(new, ctx, queue, entry)
    auto = reply.mail
    row, created = automatic_send(
        ticket, auto, kind=KIND, idempotency_key=idempotency_key(ticket), suppressed=reply.suppressed
    )
    if row.state == Outbox.State.SUPPRESSED:
        return False  # the customer hears nothing from us: a person must answer, and the ack says why not
    if created:
        _record(ticket, entry, decision, now=new.now)
    return True


def _record(ticket: Ticket, entry: FaqEntry, decision: Decision, *, now: datetime) -> None:
    old_status = ticket.status
    ticket.status = Ticket.Status.WAITING
    ticket.auto_answered_at = now
    ticket.auto_answer_faq = entry.faq_id
    ticket.auto_answer_confidence = decision.confidence
    ticket.save(
        update_fields=[
            "status",
            "auto_answered_at",
            "auto_answer_faq",
            "auto_answer_confidence",
            "updated_at",
        ]
    )
    TicketEvent.objects.bulk_create(
        [
            TicketEvent(ticket=ticket, field="status", old=old_status, new=ticket.status),
            TicketEvent(ticket=ticket, field=EVENT_FIELD, new=f"{entry.faq_id} ({decision.confidence:.2f})"),
        ]
    )
