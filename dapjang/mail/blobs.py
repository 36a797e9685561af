"""Content-addressed storage for attachment bytes: one row per distinct content, keyed by sha256."""

from __future__ import annotations

import hashlib

from dapjang.mail.models import Blob


def blob_put(data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    # ignore_conflicts: the same file sent twice (or by two processes at once) is stored once.
    Blob.objects.bulk_create([Blob(sha256=digest, data=data, size=len(data))], ignore_conflicts=True)
    return digest
