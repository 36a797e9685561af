"""The reply promise on a ticket: targets in business time from arrival, then the next one due."""

from __future__ import annotations

from typing import Any

from dapjang.customers.models import Customer
from dapjang.sla.clock import ticket_clock_start, ticket_clock_update
from dapjang.sla.models import SlaPolicy
from dapjang.tickets.models import Ticket, TicketEvent
from dapjang.tickets.services import Change, ticket_change, ticket_reply
from tests.factories import TicketFactory
from tests.sla.conftest import Clock, SlaDesk, known_customer, seoul


def test_a_new_mail_is_due_within_one_business_day_and_resolved_within_three(
    clock: Clock, mail_in: Any
) -> None:
    clock.set(2026, 11, 23, 10, 0)  # Monday
    ticket = mail_in()
    assert ticket.first_response_due_at == seoul(2026, 11, 23, 18, 0)
    assert ticket.resolution_due_at == seoul(2026, 11, 25, 16, 0)
    assert ticket.due_at == ticket.first_response_due_at
    assert SlaPolicy.objects.get().queue is None  # the desk default was made on first use


def test_a_vip_gets_half_the_time_and_a_higher_priority(clock: Clock, mail_in: Any) -> None:
    known_customer(Customer.Segment.VIP)
    ticket = mail_in()
    assert ticket.first_response_due_at == seoul(2026, 11, 23, 14, 0)
    assert ticket.resolution_due_at == seoul(2026, 11, 24, 13, 0)
    assert ticket.priority == Ticket.Priority.HIGH
    assert TicketEvent.objects.filter(ticket=ticket, field="priority", actor=None, new="3").exists()


def test_an_abusive_customer_gets_no_tighter_targets(clock: Clock, mail_in: Any) -> None:
    known_customer(Customer.Segment.ABUSIVE)
    ticket = mail_in()
    assert ticket.first_response_due_at == seoul(2026, 11, 23, 18, 0)
    assert ticket.priority == Ticket.Priority.NORMAL


def test_bulk_mail_gets_no_promise(clock: Clock, mail_in: Any) -> None:
    ticket = mail_in(headers={"Precedence": "bulk"}, subject="11월 뉴스레터")
    assert ticket.kind == "bulk"
    assert ticket.first_response_due_at is None
    assert ticket.due_at is None


def test_the_queue_policy_and_its_calendar_decide(clock: Clock, sla_desk: SlaDesk) -> None:
    SlaPolicy.objects.create(
        queue=sla_desk.shipping, first_response_minutes=60, opens_at=seoul(1, 1, 1, 8).time()
    )
    ticket = TicketFactory(queue=sla_desk.shipping, kind="human")
    ticket_clock_start(ticket, now=seoul(2026, 11, 24, 7, 0))
    ticket.refresh_from_db()
    assert ticket.first_response_due_at == seoul(2026, 11, 24, 9, 0)


def test_starting_twice_keeps_the_first_targets(clock: Clock, mail_in: Any) -> None:
    ticket = mail_in()
    first = ticket.first_response_due_at
    ticket_clock_start(ticket, now=seoul(2026, 11, 25, 10, 0))
    ticket.refresh_from_db()
    assert ticket.first_response_due_at == first


def test_after_the_first_answer_the_resolution_is_due_and_waiting_stops_the_clock(
    clock: Clock, mail_in: Any, sla_desk: SlaDesk
) -> None:
    ticket = mail_in(message_id="<c1@customer.example>")
    clock.advance(hours=2)
    ticket_reply(ticket, sla_desk.agent, "확인해 보겠습니다.", status_after=Ticket.Status.OPEN)
    ticket.refresh_from_db()
    assert ticket.first_response_at == clock.now
    assert ticket.due_at == ticket.resolution_due_at
    ticket_reply(ticket, sla_desk.agent, "송장 번호를 알려 주시겠어요?")  # status waiting
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.WAITING
    assert ticket.due_at is None
    clock.advance(hours=1)
    mail_in(in_reply_to="<c1@customer.example>", subject="Re: 배송 문의", body="1234-5678 입니다.")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    assert ticket.due_at == ticket.resolution_due_at == seoul(2026, 11, 25, 16, 0)


def test_a_customer_writing_back_after_the_resolution_target_gets_a_fresh_window(
    clock: Clock, mail_in: Any, sla_desk: SlaDesk
) -> None:
    ticket = mail_in(message_id="<c2@customer.example>")
    ticket_reply(ticket, sla_desk.agent, "해결되었습니다.", status_after=Ticket.Status.SOLVED)
    ticket.refresh_from_db()
    assert ticket.due_at is None
    clock.set(2026, 12, 1, 11, 0)  # a week later, a Tuesday
    mail_in(in_reply_to="<c2@customer.example>", subject="Re: 배송 문의", body="아직 안 왔어요.")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    assert ticket.due_at == ticket.resolution_due_at == seoul(2026, 12, 2, 10, 0)


def test_an_automatic_answer_counts_as_the_first_response(clock: Clock, mail_in: Any) -> None:
    ticket = mail_in()
    Ticket.objects.filter(pk=ticket.pk).update(auto_answered_at=clock.now, status=Ticket.Status.OPEN)
    ticket.refresh_from_db()
    ticket_clock_update(ticket, now=clock.now)
    ticket.refresh_from_db()
    assert ticket.due_at == ticket.resolution_due_at


def test_solving_clears_the_due_time(clock: Clock, mail_in: Any, sla_desk: SlaDesk) -> None:
    ticket = mail_in()
    ticket_change(ticket, sla_desk.agent, Change(status=Ticket.Status.SOLVED))
    ticket.refresh_from_db()
    assert ticket.due_at is None
    assert ticket.first_response_due_at is not None  # the promise stays on record for reports


def test_the_clock_never_touches_other_fields(clock: Clock, mail_in: Any) -> None:
    ticket = mail_in()
    Ticket.objects.filter(pk=ticket.pk).update(subject="다른 곳에서 바뀐 제목")
    ticket_clock_update(ticket, now=clock.now)  # the in-memory ticket still has the old subject
    ticket.refresh_from_db()
    assert ticket.subject == "다른 곳에서 바뀐 제목"


def test_a_ticket_that_never_had_a_promise_is_left_alone(clock: Clock, sla_desk: SlaDesk) -> None:
    ticket = TicketFactory(queue=sla_desk.general, kind="bulk")
    ticket_clock_update(ticket, now=clock.now)
    ticket.refresh_from_db()
    assert ticket.due_at is None
