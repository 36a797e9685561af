"""dapjang worker — runs the jobs: processing stored mail, sending the outbox, sweeping, retraining.

Jobs come from two queues (dapjang/celery.py): the default one (mail, outbox, sweeps: seconds each)
and "slow" (retraining the routing classifier: minutes). A worker takes both unless `--queues`
says otherwise, so a site that runs plain `dapjang worker`s keeps retraining. Asked for both, it
takes the slow queue in a child process of its own (children.trainer_child, as `serve` does): in one
process a training would hold back every new mail for minutes, and the scheduler queues one at its
start on a new desk. A large site runs `--queues celery` workers and one `--queues slow` worker.
A worker that takes only the slow queue skips the warm-up (it processes no mail).
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

from celery.signals import worker_process_init
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created

from dapjang.celery import DEFAULT_QUEUE, SLOW_QUEUE, app
from dapjang.mail.dkim import dkim_key_load
from dapjang.server.children import TRAINER_STOP_SECONDS, Children, trainer_child

log = logging.getLogger("dapjang.worker")


def _sqlite_relaxed(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """A worker's SQLite commits need not reach the disk before the next one.

    Everything a worker writes can be made again from the raw mail, which the SMTP listener and the
    IMAP poller committed with synchronous=FULL before they answered; if the power goes, the
    sweeper re-drives what the worker had not yet made durable. One fsync fewer per mail.
    """
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=NORMAL")


def _warm_up(**kwargs: Any) -> None:
    """Loads the FAQ index, the Korean analyser and the routing model before the first mail.

    Otherwise the first new ticket of each worker process waits 2–4 s for them inside the pipeline's
    transaction (on SQLite, with the write lock held). A failure here only costs that time later.
    """
    from dapjang.knowledge.search import faq_index_warm
    from dapjang.routing.classifier import stored_model

    try:
        faq_index_warm()
        model = stored_model()
        if model is not None:
            model.classify("배송 문의", "택배가 아직 안 왔어요")
    except Exception:
        log.exception("warm-up failed; the first mail will load what it needs")
    finally:
        close_old_connections()


class Command(BaseCommand):
    help = "Run a job worker / 작업 처리기 실행"

    def add_arguments(self, parser: CommandParser) -> None:
        embedded = not settings.DAPJANG_BROKER_URL
        parser.add_argument(
            "--concurrency", type=int, default=1 if embedded else 2, help="jobs at once (processes)"
        )
        parser.add_argument(
            "--pool",
            choices=["prefork", "solo", "threads"],
            default="solo" if embedded else "prefork",
            help="solo: one process (the embedded default); prefork: a process per job slot",
        )
        parser.add_argument(
            "-Q",
            "--queues",
            default=f"{DEFAULT_QUEUE},{SLOW_QUEUE}",
            help=f"comma-separated job queues to take: {DEFAULT_QUEUE} (mail), {SLOW_QUEUE} (retraining)",
        )
        parser.add_argument(
            "--max-tasks-per-child",
            type=int,
            default=0,
            help="prefork: a fresh process after this many jobs (0: never), so memory a job took is returned",
        )
        parser.add_argument("--loglevel", default="WARNING")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            dkim_key_load()  # a wrong key path stops the worker now, not every send later
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from None
        # Containers run as root as a rule; Celery's warning about it is noise there (we use JSON,
        # never pickle, so its reason does not apply).
        warnings.filterwarnings("ignore", message=".*superuser privileges.*")
        connection_created.connect(_sqlite_relaxed)
        queues = [q.strip() for q in opts["queues"].split(",") if q.strip()]
        if not queues:
            raise CommandError("--queues names no queue / 작업 큐가 없습니다")
        trainer = None
        if DEFAULT_QUEUE in queues and SLOW_QUEUE in queues:
            queues = [q for q in queues if q != SLOW_QUEUE]
            trainer = Children([trainer_child()])
        warm = DEFAULT_QUEUE in queues  # a worker of the slow queue alone processes no mail
        if opts["pool"] == "prefork":
            # Each pool process warms itself up; Celery's 4 s start-up allowance is too short for it.
            app.conf.worker_proc_alive_timeout = 60.0
            if warm:
                worker_process_init.connect(_warm_up, weak=False)
        elif warm:
            _warm_up()
        argv = [
            "--quiet",
            "worker",
            f"--loglevel={opts['loglevel']}",
            f"--pool={opts['pool']}",
            "--without-gossip",
        ]
        argv += ["--without-mingle", f"--concurrency={opts['concurrency']}", f"--queues={','.join(queues)}"]
        if opts["max_tasks_per_child"] > 0:
            argv.append(f"--max-tasks-per-child={opts['max_tasks_per_child']}")
        if trainer is not None:
            trainer.start()
        try:
            app.start(argv)
        finally:
            if trainer is not None:
                trainer.stop(timeout=TRAINER_STOP_SECONDS)
