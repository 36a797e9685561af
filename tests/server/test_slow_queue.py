"""Retraining never holds back mail: it has a Celery queue of its own and, in `dapjang serve` and in a
plain `dapjang worker`, a worker process of its own, so a new mail is processed and acknowledged while
a training runs."""

from __future__ import annotations

import os
import signal
import smtplib
import socket
import time
from pathlib import Path
from typing import Any

import pytest

from dapjang.celery import DEFAULT_QUEUE, SLOW_QUEUE, app
from dapjang.server.management.commands.serve import serve_children
from tests.builders import build_mail
from tests.conftest import SinkHandler
from tests.processes import child_desk, free_port, stop, wait_for

MAIL_TASKS = (
    "dapjang.raw_process",
    "dapjang.outbox_deliver",
    "dapjang.sweep",
    "dapjang.mailboxes_poll",
    "dapjang.sla_sweep",
    "dapjang.assign_sweep",
)


def test_the_retraining_goes_to_the_slow_queue_and_everything_else_to_the_default() -> None:
    assert app.amqp.router.route({}, "dapjang.routing_retrain")["queue"].name == SLOW_QUEUE
    for name in MAIL_TASKS:
        assert app.amqp.router.route({}, name)["queue"].name == DEFAULT_QUEUE, name


def test_serve_runs_a_worker_for_mail_and_one_for_the_slow_queue() -> None:
    children = {child.name: child.args for child in serve_children()}
    assert children["worker"] == ["worker", "--queues", DEFAULT_QUEUE]
    trainer = children["trainer"]
    assert trainer[:3] == ["worker", "--queues", SLOW_QUEUE]
    assert trainer[trainer.index("--concurrency") + 1] == "1"
    assert children["scheduler"] == ["scheduler"]


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


# A stored model and nothing new to learn, so the retraining is only the injected wait; queued before
# `serve` starts, so the first worker to look for work finds it.
RETRAIN_QUEUED = (
    "from dapjang.routing import classifier; from dapjang.routing.models import RoutingModel; "
    "from dapjang.routing.tasks import routing_retrain_task; "
    "RoutingModel.objects.create(trained_on=1, format=classifier.model_format(), blob=b'-', signature='-', "
    "metrics={'examples_until': '2100-01-01T00:00:00+00:00'}); "
    "routing_retrain_task.delay()"
)
TRAINING = "SELECT holder FROM routing_traininglease WHERE until IS NOT NULL"


def _acknowledged_while_training(desk: Any, smtp: int, sink: SinkHandler) -> int:
    """Once the training holds its lease, a mail sent in is acknowledged within 20 s while the training
    still runs: a worker that had taken the training would sleep in it for two minutes. Returns the
    pid of the process that trains."""
    holder = wait_for(lambda: desk.scalar(TRAINING), what="the trainer to start the retraining")
    wait_for(lambda: _listening(smtp), what="the SMTP listener")
    with smtplib.SMTP("127.0.0.1", smtp, timeout=30) as client:
        client.sendmail(
            "customer@example.com", ["support@dapjang.local"], build_mail(to="support@dapjang.local")
        )
    wait_for(lambda: sink.messages, timeout=20, what="the acknowledgement while the retraining runs")
    assert desk.scalar(TRAINING), "the retraining is still running"
    return int(str(holder).split(":")[1])


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="run once, in the SQLite pass")
def test_serve_acknowledges_new_mail_while_the_classifier_retrains(
    tmp_path: Path, relay: tuple[SinkHandler, str]
) -> None:
    sink, relay_url = relay
    with child_desk(tmp_path) as desk:
        desk.run("shell", "-c", RETRAIN_QUEUED)
        web, smtp = free_port(), free_port()
        proc = desk.start(
            "serve", "--listen", f"127.0.0.1:{web}", "--smtp-listen", f"127.0.0.1:{smtp}",
            DAPJANG_OUTBOUND_SMTP=relay_url, DAPJANG_FAULTS="retrain=sleep120",
        )  # fmt: skip
        try:
            assert _acknowledged_while_training(desk, smtp, sink) != proc.pid
        finally:
            stop(
                proc, signal.SIGKILL
            )  # the training would keep a clean stop waiting; test_live stops cleanly


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="run once, in the SQLite pass")
def test_a_plain_worker_takes_the_slow_queue_in_a_process_of_its_own_and_stops_it(
    tmp_path: Path, relay: tuple[SinkHandler, str]
) -> None:
    """Pieces run apart (docs/operations.md): `dapjang worker` with its default queues, both."""
    sink, relay_url = relay
    with child_desk(tmp_path) as desk:
        desk.run("shell", "-c", RETRAIN_QUEUED)
        smtp = free_port()
        env = {"DAPJANG_OUTBOUND_SMTP": relay_url, "DAPJANG_FAULTS": "retrain=sleep120"}
        listener = desk.start("smtpd", "--listen", f"127.0.0.1:{smtp}", **env)
        worker = desk.start("worker", **env)
        try:
            trainer_pid = _acknowledged_while_training(desk, smtp, sink)
            assert trainer_pid != worker.pid
            # SIGTERM to the worker alone, as a service manager sends it: the trainer goes with it.
            worker.send_signal(signal.SIGTERM)
            worker.wait(30)
            deadline = time.monotonic() + 10
            while _alive(trainer_pid) and time.monotonic() < deadline:
                time.sleep(0.2)
            assert not _alive(trainer_pid), "the trainer outlived its worker"
        finally:
            stop(listener)
            stop(worker, signal.SIGKILL)
