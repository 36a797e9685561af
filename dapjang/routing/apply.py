"""Routing a new ticket (MISSION A7, B3): the admins' rules first, then the topic classifier.

Mail sent to a queue's own address is already in that queue (tickets/queues.py) and the customer
chose it, so the classifier only looks at mail that landed in the default queue (the general
address, or no address of ours) — unless the desk sets DAPJANG_ROUTING_CLASSIFY_ALL. A contact-form
ticket goes by the topic the customer picked. A sure prediction moves the ticket to the queue whose
slug is the topic; an unsure one leaves it where it is, in triage, with the three likeliest queues
for an agent to pick from (routing/views.py). Every decision is written to the ticket's trail as a
system event, so an agent can see why a ticket is where it is.

Runs inside the pipeline's transaction, once per new ticket: a rules query, a queue-slug query and
one prediction from the per-process cached model (no training here, ever: classifier.stored_model).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dapjang.customers.services import customer_segment_by_rule
from dapjang.mail.kinds import Kind
from dapjang.routing import classifier
from dapjang.routing.features import mail_text
from dapjang.routing.rules import Facts, Outcome, enabled_rules, rules_evaluate
from dapjang.sla.requeue import sla_requeue
from dapjang.tickets.models import Queue, Ticket, TicketEvent

if TYPE_CHECKING:
    from dapjang.tickets.dispatch import NewTicket

log = logging.getLogger(__name__)

SUGGESTIONS = 3


def facts_of_new(new: NewTicket) -> Facts:
    mail = new.mail
    recipients = (*mail.delivered_to, *(a.email for a in mail.to), *(a.email for a in mail.cc))
    ticket = new.ticket
    return Facts(
        sender=mail.sender.email.lower() if mail.sender else "",
        recipients=tuple(r.lower() for r in recipients),
        subject=mail.subject,
        body=new.article.new_text or new.article.text,
        segment=ticket.customer.segment if ticket.customer else "",
        form=new.form,
        segment_by_hand=bool(ticket.customer and ticket.customer.segment_set_by == "hand"),
    )


def _event(ticket: Ticket, field: str, old: object, new: object) -> None:
    TicketEvent.objects.create(ticket=ticket, actor=None, field=field, old=str(old)[:300], new=str(new)[:300])


def _move(ticket: Ticket, queue: Queue, fields: dict[str, object]) -> None:
    """Moves the ticket in memory (`ticket_route` writes `fields` once) and recounts its promise.

    Routing runs before the clock starts (tickets/dispatch.py), so `sla_requeue` returns at once
    here; it is called anyway so that no path changes a queue without it.
    """
    if queue.pk != ticket.queue_id:
        _event(ticket, "queue", ticket.queue.slug, queue.slug)
        ticket.queue = queue
        fields["queue"] = queue
        sla_requeue(ticket, now=timezone.now())


def _apply_rules(ticket: Ticket, outcome: Outcome, fields: dict[str, object]) -> None:
    names = ", ".join(r.name for r in outcome.fired)
    _event(ticket, "routing", "", f"rule: {names}")
    if outcome.queue is not None:
        _move(ticket, outcome.queue, fields)
    if outcome.priority is not None and outcome.priority != ticket.priority:
        _event(ticket, "priority", ticket.priority, outcome.priority)
        fields["priority"] = ticket.priority = outcome.priority
    added = [t for t in outcome.tags if t not in ticket.tags]
    if added:
        _event(ticket, "tags", ", ".join(ticket.tags), ", ".join([*ticket.tags, *added]))
        fields["tags"] = ticket.tags = [*ticket.tags, *added]
    if outcome.segment and ticket.customer is not None:
        old = ticket.customer.segment
        if customer_segment_by_rule(ticket.customer, outcome.segment):
            _event(ticket, "segment", old, outcome.segment)


def classify_all() -> bool:
    """Whether the desk asked for every new ticket to be classified, even mail to a queue's address."""
    return bool(getattr(settings, "DAPJANG_ROUTING_CLASSIFY_ALL", False))


def _by_form(ticket: Ticket, topic: str, fields: dict[str, object]) -> bool:
    queue = Queue.objects.filter(slug=topic).first()
    if queue is None:
        return False
    _event(ticket, "routing", "", f"contact form: {topic}")
    _move(ticket, queue, fields)
    fields["topic"] = ticket.topic = topic
    return True


def ranked_queues(model: classifier.TrainedModel, probs: npt.NDArray[np.float64]) -> list[tuple[str, float]]:
    """(topic, calibrated confidence) for the topics that have a queue of that slug, likeliest first."""
    slugs = set(Queue.objects.filter(slug__in=model.topics).values_list("slug", flat=True))
    order = np.argsort(-probs)
    return [(model.topics[i], round(float(probs[i]), 4)) for i in order if model.topics[i] in slugs]


def _by_classifier(ticket: Ticket, subject: str, body: str, fields: dict[str, object]) -> None:
    model = classifier.stored_model()
    if model is None:
        log.info("no routing model stored yet: ticket %s stays in %s", ticket.number, ticket.queue.slug)
        return
    probs = model.probabilities([mail_text(subject, body)])[0]
    best = int(np.argmax(probs))
    topic, confidence = model.topics[best], round(float(probs[best]), 4)
    fields["topic"], fields["confidence"] = ticket.topic, ticket.confidence = topic, confidence
    threshold = classifier.threshold_for(topic)
    ranked = ranked_queues(model, probs)
    if ranked and ranked[0][0] == topic and confidence >= threshold:
        _event(ticket, "routing", "", f"classifier: {topic} {confidence:.2f} ≥ {threshold:.2f}")
        _move(ticket, Queue.objects.get(slug=topic), fields)
        return
    if not ranked:  # no queue for any topic: nothing an agent could pick from
        return
    suggestions = [{"topic": t, "confidence": c} for t, c in ranked[:SUGGESTIONS]]
    fields["suggestions"] = ticket.suggestions = suggestions
    fields["triage"] = ticket.triage = True
    shown = ", ".join(f"{s['topic']} {s['confidence']:.2f}" for s in suggestions)
    _event(ticket, "routing", "", f"triage: {shown}")


def _classify_safely(ticket: Ticket, subject: str, body: str, fields: dict[str, object]) -> None:
    """The classifier is an aid: if it breaks (a model from a broken install, a numerical error) the
    ticket stays in the default queue for a person, and the mail is not failed and retried for it."""
    attempt: dict[str, object] = {}
    before = (ticket.queue, ticket.topic, ticket.confidence, ticket.suggestions, ticket.triage)
    try:
        with transaction.atomic():
            _by_classifier(ticket, subject, body, attempt)
    except Exception:
        log.exception("routing classifier failed on ticket %s: left in %s", ticket.number, before[0].slug)
        ticket.queue, ticket.topic, ticket.confidence, ticket.suggestions, ticket.triage = before
        return
    fields.update(attempt)


def ticket_route(new: NewTicket) -> None:
    """Sets the ticket's queue, priority, tags and customer segment, or puts it in triage."""
    ticket = new.ticket
    fields: dict[str, object] = {}
    outcome, _verdicts = rules_evaluate(enabled_rules(), facts_of_new(new))
    if outcome.fired:
        _apply_rules(ticket, outcome, fields)
    if outcome.queue is None:
        topic = new.form.get("topic", "").strip().lower()
        routed = bool(topic) and _by_form(ticket, topic, fields)
        if not routed and new.kind is Kind.HUMAN and (ticket.queue.is_default or classify_all()):
            _classify_safely(ticket, new.mail.subject, new.article.new_text or new.article.text, fields)
    if fields:
        Ticket.objects.filter(pk=ticket.pk).update(**fields)
