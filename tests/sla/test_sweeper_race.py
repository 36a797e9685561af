"""Two sweepers at once (two scheduler hosts, or a manual `dapjang sla sweep` during the scheduled one).

Needs real concurrent transactions: PostgreSQL (DATABASE_URL=postgresql://…); skipped on SQLite,
whose single writer serialises the sweeps anyway.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from dapjang.mail.models import Outbox
from dapjang.sla.sweeper import sla_sweep
from tests.sla.conftest import Clock, seoul


@pytest.mark.django_db(transaction=True)
def test_two_sweepers_at_once_send_one_holding_reply_and_one_escalation(clock: Clock, mail_in: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent claims need PostgreSQL")
    tickets = [mail_in(from_=f"c{i}@customer.example") for i in range(20)]
    now = seoul(2026, 11, 23, 18, 30)
    start = threading.Barrier(2)
    reports: list[dict[str, Any]] = []

    def sweeper() -> None:
        try:
            start.wait()
            reports.append(sla_sweep(now=now))
        finally:
            connection.close()

    threads = [threading.Thread(target=sweeper) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    held = sorted(n for r in reports for n in r["holding"])
    escalated = sorted(n for r in reports for n in r["escalated"])
    assert held == escalated == sorted(t.number for t in tickets)
    assert Outbox.objects.filter(kind="holding").count() == 20
    assert Outbox.objects.filter(kind="notification").count() == 20
