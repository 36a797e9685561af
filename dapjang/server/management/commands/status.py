"""dapjang status — is the desk well? The same facts as /healthz, for a person or a script."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from dapjang.server.health import desk_health


def _mark(ok: bool) -> str:
    return "ok" if ok else "DOWN / 중단"


class Command(BaseCommand):
    help = "Show the desk's health: database, broker, mail waiting, mailboxes / 상태 보기"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="one JSON object, as /healthz returns")

    def handle(self, *args: Any, **opts: Any) -> None:
        report = desk_health()
        if opts["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False))
        else:
            self._print(report)
        if not report["ok"]:
            sys.exit(1)

    def _print(self, report: dict[str, Any]) -> None:
        w = self.stdout.write
        w(f"database / 데이터베이스: {_mark(report['database'])}")
        w(f"broker / 작업 큐:       {_mark(report['broker'])}")
        backlog = report.get("backlog")
        if backlog:
            w(
                f"mail waiting / 처리 대기: {backlog['received']} "
                f"(oldest {backlog['oldest_received_seconds']:.0f}s)   held / 보류: {backlog['held']}   "
                f"failed / 실패: {backlog['failed']}"
            )
            w(
                f"outbox / 발신: queued {backlog['outbox_queued']}, sending {backlog['outbox_sending']}, "
                f"failed {backlog['outbox_failed']}"
            )
        for box in report.get("mailboxes", []):
            state = "ok" if box["ok"] else "error / 오류 (see `dapjang mailbox list`)"
            w(f"mailbox / 메일함 {box['name']}: {state}; last poll {box['last_success'] or 'never / 없음'}")
        w("overall / 전체: " + ("ok" if report["ok"] else "NOT OK / 점검 필요"))
