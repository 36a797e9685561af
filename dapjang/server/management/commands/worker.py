"""dapjang worker — runs the jobs: processing stored mail, sending the outbox, sweeping."""

from __future__ import annotations

import warnings
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created

from dapjang.celery import app
from dapjang.mail.dkim import dkim_key_load


def _sqlite_relaxed(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """A worker's SQLite commits need not reach the disk before the next one.

    Everything a worker writes can be made again from the raw mail, which the SMTP listener and the
    IMAP poller committed with synchronous=FULL before they answered; if the power goes, the
    sweeper re-drives what the worker had not yet made durable. One fsync fewer per mail.
    """
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=NORMAL")


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
        argv = [
            "--quiet",
            "worker",
            f"--loglevel={opts['loglevel']}",
            f"--pool={opts['pool']}",
            "--without-gossip",
        ]
        argv += ["--without-mingle", f"--concurrency={opts['concurrency']}"]
        app.start(argv)
