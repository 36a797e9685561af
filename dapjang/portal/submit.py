"""A contact form becomes mail, and the mail becomes a ticket through the one pipeline (DESIGN §1).

The form is not a second way in: it writes an RFC 5322 message exactly as a customer's mail program
would, with the form's choices in X-Dapjang-Form-* headers, and hands the bytes to
`pipeline.ingest(channel="form")`. Raw bytes are stored first, threading, customers, routing (which
trusts those headers only on this channel), the acknowledgement and the loop caps all apply as they
do to mail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP, SMTPUTF8
from email.utils import format_datetime, make_msgid

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from dapjang.portal.forms import one_line
from dapjang.tickets.context import PipelineContext
from dapjang.tickets.models import Queue
from dapjang.tickets.pipeline import IngestResult, ingest
from dapjang.tickets.queues import queue_from_address

TOPIC_HEADER = "X-Dapjang-Form-Topic"
PRODUCT_HEADER = "X-Dapjang-Form-Product"
_MIME_TOKEN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$")


@dataclass(frozen=True)
class ContactMessage:
    """The form's cleaned fields; single-line fields are already free of line breaks."""

    name: str
    email: str
    topic: str  # a queue slug
    queue_id: int
    product: str
    subject: str
    message: str
    attachments: tuple[UploadedFile[bytes], ...] = ()
    in_reply_to: str = ""  # a follow-up from the customer's ticket page


def _address(name: str, email: str) -> Address:
    local, _, domain = email.rpartition("@")
    return Address(display_name=name, username=local, domain=domain)


def _mime_type(declared: str) -> tuple[str, str]:
    """The browser's type for a file when it is a plain type; anything else travels as bytes."""
    maintype, _, subtype = declared.strip().lower().partition("/")
    if maintype in ("multipart", "message") or not (
        _MIME_TOKEN.match(maintype) and _MIME_TOKEN.match(subtype)
    ):
        return "application", "octet-stream"
    return maintype, subtype


def contact_mail_bytes(contact: ContactMessage) -> bytes:
    """The message as the customer's own mail program would have sent it to the chosen queue."""
    utf8 = not contact.email.isascii()
    msg = EmailMessage(policy=SMTPUTF8 if utf8 else SMTP)
    msg["From"] = _address(contact.name, contact.email)
    msg["To"] = queue_from_address(Queue.objects.get(id=contact.queue_id))
    msg["Subject"] = contact.subject
    msg["Date"] = format_datetime(timezone.now())
    # Not made with mail/ids.py: those IDs mark *our* mail, and the pipeline drops them as echoes.
    msg["Message-ID"] = make_msgid(domain=f"form.{settings.DAPJANG_MAIL_DOMAIN}")
    if contact.in_reply_to:
        msg["In-Reply-To"] = f"<{contact.in_reply_to}>"
        msg["References"] = f"<{contact.in_reply_to}>"
    msg[TOPIC_HEADER] = contact.topic
    if contact.product:
        msg[PRODUCT_HEADER] = contact.product
    msg.set_content(contact.message)
    for upload in contact.attachments:
        upload.seek(0)
        maintype, subtype = _mime_type(upload.content_type or "")
        msg.add_attachment(
            upload.read(),
            maintype=maintype,
            subtype=subtype,
            filename=one_line(upload.name or "")[:200] or "attachment",
        )
    return msg.as_bytes()


def contact_submit(contact: ContactMessage, *, client: str = "") -> IngestResult:
    """Turns the form into a ticket (or an article on the customer's ticket) and says which."""
    data = contact_mail_bytes(contact)
    return ingest(
        data,
        channel="form",
        ctx=PipelineContext(),
        source=f"web form {client[:16]}".strip(),
        envelope_from=contact.email,
        envelope_to=[],
    )
