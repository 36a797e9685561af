"""Automatic mail rendered in the company's name, with every header RFC 3834 asks of it."""

from __future__ import annotations

import re
from base64 import encodebytes
from dataclasses import dataclass
from email.header import Header
from email.utils import format_datetime, formataddr

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
    """Plain text: a customer named O'Brien or a "<" in a subject reach the mail as written.

    The Context is told too: a Context escapes HTML unless told otherwise, whatever its Engine says.
    """
    return _ENGINE.from_string(source).render(Context(context, autoescape=False))


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


def _header(value: str) -> str:
    """RFC 2047 for non-ASCII text; plain otherwise. Input is already one line."""
    if value.isascii():
        return value
    return Header(value, "utf-8", maxlinelen=76).encode(linesep="\r\n")


def _address(name: str, addr: str) -> str:
    name, addr = one_line(name, 120), one_line(addr, 320)
    if addr.isascii():
        return formataddr((name, addr), charset="utf-8")
    # An internationalised address (RFC 6532) stays UTF-8; only the display name is encoded.
    return f"{_header(name)} <{addr}>" if name else addr


def automatic_mail_bytes(mail: AutomaticMail) -> bytes:
    """The whole message, built directly: email.policy's header folding costs milliseconds a mail."""
    headers = [
        ("From", _address(mail.from_name, mail.from_email)),
        ("To", _address(mail.to_name, mail.to_email)),
        ("Subject", _header(one_line(mail.subject, 500))),
        ("Date", format_datetime(timezone.now())),
        ("Message-ID", f"<{mail.message_id}>"),
    ]
    # A Message-ID with non-ASCII bytes is broken; no mail client could thread on it anyway.
    if mail.in_reply_to and mail.in_reply_to.isascii():
        headers.append(("In-Reply-To", f"<{one_line(mail.in_reply_to, 995)}>"))
    refs = [one_line(r, 995) for r in mail.references if r and r.isascii()][-10:]
    if refs:
        headers.append(("References", "\r\n ".join(f"<{r}>" for r in refs)))
    headers += [
        ("Auto-Submitted", mail.auto_submitted),
        ("X-Auto-Response-Suppress", "All"),
        ("Precedence", "auto_reply"),
        ("X-Dapjang-Loop", loop_token()),
        ("Content-Language", mail.language),
        ("MIME-Version", "1.0"),
        ("Content-Type", "text/plain; charset=utf-8"),
    ]
    text = mail.body.replace("\r\n", "\n").replace("\n", "\r\n")
    if text.isascii():
        headers.append(("Content-Transfer-Encoding", "7bit"))
        body = text.encode("ascii")
    else:
        # base64 keeps Korean text intact through relays that lack 8BITMIME.
        headers.append(("Content-Transfer-Encoding", "base64"))
        body = encodebytes(text.encode("utf-8")).replace(b"\n", b"\r\n")
    head = "".join(f"{name}: {value}\r\n" for name, value in headers)
    # UTF-8 can only remain in an internationalised address (RFC 6532, sent with SMTPUTF8).
    return head.encode("utf-8") + b"\r\n" + body


def envelope_sender() -> str:
    """The null sender unless a bounce address is configured: bounces of bounces cannot loop."""
    return str(settings.DAPJANG_BOUNCE_ADDRESS)
