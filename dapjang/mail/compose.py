"""Mail a person writes at the desk (replies, consultations): in the company's name, with attachments.

Unlike automatic mail (render.py) it carries no Auto-Submitted header: a person answered, and the
customer's own autoresponder may answer it in turn. It still carries our loop token and a tagged
Message-ID, so it is recognised if it comes back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr

from django.utils import timezone

from dapjang.mail.ids import loop_token
from dapjang.mail.render import one_line


@dataclass(frozen=True)
class FileToSend:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class PersonalMail:
    from_name: str
    from_email: str
    to: tuple[tuple[str, str], ...]  # (name, address)
    subject: str
    body: str
    message_id: str
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    language: str = "ko"
    attachments: tuple[FileToSend, ...] = field(default_factory=tuple)


def personal_mail_bytes(mail: PersonalMail) -> bytes:
    msg = EmailMessage(policy=SMTP)
    msg["From"] = formataddr((one_line(mail.from_name, 120), mail.from_email))
    msg["To"] = ", ".join(formataddr((one_line(name, 120), addr)) for name, addr in mail.to)
    if mail.cc:
        msg["Cc"] = ", ".join(mail.cc)
    msg["Subject"] = one_line(mail.subject, 500)
    msg["Date"] = format_datetime(timezone.now())
    msg["Message-ID"] = f"<{mail.message_id}>"
    if mail.in_reply_to and mail.in_reply_to.isascii():
        msg["In-Reply-To"] = f"<{one_line(mail.in_reply_to, 995)}>"
    refs = [one_line(r, 995) for r in mail.references if r and r.isascii()][-10:]
    if refs:
        msg["References"] = " ".join(f"<{r}>" for r in refs)
    msg["X-Dapjang-Loop"] = loop_token()
    msg["Content-Language"] = mail.language
    msg.set_content(mail.body, charset="utf-8", cte="base64" if not mail.body.isascii() else "7bit")
    for item in mail.attachments:
        maintype, _, subtype = item.content_type.partition("/")
        if not subtype or maintype == "multipart":
            maintype, subtype = "application", "octet-stream"
        msg.add_attachment(
            item.data, maintype=maintype, subtype=subtype, filename=one_line(item.filename, 200)
        )
    return msg.as_bytes()
