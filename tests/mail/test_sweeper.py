"""The sweeper re-drives what a lost task or a killed worker left half-way, and nothing else."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from dapjang.mail.models import Outbox, RawMessage
from dapjang.mail.outbox import outbox_enqueue
from dapjang.mail.sweeper import sweep
from dapjang.tickets.models import Ticket
from dapjang.tickets.pipeline import raw_process_claimed, raw_store
from tests.builders import build_mail


@pytest.fixture
def swept(django_capture_on_commit_callbacks: Any) -> Any:
    """sweep() with the jobs it hands out run at once (the test's transaction never commits)."""

    def _sweep(**kw: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return sweep(**kw)

    return _sweep


def _stored(subject: str = "배송 문의", *, age: timedelta = timedelta(minutes=10)) -> RawMessage:
    raw, _ = raw_store(
        build_mail(subject=subject),
        channel="smtp",
        envelope_from="minsu@customer.example",
        received_at=timezone.now() - age,
    )
    return raw


def test_a_received_row_whose_task_was_lost_becomes_a_ticket(desk: Any, swept: Any) -> None:
    raw = _stored()
    report = swept()
    assert report.redriven == 1
    raw.refresh_from_db()
    assert raw.state == RawMessage.State.PROCESSED and raw.ticket is not None
    assert swept().redriven == 0  # done is done


def test_a_fresh_row_is_left_to_the_task_already_on_its_way(desk: Any, swept: Any) -> None:
    raw = _stored(age=timedelta(seconds=1))
    assert swept().redriven == 0
    raw.refresh_from_db()
    assert raw.state == RawMessage.State.RECEIVED


def test_a_failed_row_is_retried_when_due_and_not_after_its_last_attempt(
    desk: Any, settings: Any, swept: Any
) -> None:
    due = _stored("첫 번째")
    RawMessage.objects.filter(id=due.id).update(
        state=RawMessage.State.FAILED, attempts=1, next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    spent = _stored("두 번째")
    RawMessage.objects.filter(id=spent.id).update(
        state=RawMessage.State.FAILED,
        attempts=settings.DAPJANG_MAX_ATTEMPTS,
        next_attempt_at=timezone.now() - timedelta(seconds=1),
    )
    later = _stored("세 번째")
    RawMessage.objects.filter(id=later.id).update(
        state=RawMessage.State.FAILED, attempts=1, next_attempt_at=timezone.now() + timedelta(hours=1)
    )
    assert swept().retried == 1
    states = dict(RawMessage.objects.values_list("id", "state"))
    assert states == {
        due.id: RawMessage.State.PROCESSED,
        spent.id: RawMessage.State.FAILED,
        later.id: RawMessage.State.FAILED,
    }


def test_a_row_is_processed_once_however_many_workers_are_handed_it(desk: Any) -> None:
    from dapjang.tickets.context import PipelineContext

    raw = _stored()
    first = raw_process_claimed(raw.id, ctx=PipelineContext())
    second = raw_process_claimed(raw.id, ctx=PipelineContext())
    assert first is not None and first.outcome == "created"
    assert second is None
    assert Ticket.objects.count() == 1


def test_a_send_whose_worker_died_is_sent_again_with_the_same_message_id(
    db: None, smtp_sink: Any, settings: Any, swept: Any
) -> None:
    """RELIABILITY 20: the lease of a `sending` row runs out; at most one duplicate, same Message-ID."""
    row, _ = outbox_enqueue(
        idempotency_key="ack:1",
        kind="ack",
        ticket_id=None,
        to_email="minsu@customer.example",
        envelope_from="",
        subject="접수 안내",
        message_id="ack1@dapjang.local",
        data=b"Message-ID: <ack1@dapjang.local>\r\nSubject: hi\r\n\r\nbody\r\n",
    )
    lease_end = timezone.now() + timedelta(seconds=settings.DAPJANG_SENDING_LEASE_SECONDS)
    Outbox.objects.filter(id=row.id).update(state=Outbox.State.SENDING, next_attempt_at=lease_end)
    assert swept().requeued_sends == 0  # still within its lease: the worker may be sending now
    Outbox.objects.filter(id=row.id).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert swept().requeued_sends == 1
    row.refresh_from_db()
    assert row.state == Outbox.State.SENT  # the wake-up ran the outbox at once (tasks run inline here)
    assert [m.data.count(b"ack1@dapjang.local") for m in smtp_sink.messages] == [1]
