"""dapjang demo [--reset] — a demo desk with queues, agents and tickets, and its logins."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dapjang.demo.load import DemoError, demo_load


class Command(BaseCommand):
    help = "Load the demo desk (a fictional shop) / 데모 고객센터 불러오기"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset",
            action="store_true",
            help="remove the demo (its queues and every ticket in them) and load it anew, with new passwords",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        call_command("migrate", verbosity=0, interactive=False)  # a brand-new desk has no tables yet
        try:
            report = demo_load(reset=opts["reset"])
        except DemoError as exc:
            raise CommandError(str(exc)) from None
        for line in report.lines():
            self.stdout.write(line)
