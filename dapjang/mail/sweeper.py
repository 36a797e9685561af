"""The sweeper: work a lost task, a killed worker or a stopped server left half-way is handed out again.

Tasks only nudge; the rows are the truth. So the sweeper needs no memory of its own: a `received`
raw message older than DAPJANG_STUCK_SECONDS, a failed one whose retry is due, and an outbound mail
stuck in `sending` past its lease are all found by a query and re-driven (RELIABILITY 11–14, 18, 20).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from dapjang.mail.models import Outbox, RawMessage
from dapjang.mail.tasks import outbox_dispatch, raw_dispatch

log = logging.getLogger("dapjang.mail.sweeper")

BATCH = 1000


@dataclass
class SweepReport:
    redriven: int = 0  # received rows handed out again
    retried: int = 0  # failed rows whose retry was due
    requeued_sends: int = 0  # outbound mail stuck in `sending`

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def sweep(*, now: datetime | None = None, stuck_after: timedelta | None = None) -> SweepReport:
    """One pass; idempotent, so two sweepers at once cost only a little duplicate work."""
    now = now or timezone.now()
    if stuck_after is None:
        stuck_after = timedelta(seconds=settings.DAPJANG_STUCK_SECONDS)
    report = SweepReport()

    stuck = RawMessage.objects.filter(state=RawMessage.State.RECEIVED, received_at__lte=now - stuck_after)
    for raw_id in stuck.order_by("id").values_list("id", flat=True)[:BATCH]:
        raw_dispatch(raw_id)
        report.redriven += 1

    due = RawMessage.objects.filter(
        state=RawMessage.State.FAILED,
        attempts__lt=settings.DAPJANG_MAX_ATTEMPTS,
        next_attempt_at__lte=now,
    )
    for raw_id in due.order_by("id").values_list("id", flat=True)[:BATCH]:
        # A conditional update claims it: of two sweepers, one moves it back to `received`.
        if RawMessage.objects.filter(id=raw_id, state=RawMessage.State.FAILED).update(
            state=RawMessage.State.RECEIVED
        ):
            raw_dispatch(raw_id)
            report.retried += 1

    # A `sending` row's lease (next_attempt_at, set at claim) ran out: the worker died mid-send. The
    # relay may have taken it already, so this is the "at most one duplicate" of RELIABILITY 20; the
    # Message-ID is the same, so the customer's mail program shows it once.
    report.requeued_sends = Outbox.objects.filter(
        state=Outbox.State.SENDING, next_attempt_at__lte=now
    ).update(state=Outbox.State.QUEUED, next_attempt_at=now)
    if report.requeued_sends:
        outbox_dispatch()
    if report.redriven or report.retried or report.requeued_sends:
        log.warning("sweeper re-drove %s", report.as_dict())
    return report
