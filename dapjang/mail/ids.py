"""Our own Message-IDs carry an HMAC tag, so our mail coming back is recognised even without headers."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings

_TAG_LEN = 16


def _tag(nonce: str) -> str:
    key = f"dapjang-message-id:{settings.SECRET_KEY}".encode()
    return hmac.new(key, nonce.encode(), hashlib.sha256).hexdigest()[:_TAG_LEN]


def message_id_make() -> str:
    """A new Message-ID without angle brackets: `<nonce>.<hmac>.dj@<mail domain>`."""
    nonce = secrets.token_hex(12)
    return f"{nonce}.{_tag(nonce)}.dj@{settings.DAPJANG_MAIL_DOMAIN}"


def message_id_is_ours(message_id: str) -> bool:
    """True only for IDs we made with this desk's secret: a forger cannot mint one."""
    local, _, _domain = message_id.partition("@")
    parts = local.split(".")
    if len(parts) != 3 or parts[2] != "dj":
        return False
    return hmac.compare_digest(parts[1], _tag(parts[0]))


def loop_token() -> str:
    """The value of our X-Dapjang-Loop header: identifies this desk without revealing the secret."""
    return _tag("loop-header")
