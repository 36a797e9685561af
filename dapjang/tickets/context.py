"""What the pipeline looks up again and again in a batch (queues, addresses, templates), loaded once."""

from __future__ import annotations

from dataclasses import dataclass, field

from dapjang.customers.models import Customer
from dapjang.tickets import defaults
from dapjang.tickets.models import MailTemplate, Queue
from dapjang.tickets.queues import AddressBook, queue_from_address


@dataclass
class PipelineContext:
    """Caches for one batch or one short-lived process; make a new one after queues change."""

    book: AddressBook = field(default_factory=AddressBook.load)
    _queues: dict[int, Queue] = field(default_factory=dict)
    _from: dict[int, str] = field(default_factory=dict)
    _templates: dict[tuple[int, str, str], tuple[str, str]] = field(default_factory=dict)
    # Address → customer, for the batch: an import of old mail meets the same senders again and again.
    customers: dict[str, Customer] = field(default_factory=dict)

    def queue(self, queue_id: int) -> Queue:
        if queue_id not in self._queues:
            self._queues[queue_id] = Queue.objects.get(id=queue_id)
        return self._queues[queue_id]

    def from_address(self, queue_id: int) -> str:
        if queue_id not in self._from:
            self._from[queue_id] = queue_from_address(self.queue(queue_id))
        return self._from[queue_id]

    def template(self, queue_id: int, kind: str, language: str) -> tuple[str, str]:
        """(subject, body) for the queue, else the desk-wide one, else the built-in default."""
        key = (queue_id, kind, language)
        if key not in self._templates:
            rows = MailTemplate.objects.filter(kind=kind, language=language, queue_id=queue_id)
            row = (
                rows.first() or MailTemplate.objects.filter(kind=kind, language=language, queue=None).first()
            )
            self._templates[key] = (row.subject, row.body) if row else defaults.ACK[language]
        return self._templates[key]
