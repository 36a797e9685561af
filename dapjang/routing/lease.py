"""One training at a time: a lease on a database row that every worker on every machine shares.

Training runs for minutes, outside any transaction (on SQLite a transaction that long would hold the
single write lock and stop all mail), so a row lock will not do; a lease is a claim that expires
instead. It is taken with a conditional UPDATE — the row is free, or its holder's time ran out — so
of two workers exactly one sees "1 row changed" and trains. A worker killed mid-training holds it
until `until` (long enough for any training, short enough that the next scheduled run is not lost),
except on its own machine, where a holder that no longer exists is seen at once.
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
    """Claims the lease `name`; returns the holder token to free it with, or None when it is taken.

    A lease whose holder was a process on this machine that no longer exists (a stop of `dapjang
    serve` cuts a training short) is free at once rather than at `until`.
    """
    now = timezone.now()
    token = f"{_host()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
    row, _created = TrainingLease.objects.get_or_create(name=name)
    free = Q(until__isnull=True) | Q(until__lte=now)
    if row.holder and _holder_gone(row.holder):
        free |= Q(holder=row.holder)  # compare-and-set: only if nobody took it since we read it
    claimed = TrainingLease.objects.filter(free, name=name).update(holder=token, until=now + length)
    return token if claimed == 1 else None


def _host() -> str:
    return socket.gethostname()[:60]


def _holder_gone(holder: str) -> bool:
    host, _sep, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    if host != _host() or not pid.isdigit():
        return False  # another machine's process: only its lease's end says it is gone
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, another user's
    return False


def lease_free(name: str, token: str) -> bool:
    """Frees the lease if `token` still holds it (a lease that ran out may have a new holder)."""
    return TrainingLease.objects.filter(name=name, holder=token).update(holder="", until=None) == 1
