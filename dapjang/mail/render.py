"""Automatic mail rendered in the company's name, with every header RFC 3834 asks of it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.headerregistry import Address as HeaderAddress
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from django.conf import settings
from django.template import Context, Engine
from django.utils import timezone

from dapjang.mail.ids import loop_token

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_ENGINE = Engine(autoescape=False)


def one_line(value: str, limit: int = 300) -> str:
    """No CR, LF or other control character can reach a header (RELIABILITY 23)."""
    return " ".join(_CONTROL.sub(" ", value).split())[:limit]


def template_render(source: str, context: dict[str, str]) -> str:
    return _ENGINE.from_string(source).render(Context(context))


@dataclass(frozen=True)
class AutomaticMail:
    """What an automatic mail says and where it threads; rendering adds the loop-safety headers."""

    from_name: str
    from_email: str
    to_email: str
    to_name: str
    subject: str
    body: str
    message_id: str
    in_reply_to: str
    references: tuple[str, ...]
    language: str
    auto_submitted: str = "auto-replied"  # RFC 3834: auto-replied for answers, auto-generated otherwise


def _address(name: str, addr: str) -> HeaderAddress:
    local, _, domain = addr.rpartition("@")
    return HeaderAddress(display_name=one_line(name, 120), username=local, domain=domain)


def automatic_mail_bytes(mail: AutomaticMail) -> bytes:
    msg = EmailMessage(policy=SMTP)
    msg["From"] = _address(mail.from_name, mail.from_email)
    msg["To"] = _address(mail.to_name, mail.to_email)
    msg["Subject"] = one_line(mail.subject, 500)
    msg["Date"] = format_datetime(timezone.now())
    msg["Message-ID"] = f"<{mail.message_id}>"
    if mail.in_reply_to:
        msg["In-Reply-To"] = f"<{mail.in_reply_to}>"
    refs = [r for r in mail.references if r][-10:]
    if refs:
        msg["References"] = " ".join(f"<{r}>" for r in refs)
    msg["Auto-Submitted"] = mail.auto_submitted
    msg["X-Auto-Response-Suppress"] = "All"
    msg["Precedence"] = "auto_reply"
    msg["X-Dapjang-Loop"] = loop_token()
    msg["Content-Language"] = mail.language
    # base64 keeps Korean text intact through relays that lack 8BITMIME.
    msg.set_content(mail.body, charset="utf-8", cte="7bit" if mail.body.isascii() else "base64")
    return msg.as_bytes()


def envelope_sender() -> str:
    """The null sender unless a bounce address is configured: bounces of bounces cannot loop."""
    return str(settings.DAPJANG_BOUNCE_ADDRESS)
