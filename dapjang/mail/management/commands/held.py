"""dapjang held list [--json] / dapjang held retry ID…|--all [--force]"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dapjang.mail.held import RetryRefused, held_list, held_retry
from dapjang.tickets.context import PipelineContext


class Command(BaseCommand):
    help = "List or retry held and failed mail / 보류·실패 메일 보기와 다시 처리"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        show = sub.add_parser("list", help="held and failed mail")
        show.add_argument("--json", action="store_true")
        retry = sub.add_parser("retry", help="process held or failed mail again")
        retry.add_argument("ids", nargs="*", type=int)
        retry.add_argument("--all", action="store_true")
        retry.add_argument("--force", action="store_true", help="retry even after the attempt limit")
        retry.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "list":
            self._list(opts["json"])
        else:
            self._retry(opts)

    def _list(self, as_json: bool) -> None:
        rows = held_list()
        for raw in rows.only(
            "id", "state", "channel", "source", "sender", "reason", "attempts", "received_at"
        ):
            if as_json:
                line = {
                    "id": raw.id,
                    "state": raw.state,
                    "reason": raw.reason,
                    "sender": raw.sender,
                    "channel": raw.channel,
                    "source": raw.source,
                    "attempts": raw.attempts,
                    "received_at": raw.received_at.isoformat(),
                }
                self.stdout.write(json.dumps(line, ensure_ascii=False))
            else:
                self.stdout.write(f"{raw.id}\t{raw.state}\t{raw.sender or '-'}\t{raw.reason}")
        if not as_json:
            self.stderr.write(f"{rows.count()} held or failed / 보류·실패 {rows.count()}통")

    def _retry(self, opts: dict[str, Any]) -> None:
        ids: list[int] = list(held_list().values_list("id", flat=True)) if opts["all"] else opts["ids"]
        if not ids and not opts["all"]:
            raise CommandError("give the ids to retry, or --all / 다시 처리할 번호나 --all을 주세요")
        ctx = PipelineContext()
        refused = 0
        for raw_id in ids:
            try:
                result = held_retry(raw_id=raw_id, ctx=ctx, force=opts["force"])
            except RetryRefused as exc:
                refused += 1
                self.stderr.write(str(exc))
                continue
            if opts["json"]:
                line = {
                    "id": raw_id,
                    "outcome": result.outcome,
                    "ticket": result.ticket,
                    "reason": result.reason,
                }
                self.stdout.write(json.dumps(line, ensure_ascii=False))
            else:
                self.stdout.write(f"{raw_id}\t{result.outcome}\t{result.ticket or '-'}\t{result.reason}")
        if refused and not opts["all"]:
            raise CommandError(f"{refused} of {len(ids)} could not be retried")
