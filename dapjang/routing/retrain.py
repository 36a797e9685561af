"""Retraining the classifier on a schedule, from resolved tickets and agents' corrections."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def retrain_if_due(*, now: datetime | None = None) -> dict[str, Any]:
    return {}
