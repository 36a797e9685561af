"""Two workers at once (MISSION A9): one ticket never gets two owners, nor a move recorded twice.

Real threads, each with its own database connection and transaction, on PostgreSQL, which
re-checks the conditional UPDATE once the other transaction commits. Both start from the same stale
read of the ticket.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction

from dapjang.agents.models import Agent
from dapjang.routing.assign import ticket_assign_new
from dapjang.routing.rebalance import assign_sweep
from dapjang.tickets.models import Article, Queue, Ticket, TicketEvent
from tests.routing.test_assign import NOW, holding, member, new_ticket

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # The in-memory SQLite test database is one shared cache, where a second writer fails at once
    # ("table is locked") instead of waiting its turn as it does on a real file with IMMEDIATE
    # transactions; there one writer at a time is the whole story anyway.
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers: PostgreSQL"),
]


def at_once(*jobs: Callable[[], object]) -> list[object]:
    """Runs the jobs in threads released together; returns their results (or exceptions)."""
    barrier = threading.Barrier(len(jobs))
    results: list[object] = [None] * len(jobs)

    def run(i: int, job: Callable[[], object]) -> None:
        try:
            barrier.wait()
            with transaction.atomic():
                results[i] = job()
        except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_workers_assigning_one_ticket_give_it_one_owner(desk: dict[str, Any]) -> None:
    q = desk["shipping"]
    member("a@shop.example", q)
    member("b@shop.example", q)
    ticket = new_ticket(q)
    first, second = Ticket.objects.get(pk=ticket.pk), Ticket.objects.get(pk=ticket.pk)
    results = at_once(lambda: ticket_assign_new(first, now=NOW), lambda: ticket_assign_new(second, now=NOW))
    assert sorted(results, key=str) == [False, True]
    assert TicketEvent.objects.filter(ticket=ticket, field="assignee").count() == 1


def test_two_sweeps_at_once_move_each_ticket_of_an_absent_agent_once(desk: dict[str, Any]) -> None:
    q: Queue = desk["shipping"]
    traveller = member("traveller@shop.example", q)
    member("a@shop.example", q)
    member("b@shop.example", q)
    theirs = holding(traveller, q, 6)
    Agent.objects.filter(pk=traveller.pk).update(
        away_from=NOW - timedelta(hours=1), away_until=NOW + timedelta(days=1)
    )
    results = at_once(lambda: assign_sweep(now=NOW), lambda: assign_sweep(now=NOW))
    assert not [r for r in results if isinstance(r, Exception)], results
    for ticket in theirs:
        assert TicketEvent.objects.filter(ticket=ticket, field="assignee").count() == 1
        assert Article.objects.filter(ticket=ticket, direction=Article.Direction.NOTE).count() == 1
    assert not Ticket.objects.filter(assignee=traveller.user).exists()
