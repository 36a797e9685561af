"""Builds test mail in code: small, readable, and exactly the headers a test is about."""

from __future__ import annotations

import itertools
from email.message import EmailMessage
from email.policy import SMTP

_counter = itertools.count(1)


def build_mail(
    *,
    subject: str = "배송 문의",
    body: str = "안녕하세요, 주문한 상품이 아직 오지 않았습니다.",
    from_: str = "김민수 <minsu@customer.example>",
    to: str = "help@shop.example",
    cc: str | None = None,
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: str | None = None,
    headers: dict[str, str] | None = None,
) -> bytes:
    msg = EmailMessage(policy=SMTP)
    msg["From"] = from_
    msg["To"] = to
    if cc:
        msg["Cc"] = cc
    msg["Subject"] = subject
    msg["Date"] = "Mon, 23 Nov 2026 10:00:00 +0900"
    msg["Message-ID"] = message_id or f"<m{next(_counter)}.test@customer.example>"
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    return msg.as_bytes()


def with_trace(raw: bytes, *, delivered_to: str) -> bytes:
    """The same mail as an MTA would deliver it to one alias: a Received and Delivered-To on top."""
    trace = (
        f"Delivered-To: {delivered_to}\r\nReceived: from mx.example by mx.shop.example; Mon, 23 Nov 2026\r\n"
    )
    return trace.encode() + raw
