"""Content-addressed storage for attachment bytes: one row per distinct content, keyed by sha256."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from dapjang.mail.models import Blob


def blob_put(data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    # ignore_conflicts: the same file sent twice (or by two processes at once) is stored once.
    Blob.objects.bulk_create([Blob(sha256=digest, data=data, size=len(data))], ignore_conflicts=True)
    return digest


def blob_get(digest: str) -> bytes | None:
    """The bytes stored under a sha256, or None when nothing is (a file never stored, or purged)."""
    data = Blob.objects.filter(sha256=digest).values_list("data", flat=True).first()
    return None if data is None else bytes(data)


def blobs_get(digests: Iterable[str]) -> dict[str, bytes]:
    """Several at once, by sha256; the missing ones are simply absent."""
    wanted = list(set(digests))
    if not wanted:
        return {}
    return {
        sha: bytes(data) for sha, data in Blob.objects.filter(sha256__in=wanted).values_list("sha256", "data")
    }
