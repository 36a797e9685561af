"""Rate limits on the contact form, per address and per visitor (RELIABILITY 10).

A form is an open relay for whatever it mails back: fifty submissions naming a victim's address would
otherwise send the victim fifty acknowledgements. The outbox caps automatic mail per recipient
already (mail/loops.py); these limits stop the submissions themselves, before any ticket is made,
and tell the visitor when they may try again.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

from dapjang.portal.models import FormSubmission

DEFAULT_PER_EMAIL = 5
DEFAULT_PER_CLIENT = 10
DEFAULT_WINDOW_MINUTES = 60


@dataclass(frozen=True)
class LimitDecision:
    allowed: bool
    retry_minutes: int = 0  # whole minutes until one more submission is allowed


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def client_key(address: str) -> str:
    """A keyed hash of the visitor's IP: enough to count by, useless to anyone reading the table."""
    key = f"dapjang-portal-client:{settings.SECRET_KEY}".encode()
    return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()


def submission_allowed(*, email: str, client: str, now: datetime) -> LimitDecision:
    """Whether one more submission from this visitor, for this address, fits in the window."""
    window = timedelta(minutes=_setting("DAPJANG_PORTAL_LIMIT_MINUTES", DEFAULT_WINDOW_MINUTES))
    since = now - window
    recent = FormSubmission.objects.filter(created_at__gte=since)
    waits: list[datetime] = []
    for rows, limit in (
        (recent.filter(email=email.lower()), _setting("DAPJANG_PORTAL_LIMIT_PER_EMAIL", DEFAULT_PER_EMAIL)),
        (recent.filter(client=client), _setting("DAPJANG_PORTAL_LIMIT_PER_CLIENT", DEFAULT_PER_CLIENT)),
    ):
        if rows.count() >= limit:
            # The oldest rows leave the window first; once enough have left, one more fits.
            times = list(rows.order_by("-created_at").values_list("created_at", flat=True)[:limit])
            waits.append(times[-1] + window)
    if not waits:
        return LimitDecision(True)
    seconds = (max(waits) - now).total_seconds()
    return LimitDecision(False, retry_minutes=max(1, math.ceil(seconds / 60)))


def submission_record(*, email: str, client: str, ticket_number: str) -> FormSubmission:
    return FormSubmission.objects.create(email=email.lower(), client=client, ticket_number=ticket_number)
