"""An agent moved a ticket to another queue: the classifier learns from the correction (MISSION A7).

Whether the ticket waited in triage or the classifier (or a rule) put it in the wrong queue, the
queue an agent chose is the best label there is. It is stored as a training example at once — the
ticket may be deleted or merged later — and the next scheduled retraining (retrain.py) uses it.
"""

from __future__ import annotations

from django.utils import timezone

from dapjang.agents.models import Agent
from dapjang.routing.data import first_inbound_texts
from dapjang.routing.models import TrainingExample
from dapjang.tickets.models import Queue, Ticket


def queue_corrected(ticket: Ticket, *, old_queue: Queue, agent: Agent) -> TrainingExample | None:
    """Stores the ticket's first mail labelled with its new queue, and takes the ticket out of triage.

    Mail no person wrote (newsletters, auto-replies) teaches nothing about customers' topics and is
    not stored. One example per ticket: moving it again relabels it.
    """
    if ticket.triage:
        Ticket.objects.filter(pk=ticket.pk).update(triage=False)
        ticket.triage = False
    if ticket.kind != "human":
        return None
    subject, body = first_inbound_texts([ticket.pk]).get(ticket.pk, (ticket.subject, ""))
    if not (subject.strip() or body.strip()):
        return None
    example, _created = TrainingExample.objects.update_or_create(
        ticket=ticket,
        source=TrainingExample.Source.CORRECTION,
        defaults={
            "subject": subject[:500],
            "body": body,
            "topic": ticket.queue.slug,
            "language": ticket.language,
            "created_at": timezone.now(),  # a relabel is new to the next retraining
        },
    )
    return example
