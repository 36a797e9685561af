"""Build test mails in code: hostile shapes are generated at test time, never stored as fixtures."""

from __future__ import annotations

import base64

CRLF = b"\r\n"
KO_CP949_ONLY = "똠 쌰 펲 뷁"  # not in KS X 1001: strict euc_kr cannot decode them


def b(value: str | bytes, charset: str = "utf-8") -> bytes:
    return value if isinstance(value, bytes) else value.encode(charset)


def mail(
    body: str | bytes = "Hello",
    *,
    headers: list[tuple[str, str | bytes]] | None = None,
    ctype: str = "text/plain; charset=utf-8",
    cte: str | None = None,
    sender: str | bytes = "Kim <kim@example.com>",
    subject: str | bytes = "Question",
    eol: bytes = CRLF,
) -> bytes:
    """A single-part mail; `headers` are added after From/To/Subject/Message-ID."""
    lines: list[bytes] = [
        b"From: " + b(sender),
        b"To: help@desk.example",
        b"Subject: " + b(subject),
        b"Message-ID: <m1@example.com>",
        b"Date: Tue, 03 Nov 2026 14:14:00 +0900",
        b"MIME-Version: 1.0",
    ]
    lines += [b(name) + b": " + b(value) for name, value in headers or []]
    if ctype:
        lines.append(b"Content-Type: " + b(ctype))
    if cte:
        lines.append(b"Content-Transfer-Encoding: " + b(cte))
    return eol.join(lines) + eol + eol + b(body)


def part(
    body: str | bytes,
    ctype: str = "text/plain; charset=utf-8",
    *,
    cte: str | None = None,
    headers: list[tuple[str, str]] | None = None,
) -> bytes:
    lines = [b"Content-Type: " + b(ctype)]
    if cte:
        lines.append(b"Content-Transfer-Encoding: " + b(cte))
    lines += [b(n) + b": " + b(v) for n, v in headers or []]
    return CRLF.join(lines) + CRLF + CRLF + b(body)


def multipart(subtype: str, parts: list[bytes], boundary: str = "BOUNDARY", *, close: bool = True) -> bytes:
    """The body and Content-Type of a multipart entity, as one header block + body."""
    out = [b"Content-Type: multipart/" + b(subtype) + b'; boundary="' + b(boundary) + b'"', b""]
    for p in parts:
        out += [b"--" + b(boundary), p]
    if close:
        out.append(b"--" + b(boundary) + b"--")
    return CRLF.join(out) + CRLF


def wrap(entity: bytes, sender: str = "Kim <kim@example.com>", subject: str = "Question") -> bytes:
    """Top-level headers in front of an entity made by `part` or `multipart`."""
    head = [
        b"From: " + b(sender),
        b"To: help@desk.example",
        b"Subject: " + b(subject),
        b"Message-ID: <m1@example.com>",
        b"MIME-Version: 1.0",
    ]
    return CRLF.join(head) + CRLF + entity


def ew_b(text: str | bytes, charset: str) -> str:
    data = b(text, charset)
    return f"=?{charset}?B?{base64.b64encode(data).decode()}?="


def ew_q(text: str | bytes, charset: str) -> str:
    data = b(text, charset)
    return f"=?{charset}?Q?{''.join(f'={c:02X}' for c in data)}?="


def qp(data: bytes, width: int = 10) -> bytes:
    """Quoted-printable with a soft line break every `width` encoded characters (inside characters too)."""
    tokens = [b"=%02X" % c if c > 126 or c in (61,) else bytes([c]) for c in data]
    lines = [b"".join(tokens[i : i + width]) for i in range(0, len(tokens), width)]
    return b"=\r\n".join(lines)


def deep_nesting(depth: int) -> bytes:
    out = [b"From: a@example.com\r\nSubject: deep\r\nMIME-Version: 1.0\r\n"]
    for i in range(depth):
        out.append(b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i))
    out.append(b"Content-Type: text/plain\r\n\r\ninnermost\r\n")
    out += [b"--b%d--\r\n" % i for i in reversed(range(depth))]
    return b"".join(out)


def many_parts(count: int) -> bytes:
    parts = [b"Content-Type: text/plain\r\n\r\npart %d\r\n" % i for i in range(count)]
    return wrap(multipart("mixed", parts, "x"))


def many_headers(count: int) -> bytes:
    lines = b"".join(b"X-Filler-%d: value %d\r\n" % (i, i) for i in range(count))
    return lines + b"From: a@example.com\r\nSubject: many headers\r\n\r\nbody\r\n"


def quadratic_headers(count: int = 100_000) -> bytes:
    """cpython #136063 shapes: many encoded words, many '(' comments, many ';' parameters."""
    words = b"\r\n ".join(b"=?utf-8?q?a?=" for _ in range(count))
    comments = b"(" * count
    params = b"; ".join(b'a%d="x;y"' % i for i in range(count // 5))
    unbalanced = b'x="' + b";" * count
    return (
        b"From: " + comments + b" <a@example.com>\r\n"
        b"To: " + b", ".join(b"(c) u%d@example.com" % i for i in range(count // 10)) + b"\r\n"
        b"Subject: " + words + b"\r\n"
        b"Content-Type: multipart/mixed; " + params + b"; boundary=zz\r\n"
        b"Content-Disposition: inline; " + unbalanced + b"\r\n\r\n"
        b"--zz\r\nContent-Type: text/plain; " + unbalanced + b"\r\n\r\nhi\r\n--zz--\r\n"
    )
