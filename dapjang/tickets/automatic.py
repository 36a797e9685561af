"""Mail the desk writes by itself to a customer (ack, holding reply, FAQ answer): one set of guards,
one way into the outbox and onto the ticket.

Every automatic mail passes the same checks (RELIABILITY 1–9): never to one of our own addresses,
never to an address that bounced permanently, never past the loop caps. A mail that must not go out
is still written, as a `suppressed` outbox row with its reason, so an admin can see why a customer
heard nothing; only a mail that really leaves becomes an article of the conversation.
"""

from __future__ import annotations

from datetime import datetime

from dapjang.customers.models import Customer
from dapjang.mail.loops import automatic_mail_allowed
from dapjang.mail.models import Outbox
from dapjang.mail.outbox import outbox_enqueue
from dapjang.mail.render import AutomaticMail, automatic_mail_bytes, envelope_sender
from dapjang.tickets.models import Article, Ticket
from dapjang.tickets.queues import AddressBook


def automatic_refusal(*, to_email: str, customer: Customer | None, book: AddressBook, now: datetime) -> str:
    """Why an automatic mail to this address must not go out now; "" when it may."""
    if book.is_ours(to_email):
        return "the recipient is one of our own addresses"
    if customer is not None and customer.undeliverable_until and customer.undeliverable_until > now:
        return "the recipient's address bounced permanently"
    return automatic_mail_allowed(to_email=to_email, now=now).reason


def automatic_send(
    ticket: Ticket,
    auto: AutomaticMail,
    *,
    kind: str,
    idempotency_key: str,
    suppressed: str = "",
    known_new: bool = False,
) -> tuple[Outbox, bool]:
    """Queues the mail once per key; when it will really go out, records it as an outbound article.

    Returns the outbox row and whether this call created it (False: the key was queued before).
    """
    row, created = outbox_enqueue(
        idempotency_key=idempotency_key,
        kind=kind,
        ticket_id=ticket.id,
        to_email=auto.to_email,
        envelope_from=envelope_sender(),
        subject=auto.subject,
        message_id=auto.message_id,
        data=automatic_mail_bytes(auto),
        suppressed_reason=suppressed,
        known_new=known_new,
    )
    if created and not suppressed:
        Article.objects.create(
            ticket=ticket,
            direction=Article.Direction.OUT,
            kind=kind,
            from_email=auto.from_email,
            from_name=auto.from_name,
            to=[auto.to_email],
            subject=auto.subject,
            text=auto.body,
            new_text=auto.body,
            message_id=auto.message_id,
            in_reply_to=auto.in_reply_to,
            references=list(auto.references),
            language=auto.language,
        )
    return row, created
