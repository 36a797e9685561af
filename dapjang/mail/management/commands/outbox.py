"""dapjang outbox list [--json] [--state S] / dapjang outbox send"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from dapjang.mail.models import Outbox
from dapjang.mail.outbox import outbox_deliver


class Command(BaseCommand):
    help = "Outbound mail: list it, or send what is due / 발신함"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        show = sub.add_parser("list", help="outbound mail, oldest first")
        show.add_argument("--json", action="store_true")
        show.add_argument("--state", choices=[s.value for s in Outbox.State])
        sub.add_parser("send", help="send what is due through DAPJANG_OUTBOUND_SMTP")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "send":
            report = outbox_deliver()
            self.stdout.write(f"{report.sent} sent, {report.retry} to retry, {report.failed} failed")
            return
        rows = Outbox.objects.select_related("ticket").order_by("id")
        if opts["state"]:
            rows = rows.filter(state=opts["state"])
        for row in rows.defer("data").iterator(chunk_size=500):
            line = {
                "id": row.id,
                "ticket": row.ticket.number if row.ticket else None,
                "kind": row.kind,
                "to": row.to_email,
                "subject": row.subject,
                "message_id": row.message_id,
                "state": row.state,
            }
            if row.last_error:
                line["error"] = row.last_error
            if opts["json"]:
                self.stdout.write(json.dumps(line, ensure_ascii=False))
            else:
                self.stdout.write(
                    "\t".join(str(line[k] or "-") for k in ("id", "state", "kind", "ticket", "to", "subject"))
                )
