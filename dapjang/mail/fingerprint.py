"""A fingerprint of a mail that ignores how it travelled.

The same mail delivered to two aliases, or once by SMTP and once by IMAP, differs only in trace
headers (Received, Delivered-To, Return-Path…). Hashing without them makes those copies one article,
while two different mails that share a Message-ID (a broken mailer) stay two (RELIABILITY 15, 16).
"""

from __future__ import annotations

import hashlib
import re

_TRACE = re.compile(
    rb"^(received|delivered-to|x-original-to|envelope-to|return-path|x-envelope-from|x-envelope-to|"
    rb"x-rcpt-to|x-received|authentication-results|arc-[a-z-]+|x-spam[a-z-]*|x-virus[a-z-]*|"
    rb"x-dapjang-[a-z-]+|status|x-status|x-keywords|x-uid|x-imap[a-z-]*|content-length|lines)\s*:",
    re.IGNORECASE,
)
_BODY_SPLIT = re.compile(rb"\r?\n\r?\n")


def mail_fingerprint(raw: bytes) -> str:
    match = _BODY_SPLIT.search(raw)
    head, body = (raw[: match.start()], raw[match.end() :]) if match else (raw, b"")
    kept: list[bytes] = []
    skipping = False
    for line in head.replace(b"\r\n", b"\n").split(b"\n"):
        if line[:1] in (b" ", b"\t"):
            if not skipping:
                kept.append(line.strip())
            continue
        if line.startswith(b"From "):  # mbox separator line, added by the mailbox, not the sender
            skipping = True
            continue
        skipping = bool(_TRACE.match(line))
        if not skipping:
            kept.append(line.rstrip())
    digest = hashlib.sha256(b"\n".join(kept))
    digest.update(b"\n\n")
    digest.update(body.replace(b"\r\n", b"\n").rstrip())
    return digest.hexdigest()
