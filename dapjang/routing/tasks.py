"""Scheduled routing jobs; each finds its work in the database and is safe to repeat."""

from __future__ import annotations

from typing import Any

from dapjang.celery import app
from dapjang.mail.tasks import connection_fresh


@app.task(name="dapjang.assign_sweep", ignore_result=True)
def assign_sweep_task() -> dict[str, Any]:
    from dapjang.routing.rebalance import assign_sweep

    connection_fresh()
    return assign_sweep()


@app.task(name="dapjang.routing_retrain", ignore_result=True)
def routing_retrain_task() -> dict[str, Any]:
    from dapjang.routing.retrain import retrain_if_due

    connection_fresh()
    return retrain_if_due()
