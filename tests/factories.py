"""factory_boy factories for the desk's rows."""

from __future__ import annotations

import factory

from dapjang.agents.models import Agent
from dapjang.agents.services import agent_add
from dapjang.customers.models import Customer
from dapjang.tickets.models import Queue, Ticket
from dapjang.tickets.queues import queue_create


class QueueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Queue

    slug = factory.Sequence(lambda n: f"queue{n}")
    name = factory.Sequence(lambda n: f"큐 {n}")

    @classmethod
    def _create(cls, model_class: type[Queue], *args: object, **kwargs: object) -> Queue:
        addresses = kwargs.pop("addresses", [])
        return queue_create(addresses=addresses, **kwargs)  # type: ignore[arg-type]


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    name = "홍길동"


class TicketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ticket

    number = factory.Sequence(lambda n: f"2026-{n + 900000:06d}")
    subject = "문의"
    queue = factory.SubFactory(QueueFactory)
    customer = factory.SubFactory(CustomerFactory)


def agent_make(email: str, *queues: Queue, role: str = "agent", name: str = "") -> Agent:
    """An agent working these queues (through the same service as `dapjang agent add`)."""
    return agent_add(
        email=email,
        name=name or email.split("@")[0],
        queues=[q.slug for q in queues],
        role=role,
        password="pw-12345678",
    )
