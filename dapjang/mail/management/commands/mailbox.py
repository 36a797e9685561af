"""dapjang mailbox add NAME … / list [--json] / poll [NAME…] / remove NAME"""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from dapjang.mail.imap import mailbox_poll
from dapjang.mail.mailboxes import MailboxError, after_parse, mailbox_create, mailbox_remove
from dapjang.mail.models import Mailbox

_LOOPBACK = ("127.0.0.1", "::1", "localhost")


class Command(BaseCommand):
    help = "IMAP mailboxes Dapjang fetches mail from / 메일을 가져올 IMAP 메일함"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="a new mailbox")
        add.add_argument("name")
        add.add_argument("--host", required=True)
        add.add_argument("--port", type=int, help="default 993 with --tls ssl, otherwise 143")
        add.add_argument("--user", required=True, help="the login name, usually the address")
        secret = add.add_mutually_exclusive_group()
        secret.add_argument("--password-env", metavar="VAR", help="read the password from $VAR at each login")
        secret.add_argument(
            "--password-stdin", action="store_true", help="store the password read from stdin"
        )
        secret.add_argument("--oauth2-token-env", metavar="VAR", help="XOAUTH2: the access token in $VAR")
        add.add_argument("--tls", choices=[t.value for t in Mailbox.Tls], default=Mailbox.Tls.SSL)
        add.add_argument("--folder", default="INBOX")
        add.add_argument("--after", default="seen", help="seen (default), move:FOLDER or delete")
        add.add_argument("--queue", default="", help="route this mailbox's mail to the queue with this slug")
        show = sub.add_parser("list", help="mailboxes, with their last success and last error")
        show.add_argument("--json", action="store_true")
        poll = sub.add_parser("poll", help="fetch now: the named mailboxes, or every enabled one")
        poll.add_argument("names", nargs="*")
        remove = sub.add_parser("remove", help="forget a mailbox (mail already stored stays)")
        remove.add_argument("name")

    def handle(self, *args: Any, **opts: Any) -> None:
        action = opts["action"]
        if action == "add":
            self._add(opts)
        elif action == "list":
            self._list(opts["json"])
        elif action == "poll":
            self._poll(opts["names"])
        else:
            try:
                mailbox_remove(name=opts["name"])
            except MailboxError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(f"mailbox {opts['name']} removed / 메일함을 지웠습니다")

    def _add(self, opts: dict[str, Any]) -> None:
        secret_env = opts["password_env"] or opts["oauth2_token_env"] or ""
        secret = ""
        if opts["password_stdin"]:
            secret = sys.stdin.readline().rstrip("\r\n")
            if not secret:
                raise CommandError("no password on standard input / 표준 입력에 비밀번호가 없습니다")
        try:
            after, move_to = after_parse(opts["after"])
            mailbox = mailbox_create(
                name=opts["name"],
                host=opts["host"],
                port=opts["port"],
                username=opts["user"],
                tls=opts["tls"],
                auth=Mailbox.Auth.XOAUTH2 if opts["oauth2_token_env"] else Mailbox.Auth.PASSWORD,
                secret_env=secret_env,
                secret=secret,
                folder=opts["folder"],
                after=after,
                move_to=move_to,
                queue_slug=opts["queue"],
            )
        except MailboxError as exc:
            raise CommandError(str(exc)) from None
        if secret_env and not (os.environ.get(secret_env) or os.environ.get(f"{secret_env}_FILE")):
            self.stderr.write(
                f"note: {secret_env} is not set here; it must be set where Dapjang runs"
                f" / 참고: Dapjang이 실행되는 곳에 {secret_env}를 설정하세요"
            )
        if mailbox.tls == Mailbox.Tls.NONE and mailbox.host not in _LOOPBACK:
            self.stderr.write(
                "warning: --tls none sends the password in plain text / 경고: 비밀번호가 암호화 없이 전송됩니다"
            )
        self.stdout.write(
            f"mailbox {mailbox.name} added: {mailbox.username}@{mailbox.host}:{mailbox.port} "
            f"({mailbox.tls}, {mailbox.folder}) / 메일함을 추가했습니다"
        )

    def _list(self, as_json: bool) -> None:
        for mailbox in Mailbox.objects.select_related("queue"):
            line = {
                "name": mailbox.name,
                "enabled": mailbox.enabled,
                "host": mailbox.host,
                "port": mailbox.port,
                "tls": mailbox.tls,
                "username": mailbox.username,
                "auth": mailbox.auth,
                "secret": mailbox.secret_source,  # where it comes from, never the value
                "folder": mailbox.folder,
                "after": f"move:{mailbox.move_to}" if mailbox.after == Mailbox.After.MOVE else mailbox.after,
                "queue": mailbox.queue.slug if mailbox.queue else None,
                "uidvalidity": mailbox.uidvalidity,
                "last_uid": mailbox.last_uid,
                "last_success_at": _when(mailbox.last_success_at),
                "last_error": mailbox.last_error,
                "last_error_at": _when(mailbox.last_error_at),
                "failing": mailbox.failing,
            }
            if as_json:
                self.stdout.write(json.dumps(line, ensure_ascii=False))
                continue
            state = "off" if not mailbox.enabled else ("ERROR" if mailbox.failing else "ok")
            success = line["last_success_at"] or "never / 없음"
            text = (
                f"{mailbox.name}\t{state}\t{mailbox.username}@{mailbox.host}:{mailbox.port}/{mailbox.tls}"
                f"\t{mailbox.folder}\t{line['after']}\tlast success / 마지막 성공: {success}"
            )
            if mailbox.failing:
                text += f"\tlast error / 마지막 오류: {line['last_error_at']} {mailbox.last_error}"
            self.stdout.write(text)

    def _poll(self, names: list[str]) -> None:
        if names:
            found = {m.name: m for m in Mailbox.objects.filter(name__in=names)}
            missing = [n for n in names if n not in found]
            if missing:
                raise CommandError(f"no mailbox named {', '.join(missing)} / 그런 메일함이 없습니다")
            mailboxes = [found[n] for n in names]
        else:
            mailboxes = list(Mailbox.objects.filter(enabled=True))
            if not mailboxes:
                self.stderr.write("no enabled mailboxes (dapjang mailbox add) / 사용 중인 메일함이 없습니다")
        failed = 0
        for mailbox in mailboxes:
            report = mailbox_poll(mailbox)
            failed += bool(report.error)
            self.stdout.write(report.summary())
        if failed:
            raise CommandError(f"{failed} of {len(mailboxes)} mailboxes failed / 메일함 {failed}개 실패")


def _when(moment: datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None
