"""Queues and their addresses: routing by recipient (MISSION A7) and desk set-up from scripts."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction

from dapjang.tickets import defaults
from dapjang.tickets.models import MailTemplate, Queue, QueueAddress


class QueueError(ValueError):
    """A queue cannot be set up as asked; the message says why, for the person at the terminal."""


@dataclass
class AddressBook:
    """Every address we answer for, loaded once per batch so routing costs no query per mail."""

    by_address: dict[str, int] = field(default_factory=dict)
    default_queue_id: int | None = None
    support: frozenset[str] = frozenset()

    @classmethod
    def load(cls) -> AddressBook:
        book = cls(by_address=dict(QueueAddress.objects.values_list("email", "queue_id")))
        book.default_queue_id = Queue.objects.filter(is_default=True).values_list("id", flat=True).first()
        book.support = frozenset(settings.DAPJANG_SUPPORT_ADDRESSES)
        return book

    def is_ours(self, email: str) -> bool:
        key = email.lower()
        return key in self.by_address or key in self.support

    def queue_for(self, recipients: list[str]) -> int:
        """The queue of the first recipient that is one of ours; otherwise the default queue."""
        for addr in recipients:
            queue_id = self.by_address.get(addr.lower())
            if queue_id is not None:
                return queue_id
        if self.default_queue_id is None:
            self.default_queue_id = queue_default().id
        return self.default_queue_id


def queue_default() -> Queue:
    """The default queue, made on first need so a brand-new desk never drops mail for want of one."""
    queue = Queue.objects.filter(is_default=True).first()
    if queue is not None:
        return queue
    # It owns support@<mail domain>, so a brand-new desk accepts mail over SMTP at once.
    address = f"support@{settings.DAPJANG_MAIL_DOMAIN}"
    addresses = [] if QueueAddress.objects.filter(email=address).exists() else [address]
    slug = "general" if not Queue.objects.filter(slug="general").exists() else "general-default"
    return queue_create(slug=slug, name="일반 문의", addresses=addresses, is_default=True)


@transaction.atomic
def queue_create(
    *, slug: str, name: str, addresses: list[str], is_default: bool = False, sender_name: str = ""
) -> Queue:
    """A queue with its addresses and its own copy of the default templates, ready to edit."""
    if Queue.objects.filter(slug=slug).exists():
        raise QueueError(f"a queue with the slug '{slug}' already exists / 이미 있는 큐입니다")
    clean = [a.strip().lower() for a in addresses]
    for addr in clean:
        if "@" not in addr or addr.startswith("@") or addr.endswith("@"):
            raise QueueError(f"'{addr}' is not an e-mail address / 올바른 메일 주소가 아닙니다")
    taken = list(QueueAddress.objects.filter(email__in=clean).values_list("email", flat=True))
    if taken:
        raise QueueError(f"already used by another queue / 다른 큐가 쓰는 주소: {', '.join(taken)}")
    if is_default:
        Queue.objects.filter(is_default=True).update(is_default=False)
    queue = Queue.objects.create(slug=slug, name=name, is_default=is_default, sender_name=sender_name)
    for addr in clean:
        QueueAddress.objects.create(queue=queue, email=addr)
    for language, (subject, body) in defaults.ACK.items():
        MailTemplate.objects.create(
            queue=queue, kind=MailTemplate.Kind.ACK, language=language, subject=subject, body=body
        )
    return queue


def queue_from_address(queue: Queue) -> str:
    """The address a queue's mail is sent from: its first address, else the first support address."""
    first = queue.addresses.values_list("email", flat=True).first()
    if first:
        return first
    if settings.DAPJANG_SUPPORT_ADDRESSES:
        return str(settings.DAPJANG_SUPPORT_ADDRESSES[0])
    return f"support@{settings.DAPJANG_MAIL_DOMAIN}"
