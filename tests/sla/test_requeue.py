"""A ticket moved to another queue is due when that queue promises, counted from the same start."""

from __future__ import annotations

from datetime import time
from typing import Any

from dapjang.agents.models import Agent
from dapjang.customers.models import Customer
from dapjang.mail.models import Outbox
from dapjang.sla.models import SlaPolicy
from dapjang.sla.sweeper import sla_sweep
from dapjang.tickets.models import Ticket, TicketEvent
from dapjang.tickets.services import Change, ticket_change, ticket_reply
from tests.factories import TicketFactory, agent_make
from tests.sla.conftest import Clock, SlaDesk, known_customer, seoul


def shipping_promises(desk: SlaDesk, *, first: int = 120, resolution: int = 8 * 60, **more: Any) -> SlaPolicy:
    """Shipping answers faster than the desk default (8 and 24 business hours)."""
    policy: SlaPolicy = SlaPolicy.objects.create(
        queue=desk.shipping, first_response_minutes=first, resolution_minutes=resolution, **more
    )
    return policy


def move(ticket: Ticket, desk: SlaDesk, queue: Any = None) -> Ticket:
    ticket_change(ticket, desk.agent, Change(queue=queue or desk.shipping))
    ticket.refresh_from_db()
    return ticket


def test_an_unanswered_ticket_moved_is_due_by_the_new_queues_policy_from_its_arrival(
    clock: Clock, mail_in: Any, sla_desk: SlaDesk
) -> None:
    shipping_promises(sla_desk)
    ticket = mail_in()  # Monday 10:00 in general: due 18:00, resolved by Wednesday 16:00
    clock.advance(minutes=30)
    ticket = move(ticket, sla_desk)
    assert ticket.first_response_due_at == seoul(2026, 11, 23, 12, 0)  # arrival + 2 h, not the move
    assert ticket.resolution_due_at == seoul(2026, 11, 23, 18, 0)
    assert ticket.due_at == ticket.first_response_due_at
    (event,) = TicketEvent.objects.filter(ticket=ticket, field="sla")
    assert event.actor == sla_desk.agent
    assert "배송" in event.new and "12:00" in event.new and "18:00" in event.new


def test_the_new_queues_business_hours_and_the_korean_holidays_count(
    clock: Clock, mail_in: Any, sla_desk: SlaDesk
) -> None:
    shipping_promises(sla_desk, first=4 * 60)
    clock.set(2028, 9, 29, 17, 30)  # the Friday before 추석 2028 (Mon 2 – Thu 5 October closed)
    ticket = mail_in()
    assert ticket.first_response_due_at == seoul(2028, 10, 6, 16, 30)
    clock.advance(minutes=15)
    ticket = move(ticket, sla_desk)
    # Half an hour on Friday, then 3.5 hours once the holidays are over.
    assert ticket.first_response_due_at == seoul(2028, 10, 6, 12, 30)


def test_a_queue_open_on_saturdays_counts_saturdays(clock: Clock, mail_in: Any, sla_desk: SlaDesk) -> None:
    shipping_promises(
        sla_desk, first=4 * 60, weekdays=[0, 1, 2, 3, 4, 5], opens_at=time(8), closes_at=time(20)
    )
    clock.set(2026, 11, 27, 17, 30)  # Friday
    ticket = move(mail_in(), sla_desk)
    assert ticket.first_response_due_at == seoul(2026, 11, 28, 9, 30)  # 2.5 h on Friday, 1.5 h on Saturday


def test_a_first_response_already_given_stays_as_it_was(
    clock: Clock, mail_in: Any, sla_desk: SlaDesk
) -> None:
    shipping_promises(sla_desk)
    ticket = mail_in()
    clock.advance(hours=1)
    ticket_reply(ticket, sla_desk.agent, "확인 중입니다.", status_after=Ticket.Status.OPEN)
    clock.advance(minutes=30)
    ticket = move(ticket, sla_desk)
    assert ticket.first_response_due_at == seoul(2026, 11, 23, 18, 0)  # the promise it met, on record
    assert ticket.resolution_due_at == seoul(2026, 11, 23, 18, 0)  # arrival + shipping's 8 h
    assert ticket.due_at == ticket.resolution_due_at


def test_a_vip_keeps_the_faster_targets_in_the_new_queue(
    clock: Clock, mail_in: Any, sla_desk: SlaDesk
) -> None:
    shipping_promises(sla_desk)
    known_customer(Customer.Segment.VIP)
    ticket = mail_in()
    assert ticket.first_response_due_at == seoul(2026, 11, 23, 14, 0)  # the default's 8 h halved
    ticket = move(ticket, sla_desk)
    assert ticket.first_response_due_at == seoul(2026, 11, 23, 11, 0)  # shipping's 2 h halved
    assert ticket.resolution_due_at == seoul(2026, 11, 23, 14, 0)
    assert ticket.priority == Ticket.Priority.HIGH


def test_a_ticket_reopened_late_counts_from_the_reopening_not_from_its_arrival(
    clock: Clock, mail_in: Any, sla_desk: SlaDesk
) -> None:
    shipping_promises(sla_desk)
    ticket = mail_in(message_id="<late@customer.example>")
    ticket_reply(ticket, sla_desk.agent, "해결되었습니다.", status_after=Ticket.Status.SOLVED)
    clock.set(2026, 12, 1, 11, 0)  # a week later, a Tuesday: the customer writes back
    mail_in(in_reply_to="<late@customer.example>", subject="Re: 배송 문의", body="아직 안 왔어요.")
    ticket.refresh_from_db()
    assert ticket.clock_restarted_at == clock.now
    assert ticket.resolution_due_at == seoul(2026, 12, 2, 10, 0)  # one default first-response window
    clock.advance(minutes=30)
    ticket = move(ticket, sla_desk)
    assert ticket.resolution_due_at == seoul(2026, 12, 1, 13, 0)  # one shipping window from the reopening
    assert ticket.due_at == ticket.resolution_due_at


def test_a_solved_ticket_and_one_without_a_promise_are_left_alone(
    clock: Clock, mail_in: Any, sla_desk: SlaDesk
) -> None:
    shipping_promises(sla_desk)
    solved = mail_in()
    ticket_change(solved, sla_desk.agent, Change(status=Ticket.Status.SOLVED))
    solved.refresh_from_db()
    before = (solved.first_response_due_at, solved.resolution_due_at, solved.due_at)
    solved = move(solved, sla_desk)
    assert (solved.first_response_due_at, solved.resolution_due_at, solved.due_at) == before
    bulk = move(TicketFactory(queue=sla_desk.general, kind="bulk"), sla_desk)
    assert bulk.due_at is None and bulk.first_response_due_at is None
    assert not TicketEvent.objects.filter(field="sla").exists()


def test_moving_back_to_a_queue_without_its_own_policy_uses_the_desk_default(
    clock: Clock, mail_in: Any, sla_desk: SlaDesk
) -> None:
    shipping_promises(sla_desk)
    ticket = move(mail_in(), sla_desk)
    ticket = move(ticket, sla_desk, sla_desk.general)
    assert ticket.first_response_due_at == seoul(2026, 11, 23, 18, 0)
    assert ticket.resolution_due_at == seoul(2026, 11, 25, 16, 0)
    assert TicketEvent.objects.filter(ticket=ticket, field="sla").count() == 2


def test_a_ticket_moved_after_its_escalation_is_escalated_again_at_the_new_breach(
    clock: Clock, mail_in: Any, sla_desk: SlaDesk
) -> None:
    """Overdue in general, escalated; moved to a queue that promises more time, it breaches again later."""
    shipping_promises(sla_desk, first=16 * 60, resolution=40 * 60)
    shipping_lead = agent_make(
        "shiplead@shop.example", sla_desk.shipping, role=Agent.Role.LEAD, name="배팀장"
    )
    ticket = mail_in()  # due Monday 18:00
    assert sla_sweep(now=clock.set(2026, 11, 23, 18, 30))["escalated"] == [ticket.number]
    ticket = move(ticket, sla_desk)
    assert ticket.due_at == seoul(2026, 11, 24, 17, 0)  # two business days from Monday 10:00
    assert sla_sweep(now=clock.set(2026, 11, 24, 16, 30))["escalated"] == []
    assert sla_sweep(now=clock.set(2026, 11, 24, 17, 30))["escalated"] == [ticket.number]
    assert sla_sweep(now=clock.set(2026, 11, 24, 18, 0))["escalated"] == []
    notices = list(Outbox.objects.filter(kind="notification").order_by("id"))
    assert [(n.to_email, n.idempotency_key) for n in notices] == [
        ("lead@shop.example", f"escalate:{ticket.id}:first:20261123T090000Z:{sla_desk.lead.id}"),
        ("shiplead@shop.example", f"escalate:{ticket.id}:first:20261124T080000Z:{shipping_lead.id}"),
    ]
