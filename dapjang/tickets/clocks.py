"""Moments the console and the API both filter by, in the desk's time zone."""

from __future__ import annotations

from datetime import datetime, timedelta


def day_end(moment: datetime) -> datetime:
    """The midnight that ends `moment`'s day, in `moment`'s own time zone ("due today" = before it)."""
    return moment.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
