"""Raw bytes → ParsedMail. Never raises on bad mail: what went wrong is recorded in `defects`.

Each stage (structure, headers, bodies, quotes, report) is guarded on its own, so a failure late
in the pipeline still leaves the addresses and text already read. Limits are module constants.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from email.utils import parsedate_to_datetime

from dapjang.mail.addresses import parse_addresses
from dapjang.mail.bodies import ParsedAttachment, read_bodies
from dapjang.mail.quotes import split_quoted
from dapjang.mail.reports import DeliveryReport, normalise_message_id, read_report
from dapjang.mail.rfc2047 import HeaderText, decode_header, decode_raw_text, one_line, parse_params
from dapjang.mail.structure import MAX_DEPTH, MAX_PARTS, load, raw_headers, walk

__all__ = [
    "MAX_DEPTH",
    "MAX_PARTS",
    "Address",
    "DeliveryReport",
    "ParsedAttachment",
    "ParsedMail",
    "normalise_message_id",
    "parse_mail",
]

MAX_HEADER_VALUE = 2000  # characters kept of each header value (and of the subject)
MAX_RAW_HEADER = 65536  # characters of a raw header decoded at all
MAX_IDS = 200  # Message-IDs kept from References (first one and the most recent ones)
_SINGLE = ("from", "subject", "date", "message-id", "to", "cc", "sender", "reply-to", "in-reply-to")
_ANGLE_ID = re.compile(r"<([^<>\s]{1,995})>")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_LATIN = re.compile(r"[A-Za-z]")


@dataclass(frozen=True)
class Address:
    """One mailbox: the real addr-spec (lower-cased domain) and the decoded display name."""

    email: str
    name: str = ""


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


def _ids(value: str) -> list[str]:
    value = value[:MAX_RAW_HEADER]
    found = _ANGLE_ID.findall(value) or [t for t in value.replace(",", " ").split() if "@" in t]
    out = list(dict.fromkeys(normalise_message_id(t) for t in found if t.strip("<>")))
    return out if len(out) <= MAX_IDS else [out[0], *out[-(MAX_IDS - 1) :]]


def _date(value: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(one_line(value)[:200])
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _note(out: ParsedMail, decoded: HeaderText, name: str) -> None:
    if decoded.guessed:
        out.charset_guessed = True
    out.defects.extend(f"{name}: {d}" for d in decoded.defects)


def _addresses(out: ParsedMail, values: list[str], name: str, hint: str | None) -> list[Address]:
    found: list[Address] = []
    for value in values:
        text = decode_raw_text(value[:MAX_RAW_HEADER], hint)
        _note(out, text, name)
        parsed = parse_addresses(text.text, strict=False)
        found += [Address(addr, name[:MAX_HEADER_VALUE]) for name, addr in parsed.addresses]
    return list(dict.fromkeys(found))


def _read_from(out: ParsedMail, values: list[str], hint: str | None) -> None:
    """The identity: every real addr-spec, or none at all when the header can be read two ways."""
    flags: list[str] = []
    found: list[Address] = []
    ambiguous = False
    for value in values:
        text = decode_raw_text(value[:MAX_RAW_HEADER], hint)
        _note(out, text, "From")
        parsed = parse_addresses(text.text, strict=True)
        ambiguous = ambiguous or parsed.ambiguous
        if parsed.group:
            flags.append("group_from")
        if parsed.display_name_address:
            flags.append("display_name_address")
        found += [Address(addr, name[:MAX_HEADER_VALUE]) for name, addr in parsed.addresses]
    found = list(dict.fromkeys(found))
    if ambiguous:
        flags.append("ambiguous_from")
        found = []
    elif not found:
        flags.append("no_from")
    if len(found) > 1 or len(values) > 1:
        flags.append("multiple_from")
    out.from_ = found
    out.sender_flags = list(dict.fromkeys(flags))


def _read_headers(out: ParsedMail, msg: Message, hint: str | None) -> None:
    first: dict[str, str] = {}
    every: dict[str, list[str]] = {}
    for name, value in msg.raw_items():
        key = name.strip().lower()
        raw = value if isinstance(value, str) else str(value)
        if key in first:
            if key in _SINGLE:
                out.defects.append(f"duplicate {key} header")
        else:
            first[key] = raw
        if key in ("from", "to", "cc", "reply-to", "delivered-to", "x-original-to", "envelope-to"):
            every.setdefault(key, []).append(raw)
    for key, raw in first.items():
        decoded = decode_header(raw[:MAX_RAW_HEADER], hint)
        _note(out, decoded, key)
        out.headers[key] = decoded.text[:MAX_HEADER_VALUE]
    out.subject = out.headers.get("subject", "")
    out.message_id = normalise_message_id(one_line(first.get("message-id", ""))[:MAX_RAW_HEADER])
    out.in_reply_to = _ids(first.get("in-reply-to", ""))
    out.references = _ids(first.get("references", ""))
    out.date = _date(first["date"]) if "date" in first else None
    _read_from(out, every.get("from", []), hint)
    out.reply_to = _addresses(out, every.get("reply-to", []), "Reply-To", hint)
    out.to = _addresses(out, every.get("to", []), "To", hint)
    out.cc = _addresses(out, every.get("cc", []), "Cc", hint)
    delivered = [
        *every.get("delivered-to", []),
        *every.get("x-original-to", []),
        *every.get("envelope-to", []),
    ]
    out.delivered_to = list(dict.fromkeys(a.email for a in _addresses(out, delivered, "Delivered-To", hint)))
    if "return-path" in first:
        path = one_line(first["return-path"])[:MAX_HEADER_VALUE].strip()
        inner = path[path.find("<") + 1 : path.rfind(">")] if "<" in path and ">" in path else path
        parsed = parse_addresses(inner, strict=False).addresses
        out.return_path = parsed[0][1] if parsed else inner.strip()


def _language(text: str) -> str:
    hangul = len(_HANGUL.findall(text))
    latin = len(_LATIN.findall(text))
    return "ko" if hangul * 3 >= latin and hangul > 0 else "en"


def _guarded(out: ParsedMail, stage: str, step: Callable[[], None]) -> None:
    try:
        step()
    except Exception as exc:  # noqa: BLE001 - the contract is: never raise, record what failed
        out.defects.append(f"{stage} failed: {type(exc).__name__}")


def parse_mail(raw: bytes) -> ParsedMail:
    """Parse any bytes; the result is usable even when parts of the mail were not."""
    out = ParsedMail()
    try:
        msg = load(raw, out.defects)
    except Exception as exc:  # noqa: BLE001
        out.defects.append(f"structure failed: {type(exc).__name__}")
        return out
    top = raw_headers(msg)
    hint: list[str | None] = [None]

    def bodies() -> None:
        found = read_bodies(walk(msg, out.defects), top)
        out.text, out.html, out.content_type = found.text, found.html, found.content_type
        out.attachments, out.charset_guessed = found.attachments, found.charset_guessed
        out.defects += found.defects
        hint[0] = found.hint

    _guarded(out, "bodies", bodies)
    _guarded(out, "headers", lambda: _read_headers(out, msg, hint[0]))

    def quotes() -> None:
        out.new_text, out.quoted_text = split_quoted(out.text)

    def report() -> None:
        locals_ = [a.email.rpartition("@")[0] for a in out.from_]
        if not out.from_:
            locals_ = [one_line(top.get("from", ""))[:200].strip("<> ")]
        report_type = (out.content_type == "multipart/report" and _report_type(top)) or ""
        auto = out.headers.get("auto-submitted", "no").split(";")[0].strip().lower() != "no"
        machine = out.return_path == "" or auto
        out.report = read_report(msg, report_type, locals_, out.subject, out.text, machine)

    _guarded(out, "quotes", quotes)
    _guarded(out, "report", report)
    out.language = _language(out.subject + " " + out.new_text[:20000])
    out.defects = list(dict.fromkeys(out.defects))
    return out


def _report_type(top: dict[str, str]) -> str:
    return parse_params(top.get("content-type", ""))[1].get("report-type", "")
