"""The sweep: one holding reply before a first answer would be late, one escalation at the breach."""

from __future__ import annotations

import email
import email.policy
from datetime import datetime
from typing import Any

from dapjang.agents.models import Agent, Membership
from dapjang.customers.models import Customer
from dapjang.mail.models import Outbox
from dapjang.sla.models import SlaPolicy
from dapjang.sla.sweeper import sla_sweep
from dapjang.tickets.models import Article, Ticket, TicketEvent
from dapjang.tickets.services import ticket_reply
from tests.factories import agent_make
from tests.sla.conftest import Clock, SlaDesk, known_customer, seoul


def body_of(row: Outbox) -> str:
    message = email.message_from_bytes(bytes(row.data), policy=email.policy.default)
    return message.get_body().get_content()  # type: ignore[union-attr]


def play(clock: Clock, until: datetime, *, every_minutes: int = 30) -> list[tuple[datetime, dict[str, Any]]]:
    """Runs the sweeper as the scheduler would, every few minutes of simulated time."""
    runs = []
    while clock.now < until:
        clock.advance(minutes=every_minutes)
        report = sla_sweep()
        if report["holding"] or report["escalated"]:
            runs.append((clock.now, report))
    return runs


def test_a_friday_evening_before_chuseok_played_through_the_holidays(
    clock: Clock, mail_in: Any, sla_desk: SlaDesk
) -> None:
    # 2028: 추석 runs Mon 2 – Wed 4 October with 개천절 on Tue 3, a substitute day Thu 5, 한글날 Mon 9.
    clock.set(2028, 9, 29, 17, 30)
    ticket = mail_in(message_id="<chuseok@customer.example>")
    assert ticket.first_response_due_at == seoul(2028, 10, 6, 16, 30)

    runs = play(clock, seoul(2028, 10, 10, 18, 0))

    assert [(at, r["holding"], r["escalated"]) for at, r in runs] == [
        (seoul(2028, 10, 6, 14, 30), [ticket.number], []),  # two business hours before the target
        (seoul(2028, 10, 6, 17, 0), [], [ticket.number]),  # the first sweep after 16:30
    ]
    (holding,) = Outbox.objects.filter(kind="holding")
    assert holding.idempotency_key == f"holding:{ticket.id}"
    assert holding.to_email == "minsu@customer.example"
    text = body_of(holding)
    assert "추석 연휴로 인해 답변이 예정보다 늦어지고 있어" in text
    # One more business day after the missed target, skipping 한글날 on Monday.
    assert "늦어도 10월 10일(화) 15:30까지 답변드리겠습니다." in text
    assert "김민수님" in text
    assert ticket.number in holding.subject
    message = email.message_from_bytes(bytes(holding.data), policy=email.policy.default)
    assert message["In-Reply-To"] == "<chuseok@customer.example>"
    assert message["Auto-Submitted"] == "auto-replied"
    assert Article.objects.filter(ticket=ticket, kind="holding", direction="out").count() == 1

    (notice,) = Outbox.objects.filter(kind="notification")
    assert notice.to_email == "lead@shop.example"
    # The target and the due time it missed (16:30 KST) name the breach.
    assert notice.idempotency_key == f"escalate:{ticket.id}:first:20281006T073000Z:{sla_desk.lead.id}"
    assert "첫 답변" in notice.subject
    assert "보류 안내 메일: 보냄" in body_of(notice)
    ticket.refresh_from_db()
    assert ticket.holding_sent_at == seoul(2028, 10, 6, 14, 30)
    assert ticket.escalated_at == seoul(2028, 10, 6, 17, 0)
    event = TicketEvent.objects.get(ticket=ticket, field="sla", new__startswith="escalated")
    assert event.actor is None
    assert "lead@shop.example" in event.new

    assert sla_sweep(now=clock.now) == {"holding": [], "escalated": [], "more": False}
    assert Outbox.objects.filter(kind__in=["holding", "notification"]).count() == 2


def test_an_english_customer_is_told_in_english_why_and_until_when(
    clock: Clock, mail_in: Any, sla_desk: SlaDesk
) -> None:
    clock.set(2026, 2, 13, 17, 30)  # the Friday before 설날 2026 (Mon 16 – Wed 18 February)
    mail_in(
        subject="Where is my order?",
        body="Hello, my parcel has not arrived yet. Could you check it please?",
        from_="Jo Kim <jo@customer.example>",
    )
    play(clock, seoul(2026, 2, 19, 15, 0))
    (holding,) = Outbox.objects.filter(kind="holding")
    text = body_of(holding)
    assert "Dear Jo Kim" in text
    assert "Because of the Korean New Year holidays, our answer is taking longer" in text
    assert "by Friday 20 February 15:30 (KST) at the latest" in text


def test_a_plain_busy_week_gives_the_volume_as_the_reason(clock: Clock, mail_in: Any) -> None:
    mail_in()  # Monday 10:00, due 18:00
    clock.set(2026, 11, 23, 16, 0)
    sla_sweep()
    (holding,) = Outbox.objects.filter(kind="holding")
    assert "문의가 많아 답변이 예정보다" in body_of(holding)
    assert "11월 24일(화) 17:00" in body_of(holding)


def test_a_ticket_answered_in_time_gets_neither(clock: Clock, mail_in: Any, sla_desk: SlaDesk) -> None:
    ticket = mail_in()
    clock.advance(hours=3)
    ticket_reply(ticket, sla_desk.agent, "확인했습니다. 내일 도착 예정입니다.")
    play(clock, seoul(2026, 11, 30, 18, 0), every_minutes=60)
    assert not Outbox.objects.filter(kind__in=["holding", "notification"]).exists()


def test_a_missed_resolution_is_escalated_once_too(clock: Clock, mail_in: Any, sla_desk: SlaDesk) -> None:
    ticket = mail_in()
    clock.advance(hours=1)
    ticket_reply(ticket, sla_desk.agent, "확인 중입니다.", status_after=Ticket.Status.OPEN)
    play(clock, seoul(2026, 11, 26, 18, 0), every_minutes=60)
    (notice,) = Outbox.objects.filter(kind="notification")
    assert "해결" in notice.subject
    assert not Outbox.objects.filter(kind="holding").exists()  # it had its first answer


def test_each_missed_target_is_escalated_once_and_a_late_reopening_is_a_new_breach(
    clock: Clock, mail_in: Any, sla_desk: SlaDesk
) -> None:
    ticket = mail_in(message_id="<three@customer.example>")  # Monday 10:00: first 18:00, resolution Wed 16:00
    first = play(clock, seoul(2026, 11, 24, 10, 0))
    assert [(at, r["escalated"]) for at, r in first if r["escalated"]] == [
        (seoul(2026, 11, 23, 18, 30), [ticket.number])
    ]
    ticket_reply(ticket, sla_desk.agent, "확인 중입니다.", status_after=Ticket.Status.OPEN)
    resolution = play(clock, seoul(2026, 11, 27, 10, 0))
    assert [(at, r["escalated"]) for at, r in resolution if r["escalated"]] == [
        (seoul(2026, 11, 25, 16, 30), [ticket.number])
    ]
    ticket.refresh_from_db()
    ticket_reply(ticket, sla_desk.agent, "해결되었습니다.", status_after=Ticket.Status.SOLVED)
    clock.set(2026, 12, 1, 11, 0)  # the customer writes back: due one business day from now
    mail_in(in_reply_to="<three@customer.example>", subject="Re: 배송 문의", body="아직 안 왔어요.")
    again = play(clock, seoul(2026, 12, 3, 10, 0))
    assert [(at, r["escalated"]) for at, r in again if r["escalated"]] == [
        (seoul(2026, 12, 2, 10, 30), [ticket.number])
    ]
    lead = sla_desk.lead.id
    notices = Outbox.objects.filter(kind="notification").order_by("id")
    assert [n.idempotency_key for n in notices] == [
        f"escalate:{ticket.id}:first:20261123T090000Z:{lead}",
        f"escalate:{ticket.id}:resolution:20261125T070000Z:{lead}",
        f"escalate:{ticket.id}:resolution:20261202T010000Z:{lead}",
    ]
    assert ["첫 답변" in n.subject for n in notices] == [True, False, False]
    assert TicketEvent.objects.filter(ticket=ticket, field="sla", new__startswith="escalated").count() == 3
    # The same breach never twice: sweeping on, or from a stale claim, sends nothing more.
    assert sla_sweep(now=clock.now)["escalated"] == []
    Ticket.objects.filter(pk=ticket.pk).update(escalated_at=None)
    sla_sweep(now=clock.now)
    assert Outbox.objects.filter(kind="notification").count() == 3


def test_a_sweep_that_missed_both_targets_names_both_in_its_one_notice(
    clock: Clock, mail_in: Any, sla_desk: SlaDesk
) -> None:
    ticket = mail_in()  # Monday 10:00: first 18:00, resolution Wednesday 16:00
    clock.set(2026, 11, 26, 10, 0)  # the scheduler was down until Thursday morning
    assert sla_sweep()["escalated"] == [ticket.number]
    (notice,) = Outbox.objects.filter(kind="notification")
    assert "첫 답변" in notice.subject
    assert "해결 기한(11월 25일(수) 16:00" in body_of(notice)
    (event,) = TicketEvent.objects.filter(ticket=ticket, field="sla", new__startswith="escalated")
    assert event.new.startswith("escalated (first and resolution targets missed)")
    # Answered now, its resolution target is already past and already told: no second notice.
    ticket_reply(ticket, sla_desk.agent, "확인 중입니다.", status_after=Ticket.Status.OPEN)
    play(clock, seoul(2026, 11, 27, 10, 0))
    assert Outbox.objects.filter(kind="notification").count() == 1


def test_a_notice_for_a_first_response_alone_does_not_speak_of_the_resolution(
    clock: Clock, mail_in: Any, sla_desk: SlaDesk
) -> None:
    mail_in()
    play(clock, seoul(2026, 11, 24, 10, 0))
    (notice,) = Outbox.objects.filter(kind="notification")
    assert "해결 기한" not in body_of(notice)


def test_a_vip_hears_sooner_and_is_escalated_sooner(clock: Clock, mail_in: Any) -> None:
    known_customer(Customer.Segment.VIP)
    ticket = mail_in()  # Monday 10:00: due 14:00 instead of 18:00
    runs = play(clock, seoul(2026, 11, 23, 18, 0))
    assert [(at, r["holding"], r["escalated"]) for at, r in runs] == [
        (seoul(2026, 11, 23, 12, 0), [ticket.number], []),
        (seoul(2026, 11, 23, 14, 30), [], [ticket.number]),
    ]


def test_a_bounced_customer_gets_no_holding_reply_but_the_reason_is_kept(clock: Clock, mail_in: Any) -> None:
    ticket = mail_in()
    Customer.objects.filter(pk=ticket.customer_id).update(undeliverable_until=seoul(2027, 1, 1))
    sla_sweep(now=seoul(2026, 11, 23, 16, 30))
    (row,) = Outbox.objects.filter(kind="holding")
    assert row.state == Outbox.State.SUPPRESSED
    assert "bounced" in row.last_error
    assert not Article.objects.filter(kind="holding").exists()
    sla_sweep(now=seoul(2026, 11, 23, 17, 0))
    assert Outbox.objects.filter(kind="holding").count() == 1


def test_without_a_team_lead_the_desk_admins_are_told(clock: Clock, mail_in: Any, sla_desk: SlaDesk) -> None:
    Membership.objects.update(is_lead=False)
    boss = agent_make("boss@shop.example", role=Agent.Role.ADMIN, name="박대표")
    Agent.objects.filter(pk=boss.pk).update(languages=["en"])
    mail_in()
    sla_sweep(now=seoul(2026, 11, 23, 18, 30))
    (notice,) = Outbox.objects.filter(kind="notification")
    assert notice.to_email == "boss@shop.example"
    assert notice.subject.startswith("[#") and "Reply target missed (first response)" in notice.subject


def test_a_queue_can_turn_holding_replies_and_escalation_off(
    clock: Clock, mail_in: Any, sla_desk: SlaDesk
) -> None:
    SlaPolicy.objects.create(queue=sla_desk.general, holding_enabled=False, escalation_enabled=False)
    mail_in()
    play(clock, seoul(2026, 11, 24, 18, 0), every_minutes=60)
    assert not Outbox.objects.filter(kind__in=["holding", "notification"]).exists()


def test_batches_are_bounded_and_the_next_run_continues(clock: Clock, mail_in: Any) -> None:
    first = mail_in(from_="a@customer.example")
    second = mail_in(from_="b@customer.example")
    now = seoul(2026, 11, 23, 18, 30)
    report = sla_sweep(now=now, batch=1)
    assert report["holding"] == [first.number]
    assert report["escalated"] == [first.number]
    assert report["more"] is True
    report = sla_sweep(now=now, batch=1)
    assert report["holding"] == [second.number]
    assert report["escalated"] == [second.number]


def test_a_sweeper_that_lost_the_claim_sends_nothing(clock: Clock, mail_in: Any) -> None:
    """Another sweeper claimed the ticket a moment ago (its UPDATE won): this one must not send."""
    ticket = mail_in()
    now = seoul(2026, 11, 23, 18, 30)
    Ticket.objects.filter(pk=ticket.pk).update(holding_sent_at=now, escalated_at=now)
    assert sla_sweep(now=now) == {"holding": [], "escalated": [], "more": False}
    assert not Outbox.objects.filter(kind__in=["holding", "notification"]).exists()
