"""The SLA's scheduled pass: holding replies before a miss, escalation at a breach."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def sla_sweep(*, now: datetime | None = None) -> dict[str, Any]:
    return {}
