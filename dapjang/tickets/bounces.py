"""Bounces and read receipts: a system note on the ticket of the mail they report on, never a ticket.

A permanent failure (5.x.x) marks the recipient undeliverable for a while, so no further automatic
mail is sent into a dead mailbox; a delay (4.x.x) is only noted (RELIABILITY 8).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone

from dapjang.customers.models import Customer, Identity
from dapjang.mail.kinds import Kind
from dapjang.mail.models import Outbox, RawMessage
from dapjang.mail.parse import ParsedMail
from dapjang.tickets.models import Article, Ticket
from dapjang.tickets.threading import ticket_by_references

if TYPE_CHECKING:
    from dapjang.tickets.pipeline import Stop


def bounce_record(*, raw: RawMessage, mail: ParsedMail, kind: Kind) -> Stop:
    from dapjang.tickets.pipeline import Stop

    report = mail.report
    ids = [report.original_message_id] if report and report.original_message_id else []
    ids += [*mail.in_reply_to, *mail.references]
    ticket = _ticket_for(ids)
    if ticket is None:
        return Stop("ignored", "ignored", f"{kind.value} for a mail we do not know: stored, no ticket")
    status = report.status if report else ""
    action = report.action if report else ""
    if kind is Kind.MDN:
        summary = "읽음 확인 / Read receipt" + (f": {action}" if action else "")
    else:
        recipients = ", ".join(report.recipients) if report and report.recipients else "?"
        summary = f"반송 / Delivery report: {action or 'failed?'} {status} — {recipients}".strip()
    Article.objects.create(
        ticket=ticket,
        direction=Article.Direction.NOTE,
        kind=kind.value,
        from_email=mail.sender.email if mail.sender else "",
        subject=mail.subject[:500],
        text=f"{summary}\n\n{mail.text[:20000]}",
        new_text=summary,
        message_id="",
        raw=raw,
        flags=[f"original: {ids[0]}"] if ids else [],
    )
    if kind is Kind.BOUNCE and status.startswith("5"):
        _mark_undeliverable(report.recipients if report else [], ticket)
    return Stop("processed", "appended", ticket=ticket)


def _ticket_for(ids: list[str]) -> Ticket | None:
    ids = [i for i in ids if i]
    if not ids:
        return None
    ticket = ticket_by_references(ids)
    if ticket is not None:
        return ticket
    row = Outbox.objects.filter(message_id__in=ids).select_related("ticket").first()
    return row.ticket if row else None


def _mark_undeliverable(recipients: list[str], ticket: Ticket) -> None:
    until = timezone.now() + timedelta(days=settings.DAPJANG_UNDELIVERABLE_DAYS)
    addresses = [r.lower() for r in recipients if "@" in r]
    if not addresses and ticket.customer is not None:
        addresses = [ticket.customer.email.lower()]
    Customer.objects.filter(identities__kind=Identity.Kind.EMAIL, identities__value__in=addresses).update(
        undeliverable_until=until
    )
