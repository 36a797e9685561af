"""The desk's health in one dictionary: for /healthz, `dapjang status` and whoever watches them.

Only counts, times and yes/no: no DSNs, host names or exception text, which would tell a stranger
how we are built (RELIABILITY 36). The details are in the log and, for mailboxes, in the admin.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, Min
from django.utils import timezone

log = logging.getLogger("dapjang.server.health")


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        log.exception("health: database unavailable")
        return False


def broker_ok() -> bool:
    from dapjang.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        log.exception("health: broker unavailable")
        return False


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def backlog() -> dict[str, Any]:
    """Where mail is waiting: rows not yet processed, held for a person, failed; outbound by state."""
    from dapjang.mail.models import Outbox, RawMessage

    raw = dict(RawMessage.objects.values_list("state").annotate(n=Count("id")).order_by())
    oldest = RawMessage.objects.filter(state=RawMessage.State.RECEIVED).aggregate(t=Min("received_at"))["t"]
    out = dict(Outbox.objects.values_list("state").annotate(n=Count("id")).order_by())
    age = (timezone.now() - oldest).total_seconds() if oldest else 0.0
    return {
        "received": raw.get(RawMessage.State.RECEIVED, 0),
        "oldest_received_seconds": round(age, 1),
        "held": raw.get(RawMessage.State.HELD, 0),
        "failed": raw.get(RawMessage.State.FAILED, 0),
        "outbox_queued": out.get(Outbox.State.QUEUED, 0),
        "outbox_sending": out.get(Outbox.State.SENDING, 0),
        "outbox_failed": out.get(Outbox.State.FAILED, 0),
    }


def mailboxes() -> list[dict[str, Any]]:
    from dapjang.mail.models import Mailbox

    rows = []
    for box in Mailbox.objects.order_by("name"):
        failing = bool(
            box.last_error_at and (not box.last_success_at or box.last_error_at > box.last_success_at)
        )
        rows.append(
            {
                "name": box.name,
                "enabled": box.enabled,
                "ok": not failing,
                "last_success": _iso(box.last_success_at),
                "last_error_at": _iso(box.last_error_at),
            }
        )
    return rows


def desk_health() -> dict[str, Any]:
    """`ok` is false when the database or the broker is down, or mail waits far longer than it should."""
    db = database_ok()
    broker = broker_ok()
    report: dict[str, Any] = {"database": db, "broker": broker, "time": timezone.now().isoformat()}
    if db:
        report["backlog"] = backlog()
        report["mailboxes"] = mailboxes()
        stalled = report["backlog"]["oldest_received_seconds"] > 2 * settings.DAPJANG_STUCK_SECONDS
        report["pipeline"] = not stalled
    else:
        report["pipeline"] = False
    report["ok"] = db and broker and report["pipeline"]
    return report
