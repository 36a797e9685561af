"""Readable, unique, increasing ticket numbers: `2026-000123`, counted per year in Asia/Seoul."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from dapjang.tickets.models import TicketCounter


def ticket_number_next() -> str:
    """Must run inside the transaction that creates the ticket, so a rollback gives the number back.

    The UPDATE takes the row lock (PostgreSQL) or the write lock (SQLite), so two processes never
    read the same value.
    """
    year = timezone.localtime().year
    for _ in range(3):
        if TicketCounter.objects.filter(year=year).update(last=F("last") + 1) == 1:
            last = TicketCounter.objects.values_list("last", flat=True).get(year=year)
            return f"{year}-{last:06d}"
        try:
            with transaction.atomic():
                TicketCounter.objects.create(year=year, last=1)
            return f"{year}-{1:06d}"
        except IntegrityError:
            continue  # another process made this year's row first; take the UPDATE path
    raise RuntimeError("could not allocate a ticket number")
