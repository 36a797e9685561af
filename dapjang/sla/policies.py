"""Which policy governs a queue, and what it promises a given customer."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q

from dapjang.sla.models import SlaPolicy

# Abusive customers get the ordinary targets, never tighter ones (MISSION B1); only VIPs get faster.
SEGMENT_FASTER = "vip"


def policy_default() -> SlaPolicy:
    """The desk-wide policy, created with the defaults the first time anyone asks."""
    found = SlaPolicy.objects.filter(queue__isnull=True).first()
    if found is not None:
        return found
    try:
        # A savepoint: inside the pipeline's transaction a lost race must not poison the whole unit.
        with transaction.atomic():
            return SlaPolicy.objects.create(queue=None)
    except IntegrityError:
        return SlaPolicy.objects.get(queue__isnull=True)


def policy_for(queue_id: int | None) -> SlaPolicy:
    """The queue's own policy, else the desk default: one query in the common case."""
    rows = list(SlaPolicy.objects.filter(Q(queue_id=queue_id) | Q(queue__isnull=True))[:2])
    own = next((p for p in rows if p.queue_id is not None), None)
    if own is not None:
        return own
    return next((p for p in rows if p.queue_id is None), None) or policy_default()


def policies_by_queue() -> tuple[SlaPolicy, dict[int, SlaPolicy]]:
    """The default and every queue's own policy, for a sweep over all queues."""
    default = policy_default()
    own = {p.queue_id: p for p in SlaPolicy.objects.filter(queue__isnull=False) if p.queue_id is not None}
    return default, own


@dataclass(frozen=True)
class Targets:
    """Business minutes to the first response and to the resolution for one ticket."""

    first_response: float
    resolution: float
    faster: bool  # the customer's segment tightened the targets


def targets_for(policy: SlaPolicy, segment: str | None) -> Targets:
    if segment == SEGMENT_FASTER:
        factor = policy.vip_factor
        return Targets(policy.first_response_minutes * factor, policy.resolution_minutes * factor, True)
    return Targets(float(policy.first_response_minutes), float(policy.resolution_minutes), False)
