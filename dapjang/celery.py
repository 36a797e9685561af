"""The Celery app: the same tasks on the embedded file broker and on Redis or RabbitMQ (DESIGN §1).

Tasks carry ids, never mail: the database is the source of truth, so a lost or repeated task
costs a little time and nothing else (the sweeper re-drives what a lost task left behind).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from celery import Celery

from dapjang import queue_files

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dapjang.settings")

app = Celery("dapjang")

# Mail processing, the outbox and the sweeps share the default queue; jobs that run for minutes
# (retraining the routing classifier) have a queue of their own, so a worker busy with one never
# holds back new mail. `dapjang serve` runs a worker for each; `dapjang worker` takes both unless
# told otherwise with --queues (docs/cli.md).
DEFAULT_QUEUE = "celery"
SLOW_QUEUE = "slow"
SLOW_TASKS = ("dapjang.routing_retrain",)


def broker_options(url: str, home: Path) -> dict[str, Any]:
    """Celery settings for a broker URL; an empty URL means the embedded broker in files."""
    if url:
        return {
            "broker_url": url,
            "broker_connection_retry_on_startup": True,
            # Redis: a task a killed worker held comes back after this long (acks_late below).
            "broker_transport_options": {"visibility_timeout": 600},
        }
    folder = home / "queue"
    for sub in ("out", "processed", "control"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    return {
        "broker_url": f"{queue_files.ALIAS}://localhost/",
        "broker_transport_options": {
            "data_folder_in": str(folder / "out"),
            "data_folder_out": str(folder / "out"),
            "processed_folder": str(folder / "processed"),
            "control_folder": str(folder / "control"),
            "polling_interval": 0.1,
        },
    }


def app_configure() -> None:
    from django.conf import settings

    app.conf.update(
        broker_options(settings.DAPJANG_BROKER_URL, settings.HOME),
        task_always_eager=settings.DAPJANG_TASKS_EAGER,
        task_eager_propagates=False,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        worker_hijack_root_logger=False,
        timezone=settings.TIME_ZONE,
        beat_schedule=schedule(settings),
        task_default_queue=DEFAULT_QUEUE,
        task_routes={name: {"queue": SLOW_QUEUE} for name in SLOW_TASKS},
        # Celery's Django fixup closes the database connection after every task unless told to
        # reuse it: on PostgreSQL that is a new server process per mail (a third of the CPU under
        # load went to forking backends). Django's CONN_MAX_AGE and health checks, and the
        # close_old_connections() each task starts with, still retire broken or aged connections.
        CELERY_DB_REUSE_MAX=1000,
    )


def schedule(settings: Any) -> dict[str, Any]:
    return {
        "sweep": {"task": "dapjang.sweep", "schedule": float(settings.DAPJANG_SWEEP_SECONDS)},
        "outbox": {"task": "dapjang.outbox_deliver", "schedule": float(settings.DAPJANG_OUTBOX_SECONDS)},
        "mailboxes": {
            "task": "dapjang.mailboxes_poll",
            "schedule": float(settings.DAPJANG_IMAP_POLL_SECONDS),
        },
        "sla": {"task": "dapjang.sla_sweep", "schedule": float(settings.DAPJANG_SLA_SWEEP_SECONDS)},
        "assign": {"task": "dapjang.assign_sweep", "schedule": float(settings.DAPJANG_ASSIGN_SWEEP_SECONDS)},
        "retrain": {"task": "dapjang.routing_retrain", "schedule": float(settings.DAPJANG_RETRAIN_SECONDS)},
    }


app_configure()
app.conf.include = ["dapjang.mail.tasks", "dapjang.sla.tasks", "dapjang.routing.tasks"]
