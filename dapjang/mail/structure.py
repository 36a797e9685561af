"""The MIME tree: parsed with explicit limits, walked without recursion, payloads decoded leniently.

The stdlib feed parser (compat32: about six times faster than policy.default and it leaves header
decoding to us) recurses once per multipart level and runs `_parseparam`, which is quadratic, on
every multipart Content-Type. Both are defused before or around the parse; the walk then stops at
MAX_DEPTH levels and MAX_PARTS parts and says so in the defects.
"""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32

from dapjang.mail.rfc2047 import b64decode_lenient, parse_params, to_bytes

MAX_DEPTH = 50
MAX_PARTS = 1000
MAX_CONTENT_TYPE = 4096  # longer Content-Type headers are cut before the stdlib sees them
KEEP_MULTIPART = 64  # after a RecursionError, only this many multipart headers stay multipart
SKIPPED = "x-dapjang-skipped"

_LONG_CT = re.compile(rb"(?im)^content-type[ \t]*:(?:[^\r\n]*\r?\n[ \t])*[^\r\n]*")
_MULTIPART_CT = re.compile(rb"(?i)(content-type[ \t]*:[ \t\r\n]*)multipart/")


@dataclass
class Leaf:
    """A non-multipart part, with the body unit it belongs to (one multipart/alternative = one unit)."""

    part: Message
    unit: int
    ctype: str
    params: dict[str, str]
    disposition: str
    dparams: dict[str, str]
    headers: dict[str, str] = field(default_factory=dict)


def _cut_long_content_types(raw: bytes, defects: list[str]) -> bytes:
    if raw.count(b";") < 200:  # a quadratic Content-Type needs many ';', normal mail has few
        return raw
    pieces: list[bytes] = []
    pos = 0
    for m in _LONG_CT.finditer(raw):
        if m.end() - m.start() > MAX_CONTENT_TYPE:
            head = raw[m.start() : m.start() + MAX_CONTENT_TYPE]
            head = head[: head.rfind(b";")] if b";" in head else head
            pieces += [raw[pos : m.start()], head.replace(b"\r", b" ").replace(b"\n", b" ")]
            pos = m.end()
            defects.append(f"Content-Type header longer than {MAX_CONTENT_TYPE} characters cut")
    return b"".join([*pieces, raw[pos:]]) if pieces else raw


def load(raw: bytes, defects: list[str]) -> Message:
    """Parse without ever letting RecursionError out; excess nesting becomes skipped leaves."""
    raw = _cut_long_content_types(raw, defects)
    parser = BytesParser(policy=compat32)
    try:
        return parser.parsebytes(raw)
    except RecursionError:
        defects.append(f"depth limit {MAX_DEPTH} exceeded")
    seen = 0

    def neuter(m: re.Match[bytes]) -> bytes:
        nonlocal seen
        seen += 1
        return m.group(0) if seen <= KEEP_MULTIPART else m.group(1) + SKIPPED.encode() + b"/"

    try:
        return parser.parsebytes(_MULTIPART_CT.sub(neuter, raw))
    except RecursionError:
        defects.append("nesting too deep to parse; headers only")
        return BytesParser(policy=compat32).parsebytes(raw, headersonly=True)


def raw_payload(part: Message) -> object:
    """The payload as parsed: `get_payload()` would decode 8-bit bytes with errors="replace"."""
    return getattr(part, "_payload", None)


def raw_headers(part: Message) -> dict[str, str]:
    """Lower-case name → first raw value (compat32 strings, 8-bit bytes surrogate-escaped)."""
    out: dict[str, str] = {}
    for name, value in part.raw_items():
        key = name.strip().lower()
        if key not in out:
            out[key] = value if isinstance(value, str) else str(value)
    return out


def _content_type(part: Message, headers: dict[str, str]) -> tuple[str, dict[str, str]]:
    main, params, _ = parse_params(headers.get("content-type", ""))
    if main.count("/") != 1 or " " in main:
        main = part.get_default_type()
    return main, params


def walk(msg: Message, defects: list[str]) -> list[Leaf]:
    """All leaves in document order; multipart/alternative children share one unit."""
    leaves: list[Leaf] = []
    stack: list[tuple[Message, int, int]] = [(msg, 0, -1)]
    count = 0
    units = 0
    while stack:
        part, depth, unit = stack.pop()
        count += 1
        if count > MAX_PARTS:
            defects.append(f"part limit {MAX_PARTS} exceeded")
            break
        for defect in part.defects:
            defects.append(type(defect).__name__)
        headers = raw_headers(part)
        ctype, params = _content_type(part, headers)
        payload = raw_payload(part)
        if ctype.startswith(SKIPPED + "/"):
            continue
        if isinstance(payload, list) and ctype.startswith("multipart/"):
            if depth >= MAX_DEPTH:
                defects.append(f"depth limit {MAX_DEPTH} exceeded")
                continue
            if unit < 0 and ctype == "multipart/alternative":
                units += 1
                unit = units
            children = [p for p in payload if isinstance(p, Message)]
            stack.extend((child, depth + 1, unit) for child in reversed(children))
            continue
        disposition, dparams, _ = parse_params(headers.get("content-disposition", ""))
        if unit < 0:
            units += 1
        leaves.append(Leaf(part, unit if unit >= 0 else units, ctype, params, disposition, dparams, headers))
    return leaves


def payload_bytes(leaf: Leaf, defects: list[str]) -> bytes:
    """Transfer-decoded bytes; damaged encodings give what can be recovered plus a defect."""
    part = leaf.part
    payload = raw_payload(part)
    if isinstance(payload, list):  # message/rfc822: the embedded mail, re-serialised
        inner = payload[0] if payload and isinstance(payload[0], Message) else None
        if inner is None:
            return b""
        try:
            return inner.as_bytes(policy=compat32)
        except (RecursionError, ValueError, LookupError, UnicodeError, TypeError):
            defects.append("embedded message could not be serialised")
            return b""
    data = to_bytes(payload if isinstance(payload, str) else "")
    cte = " ".join(leaf.headers.get("content-transfer-encoding", "").split()).lower()
    if cte in ("", "7bit", "8bit", "binary", "7-bit", "8-bit"):
        return data
    if cte == "base64":
        decoded, broken = b64decode_lenient(data)
        if broken:
            defects.append(f"broken base64 in {leaf.ctype}")
        return decoded
    if cte in ("quoted-printable", "quoted_printable", "qp"):
        return binascii.a2b_qp(data)
    if cte in ("x-uuencode", "uuencode", "x-uue", "uue"):
        try:
            uu = part.get_payload(decode=True)
        except Exception:  # noqa: BLE001 - uu decoding in the stdlib raises many things
            uu = None
        return uu if isinstance(uu, bytes) else data
    defects.append(f"unknown Content-Transfer-Encoding {cte[:40]}")
    return data
