"""The acknowledgement (MISSION A3, A4): the customer hears at once, in their language, in our name."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from dapjang.mail.ids import message_id_make
from dapjang.mail.models import Outbox
from dapjang.mail.parse import ParsedMail
from dapjang.mail.render import AutomaticMail, template_render
from dapjang.portal.links import ticket_url
from dapjang.tickets import defaults
from dapjang.tickets.automatic import automatic_refusal, automatic_send
from dapjang.tickets.context import PipelineContext
from dapjang.tickets.models import Article, Ticket


def ticket_acknowledge(
    *, ticket: Ticket, article: Article, mail: ParsedMail, ctx: PipelineContext, fresh: bool = False
) -> Outbox | None:
    """Queues one ack per ticket (idempotency key `ack:<ticket>`), unless a loop cap or bounce forbids it.

    A suppressed ack is still written, as a `suppressed` row with its reason, so an admin can see why a
    customer heard nothing.
    """
    queue = ctx.queue(ticket.queue_id)
    if not queue.ack_enabled:
        return None
    language = mail.language if mail.language in defaults.ACK else "ko"
    to_email = article.from_email
    now = timezone.now()
    customer = ticket.customer
    suppressed = automatic_refusal(to_email=to_email, customer=customer, book=ctx.book, now=now)
    subject_tpl, body_tpl = ctx.template(queue.id, "ack", language)
    customer_name = (
        article.from_name or (customer.name if customer else "") or defaults.GREETING_FALLBACK[language]
    )
    subject, to_name = ticket.subject, article.from_name
    if ticket.channel == "form":
        # RELIABILITY 10: anyone can type any address into the web form, so its ack must not carry
        # words the submitter chose (a spam URL as subject or name) to an address nobody verified.
        subject, to_name = defaults.FORM_SUBJECT[language], ""
        customer_name = defaults.GREETING_FALLBACK[language]
    values = {
        "ticket_number": ticket.number,
        "subject": subject,
        "customer_name": customer_name,
        "queue_name": queue.name,
        "company": settings.DAPJANG_COMPANY_NAME,
        # The customer's own page for this ticket (portal/links.py): a signed, expiring link.
        "portal_url": ticket_url(ticket.id, ticket.customer_id),
    }
    message_id = message_id_make()
    from_email = ctx.from_address(queue.id)
    auto = AutomaticMail(
        from_name=queue.sender_name or settings.DAPJANG_COMPANY_NAME,
        from_email=from_email,
        to_email=to_email,
        to_name=to_name,
        subject=template_render(subject_tpl, values),
        body=template_render(body_tpl, values),
        message_id=message_id,
        in_reply_to=mail.message_id,
        references=(*mail.references, mail.message_id),
        language=language,
    )
    row, _ = automatic_send(
        ticket, auto, kind="ack", idempotency_key=f"ack:{ticket.id}", suppressed=suppressed, known_new=fresh
    )
    return row
