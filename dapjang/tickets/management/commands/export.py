"""dapjang export tickets — JSON Lines, one ticket a line."""

from __future__ import annotations

import json
from pathlib import Path
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
        rows = (json.dumps(row, ensure_ascii=False) for row in ticket_export_rows(queue=opts["queue"]))
        if opts["output"] == "-":
            for line in rows:
                self.stdout.write(line)
            return
        try:
            with Path(opts["output"]).open("w", encoding="utf-8") as out:
                for line in rows:
                    out.write(line + "\n")
        except OSError as exc:
            raise CommandError(f"cannot write {opts['output']}: {exc.strerror}") from None
