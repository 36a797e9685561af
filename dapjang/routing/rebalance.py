"""The assigner's scheduled pass: absences, stalled tickets, and tickets waiting for room (MISSION A8, A9).

One pool of available agents and their loads is read at the start and kept current in memory, so
the pass costs a handful of queries plus the writes of what it moves. Every step is bounded
(`batch` moves each), safe to repeat, and takes its clock from the caller, so tests can step time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from dapjang.mail.tasks import outbox_dispatch
from dapjang.routing.absence import absence_sweep
from dapjang.routing.assign import ticket_assign_new
from dapjang.routing.pool import ACTIVE, Pool, chunked, pool_load
from dapjang.routing.stalls import stall_sweep
from dapjang.tickets.models import Ticket

BATCH = 200
EXAMINE_FACTOR = 3  # unassigned tickets looked at per assignment allowed (some queues fill up mid-batch)
WAITING_SCAN = (
    20_000  # unassigned tickets read to find the most urgent: a backlog past this is sorted in parts
)


def unassigned_sweep(*, now: datetime, pool: Pool, limit: int) -> int:
    """Assigns active tickets nobody holds, most urgent and oldest first, in queues with room again."""
    open_queues = {q for c in pool.candidates.values() for q in c.queue_ids if pool.has_room(q)}
    if not open_queues:
        return 0
    # Read without ORDER BY and sorted here: with an ORDER BY, SQLite's planner (once ANALYZE has
    # run) walks the whole inbox-order index looking for unassigned rows, 100k rows when there
    # are none; without one it takes the assignee index straight to them.
    rows = list(
        Ticket.objects.filter(status__in=ACTIVE, assignee__isnull=True, queue_id__in=open_queues)
        .order_by()
        .values_list("priority", "created_at", "id")[:WAITING_SCAN]
    )
    rows.sort(key=lambda r: (-r[0], r[1], r[2]))
    ids = [r[2] for r in rows[: limit * EXAMINE_FACTOR]]
    by_id = Ticket.objects.in_bulk(ids)
    assigned = 0
    for chunk in chunked(by_id[i] for i in ids if i in by_id):
        if assigned >= limit:
            break
        with transaction.atomic():
            for ticket in chunk:
                if assigned < limit and pool.has_room(ticket.queue_id):
                    assigned += ticket_assign_new(ticket, now=now, pool=pool)
    return assigned


def assign_sweep(*, now: datetime | None = None, batch: int = BATCH) -> dict[str, Any]:
    """Returns from absence, moves away from absent agents, moves stalled tickets, fills free room.

    In that order: someone back takes their tickets before the pass hands out new ones, and a
    stalled ticket is judged only once its owner is known to be here.
    """
    now = now or timezone.now()
    pool = pool_load(now=now, deferred=True)
    try:
        report: dict[str, Any] = absence_sweep(now=now, pool=pool, limit=batch)
        report["stalled"] = stall_sweep(now=now, pool=pool, limit=batch)
        report["assigned"] = unassigned_sweep(now=now, pool=pool, limit=batch)
    finally:
        pool.flush()
    if report["stalled"]:
        outbox_dispatch()  # the leads' notifications
    return report
