"""One training at a time: a lease on a database row that every worker on every machine shares.

Training runs for minutes, outside any transaction (on SQLite a transaction that long would hold the
single write lock and stop all mail), so a row lock will not do; a lease is a claim that expires
instead. It is taken with a conditional UPDATE — the row is free, or its holder's time ran out — so
of two workers exactly one sees "1 row changed" and trains. A worker killed mid-training holds it
until `until`: long enough for any training, short enough that the next scheduled run is not lost.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from dapjang.routing.models import TrainingLease

LEASE = timedelta(minutes=30)


def lease_take(name: str, *, length: timedelta = LEASE) -> str | None:
    """Claims the lease `name`; returns the holder token to free it with, or None when it is taken."""
    now = timezone.now()
    token = f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
    TrainingLease.objects.get_or_create(name=name)
    claimed = TrainingLease.objects.filter(Q(until__isnull=True) | Q(until__lte=now), name=name).update(
        holder=token, until=now + length
    )
    return token if claimed == 1 else None


def lease_free(name: str, token: str) -> bool:
    """Frees the lease if `token` still holds it (a lease that ran out may have a new holder)."""
    return TrainingLease.objects.filter(name=name, holder=token).update(holder="", until=None) == 1
