"""Celery tasks: each takes an id or nothing, finds its work in the database, and is safe to repeat."""

from __future__ import annotations

import logging
import time
from typing import Any

from django.db import DatabaseError, close_old_connections, transaction

from dapjang.celery import app

log = logging.getLogger("dapjang.mail.tasks")


def connection_fresh() -> None:
    """A worker drops a database connection that broke or aged since the last job; a job run inline
    (DAPJANG_TASKS_EAGER) uses its caller's connection, which may hold an open transaction."""
    if not app.conf.task_always_eager:
        close_old_connections()


@app.task(
    name="dapjang.raw_process",
    ignore_result=True,
    # The database went away mid-task: try again soon (the row is still `received`; if the retries
    # run out, the sweeper hands it out later anyway).
    autoretry_for=(DatabaseError,),
    retry_backoff=2,
    retry_backoff_max=60,
    max_retries=8,
)
def raw_process_task(raw_id: int) -> str:
    from dapjang.tickets.context import PipelineContext
    from dapjang.tickets.pipeline import raw_process_claimed

    connection_fresh()
    result = raw_process_claimed(raw_id, ctx=PipelineContext())
    if result is not None and result.outcome == "created":
        outbox_dispatch()  # a new ticket usually has an acknowledgement waiting
    return result.outcome if result else "skipped"


def raw_dispatch(raw_id: int) -> None:
    """Asks a worker to process a stored mail once the storing transaction has committed.

    A broker that is down only delays the mail: the row stays `received` and the sweeper hands it
    out again, so the failure is logged, never raised to the channel that already said 250.
    """

    def send() -> None:
        try:
            raw_process_task.delay(raw_id)
        except Exception:
            log.exception("could not hand raw message %s to a worker; the sweeper will", raw_id)

    transaction.on_commit(send)


@app.task(name="dapjang.outbox_deliver", ignore_result=True)
def outbox_deliver_task() -> dict[str, int]:
    from dapjang.mail.outbox import outbox_deliver

    connection_fresh()
    report = outbox_deliver()
    return {"sent": report.sent, "retry": report.retry, "failed": report.failed}


_OUTBOX_WAKE_SECONDS = 1.0
_outbox_woken_at = 0.0


def outbox_dispatch() -> None:
    """Asks a worker to send what is due, after the enqueueing transaction commits.

    Wake-ups are coalesced: one task, a second later, sends every ack queued in that second, instead
    of one task per mail (under load, half the tasks were outbox wake-ups that found nothing new).
    """

    def send() -> None:
        global _outbox_woken_at
        now = time.monotonic()
        if now - _outbox_woken_at < _OUTBOX_WAKE_SECONDS:
            return
        _outbox_woken_at = now
        try:
            outbox_deliver_task.apply_async(
                countdown=0 if app.conf.task_always_eager else _OUTBOX_WAKE_SECONDS
            )
        except Exception:
            log.exception("could not wake the outbox worker; the schedule will")

    if app.conf.task_always_eager:
        transaction.on_commit(lambda: outbox_deliver_task.delay())
        return
    transaction.on_commit(send)


@app.task(name="dapjang.sweep", ignore_result=True)
def sweep_task() -> dict[str, Any]:
    from dapjang.mail.sweeper import sweep

    connection_fresh()
    return sweep().as_dict()


@app.task(name="dapjang.mailboxes_poll", ignore_result=True)
def mailboxes_poll_task() -> None:
    """The polling safety net for mailboxes; the IMAP watcher in the scheduler does the live work."""
    from dapjang.mail.imap import mailboxes_poll

    connection_fresh()
    mailboxes_poll()
