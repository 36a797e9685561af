"""dapjang serve — the embedded default: web, SMTP listener, workers, scheduler and mailbox watcher.

Nothing to install beside it: SQLite and a broker in files under DAPJANG_HOME. A restart picks up
where the last run stopped, because the sweeper hands out again whatever was left half-way.
"""

from __future__ import annotations

import signal
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.servers.basehttp import run
from django.core.wsgi import get_wsgi_application

from dapjang.celery import DEFAULT_QUEUE
from dapjang.demo.load import DemoError, demo_load
from dapjang.env import env_str
from dapjang.mail.smtpd import smtpd_controller
from dapjang.mail.sweeper import sweep
from dapjang.server.bootstrap import desk_bootstrap, listen_address
from dapjang.server.children import Child, Children, trainer_child
from dapjang.tickets.queues import AddressBook


def serve_children() -> list[Child]:
    """The worker for mail, the worker for slow jobs (children.trainer_child), and the scheduler."""
    return [
        Child("worker", ["worker", "--queues", DEFAULT_QUEUE]),
        trainer_child(),
        Child("scheduler", ["scheduler"]),
    ]


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Run Dapjang on this machine / 답장 실행"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--listen", default=env_str("DAPJANG_WEB_LISTEN", "127.0.0.1:8000"))
        parser.add_argument("--smtp-listen", default=env_str("DAPJANG_SMTP_LISTEN", "127.0.0.1:2525"))
        parser.add_argument("--no-smtp", action="store_true", help="do not receive mail over SMTP")
        parser.add_argument(
            "--demo", action="store_true", help="load the demo desk (a fictional shop) on first start / 데모"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            host, port = listen_address(opts["listen"], 8000)
            smtp_host, smtp_port = listen_address(opts["smtp_listen"], 2525)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        password = desk_bootstrap()
        demo = None
        if opts["demo"]:
            try:
                demo = demo_load()
            except DemoError as exc:
                raise CommandError(str(exc)) from None
        # Whatever the last run left half-way is handed out first (nothing else runs yet).
        sweep(stuck_after=timedelta(0))
        smtp = None
        if not opts["no_smtp"]:
            try:
                smtp = smtpd_controller(smtp_host, smtp_port)
            except ImproperlyConfigured as exc:  # a bad certificate: one clear line
                raise CommandError(str(exc)) from None
            try:
                smtp.start()
            except OSError as exc:
                raise CommandError(
                    f"cannot listen on {smtp_host}:{smtp_port}: {exc.strerror or exc}"
                ) from None
        children = Children(serve_children())
        children.start()
        signal.signal(signal.SIGTERM, _interrupt)
        self._banner(host, port, smtp_host, smtp_port, smtp is not None, password)
        for line in demo.lines() if demo else []:
            self.stdout.write(line)
        try:
            run(host, port, get_wsgi_application(), threading=True)
        except KeyboardInterrupt:
            self.stdout.write("stopping / 종료하는 중…")
        except OSError as exc:
            raise CommandError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
        finally:
            # One Ctrl-C stops everything; a second one must not cut the clean stop short.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            if smtp is not None:
                smtp.stop()
                smtp.handler.close()
            children.stop()
            self.stdout.write("stopped / 종료했습니다")

    def _banner(
        self, host: str, port: int, smtp_host: str, smtp_port: int, smtp: bool, password: str | None
    ) -> None:
        w = self.stdout.write
        w(f"답장 Dapjang — data in {settings.HOME}")
        w(f"  console / 상담 화면: http://{host}:{port}/      admin / 관리: http://{host}:{port}/admin/")
        w(f"  customers / 고객 문의·FAQ: http://{host}:{port}/help/")
        if smtp:
            accepted = sorted(AddressBook.load().by_address)[:5]
            w(f"  SMTP / 메일 수신: {smtp_host}:{smtp_port} for {', '.join(accepted)}")
        if password:
            w(f"  login / 로그인: admin / {password}   (shown once; `dapjang changepassword admin`)")
        w(f"  health / 상태: http://{host}:{port}/healthz   ·   dapjang status")
        w("  import mail / 메일 가져오기: dapjang import PATH…   — Ctrl-C stops / 종료")
