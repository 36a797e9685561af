"""The assigner's scheduled pass: absences and stalled tickets (MISSION A8)."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def assign_sweep(*, now: datetime | None = None) -> dict[str, Any]:
    return {}
