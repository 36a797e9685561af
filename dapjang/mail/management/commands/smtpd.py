"""dapjang smtpd — the SMTP listener alone, for a site that runs its pieces apart."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dapjang.env import env_str
from dapjang.mail.smtpd import smtpd_controller
from dapjang.server.bootstrap import listen_address
from dapjang.tickets.queues import queue_default


class Command(BaseCommand):
    help = "Receive mail over SMTP / SMTP로 메일 받기"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--listen", default=env_str("DAPJANG_SMTP_LISTEN", "127.0.0.1:2525"))

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            host, port = listen_address(opts["listen"], 2525)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        queue_default()  # a desk set up by `migrate` alone still has an address to receive on
        try:
            controller = smtpd_controller(host, port)
        except ImproperlyConfigured as exc:  # a bad certificate: one clear line
            raise CommandError(str(exc)) from None
        try:
            controller.start()
        except OSError as exc:
            raise CommandError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
        self.stdout.write(f"SMTP / 메일 수신: {host}:{port} — Ctrl-C stops / 종료")
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
        finally:
            controller.stop()
            controller.handler.close()
            self.stdout.write("stopped / 종료했습니다")
