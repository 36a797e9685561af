"""dapjang export tickets — JSON Lines, one ticket a line."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dapjang.tickets.export import ticket_export_rows


class Command(BaseCommand):
    help = "Export tickets as JSON Lines / 티켓 내보내기"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["tickets"])
        parser.add_argument("--queue", help="only this queue (slug)")
        parser.add_argument("--output", "-o", default="-", help="file to write; - for standard output")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            out = sys.stdout if opts["output"] == "-" else open(opts["output"], "w", encoding="utf-8")  # noqa: SIM115
        except OSError as exc:
            raise CommandError(f"cannot write {opts['output']}: {exc.strerror}") from None
        try:
            for row in ticket_export_rows(queue=opts["queue"]):
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
        finally:
            if out is not sys.stdout:
                out.close()
