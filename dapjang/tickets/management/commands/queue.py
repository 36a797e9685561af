"""dapjang queue add SLUG --name NAME --address ADDR… [--default] / dapjang queue list"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dapjang.tickets.models import Queue
from dapjang.tickets.queues import QueueError, queue_create


class Command(BaseCommand):
    help = "Set up queues (departments) and their addresses / 큐(부서) 설정"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="a new queue")
        add.add_argument("slug")
        add.add_argument("--name", required=True)
        add.add_argument("--address", nargs="*", default=[], help="support addresses of this queue")
        add.add_argument("--default", action="store_true", help="mail to no known address lands here")
        add.add_argument("--sender-name", default="", help="From name of the queue's mail")
        sub.add_parser("list", help="queues and their addresses")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "add":
            try:
                queue = queue_create(
                    slug=opts["slug"],
                    name=opts["name"],
                    addresses=opts["address"],
                    is_default=opts["default"],
                    sender_name=opts["sender_name"],
                )
            except QueueError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(f"queue {queue.slug} created / 큐를 만들었습니다")
            return
        for queue in Queue.objects.prefetch_related("addresses"):
            addresses = " ".join(a.email for a in queue.addresses.all()) or "-"
            default = " (default)" if queue.is_default else ""
            self.stdout.write(f"{queue.slug}{default}\t{queue.name}\t{addresses}")
