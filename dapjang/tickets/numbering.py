"""Readable, unique, increasing ticket numbers: `2026-000123`, counted per year in Asia/Seoul."""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from dapjang.tickets.models import TicketCounter

# The table name is ours, fixed at import; only the year is a parameter.
_INCREMENT = f"UPDATE {TicketCounter._meta.db_table} SET last = last + 1 WHERE year = %s RETURNING last"  # noqa: S608


def ticket_number_next() -> str:
    """Must run inside the transaction that creates the ticket, so a rollback gives the number back.

    The UPDATE takes the row lock (PostgreSQL) or the write lock (SQLite), so two processes never
    read the same value.
    """
    year = timezone.localtime().year
    for _ in range(3):
        with connection.cursor() as cursor:
            # RETURNING (PostgreSQL, SQLite ≥ 3.35): increment and read in one locked statement.
            cursor.execute(_INCREMENT, [year])
            row = cursor.fetchone()
        if row is not None:
            return f"{year}-{row[0]:06d}"
        try:
            with transaction.atomic():
                TicketCounter.objects.create(year=year, last=1)
            return f"{year}-{1:06d}"
        except IntegrityError:
            continue  # another process made this year's row first; take the UPDATE path
    raise RuntimeError("could not allocate a ticket number")
