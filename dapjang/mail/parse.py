"""Raw bytes → ParsedMail. Never raises on bad mail: what went wrong is recorded in `defects`.

This is a first, simple version; charsets, quotes, HTML and limits are hardened in their own modules.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage


@dataclass(frozen=True)
class Address:
    """One mailbox: the real addr-spec (lower-cased domain) and the decoded display name."""

    email: str
    name: str = ""


@dataclass
class ParsedAttachment:
    filename: str
    content_type: str
    payload: bytes
    content_id: str = ""
    inline: bool = False


@dataclass
class DeliveryReport:
    """What a bounce (RFC 3464) or an MDN (RFC 8098) says about the mail it reports on."""

    report_type: str  # "delivery-status" | "disposition-notification" | "" (non-RFC bounce)
    action: str = ""  # failed | delayed | delivered | relayed | expanded | displayed ...
    status: str = ""  # e.g. "5.1.1"
    recipients: list[str] = field(default_factory=list)
    original_message_id: str = ""  # normalised, of the mail that bounced


@dataclass
class ParsedMail:
    message_id: str = ""  # normalised: no angle brackets, no whitespace; "" when absent
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    subject: str = ""  # one line: never contains CR or LF
    from_: list[Address] = field(default_factory=list)
    sender_flags: list[str] = field(default_factory=list)  # multiple_from, display_name_address, ...
    reply_to: list[Address] = field(default_factory=list)
    to: list[Address] = field(default_factory=list)
    cc: list[Address] = field(default_factory=list)
    delivered_to: list[str] = field(default_factory=list)  # Delivered-To, X-Original-To, Envelope-To
    return_path: str | None = None  # "" for the null sender <>, None when the header is absent
    date: datetime | None = None
    headers: dict[str, str] = field(default_factory=dict)  # lower-case name → first value, one line
    text: str = ""  # the whole text body (plain, or the HTML rendered as text)
    html: str = ""  # sanitised HTML, "" when the mail has none
    new_text: str = ""  # text without the quoted history of a reply
    quoted_text: str = ""
    attachments: list[ParsedAttachment] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)
    charset_guessed: bool = False
    language: str = "en"  # "ko" | "en"
    content_type: str = "text/plain"
    report: DeliveryReport | None = None

    @property
    def sender(self) -> Address | None:
        return self.from_[0] if self.from_ else None


def normalise_message_id(value: str) -> str:
    value = "".join(value.split())
    if value.startswith("<") and value.endswith(">"):
        value = value[1:-1]
    return value[:995]


def _ids(value: str) -> list[str]:
    out: list[str] = []
    for token in value.replace(",", " ").split():
        mid = normalise_message_id(token)
        if mid and mid not in out:
            out.append(mid)
    return out


def _one_line(value: object) -> str:
    return " ".join(str(value).split())


def _addresses(msg: EmailMessage, name: str) -> list[Address]:
    values = msg.get_all(name) or []
    out = []
    for addr_name, addr in email.utils.getaddresses([str(v) for v in values]):
        if "@" in addr:
            local, _, domain = addr.rpartition("@")
            out.append(Address(email=f"{local}@{domain.lower()}", name=_one_line(addr_name)))
    return out


def _language(text: str) -> str:
    hangul = sum(1 for ch in text if "\uac00" <= ch <= "\ud7a3")
    latin = sum(1 for ch in text if ch.isascii() and ch.isalpha())
    return "ko" if hangul * 3 >= latin and hangul > 0 else "en"


def parse_mail(raw: bytes) -> ParsedMail:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    out = ParsedMail()
    out.message_id = normalise_message_id(str(msg.get("Message-ID", "")))
    out.in_reply_to = _ids(str(msg.get("In-Reply-To", "")))
    out.references = _ids(str(msg.get("References", "")))
    out.subject = _one_line(msg.get("Subject", ""))
    out.from_ = _addresses(msg, "From")
    out.reply_to = _addresses(msg, "Reply-To")
    out.to = _addresses(msg, "To")
    out.cc = _addresses(msg, "Cc")
    for name in ("Delivered-To", "X-Original-To", "Envelope-To"):
        out.delivered_to += [a.email for a in _addresses(msg, name)]
    if "Return-Path" in msg:
        rp = str(msg["Return-Path"]).strip().strip("<>").strip()
        out.return_path = rp
    for key in msg:
        lk = key.lower()
        if lk not in out.headers:
            out.headers[lk] = _one_line(msg.get(key, ""))
    out.content_type = msg.get_content_type()
    body = msg.get_body(preferencelist=("plain", "html"))
    if body is not None:
        try:
            content = body.get_content()
        except Exception as exc:  # noqa: BLE001
            out.defects.append(f"body: {type(exc).__name__}")
            content = ""
        if body.get_content_type() == "text/html":
            out.html = content
        out.text = content
    out.new_text = out.text
    out.language = _language(out.subject + " " + out.new_text)
    for part in msg.iter_attachments():
        out.attachments.append(
            ParsedAttachment(
                filename=part.get_filename() or "attachment",
                content_type=part.get_content_type(),
                payload=part.get_payload(decode=True) or b"",
            )
        )
    return out
