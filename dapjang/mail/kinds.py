"""Which inbound mail is a person and which is a machine; only people ever get an automatic answer.

Checked in order of certainty. Real autoresponders ignore the standards, so this is one layer: the
hard caps in `loops.py` hold even when every header here is missing.
"""

from __future__ import annotations

import re
from enum import StrEnum

from dapjang.mail.ids import loop_token, message_id_is_ours
from dapjang.mail.parse import ParsedMail


class Kind(StrEnum):
    HUMAN = "human"
    AUTO_REPLY = "auto-reply"
    BULK = "bulk"
    BOUNCE = "bounce"
    MDN = "mdn"
    OWN_ECHO = "own-echo"


# RFC 3834 senders that never want an answer, including plus-tagged and dotted variants.
_MACHINE_LOCAL = re.compile(
    r"^(mailer-daemon|postmaster|no[-_.]?reply|do[-_.]?not[-_.]?reply|bounces?|"
    r"auto[-_.]?reply|autoresponder|notifications?)([+\-.].*)?$",
    re.IGNORECASE,
)
_AUTO_SUBJECT = re.compile(
    r"^\s*(auto(matic)?[ -]?(reply|response)|out of (the )?office|부재\s*중|자동\s*응답|휴가\s*중)",
    re.IGNORECASE,
)
_BOUNCE_SUBJECT = re.compile(
    r"(undeliver|returned mail|delivery (status notification|failure|has failed)|mail delivery failed|"
    r"failure notice|delivery notification|메일 ?전송 ?실패|반송)",
    re.IGNORECASE,
)
_SUPPRESS_TOKENS = {"all", "oof", "autoreply", "dr", "rn", "nrn"}


def _auto_submitted(headers: dict[str, str]) -> bool:
    value = headers.get("auto-submitted", "").split(";")[0].strip().lower()
    return bool(value) and value != "no"


def mail_kind(mail: ParsedMail, *, envelope_from: str | None) -> Kind:
    """Classify a parsed inbound mail (RELIABILITY tests 1–3, 5, 8)."""
    h = mail.headers
    if message_id_is_ours(mail.message_id) or h.get("x-dapjang-loop", "") == loop_token():
        return Kind.OWN_ECHO
    ctype_report = mail.report.report_type if mail.report else None
    if ctype_report == "disposition-notification":
        return Kind.MDN
    sender = mail.sender.email if mail.sender else ""
    local = sender.rpartition("@")[0]
    if ctype_report == "delivery-status":
        return Kind.BOUNCE
    if mail.report is not None and (
        _MACHINE_LOCAL.match(local) or envelope_from == "" or mail.return_path == ""
    ):
        return Kind.BOUNCE
    if _BOUNCE_SUBJECT.search(mail.subject) and local.lower() in {"mailer-daemon", "postmaster"}:
        return Kind.BOUNCE
    if _auto_submitted(h) or "x-autoreply" in h or "x-autorespond" in h or "x-autoresponse" in h:
        return Kind.AUTO_REPLY
    suppress = {t.strip().lower() for t in h.get("x-auto-response-suppress", "").split(",")}
    if suppress & _SUPPRESS_TOKENS:
        return Kind.AUTO_REPLY
    if h.get("precedence", "").strip().lower() in {"bulk", "list", "junk", "auto_reply"}:
        return Kind.BULK
    if "list-id" in h or "list-unsubscribe" in h or "list-post" in h or "x-loop" in h:
        return Kind.BULK
    if envelope_from == "" or mail.return_path == "" or _MACHINE_LOCAL.match(local):
        return Kind.AUTO_REPLY
    if _AUTO_SUBJECT.search(mail.subject):
        return Kind.AUTO_REPLY
    return Kind.HUMAN
