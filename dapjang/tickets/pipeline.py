"""The ingestion pipeline: raw bytes in, ticket state out, for every channel (DESIGN §1).

Reads top to bottom as the list of steps. Raw bytes are stored before anything else; every later
step runs inside one savepoint and records its result on the RawMessage row, so processing a row
twice changes nothing, and a failure leaves a `failed` row to retry instead of a half-made ticket.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from dapjang.customers.models import Customer
from dapjang.customers.services import customer_by_email, customer_for_email
from dapjang.faults import fault_point
from dapjang.mail.fingerprint import mail_fingerprint
from dapjang.mail.kinds import Kind, mail_kind
from dapjang.mail.loops import sender_flooding
from dapjang.mail.models import RawMessage
from dapjang.mail.parse import ParsedMail, parse_mail
from dapjang.tickets import bounces, defaults
from dapjang.tickets.articles import article_from_mail, attachments_from_mail
from dapjang.tickets.consult import consult_answer_record, consultation_of
from dapjang.tickets.context import PipelineContext
from dapjang.tickets.dispatch import NewTicket, form_fields, ticket_customer_replied, ticket_dispatch
from dapjang.tickets.hotpath import KnownArticle, articles_with_message_ids, raw_message_finish
from dapjang.tickets.models import Article, Ticket
from dapjang.tickets.numbering import ticket_number_next
from dapjang.tickets.search import search_index_article
from dapjang.tickets.threading import ticket_by_subject_tag, ticket_from_articles

log = logging.getLogger("dapjang.pipeline")

OUTCOMES = ("created", "appended", "duplicate", "held", "failed", "ignored")
_UNVERIFIED = {"multiple_from", "ambiguous_from"}
_HEADER_LINE = re.compile(rb"^[!-9;-~]+:", re.MULTILINE)
_RETRY_BACKOFF = timedelta(minutes=5)


@dataclass(frozen=True)
class IngestResult:
    raw_id: int
    outcome: str  # one of OUTCOMES
    kind: str
    ticket: str | None  # the ticket number
    reason: str = ""


class Stop(Exception):
    """A step ends the pipeline for this mail with a final, accounted state (not an error)."""

    def __init__(self, state: str, outcome: str, reason: str = "", ticket: Ticket | None = None) -> None:
        super().__init__(reason)
        self.state, self.outcome, self.reason, self.ticket = state, outcome, reason, ticket


# --- the entry points --------------------------------------------------------------------------------


def raw_store(
    data: bytes,
    *,
    channel: str,
    source: str = "",
    envelope_from: str | None = None,
    envelope_to: list[str] | None = None,
    received_at: datetime | None = None,
    known_new: bool = False,
) -> tuple[RawMessage, bool]:
    """Step 0, before any parsing: the bytes, keyed by sha256. Identical bytes are stored once.

    `known_new`: the caller checked, in this transaction, that the bytes are not stored yet (a bulk
    import asks once per batch); a racing writer then surfaces as an IntegrityError for the batch.
    """
    digest = hashlib.sha256(data).hexdigest()
    fields = {
        "data": data,
        "size": len(data),
        "channel": channel,
        "source": source[:1000],
        "envelope_from": envelope_from,
        "envelope_to": [a.lower() for a in envelope_to or []],
        "received_at": received_at or timezone.now(),
    }
    if known_new:
        return RawMessage.objects.create(sha256=digest, **fields), True
    return RawMessage.objects.get_or_create(sha256=digest, defaults=fields)


def ingest(
    data: bytes,
    *,
    channel: str,
    ctx: PipelineContext,
    source: str = "",
    envelope_from: str | None = None,
    envelope_to: list[str] | None = None,
    parsed: ParsedMail | None = None,
    known_new: bool = False,
) -> IngestResult:
    """Store, then process. The same bytes a second time are reported as a duplicate, not redone.

    `parsed` is `parse_mail(data)` done ahead of time (by a parse worker during a bulk import).
    """
    raw, created = raw_store(
        data,
        channel=channel,
        source=source,
        envelope_from=envelope_from,
        envelope_to=envelope_to,
        known_new=known_new,
    )
    if not created and raw.state != RawMessage.State.RECEIVED:
        number = raw.ticket.number if raw.ticket_id and raw.ticket else None
        return IngestResult(raw.id, "duplicate", raw.kind, number, f"same bytes already stored ({raw.state})")
    return raw_process(raw, ctx=ctx, parsed=parsed)


def raw_process(
    raw: RawMessage, *, ctx: PipelineContext, release: bool = False, parsed: ParsedMail | None = None
) -> IngestResult:
    """Runs the steps for one stored mail; `release` lets a flood-held mail through (an admin's call)."""
    try:
        with transaction.atomic():
            try:
                stop = _steps(raw, ctx=ctx, release=release, parsed=parsed)
            except Stop as early:  # raised only before a step has written anything
                stop = early
            return _finish(raw, stop)
    except IntegrityError as exc:
        # Two deliveries raced; the database's unique constraint let the other one win.
        with transaction.atomic():
            data = bytes(raw.data)
            duplicate, _ = _duplicate_of(parse_mail(data), mail_fingerprint(data))
            if duplicate is not None:
                return _finish(raw, duplicate)
        return _fail(raw, exc)
    except Exception as exc:
        log.exception("pipeline failed for raw message %s", raw.pk)
        return _fail(raw, exc)


def raw_process_claimed(raw_id: int, *, ctx: PipelineContext) -> IngestResult | None:
    """Processes a row that may be handed to several workers (a task and the sweeper, two pollers).

    It runs only if the row is still `received` once this transaction holds it; otherwise None.
    PostgreSQL locks the row, so a second worker skips it; SQLite's IMMEDIATE transactions already
    admit one writer at a time, so the state read here is the state written.
    """
    with transaction.atomic():
        raw = RawMessage.objects.select_for_update(skip_locked=True).filter(pk=raw_id).first()
        if raw is None or raw.state != RawMessage.State.RECEIVED:
            return None
        return raw_process(raw, ctx=ctx)


# --- the steps, in order -----------------------------------------------------------------------------


def _steps(raw: RawMessage, *, ctx: PipelineContext, release: bool, parsed: ParsedMail | None) -> Stop:
    data = bytes(raw.data)
    step_not_mail(data)
    fault_point("parse", data)
    mail = parsed if parsed is not None else parse_mail(data)
    kind = mail_kind(mail, envelope_from=raw.envelope_from)
    raw.kind, raw.message_id = kind.value, mail.message_id
    raw.sender = mail.sender.email.lower() if mail.sender else ""
    if kind is Kind.OWN_ECHO:
        log.info("own mail came back (message-id %s); not processed", mail.message_id)
        return Stop("ignored", "ignored", "our own mail came back: loop stopped")
    if kind in (Kind.BOUNCE, Kind.MDN):
        ctx.customers.clear()  # a bounce may mark a cached customer undeliverable
        return bounces.bounce_record(raw=raw, mail=mail, kind=kind)
    fingerprint = mail_fingerprint(data) if mail.message_id else ""
    known = _known_articles(mail)
    duplicate, shared_id = _duplicate_of(mail, fingerprint, known)
    if duplicate is not None:
        return duplicate
    step_sender(mail, ctx)
    if not release:
        flood = sender_flooding(
            sender=raw.sender, channel=raw.channel, now=raw.received_at, exclude_id=raw.id
        )
        if not flood.allowed:
            raise Stop("held", "held", flood.reason)
    flags = _flags(mail, shared_id)
    consultation = consultation_of(mail)
    if consultation is not None:  # an expert's answer to our side question: a note, nothing more
        answered = consult_answer_record(raw, mail, kind, consultation, flags, fingerprint)
        return Stop("processed", "appended", ticket=answered)
    ticket = step_thread(mail, flags, known)
    customer = step_customer(mail, flags, ctx)
    created = ticket is None
    if ticket is None:
        ticket = step_create_ticket(raw, mail, kind, customer, flags, ctx)
    else:
        step_reopen(ticket, kind)
    article = article_from_mail(raw, mail, kind, ticket, flags, fingerprint)
    attachments_from_mail(mail, article)
    search_index_article(article, ticket=ticket, new_ticket=created)
    now = timezone.now()
    if created:
        new = NewTicket(
            ticket=ticket,
            article=article,
            mail=mail,
            kind=kind,
            channel=raw.channel,
            verified=not _UNVERIFIED & set(flags),
            now=now,
            form=form_fields(mail, raw.channel),
        )
        ticket_dispatch(new, ctx)
    elif kind is Kind.HUMAN:
        ticket_customer_replied(ticket, now=now)
    return Stop("processed", "created" if created else "appended", ticket=ticket)


def step_not_mail(data: bytes) -> None:
    """Hold what is not mail at all (an empty file, a picture) instead of inventing a ticket from it."""
    if not data.strip():
        raise Stop("held", "held", "empty message / 빈 메시지")
    head = data[:8192]
    if head.startswith(b"From "):  # an mbox envelope line before the headers
        head = head.partition(b"\n")[2]
    if not _HEADER_LINE.match(head.lstrip(b"\r\n")):
        raise Stop("held", "held", "not an e-mail message: no header lines / 메일 형식이 아닙니다")


def _known_articles(mail: ParsedMail) -> list[KnownArticle]:
    """Articles carrying this mail's Message-ID or one it references: one query for dedupe and threading."""
    ids = list(dict.fromkeys(i for i in (mail.message_id, *mail.references[-49:], *mail.in_reply_to) if i))
    return articles_with_message_ids(ids)


def _duplicate_of(
    mail: ParsedMail, fingerprint: str, known: list[KnownArticle] | None = None
) -> tuple[Stop | None, bool]:
    """Same Message-ID and content as an article we have is the same mail again (RELIABILITY 15).

    Also says whether the Message-ID is already taken by different content (RELIABILITY 16).
    """
    if not mail.message_id:
        return None, False
    if known is None:
        known = _known_articles(mail)
    rows = [k for k in known if k.message_id == mail.message_id]
    for row in rows:
        if row.content_hash == fingerprint:
            ticket = Ticket.objects.get(id=row.ticket_id)
            return Stop("processed", "duplicate", "already imported", ticket=ticket), True
    return None, bool(rows)


def step_sender(mail: ParsedMail, ctx: PipelineContext) -> None:
    sender = mail.sender
    if sender is None or "@" not in sender.email:
        raise Stop(
            "held", "held", "no usable sender address (From is missing or unreadable) / 보낸 사람 없음"
        )
    if ctx.book.is_ours(sender.email):
        raise Stop("held", "held", "the sender is one of our own support addresses (possible mail loop)")


def _flags(mail: ParsedMail, shared_message_id: bool) -> list[str]:
    flags = list(mail.sender_flags) + [f"defect: {d}" for d in mail.defects[:20]]
    if mail.charset_guessed:
        flags.append("charset_guessed")
    if shared_message_id:
        flags.append("duplicate_message_id")
    return flags


def step_thread(mail: ParsedMail, flags: list[str], known: list[KnownArticle]) -> Ticket | None:
    """References first; the subject tag only when the writer already belongs to that ticket."""
    refs = {*mail.references, *mail.in_reply_to} - {mail.message_id}
    ticket = ticket_from_articles(known, refs)
    if ticket is None:
        tagged = ticket_by_subject_tag(mail.subject)
        if tagged is not None:
            if _is_participant(tagged, mail):
                ticket = tagged
            else:
                flags.append(f"ticket tag #{tagged.number} from a stranger: new ticket")
    if ticket is not None and ticket.status == Ticket.Status.CLOSED:
        flags.append(f"follow-up of closed ticket #{ticket.number}")
        return None
    return ticket


def _is_participant(ticket: Ticket, mail: ParsedMail) -> bool:
    sender = mail.sender.email.lower() if mail.sender else ""
    if ticket.customer is not None and ticket.customer.email.lower() == sender:
        return True
    return ticket.articles.filter(direction=Article.Direction.IN, from_email__iexact=sender).exists()


def step_customer(mail: ParsedMail, flags: list[str], ctx: PipelineContext) -> Customer | None:
    """The real addr-spec decides; an ambiguous From is never matched to an existing customer."""
    assert mail.sender is not None
    if _UNVERIFIED & set(flags) and customer_by_email(mail.sender.email) is not None:
        flags.append("unverified sender: not matched to the existing customer")
        return None
    key = mail.sender.email.lower()
    cached = ctx.customers.get(key)
    if cached is not None and (cached.name or not mail.sender.name):
        return cached
    customer, created = customer_for_email(
        email=mail.sender.email, name=mail.sender.name, language=mail.language
    )
    if not created:  # a row made in this mail's savepoint could still be rolled back: not cached yet
        ctx.customers[key] = customer
    return customer


def step_create_ticket(
    raw: RawMessage,
    mail: ParsedMail,
    kind: Kind,
    customer: Customer | None,
    flags: list[str],
    ctx: PipelineContext,
) -> Ticket:
    recipients = [
        *raw.envelope_to,
        *mail.delivered_to,
        *(a.email for a in mail.to),
        *(a.email for a in mail.cc),
    ]
    language = mail.language if mail.language in defaults.NO_SUBJECT else "ko"
    return Ticket.objects.create(
        number=ticket_number_next(),
        subject=(mail.subject or defaults.NO_SUBJECT[language])[:500],
        queue_id=ctx.book.queue_for(recipients),
        customer=customer,
        channel=raw.channel,
        language=language,
        kind=kind.value,
        flags=[f for f in flags if not f.startswith("defect")],
    )


def step_reopen(ticket: Ticket, kind: Kind) -> None:
    """A customer's reply reopens a solved ticket; machines never change a ticket's status."""
    if kind is Kind.HUMAN and ticket.status in (Ticket.Status.SOLVED, Ticket.Status.WAITING):
        ticket.status = Ticket.Status.OPEN
        ticket.save(update_fields=["status", "updated_at"])


# --- recording the result ----------------------------------------------------------------------------


def _finish(raw: RawMessage, stop: Stop) -> IngestResult:
    ticket = stop.ticket
    raw_message_finish(
        raw_id=raw.id,
        state=stop.state,
        outcome=stop.outcome,
        kind=raw.kind,
        sender=raw.sender,
        message_id=raw.message_id,
        reason=stop.reason,
        ticket_id=ticket.id if ticket else None,
    )
    raw.state, raw.outcome, raw.reason = stop.state, stop.outcome, stop.reason
    return IngestResult(raw.id, stop.outcome, raw.kind, ticket.number if ticket else None, stop.reason)


def _fail(raw: RawMessage, exc: Exception) -> IngestResult:
    """A step raised (a bug, a hostile mail): keep the raw row, say why, retry a bounded number of times."""
    attempts = raw.attempts + 1
    reason = f"{type(exc).__name__}: {str(exc)[:300]} (attempt {attempts} of {settings.DAPJANG_MAX_ATTEMPTS})"
    RawMessage.objects.filter(pk=raw.pk).update(
        state=RawMessage.State.FAILED,
        outcome="failed",
        attempts=attempts,
        reason=reason,
        next_attempt_at=timezone.now() + _RETRY_BACKOFF * attempts,
    )
    raw.state, raw.attempts, raw.reason = RawMessage.State.FAILED, attempts, reason
    return IngestResult(raw.id, "failed", raw.kind, None, reason)
