"""A moving clock and a desk with team leads, for playing days and weeks of the reply promise in seconds.

The clock replaces `django.utils.timezone.now`, so the pipeline, the outbox, the loop caps and the
sweeper all live in the same simulated time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from dapjang.agents.models import Agent
from dapjang.customers.models import Customer
from dapjang.customers.services import customer_for_email
from dapjang.tickets.context import PipelineContext
from dapjang.tickets.models import Queue, Ticket
from dapjang.tickets.pipeline import ingest
from tests.builders import build_mail
from tests.factories import agent_make

SEOUL = ZoneInfo("Asia/Seoul")


def seoul(*args: int) -> datetime:
    return datetime(*args, tzinfo=SEOUL)  # type: ignore[misc]


def known_customer(segment: str, email: str = "minsu@customer.example") -> Customer:
    """A customer the desk already knows, in a segment (MISSION B1)."""
    customer, _ = customer_for_email(email=email, name="김민수")
    Customer.objects.filter(pk=customer.pk).update(segment=segment, segment_set_by="hand")
    return customer


@dataclass
class Clock:
    now: datetime

    def set(self, *args: int) -> datetime:
        self.now = seoul(*args)
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    moving = Clock(seoul(2026, 11, 23, 10, 0))  # a Monday morning
    monkeypatch.setattr(timezone, "now", lambda: moving.now)
    yield moving


@dataclass
class SlaDesk:
    general: Queue
    shipping: Queue
    lead: Agent  # team lead of general
    agent: Agent  # works general


@pytest.fixture
def sla_desk(desk: dict[str, Any]) -> SlaDesk:
    """The shared small desk, with the automatic FAQ answer off so every mail waits for a person."""
    Queue.objects.update(autoanswer_enabled=False)
    return SlaDesk(
        general=desk["general"],
        shipping=desk["shipping"],
        lead=agent_make("lead@shop.example", desk["general"], role=Agent.Role.LEAD, name="정팀장"),
        agent=agent_make("minji@shop.example", desk["general"], name="김민지"),
    )


@pytest.fixture
def mail_in(sla_desk: SlaDesk) -> Any:
    """A customer's mail through the real pipeline, as the SMTP channel hands it over."""

    def _mail_in(**kw: Any) -> Ticket:
        result = ingest(build_mail(**kw), channel="smtp", ctx=PipelineContext())
        return Ticket.objects.get(number=result.ticket)

    return _mail_in
