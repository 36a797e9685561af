"""Answers to our side questions (consultations) come back as internal notes (MISSION A12).

The expert never gets the ticket: their reply threads back through the Message-ID of our question
and is stored as a note. A reply from any other address is kept too, but marked as from an
unverified participant, so nobody can slip text into a ticket by guessing a Message-ID
(RELIABILITY 38).
"""

from __future__ import annotations

from django.utils import timezone

from dapjang.mail.kinds import Kind
from dapjang.mail.models import RawMessage
from dapjang.mail.parse import ParsedMail
from dapjang.tickets.articles import article_from_mail, attachments_from_mail
from dapjang.tickets.models import Article, Consultation, Ticket, TicketEvent
from dapjang.tickets.search import search_index_article


def consultation_of(mail: ParsedMail) -> Consultation | None:
    """The consultation this mail answers, if it references one of our questions."""
    refs = [r for r in (*mail.in_reply_to, *mail.references[-20:]) if r]
    if not refs:
        return None
    return Consultation.objects.select_related("ticket").filter(message_id__in=refs).first()


def consult_answer_record(
    raw: RawMessage,
    mail: ParsedMail,
    kind: Kind,
    consultation: Consultation,
    flags: list[str],
    fingerprint: str,
) -> Ticket:
    sender = mail.sender.email.lower() if mail.sender else ""
    from_expert = sender == consultation.expert_email
    if not from_expert:
        flags.append(f"unverified participant: the question went to {consultation.expert_email}")
    ticket = consultation.ticket
    article = article_from_mail(
        raw,
        mail,
        kind,
        ticket,
        flags,
        fingerprint,
        direction=Article.Direction.NOTE,
        article_kind="consult-answer" if from_expert else "unverified",
    )
    attachments_from_mail(mail, article)
    search_index_article(article, ticket=ticket)
    if from_expert and consultation.answered_at is None:
        Consultation.objects.filter(pk=consultation.pk).update(answered_at=timezone.now())
    TicketEvent.objects.create(ticket=ticket, field="consult-answer", new=sender[:300])
    return ticket
