"""Retraining the classifier on a schedule, from resolved tickets and agents' corrections.

The shipped seed mails start every model; the desk's own mail is added as it comes: tickets solved
or closed in a topic's queue (an agent saw them through there) and every ticket an agent moved (a
correction). Both are copied into TrainingExample rows first, so a model can be rebuilt from them
even after old tickets are deleted, and "is a retraining due" is one question: is there an example
newer than the newest model? Training takes one to four minutes and never runs in the pipeline: the
task has a Celery queue of its own ("slow", dapjang/celery.py), so the worker that processes mail is
never the one training (`dapjang serve` runs a separate worker for it). One training at a time,
across all workers and machines, through a lease on a database row (lease.py). Every worker picks
up the new model within classifier.RELOAD_SECONDS.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from dapjang.faults import fault_point
from dapjang.routing import classifier, encoder
from dapjang.routing.data import (
    Example,
    first_inbound_texts,
    shipped_faq_questions,
    shipped_mails,
    shipped_topics,
)
from dapjang.routing.lease import lease_free, lease_take
from dapjang.routing.models import RoutingModel, TrainingExample
from dapjang.tickets.models import Ticket

log = logging.getLogger(__name__)

HARVEST_LIMIT = 5_000  # resolved tickets copied per run; a large backlog is taken over a few runs
RETRAIN_LEASE = "routing-retrain"
CORRECTION_WEIGHT = 2.0  # an agent's deliberate move says more than a ticket that merely ended there


def topic_ids() -> set[str]:
    """The topics a model may learn: the shipped ones and any the current model already knows."""
    known = {t.id for t in shipped_topics()}
    newest = RoutingModel.objects.order_by("-created_at", "-id").values_list("topics", flat=True).first()
    return known | set(newest or [])


def harvest_resolved(*, limit: int = HARVEST_LIMIT) -> int:
    """Copies solved and closed human tickets in a topic's queue into TrainingExample rows; returns how many."""
    taken = TrainingExample.objects.filter(ticket=OuterRef("pk"))
    rows = list(
        Ticket.objects.filter(
            status__in=[Ticket.Status.SOLVED, Ticket.Status.CLOSED],
            kind="human",
            queue__slug__in=topic_ids(),
        )
        .exclude(Exists(taken))
        .order_by("-id")
        .values_list("id", "queue__slug", "language", "subject")[:limit]
    )
    texts = first_inbound_texts([r[0] for r in rows])
    examples = []
    for ticket_id, slug, language, subject in rows:
        first_subject, body = texts.get(ticket_id, (subject, ""))
        if first_subject.strip() or body.strip():
            examples.append(
                TrainingExample(
                    ticket_id=ticket_id,
                    subject=first_subject[:500],
                    body=body,
                    topic=slug,
                    language=language,
                    source=TrainingExample.Source.RESOLVED,
                )
            )
    TrainingExample.objects.bulk_create(examples, ignore_conflicts=True)
    return len(examples)


def stored_examples(topics: set[str] | None = None) -> list[Example]:
    """The desk's examples for training, one per ticket (a correction beats the resolved copy)."""
    topics = topic_ids() if topics is None else topics
    rows = TrainingExample.objects.filter(topic__in=topics).order_by("created_at", "id")
    chosen: dict[str, TrainingExample] = {}
    for row in rows.iterator(chunk_size=2000):
        key = f"ticket:{row.ticket_id}" if row.ticket_id else f"example:{row.pk}"
        current = chosen.get(key)
        correction = TrainingExample.Source.CORRECTION
        if current is None or not (current.source == correction and row.source != correction):
            chosen[key] = row
    return [
        Example(
            row.subject,
            row.body,
            row.topic,
            row.language,
            weight=CORRECTION_WEIGHT if row.source == TrainingExample.Source.CORRECTION else 1.0,
            group=key,
        )
        for key, row in chosen.items()
    ]


def retrain_if_due(*, now: datetime | None = None) -> dict[str, Any]:
    """Trains and stores a new model when there is none, when the newest was made by another model
    format (an upgrade changed the features: this code cannot load it) or is a quick one (no sentence
    encoder: the demo's), or when examples arrived since.

    Safe to run often: with nothing new it costs a few queries and trains nothing. While another
    worker trains (it holds the lease) it does nothing and says so (`busy`); what that training
    did not see, the next run finds.
    """
    now = now or timezone.now()
    token = lease_take(RETRAIN_LEASE)
    if token is None:
        log.info("routing retraining already running elsewhere: skipped")
        return {"trained": False, "busy": True}
    try:
        fault_point("retrain")
        return _retrain(now)
    finally:
        lease_free(RETRAIN_LEASE, token)


def _retrain(now: datetime) -> dict[str, Any]:
    harvested = harvest_resolved()
    fresh = None
    if not retrain_due_now():  # a usable full model exists: train only if examples came since
        newest = RoutingModel.objects.order_by("-created_at", "-id").values_list("created_at", "metrics")[0]
        # Examples stored while the last model was training are newer than its start, not its row.
        until = parse_datetime(str(newest[1].get("examples_until", ""))) or newest[0]
        fresh = TrainingExample.objects.filter(created_at__gt=until).count()
        if not fresh:
            return {"trained": False, "harvested": harvested, "new_examples": 0}
    started = timezone.now()
    model, source = train_with_examples(progress=None)
    model.metrics["examples_until"] = started.isoformat()
    row = classifier.save_model(model, source=f"{source} (scheduled {now:%Y-%m-%d %H:%M})")
    log.info("routing model %s trained on %s examples (%s)", row.pk, model.trained_on, source)
    return {
        "trained": True,
        "model": row.pk,
        "harvested": harvested,
        "new_examples": fresh,
        "trained_on": model.trained_on,
    }


def retrain_due_now() -> str:
    """Why the classifier should be trained at once rather than at the next scheduled run ("" if not):
    no model stored (a new desk), the newest made by another model format (an upgrade changed the
    features, so it cannot be loaded and mail is not routed by content until then), or a quick one
    trained without the sentence encoder while the encoder is installed (the demo's)."""
    newest = RoutingModel.objects.order_by("-created_at", "-id").values_list("format", "metrics").first()
    if newest is None:
        return "no model"
    if newest[0] != classifier.model_format():
        return f"model format {newest[0]}"
    if newest[1] and newest[1].get("quick") and encoder.encoder_available():
        return "quick model"
    return ""


def retrain_on_start() -> str:
    """Queues a training for the slow worker when one is due at once (the scheduler calls it on start,
    so the daily schedule's first run, a day later, is not the first model); returns the reason."""
    from dapjang.routing.tasks import routing_retrain_task

    reason = retrain_due_now()
    if reason:
        log.info("routing model: %s, training one now", reason)
        routing_retrain_task.delay()
    return reason


def train_with_examples(
    *,
    mails: list[Example] | None = None,
    folds: int = 3,
    options: classifier.Options | None = None,
    progress: Any = None,
) -> tuple[classifier.TrainedModel, str]:
    """A model from `mails` (default: the shipped seed mails) plus the desk's stored examples."""
    base = shipped_mails() if mails is None else mails
    topics = topic_ids() | {e.topic for e in base}
    desk = stored_examples(topics)
    everything = [*base, *desk]
    labels = {e.topic for e in everything}
    extra = [e for e in shipped_faq_questions() if e.topic in labels]
    model = classifier.classifier_train(
        everything, extra=extra, options=options or classifier.Options(), folds=folds, progress=progress
    )
    corrections = sum(1 for e in desk if e.weight == CORRECTION_WEIGHT)
    source = f"{'shipped' if mails is None else 'files'} + {len(desk) - corrections} resolved + {corrections} corrections"
    return model, source
