"""Bounces and read receipts: which of our mails they are about, and what happened to it.

RFC 3464 DSNs and RFC 8098 MDNs are read from their machine-readable parts. Many MTAs still send
free-text bounces (Postfix without DSN, qmail, Exchange NDRs): those are recognised by sender and
subject, and the original Message-ID and status code are dug out of the text, so the loop rules
can still refuse to answer them and the ticket can still be found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.message import Message
from email.parser import HeaderParser
from email.policy import compat32

MAX_REPORT_PARTS = 50
MAX_SCAN = 200_000  # characters of bounce text searched for an id or a status

_BOUNCE_SENDERS = re.compile(
    r"^(?:mailer-daemon|postmaster|mail-daemon|mailer_daemon|mail-delivery-subsystem|mdaemon|"
    r"microsoftexchange[0-9a-f]*)(?:[+\-.].*)?$",
    re.I,
)
# English MTA phrases only: Korean 반송/배달 also mean a parcel return, which customers write about.
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|returned to sender|delivery status notification|mail delivery fail|failure notice|"
    r"returned mail|delivery failure|delivery has failed|could not be delivered|non[- ]?delivery",
    re.I,
)
_MESSAGE_ID = re.compile(r"^[ \t>]*message-id:[ \t]*(<[^>\s]{1,990}>|\S{1,990})", re.I | re.M)
_STATUS = re.compile(r"(?<![\d.])([45]\.\d{1,3}\.\d{1,3})(?![\d.]\d)")
_RECIPIENT = re.compile(r"^[ \t]*<([^<>\s@]+@[^<>\s@]+)>:", re.M)
_ACTION_RANK = {"failed": 0, "delayed": 1, "relayed": 2, "expanded": 3, "delivered": 4}


@dataclass
class DeliveryReport:
    """What a bounce (RFC 3464) or an MDN (RFC 8098) says about the mail it reports on."""

    report_type: str  # "delivery-status" | "disposition-notification" | "" (non-RFC bounce)
    action: str = ""  # failed | delayed | delivered | relayed | expanded | displayed ...
    status: str = ""  # e.g. "5.1.1"
    recipients: list[str] = field(default_factory=list)
    original_message_id: str = ""  # normalised, of the mail that bounced


def normalise_message_id(value: str) -> str:
    """No angle brackets, no whitespace, at most 995 characters: the form ids are compared in.

    Raw header values carry 8-bit bytes as surrogate escapes, which no database or encoder accepts:
    valid UTF-8 becomes its characters, anything else U+FFFD, the same way every time.
    """
    value = value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    value = "".join(value.split())
    if value.startswith("<") and value.endswith(">"):
        value = value[1:-1]
    return value[:995]


def _parts(msg: Message) -> list[Message]:
    """The report's parts, breadth first and bounded; embedded messages are not entered."""
    out: list[Message] = []
    queue = [msg]
    while queue and len(out) < MAX_REPORT_PARTS:
        part = queue.pop(0)
        out.append(part)
        if part.get_content_maintype() == "multipart" and isinstance(part.get_payload(), list):
            queue.extend(p for p in part.get_payload() if isinstance(p, Message))
    return out


def _blocks(part: Message) -> list[Message]:
    """The field blocks of a delivery-status or disposition part (compat32 pre-splits them)."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return [p for p in payload if isinstance(p, Message)]
    try:
        data = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - a damaged part just yields no fields
        return []
    if not isinstance(data, bytes):
        return []
    text = data.decode("utf-8", "replace").replace("\r\n", "\n")
    parser = HeaderParser(policy=compat32)
    return [parser.parsestr(block.strip() + "\n") for block in text.split("\n\n") if block.strip()]


def _field(block: Message, name: str) -> str:
    value = block.get(name)
    return " ".join(str(value).split()) if value is not None else ""


def _after_type(value: str) -> str:
    """`rfc822; <a@b>` → `a@b`."""
    return value.split(";", 1)[-1].strip().strip("<>").strip()


def _embedded_id(part: Message) -> str:
    ctype = part.get_content_type()
    if ctype in ("message/rfc822", "message/global"):
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            return normalise_message_id(_field(inner[0], "Message-ID"))
    if ctype in ("text/rfc822-headers", "message/global-headers"):
        for block in _blocks(part)[:1]:
            return normalise_message_id(_field(block, "Message-ID"))
    return ""


def _from_parts(parts: list[Message], report: DeliveryReport) -> None:
    for part in parts:
        if not report.original_message_id:
            report.original_message_id = _embedded_id(part)
        ctype = part.get_content_type()
        if ctype in ("message/delivery-status", "message/global-delivery-status"):
            _read_dsn(_blocks(part), report)
        elif ctype in ("message/disposition-notification", "message/global-disposition-notification"):
            _read_mdn(_blocks(part), report)


def _read_dsn(blocks: list[Message], report: DeliveryReport) -> None:
    best = len(_ACTION_RANK) + 1
    for block in blocks:
        recipient = _after_type(_field(block, "Final-Recipient") or _field(block, "Original-Recipient"))
        if recipient and recipient not in report.recipients:
            report.recipients.append(recipient)
        action = _field(block, "Action").lower()
        if action:
            rank = _ACTION_RANK.get(action, len(_ACTION_RANK))
            if rank < best:
                best, report.action = rank, action
                report.status = _field(block, "Status").split(" ", 1)[0]


def _read_mdn(blocks: list[Message], report: DeliveryReport) -> None:
    for block in blocks:
        original = _field(block, "Original-Message-ID")
        if original and not report.original_message_id:
            report.original_message_id = normalise_message_id(original)
        recipient = _after_type(_field(block, "Final-Recipient"))
        if recipient and recipient not in report.recipients:
            report.recipients.append(recipient)
        disposition = _field(block, "Disposition")
        if disposition and not report.action:
            report.action = disposition.rsplit(";", 1)[-1].strip().split("/")[0].lower()


def looks_like_bounce(sender_locals: list[str], subject: str, machine: bool) -> bool:
    """A daemon sender is enough; a bounce-like subject only counts from a machine (null
    Return-Path or Auto-Submitted), because people forward NDRs and quote their subjects."""
    if any(_BOUNCE_SENDERS.match(local) for local in sender_locals):
        return True
    return machine and bool(_BOUNCE_SUBJECT.search(subject[:300]))


def read_report(
    msg: Message, report_type: str, sender_locals: list[str], subject: str, text: str, machine: bool = False
) -> DeliveryReport | None:
    """The report for a DSN, an MDN or a free-text bounce; None for any other mail."""
    report_type = report_type.lower()
    if msg.get_content_type() == "multipart/report" and report_type in (
        "delivery-status",
        "disposition-notification",
    ):
        report = DeliveryReport(report_type=report_type)
        _from_parts(_parts(msg), report)
        return report
    if not looks_like_bounce(sender_locals, subject, machine):
        return None
    report = DeliveryReport(report_type="")
    _from_parts(_parts(msg), report)
    sample = text[:MAX_SCAN]
    if not report.original_message_id:
        m = _MESSAGE_ID.search(sample)
        if m:
            report.original_message_id = normalise_message_id(m.group(1))
    if not report.status:
        m = _STATUS.search(sample)
        if m:
            report.status = m.group(1)
    if not report.action and report.status:
        report.action = "failed" if report.status.startswith("5") else "delayed"
    if not report.recipients:
        report.recipients = list(dict.fromkeys(_RECIPIENT.findall(sample)))[:50]
    return report
