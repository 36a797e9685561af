"""The assigner's scheduled pass (MISSION A8, A9): absences, returns, stalled tickets, room again."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, policy
from typing import Any

from dapjang.agents.models import Agent
from dapjang.mail.models import Outbox
from dapjang.routing.absence import ABSENCE_EVENT
from dapjang.routing.rebalance import assign_sweep
from dapjang.routing.stalls import STALL_EVENT
from dapjang.tickets.models import Article, Queue, Ticket, TicketEvent
from tests.routing.test_assign import NOW, holding, member, new_ticket


def away(agent: Agent, *, days: int = 3, reclaim: bool = False) -> None:
    """An absence that started an hour before NOW and lasts `days` days."""
    Agent.objects.filter(pk=agent.pk).update(
        away_from=NOW - timedelta(hours=1), away_until=NOW + timedelta(days=days), reclaim_on_return=reclaim
    )


def no_stalls(queue: Queue) -> None:
    """Stall limit off (0), so a test that steps the clock by days watches absences alone."""
    Queue.objects.filter(pk=queue.pk).update(stall_minutes=0)


def owners(tickets: list[Ticket]) -> list[str | None]:
    return [
        t.assignee.email if t.assignee else None
        for t in Ticket.objects.filter(pk__in=[t.pk for t in tickets])
        .select_related("assignee")
        .order_by("pk")
    ]


def notes_of(ticket: Ticket) -> list[str]:
    return list(ticket.articles.filter(direction=Article.Direction.NOTE).values_list("text", flat=True))


def test_when_an_absence_starts_the_agents_open_tickets_move_to_others_with_a_note(
    desk: dict[str, Any],
) -> None:
    q = desk["shipping"]
    traveller = member("traveller@shop.example", q, lead=False)
    a = member("a@shop.example", q)
    member("b@shop.example", q)
    holding(a, q, 1)
    theirs = holding(traveller, q, 4)
    answered = holding(traveller, q, 1, status=Ticket.Status.WAITING)
    away(traveller)
    report = assign_sweep(now=NOW)
    assert report["moved_away"] == 4
    # By load: a holds one already, so b gets the first; then they alternate.
    assert owners(theirs) == ["b@shop.example", "a@shop.example", "b@shop.example", "a@shop.example"]
    assert owners(answered) == ["traveller@shop.example"]  # waiting on the customer: it stays
    for ticket in theirs:
        [note] = notes_of(ticket)
        assert "traveller" in note
        assert "2026-12-04" in note  # the return date, in the desk's time zone
        assert "부재 중" in note  # written in the desk's language (Korean by default)
        moves = TicketEvent.objects.filter(ticket=ticket, field="assignee")
        assert [(e.actor, e.old) for e in moves] == [(None, "traveller@shop.example")]
        assert TicketEvent.objects.filter(
            ticket=ticket, field=ABSENCE_EVENT, old="traveller@shop.example"
        ).exists()


def test_with_nobody_else_available_the_tickets_go_back_to_the_queue_until_someone_has_room(
    desk: dict[str, Any],
) -> None:
    q = desk["shipping"]
    traveller = member("traveller@shop.example", q)
    full = member("full@shop.example", q, capacity=1)
    holding(full, q, 1)
    [ticket] = holding(traveller, q, 1)
    away(traveller)
    assign_sweep(now=NOW)
    assert owners([ticket]) == [None]
    assert "traveller" in notes_of(ticket)[0]
    Ticket.objects.filter(assignee=full.user).update(status=Ticket.Status.SOLVED)
    report = assign_sweep(now=NOW + timedelta(minutes=1))
    assert report["assigned"] == 1
    assert owners([ticket]) == ["full@shop.example"]


def test_on_return_with_reclaim_the_moved_tickets_still_open_come_back(desk: dict[str, Any]) -> None:
    q = desk["shipping"]
    no_stalls(q)
    traveller = member("traveller@shop.example", q)
    member("colleague@shop.example", q)
    still_open, solved_meanwhile = holding(traveller, q, 2)
    away(traveller, days=2, reclaim=True)
    assign_sweep(now=NOW)
    assert owners([still_open, solved_meanwhile]) == ["colleague@shop.example"] * 2
    Ticket.objects.filter(pk=solved_meanwhile.pk).update(status=Ticket.Status.SOLVED)
    new_during_trip = new_ticket(
        q, assignee=Agent.objects.get(name="colleague").user, status=Ticket.Status.OPEN
    )

    assign_sweep(now=NOW + timedelta(days=1))  # still away: nothing comes back yet
    assert owners([still_open]) == ["colleague@shop.example"]

    report = assign_sweep(now=NOW + timedelta(days=2))
    assert report["returned"] == 1
    assert owners([still_open, solved_meanwhile, new_during_trip]) == [
        "traveller@shop.example",
        "colleague@shop.example",
        "colleague@shop.example",
    ]
    traveller.refresh_from_db()
    assert traveller.away_from is None and traveller.away_until is None
    assert any("traveller" in n for n in notes_of(still_open)[1:])


def test_on_return_without_reclaim_the_tickets_stay_with_their_new_owners(desk: dict[str, Any]) -> None:
    q = desk["shipping"]
    no_stalls(q)
    traveller = member("traveller@shop.example", q)
    member("colleague@shop.example", q)
    theirs = holding(traveller, q, 2)
    away(traveller, days=2, reclaim=False)
    assign_sweep(now=NOW)
    report = assign_sweep(now=NOW + timedelta(days=3))
    assert report["returned"] == 0
    assert owners(theirs) == ["colleague@shop.example"] * 2
    traveller.refresh_from_db()
    assert traveller.away_until is None  # the absence is over and will not be processed again


def test_a_second_absence_does_not_bring_back_the_tickets_of_the_first(desk: dict[str, Any]) -> None:
    q = desk["shipping"]
    no_stalls(q)
    traveller = member("traveller@shop.example", q)
    colleague = member("colleague@shop.example", q)
    [ticket] = holding(traveller, q, 1)
    away(traveller, days=1, reclaim=True)
    assign_sweep(now=NOW)
    assign_sweep(now=NOW + timedelta(days=1))
    assert owners([ticket]) == ["traveller@shop.example"]
    Ticket.objects.filter(pk=ticket.pk).update(assignee=colleague.user)  # handed over by hand afterwards
    Agent.objects.filter(pk=traveller.pk).update(
        away_from=NOW + timedelta(days=5), away_until=NOW + timedelta(days=6), reclaim_on_return=True
    )
    assign_sweep(now=NOW + timedelta(days=5, hours=1))
    assign_sweep(now=NOW + timedelta(days=6))
    assert owners([ticket]) == ["colleague@shop.example"]


def test_a_stalled_ticket_moves_to_another_agent_and_the_lead_is_told_once(desk: dict[str, Any]) -> None:
    q = desk["shipping"]
    Queue.objects.filter(pk=q.pk).update(stall_minutes=60)
    member("lead@shop.example", q, lead=True, capacity=0)  # this lead takes no tickets themselves
    slow = member("slow@shop.example", q)
    member("quick@shop.example", q)
    [ticket] = holding(slow, q, 1)
    Ticket.objects.filter(pk=ticket.pk).update(assigned_at=NOW)

    assert assign_sweep(now=NOW + timedelta(minutes=59))["stalled"] == 0
    report = assign_sweep(now=NOW + timedelta(minutes=61))
    assert report["stalled"] == 1
    assert owners([ticket]) == ["quick@shop.example"]
    ticket.refresh_from_db()
    assert ticket.assigned_at == NOW + timedelta(minutes=61)  # the new owner gets the whole limit
    assert TicketEvent.objects.filter(ticket=ticket, field=STALL_EVENT, old="slow@shop.example").count() == 1
    assert "60" in notes_of(ticket)[0]

    [mail] = Outbox.objects.filter(kind="notification")
    assert mail.to_email == "lead@shop.example" and mail.ticket_id == ticket.pk
    parsed = message_from_bytes(bytes(mail.data), policy=policy.default)
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert str(parsed["Subject"]) == f"[#{ticket.number}] 처리가 멈춘 티켓을 quick 님에게 넘겼습니다"
    assert "60분" in parsed.get_content()

    assert assign_sweep(now=NOW + timedelta(minutes=62))["stalled"] == 0
    assert Outbox.objects.filter(kind="notification").count() == 1


def test_an_agent_action_keeps_a_ticket_from_stalling(desk: dict[str, Any]) -> None:
    q = desk["shipping"]
    Queue.objects.filter(pk=q.pk).update(stall_minutes=60)
    worker = member("worker@shop.example", q)
    member("other@shop.example", q)
    [ticket] = holding(worker, q, 1)
    Ticket.objects.filter(pk=ticket.pk).update(
        assigned_at=NOW, last_agent_action_at=NOW + timedelta(minutes=50)
    )
    assert assign_sweep(now=NOW + timedelta(minutes=100))["stalled"] == 0
    assert assign_sweep(now=NOW + timedelta(minutes=111))["stalled"] == 1


def test_a_stalled_ticket_nobody_else_can_take_stays_and_nobody_is_mailed(desk: dict[str, Any]) -> None:
    q = desk["shipping"]
    Queue.objects.filter(pk=q.pk).update(stall_minutes=60)
    member("lead@shop.example", q, lead=True, capacity=0)
    alone = member("alone@shop.example", q)
    [ticket] = holding(alone, q, 1)
    Ticket.objects.filter(pk=ticket.pk).update(assigned_at=NOW)
    assert assign_sweep(now=NOW + timedelta(hours=3))["stalled"] == 0
    assert owners([ticket]) == ["alone@shop.example"]
    assert not Outbox.objects.filter(kind="notification").exists()


def test_a_disabled_login_hands_its_tickets_on(desk: dict[str, Any]) -> None:
    q = desk["shipping"]
    leaver = member("leaver@shop.example", q)
    member("stayer@shop.example", q)
    theirs = holding(leaver, q, 2)
    leaver.user.is_active = False
    leaver.user.save()
    assert assign_sweep(now=NOW)["moved_away"] == 2
    assert owners(theirs) == ["stayer@shop.example"] * 2


def test_the_sweep_run_twice_changes_nothing_the_second_time(desk: dict[str, Any]) -> None:
    q = desk["shipping"]
    Queue.objects.filter(pk=q.pk).update(stall_minutes=60)
    member("lead@shop.example", q, lead=True, capacity=0)
    traveller = member("traveller@shop.example", q)
    slow = member("slow@shop.example", q)
    member("quick@shop.example", q, capacity=10)
    holding(traveller, q, 3)
    stalled = holding(slow, q, 2)
    Ticket.objects.filter(pk__in=[t.pk for t in stalled]).update(assigned_at=NOW - timedelta(hours=2))
    waiting = [new_ticket(q) for _ in range(3)]
    away(traveller)

    first = assign_sweep(now=NOW)
    assert first["moved_away"] == 3 and first["stalled"] == 2
    state = (
        owners([*stalled, *waiting]),
        TicketEvent.objects.count(),
        Article.objects.count(),
        Outbox.objects.count(),
    )
    second = assign_sweep(now=NOW)
    assert second == {"returned": 0, "moved_away": 0, "stalled": 0, "assigned": 0}
    assert state == (
        owners([*stalled, *waiting]),
        TicketEvent.objects.count(),
        Article.objects.count(),
        Outbox.objects.count(),
    )


def test_the_sweep_is_bounded_by_its_batch(desk: dict[str, Any]) -> None:
    q = desk["shipping"]
    minji = member("minji@shop.example", q)
    waiting = [new_ticket(q) for _ in range(5)]
    assert assign_sweep(now=NOW, batch=2)["assigned"] == 2
    minji.refresh_from_db()
    assert minji.last_assigned_at == NOW  # written once at the end of the pass, for round-robin ties
    assert assign_sweep(now=NOW, batch=2)["assigned"] == 2
    assert assign_sweep(now=NOW, batch=2)["assigned"] == 1
    assert owners(waiting) == ["minji@shop.example"] * 5


def test_a_lead_who_works_in_english_is_told_in_english(desk: dict[str, Any]) -> None:
    q = desk["shipping"]
    Queue.objects.filter(pk=q.pk).update(stall_minutes=30)
    member("lead@shop.example", q, lead=True, capacity=0, languages=("en", "ko"))
    slow = member("slow@shop.example", q)
    member("quick@shop.example", q)
    [ticket] = holding(slow, q, 1)
    Ticket.objects.filter(pk=ticket.pk).update(assigned_at=NOW)
    assign_sweep(now=NOW + timedelta(minutes=31))
    [mail] = Outbox.objects.filter(kind="notification")
    parsed = message_from_bytes(bytes(mail.data), policy=policy.default)
    assert str(parsed["Subject"]) == f"[#{ticket.number}] Stalled ticket moved to quick"
    assert "limit: 30 minutes" in parsed.get_content()


def test_room_again_goes_to_the_most_urgent_then_the_oldest_waiting_ticket(desk: dict[str, Any]) -> None:
    q = desk["shipping"]
    minji = member("minji@shop.example", q, capacity=1)
    oldest, urgent_later, newest = (
        new_ticket(q),
        new_ticket(q, priority=Ticket.Priority.URGENT),
        new_ticket(q),
    )
    assert assign_sweep(now=NOW)["assigned"] == 1
    assert owners([oldest, urgent_later, newest]) == [None, "minji@shop.example", None]
    Agent.objects.filter(pk=minji.pk).update(capacity=2)
    assert assign_sweep(now=NOW)["assigned"] == 1
    assert owners([oldest, urgent_later, newest]) == ["minji@shop.example", "minji@shop.example", None]
