"""Signed links that let a customer follow their own tickets without an account (MISSION A10, C3).

The acknowledgement carries a link with a token signed by the desk's secret: it names the ticket and
its customer, so whoever reads that mailbox can come back to the conversation, and nobody can forge or
alter a token to reach another customer's ticket. Tokens expire (90 days by default) so an old mail
forwarded or leaked does not open a customer's history for ever.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "dapjang.portal.ticket-link"
DEFAULT_DAYS = 90


@dataclass(frozen=True)
class LinkTarget:
    """What a valid token names: one ticket, and the customer it belonged to when the link was made."""

    ticket_id: int
    customer_id: int | None


class LinkExpired(Exception):
    """The token was ours but is older than the link lifetime (shown as 410 Gone)."""


class LinkInvalid(Exception):
    """The token was altered, cut short or made with another secret (shown as 403)."""


def link_lifetime() -> timedelta:
    return timedelta(days=int(getattr(settings, "DAPJANG_PORTAL_LINK_DAYS", DEFAULT_DAYS)))


def public_url() -> str:
    """The site's address as customers reach it, without a trailing slash (settings.DAPJANG_PUBLIC_URL)."""
    return str(settings.DAPJANG_PUBLIC_URL).rstrip("/")


def ticket_token(ticket_id: int, customer_id: int | None) -> str:
    signer = signing.TimestampSigner(salt=SALT)
    return signer.sign_object({"t": ticket_id, "c": customer_id or 0}, compress=False)


def ticket_token_read(token: str) -> LinkTarget:
    """The ticket a token names; raises LinkExpired or LinkInvalid, never returns a guess."""
    signer = signing.TimestampSigner(salt=SALT)
    try:
        value = signer.unsign_object(token, max_age=link_lifetime())
    except signing.SignatureExpired as exc:
        raise LinkExpired(str(exc)) from None
    except (signing.BadSignature, ValueError, UnicodeDecodeError) as exc:
        raise LinkInvalid(str(exc)) from None
    if not isinstance(value, dict):
        raise LinkInvalid("unexpected token content")
    ticket_id, customer_id = value.get("t"), value.get("c")
    if not isinstance(ticket_id, int) or not isinstance(customer_id, int):
        raise LinkInvalid("unexpected token content")
    return LinkTarget(ticket_id=ticket_id, customer_id=customer_id or None)


def ticket_path(ticket_id: int, customer_id: int | None) -> str:
    return reverse("portal:ticket", args=[ticket_token(ticket_id, customer_id)])


def ticket_url(ticket_id: int, customer_id: int | None) -> str:
    """The absolute link put in the acknowledgement."""
    return public_url() + ticket_path(ticket_id, customer_id)
