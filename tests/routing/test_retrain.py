"""Scheduled retraining: a model when the desk has none, a new one when agents' corrections or resolved
tickets arrived since the newest, nothing at all otherwise; the command trains on the stored examples too."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from dapjang.faults import InjectedFault
from dapjang.routing import classifier
from dapjang.routing.lease import lease_free, lease_take
from dapjang.routing.models import RoutingModel, TrainingExample, TrainingLease
from dapjang.routing.retrain import (
    RETRAIN_LEASE,
    harvest_resolved,
    retrain_due_now,
    retrain_if_due,
    retrain_on_start,
    stored_examples,
)
from dapjang.tickets.models import Article, Ticket
from tests.factories import QueueFactory, TicketFactory

# A word the seed data never uses: only a stored example can teach the model where it belongs.
NEW_WORD = "쿼크플럭스"


@pytest.fixture
def no_folds(monkeypatch: pytest.MonkeyPatch, fast_training: None) -> None:
    """Retraining as the worker runs it, without the cross-validation that only prints scores."""
    train = classifier.classifier_train
    monkeypatch.setattr(classifier, "classifier_train", lambda *a, **kw: train(*a, **{**kw, "folds": 0}))


def _correction(topic: str, body: str) -> TrainingExample:
    return TrainingExample.objects.create(subject="문의", body=body, topic=topic, source="correction")


def test_a_desk_without_a_model_gets_one(db: None, fresh_process: None, no_folds: None) -> None:
    result = retrain_if_due()
    assert result["trained"] is True and RoutingModel.objects.count() == 1
    assert retrain_if_due() == {"trained": False, "harvested": 0, "new_examples": 0}
    assert RoutingModel.objects.count() == 1


def test_new_corrections_trigger_a_retraining_that_learns_them(
    stored_model: classifier.TrainedModel, no_folds: None
) -> None:
    assert retrain_if_due()["trained"] is False
    for i in range(6):
        _correction("billing", f"{NEW_WORD} {NEW_WORD} 요금 {i}")
    result = retrain_if_due()
    assert result["trained"] is True and result["new_examples"] == 6
    row = RoutingModel.objects.order_by("-created_at", "-id").first()
    assert row is not None and "6 corrections" in row.source
    classifier.clear_cache()
    assert classifier.stored_model() is not None
    assert classifier.classify("", f"{NEW_WORD} {NEW_WORD}").topic == "billing"
    assert retrain_if_due()["trained"] is False


def test_resolved_tickets_in_a_topic_queue_become_examples_once(db: None) -> None:
    shipping, lead = QueueFactory(slug="shipping"), QueueFactory(slug="lead")
    solved = TicketFactory(queue=shipping, status=Ticket.Status.SOLVED)
    Article.objects.create(
        ticket=solved,
        direction="in",
        kind="human",
        subject="배송",
        text="택배가 안 와요",
        new_text="택배가 안 와요",
    )
    TicketFactory(queue=shipping, status=Ticket.Status.OPEN)  # not resolved
    TicketFactory(queue=lead, status=Ticket.Status.CLOSED, subject="x")  # lead is not a topic
    TicketFactory(queue=shipping, status=Ticket.Status.CLOSED, kind="bulk", subject="x")  # not a person
    assert harvest_resolved() == 1
    assert harvest_resolved() == 0
    example = TrainingExample.objects.get()
    assert (example.topic, example.source, example.body) == ("shipping", "resolved", "택배가 안 와요")


def test_a_correction_outweighs_the_resolved_copy_of_the_same_ticket(db: None) -> None:
    ticket = TicketFactory(queue=QueueFactory(slug="billing"))
    TrainingExample.objects.create(ticket=ticket, body="x", topic="shipping", source="resolved")
    TrainingExample.objects.create(ticket=ticket, body="x", topic="billing", source="correction")
    TrainingExample.objects.create(body="y", topic="nonsense-topic", source="correction")
    examples = stored_examples()
    assert [(e.topic, e.weight) for e in examples] == [("billing", 2.0)]


def test_the_train_command_includes_stored_examples(
    db: None, fresh_process: None, fast_training: None, tmp_path: Any
) -> None:
    for i in range(3):
        _correction("returns", f"{NEW_WORD} 반품 {i}")
    data = tmp_path / "mail.jsonl"
    rows = [("택배 언제 와요", "shipping"), ("배송이 늦어요", "shipping"), ("환불 해주세요", "returns")]
    data.write_text(
        "\n".join(json.dumps({"body": b, "topic": t}, ensure_ascii=False) for b, t in rows), encoding="utf-8"
    )
    out = io.StringIO()
    call_command(
        "routing", "train", "--data", str(data), "--folds", "0", "--json", stdout=out, stderr=io.StringIO()
    )
    assert json.loads(out.getvalue())["trained_on"] == 6
    assert "3 stored examples" in RoutingModel.objects.get().source
    out = io.StringIO()
    call_command(
        "routing",
        "train",
        "--data",
        str(data),
        "--folds",
        "0",
        "--no-stored",
        "--json",
        stdout=out,
        stderr=io.StringIO(),
    )
    assert json.loads(out.getvalue())["trained_on"] == 3


def test_a_model_of_an_older_format_is_replaced(db: None, fresh_process: None, no_folds: None) -> None:
    """After an upgrade that changed the features, the stored model cannot be loaded: retrain at once
    rather than route nothing until the next correction arrives."""
    retrain_if_due()
    RoutingModel.objects.update(format="routing-0/sklearn-0.1")
    result = retrain_if_due()
    assert result["trained"] is True
    newest = RoutingModel.objects.order_by("-created_at", "-id").first()
    assert newest is not None and newest.format == classifier.model_format()
    assert retrain_if_due()["trained"] is False


def test_a_quick_model_is_replaced_by_a_full_one_at_once(
    db: None, fresh_process: None, no_folds: None
) -> None:
    """The demo stores a model trained without the sentence encoder so that it starts in seconds;
    the scheduler then asks the slow worker for the full one rather than wait for new examples."""
    retrain_if_due()
    assert retrain_due_now() == ""
    RoutingModel.objects.update(metrics={"quick": True})
    assert retrain_due_now() == "quick model" and retrain_if_due()["trained"] is True
    assert retrain_due_now() == "" and retrain_if_due()["trained"] is False


def test_the_scheduler_trains_at_start_when_routing_cannot_wait_a_day(
    db: None, fresh_process: None, no_folds: None
) -> None:
    # Tests run jobs inline (tests/settings.py): the queued training runs here, as the slow worker would.
    assert retrain_on_start() == "no model"  # a new desk
    assert RoutingModel.objects.count() == 1
    RoutingModel.objects.update(format="routing-2/sklearn-1.0")  # an upgrade changed the features
    assert retrain_on_start() == "model format routing-2/sklearn-1.0"
    assert RoutingModel.objects.count() == 2 and classifier.stored_model() is not None
    assert retrain_on_start() == "" and RoutingModel.objects.count() == 2


def test_while_another_worker_trains_a_second_run_does_nothing(
    db: None, fresh_process: None, no_folds: None
) -> None:
    elsewhere = lease_take(RETRAIN_LEASE)
    assert elsewhere is not None
    assert lease_take(RETRAIN_LEASE) is None
    assert retrain_if_due() == {"trained": False, "busy": True}
    assert not RoutingModel.objects.exists()
    assert lease_free(RETRAIN_LEASE, elsewhere)
    assert retrain_if_due()["trained"] is True
    assert TrainingLease.objects.get(name=RETRAIN_LEASE).until is None  # freed when done
    assert retrain_if_due()["trained"] is False


def test_a_lease_whose_holder_died_runs_out(db: None, fresh_process: None, no_folds: None) -> None:
    TrainingLease.objects.create(
        name=RETRAIN_LEASE, holder="gone:1234:x", until=timezone.now() - timedelta(seconds=1)
    )
    assert retrain_if_due()["trained"] is True
    assert not lease_free(RETRAIN_LEASE, "gone:1234:x")  # its old holder cannot free the new claim


def test_a_holder_gone_from_this_machine_frees_the_lease_at_once(db: None) -> None:
    """`dapjang serve` stopped in the middle of a training: the next start need not wait 30 minutes."""
    dead = f"{socket.gethostname()[:60]}:{_pid_of_ended()}:x"
    until = timezone.now() + timedelta(minutes=20)
    TrainingLease.objects.create(name=RETRAIN_LEASE, holder=dead, until=until)
    assert lease_take(RETRAIN_LEASE) is not None
    alive = f"{socket.gethostname()[:60]}:{os.getpid()}:x"
    elsewhere = f"another-host:{_pid_of_ended()}:x"
    for holder in (alive, elsewhere):  # a live holder here, or any holder on another machine, keeps it
        TrainingLease.objects.filter(name=RETRAIN_LEASE).update(holder=holder, until=until)
        assert lease_take(RETRAIN_LEASE) is None


def _pid_of_ended() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_training_that_fails_frees_the_lease(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAPJANG_FAULTS", "retrain")
    with pytest.raises(InjectedFault):
        retrain_if_due()
    monkeypatch.delenv("DAPJANG_FAULTS")
    assert lease_take(RETRAIN_LEASE) is not None
