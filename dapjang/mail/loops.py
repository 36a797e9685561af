"""Hard caps on automatic mail and on inbound floods, independent of any header heuristics.

Real autoresponders ignore Auto-Submitted and Precedence; these counts hold anyway (RELIABILITY 6, 9).
Counting rows in the outbox and the raw store keeps the caps true across processes and restarts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

from dapjang.mail.models import Outbox, RawMessage

AUTOMATIC_KINDS = ("ack", "holding", "auto-answer", "notification")
LIVE_CHANNELS = ("smtp", "imap", "form", "api")


@dataclass(frozen=True)
class CapDecision:
    allowed: bool
    reason: str = ""


def automatic_mail_allowed(*, to_email: str, now: datetime) -> CapDecision:
    """At most ACK_CAP automatic mails per recipient per window, and AUTO_DAILY_CAP per day."""
    recent = Outbox.objects.filter(
        to_email=to_email,
        kind__in=AUTOMATIC_KINDS,
        created_at__gte=now - timedelta(days=1),
    ).exclude(state=Outbox.State.SUPPRESSED)
    window_start = now - timedelta(minutes=settings.DAPJANG_ACK_CAP_WINDOW_MINUTES)
    times = list(recent.values_list("created_at", flat=True)[: settings.DAPJANG_AUTO_DAILY_CAP])
    if len(times) >= settings.DAPJANG_AUTO_DAILY_CAP:
        return CapDecision(False, f"daily cap: {len(times)} automatic mails to this address in 24 hours")
    in_window = sum(1 for t in times if t >= window_start)
    if in_window >= settings.DAPJANG_ACK_CAP:
        return CapDecision(
            False,
            f"sender cap: {in_window} automatic mails in {settings.DAPJANG_ACK_CAP_WINDOW_MINUTES} minutes",
        )
    return CapDecision(True)


def sender_flooding(*, sender: str, channel: str, now: datetime, exclude_id: int | None) -> CapDecision:
    """Deskpro-style hold: a sender over FLOOD_LIMIT mails per window on a live channel is held.

    File imports are exempt: an archive of old mail is not a flood, and its dates are not arrival times.
    """
    if channel not in LIVE_CHANNELS or not sender:
        return CapDecision(True)
    window = now - timedelta(minutes=settings.DAPJANG_FLOOD_WINDOW_MINUTES)
    rows = RawMessage.objects.filter(sender=sender, received_at__gte=window, channel__in=LIVE_CHANNELS)
    if exclude_id is not None:
        rows = rows.exclude(pk=exclude_id)
    count = rows.count()
    if count >= settings.DAPJANG_FLOOD_LIMIT:
        return CapDecision(
            False,
            f"sender flood: {count + 1} mails in {settings.DAPJANG_FLOOD_WINDOW_MINUTES} minutes "
            "(held; `dapjang held retry` releases it)",
        )
    return CapDecision(True)
