"""dapjang serve — the embedded default on one machine: migrate, then serve the web (admin for now)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.servers.basehttp import run
from django.core.wsgi import get_wsgi_application

from dapjang.env import env_str
from dapjang.mail.smtpd import process_pending, smtpd_controller
from dapjang.server.bootstrap import desk_bootstrap, listen_address
from dapjang.tickets.queues import AddressBook


class Command(BaseCommand):
    help = "Run Dapjang on this machine / 답장 실행"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--listen", default=env_str("DAPJANG_WEB_LISTEN", "127.0.0.1:8000"))
        parser.add_argument("--smtp-listen", default=env_str("DAPJANG_SMTP_LISTEN", "127.0.0.1:2525"))
        parser.add_argument("--no-smtp", action="store_true", help="do not receive mail over SMTP")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            host, port = listen_address(opts["listen"], 8000)
            smtp_host, smtp_port = listen_address(opts["smtp_listen"], 2525)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        password = desk_bootstrap()
        smtp = None
        if not opts["no_smtp"]:
            process_pending()
            smtp = smtpd_controller(smtp_host, smtp_port)
            try:
                smtp.start()
            except OSError as exc:
                raise CommandError(
                    f"cannot listen on {smtp_host}:{smtp_port}: {exc.strerror or exc}"
                ) from None
        url = f"http://{host}:{port}/admin/"
        self.stdout.write(f"답장 Dapjang — data in {settings.HOME}")
        self.stdout.write(f"  web / 웹:   {url}")
        if smtp is not None:
            accepted = sorted(AddressBook.load().by_address)[:5]
            self.stdout.write(f"  SMTP / 메일 수신: {smtp_host}:{smtp_port} for {', '.join(accepted)}")
        if password:
            self.stdout.write(
                f"  login / 로그인: admin / {password}   (shown once; `dapjang changepassword admin`)"
            )
        self.stdout.write("  import mail / 메일 가져오기: dapjang import PATH…   — Ctrl-C stops / 종료")
        try:
            run(host, port, get_wsgi_application(), threading=True)
        except KeyboardInterrupt:
            self.stdout.write("stopped / 종료했습니다")
        except OSError as exc:
            raise CommandError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
        finally:
            if smtp is not None:
                smtp.stop()
                smtp.handler.close()
