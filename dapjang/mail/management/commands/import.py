"""dapjang import PATH… — see DESIGN.md §5 for the output contract."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from dapjang.mail.importer import DEFAULT_JOBS, ImportSourceError, MailItem, import_items, mail_items
from dapjang.mail.outbox import outbox_deliver
from dapjang.tickets.pipeline import OUTCOMES, IngestResult


class Command(BaseCommand):
    help = "Import mail from .eml files, folders, Maildir or mbox / 메일 파일 가져오기"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path)
        parser.add_argument("--json", action="store_true", help="one JSON line per message")
        parser.add_argument("--format", choices=["auto", "eml", "mbox", "maildir"], default="auto")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")
        parser.add_argument(
            "--jobs",
            type=int,
            default=DEFAULT_JOBS,
            help=f"processes (2 or more: mail is parsed by workers while one writes); default {DEFAULT_JOBS}",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["jobs"] < 1:
            raise CommandError("--jobs must be 1 or more / --jobs는 1 이상이어야 합니다")
        try:
            items = [item for path in opts["paths"] for item in mail_items(path, opts["format"])]
        except ImportSourceError as exc:
            raise CommandError(str(exc)) from None
        except OSError as exc:
            raise CommandError(f"cannot read {exc.filename}: {exc.strerror}") from None
        counts: Counter[str] = Counter()
        show_bar = not opts["no_progress"] and sys.stderr.isatty()
        bar = tqdm(total=len(items), unit="mail", disable=not show_bar, desc="import")

        def report(item: MailItem, result: IngestResult) -> None:
            counts[result.outcome] += 1
            bar.update(1)
            if opts["json"]:
                line: dict[str, object] = {
                    "path": item.label,
                    "outcome": result.outcome,
                    "kind": result.kind,
                    "ticket": result.ticket,
                }
                if result.reason and result.outcome in ("held", "failed", "ignored"):
                    line["reason"] = result.reason
                self.stdout.write(json.dumps(line, ensure_ascii=False))

        import_items(items, on_result=report, jobs=opts["jobs"])
        bar.close()
        sent = outbox_deliver()
        summary = ", ".join(f"{counts[o]} {o}" for o in OUTCOMES)
        message = f"{len(items)} messages / 메일 {len(items)}통: {summary}"
        if sent.sent or sent.retry or sent.failed:
            message += f"; outbox: {sent.sent} sent, {sent.retry} to retry, {sent.failed} failed"
        self.stderr.write(message)
