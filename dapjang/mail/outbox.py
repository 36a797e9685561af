"""The outbox: every outbound mail is a row first, then a send, so nothing is lost or sent twice.

Enqueueing is idempotent by key; the Message-ID is fixed at enqueue time, so a retry after a crash
between the relay's 250 and "mark sent" sends at most one duplicate, which threads as the same mail.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from dapjang.faults import fault_point
from dapjang.mail.dkim import DkimKey, DkimSignError, dkim_key_load, dkim_sign
from dapjang.mail.models import Outbox
from dapjang.mail.transport import RelayConfig, SendError, relay_send

log = logging.getLogger("dapjang.mail.outbox")

BACKOFF_SECONDS = (60, 300, 900, 3600, 3 * 3600, 6 * 3600)
MAX_SEND_ATTEMPTS = len(BACKOFF_SECONDS) + 1


def outbox_enqueue(
    *,
    idempotency_key: str,
    kind: str,
    ticket_id: int | None,
    to_email: str,
    envelope_from: str,
    subject: str,
    message_id: str,
    data: bytes,
    suppressed_reason: str = "",
    known_new: bool = False,
) -> tuple[Outbox, bool]:
    """Writes the row once; a second call with the same key returns the first row unchanged.

    `known_new` skips the look-up when the caller's own transaction just made the key's subject
    (the ack of a ticket created a moment ago cannot exist yet).
    """
    if not known_new:
        existing = Outbox.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing, False
    # No savepoint: callers run inside their own transaction, and the unique key turns a racing
    # second writer into an IntegrityError that rolls that writer back whole.
    row = Outbox.objects.create(
        idempotency_key=idempotency_key,
        kind=kind,
        ticket_id=ticket_id,
        to_email=to_email,
        envelope_from=envelope_from,
        subject=subject[:500],
        message_id=message_id,
        data=data,
        state=Outbox.State.SUPPRESSED if suppressed_reason else Outbox.State.QUEUED,
        last_error=suppressed_reason,
        created_at=timezone.now(),
        next_attempt_at=timezone.now(),
    )
    return row, True


@dataclass
class DeliveryReport:
    sent: int = 0
    retry: int = 0
    failed: int = 0


def relay_config() -> RelayConfig | None:
    url = settings.DAPJANG_OUTBOUND_SMTP
    return RelayConfig.from_url(url) if url else None


def outbox_deliver(*, limit: int = 500) -> DeliveryReport:
    """Sends what is due through the relay; with no relay configured, mail waits in the sink."""
    report = DeliveryReport()
    config = relay_config()
    if config is None:
        return report
    # Signed at send time: a retry gets a fresh timestamp and a new key applies to mail already
    # waiting, while the stored bytes and the Message-ID stay as they were.
    key = dkim_key_load()
    now = timezone.now()
    due = Outbox.objects.filter(state=Outbox.State.QUEUED, next_attempt_at__lte=now).order_by("id")
    for row_id in list(due.values_list("id", flat=True)[:limit]):
        _deliver_one(row_id, config, report, key)
    return report


def _deliver_one(row_id: int, config: RelayConfig, report: DeliveryReport, key: DkimKey | None) -> None:
    # Claim with a conditional update: of two workers, exactly one sees "1 row changed". The claim
    # is a lease: if this worker dies mid-send, the sweeper requeues the row when it runs out.
    lease = timezone.now() + timedelta(seconds=settings.DAPJANG_SENDING_LEASE_SECONDS)
    claimed = Outbox.objects.filter(id=row_id, state=Outbox.State.QUEUED).update(
        state=Outbox.State.SENDING, next_attempt_at=lease
    )
    if claimed != 1:
        return
    row = Outbox.objects.get(id=row_id)
    attempts = row.attempts + 1
    data = bytes(row.data)
    if key is not None:
        try:
            data = dkim_sign(data, key)
        except DkimSignError:
            log.warning("outbox %s: could not DKIM-sign; sending unsigned", row_id)
    try:
        relay_send(config, envelope_from=row.envelope_from, to=row.to_email, data=data)
    except SendError as exc:
        if exc.temporary and attempts < MAX_SEND_ATTEMPTS:
            delay = BACKOFF_SECONDS[min(attempts - 1, len(BACKOFF_SECONDS) - 1)]
            state, report.retry = Outbox.State.QUEUED, report.retry + 1
        else:
            delay, state, report.failed = 0, Outbox.State.FAILED, report.failed + 1
        Outbox.objects.filter(id=row_id).update(
            state=state,
            attempts=attempts,
            last_error=str(exc),
            next_attempt_at=timezone.now() + timedelta(seconds=delay),
        )
        log.warning("outbox %s: %s (attempt %s)", row_id, exc, attempts)
        return
    fault_point("after-relay-250-before-mark-sent", bytes(row.data))
    Outbox.objects.filter(id=row_id).update(
        state=Outbox.State.SENT, attempts=attempts, last_error="", sent_at=timezone.now()
    )
    report.sent += 1
