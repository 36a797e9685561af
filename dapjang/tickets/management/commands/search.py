"""dapjang search reindex [--no-progress] / dapjang search query WORDS… [--limit N]"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from dapjang.tickets.models import Ticket
from dapjang.tickets.search import search_reindex, tickets_search


class Command(BaseCommand):
    help = "Ticket search: rebuild the index, or try a query / 티켓 검색: 색인 다시 만들기, 검색해 보기"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        reindex = sub.add_parser(
            "reindex", help="rebuild the search index of every ticket / 검색 색인 재구축"
        )
        reindex.add_argument("--no-progress", action="store_true", help="no progress bar")
        query = sub.add_parser("query", help="tickets matching the words, as an agent would find them")
        query.add_argument("words", nargs="+")
        query.add_argument("--limit", type=int, default=20)

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "query":
            found = tickets_search(Ticket.objects.select_related("queue"), " ".join(opts["words"]))
            for ticket in found[: opts["limit"]]:
                self.stdout.write(f"{ticket.number}\t{ticket.queue.slug}\t{ticket.status}\t{ticket.subject}")
            return
        total = Ticket.objects.count()
        show_bar = not opts["no_progress"] and sys.stderr.isatty()
        with tqdm(total=total, unit="ticket", disable=not show_bar, desc="reindex") as bar:
            done = search_reindex(progress=bar.update)
        self.stderr.write(f"{done} tickets indexed / 티켓 {done}건 색인 완료")
