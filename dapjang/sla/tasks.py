"""Scheduled SLA jobs; each finds its work in the database and is safe to repeat."""

from __future__ import annotations

from typing import Any

from dapjang.celery import app
from dapjang.mail.tasks import connection_fresh


@app.task(name="dapjang.sla_sweep", ignore_result=True)
def sla_sweep_task() -> dict[str, Any]:
    from dapjang.sla.sweeper import sla_sweep

    connection_fresh()
    return sla_sweep()
