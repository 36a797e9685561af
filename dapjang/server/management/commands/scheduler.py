"""dapjang scheduler — the one process that decides when: periodic jobs and the mailbox watcher.

Run exactly one per site (two would only do the periodic work twice, which is harmless but useless).
"""

from __future__ import annotations

import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from dapjang.celery import app
from dapjang.routing.retrain import retrain_on_start
from dapjang.server.watchers import mailbox_watcher


class Command(BaseCommand):
    help = "Run the scheduler and the mailbox watcher / 예약 작업과 메일함 감시 실행"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-imap", action="store_true", help="do not watch IMAP mailboxes here")
        parser.add_argument("--loglevel", default="WARNING")

    def handle(self, *args: Any, **opts: Any) -> None:
        retrain_on_start()  # a new desk, an upgraded model format or the demo's quick model
        stop = threading.Event()
        watcher = None if opts["no_imap"] else mailbox_watcher(stop)
        try:
            app.Beat(
                schedule=str(settings.HOME / "celerybeat-schedule"),
                loglevel=opts["loglevel"],
                quiet=True,
            ).run()
        finally:
            stop.set()
            if watcher is not None:
                watcher.join(timeout=10)
