"""Assignment (MISSION A9): a new ticket goes to the available queue member with the smallest unanswered load."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from dapjang.agents.models import Agent
from dapjang.routing.assign import ticket_assign_new, ticket_assign_reopened
from dapjang.tickets.models import Article, Queue, Ticket, TicketEvent
from tests.builders import build_mail
from tests.factories import TicketFactory, agent_make

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def member(
    email: str,
    *queues: Queue,
    capacity: int = 30,
    languages: tuple[str, ...] = ("ko",),
    lead: bool = False,
    last_assigned_at: datetime | None = None,
) -> Agent:
    """An agent of these queues with the given capacity, languages and round-robin position."""
    agent = agent_make(email, *queues, role="lead" if lead else "agent")
    Agent.objects.filter(pk=agent.pk).update(
        capacity=capacity, languages=list(languages), last_assigned_at=last_assigned_at
    )
    agent.refresh_from_db()
    return agent


def holding(agent: Agent, queue: Queue, count: int, status: str = Ticket.Status.OPEN) -> list[Ticket]:
    """`count` tickets of the queue already assigned to the agent, in the given status."""
    return [
        TicketFactory(queue=queue, assignee=agent.user, status=status, assigned_at=NOW - timedelta(minutes=5))
        for _ in range(count)
    ]


def new_ticket(queue: Queue, **fields: Any) -> Ticket:
    ticket: Ticket = TicketFactory(queue=queue, **fields)
    return ticket


def assignee_of(ticket: Ticket) -> str | None:
    ticket.refresh_from_db()
    return ticket.assignee.email if ticket.assignee else None


def test_a_new_ticket_goes_to_the_member_with_the_smallest_unanswered_load(desk: dict[str, Any]) -> None:
    q = desk["shipping"]
    busy, lighter = member("busy@shop.example", q), member("lighter@shop.example", q)
    holding(busy, q, 2)
    holding(lighter, q, 1)
    # Waiting, solved and closed tickets ask nothing of an agent: they are not load.
    for status in (Ticket.Status.WAITING, Ticket.Status.SOLVED, Ticket.Status.CLOSED):
        holding(lighter, q, 2, status=status)
    ticket = new_ticket(q)
    assert ticket_assign_new(ticket, now=NOW) is True
    assert assignee_of(ticket) == "lighter@shop.example"


def test_load_counts_every_queue_the_agent_works(desk: dict[str, Any]) -> None:
    shipping, general = desk["shipping"], desk["general"]
    both = member("both@shop.example", shipping, general)
    only = member("only@shop.example", shipping)
    holding(both, general, 3)
    holding(only, shipping, 1)
    ticket = new_ticket(shipping)
    ticket_assign_new(ticket, now=NOW)
    assert assignee_of(ticket) == "only@shop.example"


def test_an_agent_at_capacity_gets_nothing_more(desk: dict[str, Any]) -> None:
    q = desk["shipping"]
    full = member("full@shop.example", q, capacity=1)
    roomy = member("roomy@shop.example", q, capacity=10)
    holding(full, q, 1)
    holding(roomy, q, 4)
    ticket = new_ticket(q)
    ticket_assign_new(ticket, now=NOW)
    assert assignee_of(ticket) == "roomy@shop.example"


def test_when_everyone_is_full_the_ticket_stays_in_the_queue_unassigned(desk: dict[str, Any]) -> None:
    q = desk["shipping"]
    full = member("full@shop.example", q, capacity=2)
    holding(full, q, 2)
    ticket = new_ticket(q)
    assert ticket_assign_new(ticket, now=NOW) is False
    assert assignee_of(ticket) is None
    assert not TicketEvent.objects.filter(ticket=ticket).exists()


def test_the_ticket_language_must_be_one_the_agent_lists(desk: dict[str, Any]) -> None:
    q = desk["shipping"]
    member("korean@shop.example", q, languages=("ko",))
    both = member("both@shop.example", q, languages=("ko", "en"))
    holding(both, q, 3)
    english = new_ticket(q, language="en")
    ticket_assign_new(english, now=NOW)
    assert assignee_of(english) == "both@shop.example"


def test_an_agent_who_lists_no_language_takes_any(desk: dict[str, Any]) -> None:
    q = desk["shipping"]
    member("korean@shop.example", q, languages=("ko",))
    member("anything@shop.example", q, languages=())
    japanese = new_ticket(q, language="ja")
    ticket_assign_new(japanese, now=NOW)
    assert assignee_of(japanese) == "anything@shop.example"


def notes_of(ticket: Ticket) -> list[str]:
    return list(
        Article.objects.filter(ticket=ticket, direction=Article.Direction.NOTE, kind="system").values_list(
            "text", flat=True
        )
    )


def test_a_language_nobody_in_the_queue_lists_goes_to_an_available_member_with_a_note(
    desk: dict[str, Any],
) -> None:
    q = desk["shipping"]
    busy = member("busy@shop.example", q, languages=("ko",))
    member("lighter@shop.example", q, languages=("ko",), capacity=2)
    holding(busy, q, 1)
    english = new_ticket(q, language="en")
    assert ticket_assign_new(english, now=NOW) is True
    assert assignee_of(english) == "lighter@shop.example"  # the least loaded, as always
    (note,) = notes_of(english)
    assert note == "배송 큐에는 사용 언어가 영어인 사람이 없어 lighter 님에게 배정했습니다."
    ticket_assign_new(new_ticket(q, language="en"), now=NOW)  # lighter 1, busy 1: round-robin to busy
    third = new_ticket(q, language="en")
    ticket_assign_new(third, now=NOW)
    assert assignee_of(third) == "lighter@shop.example"
    full = new_ticket(q, language="en")  # lighter at capacity 2; busy takes it
    ticket_assign_new(full, now=NOW)
    assert assignee_of(full) == "busy@shop.example"


def test_a_member_who_lists_the_language_is_preferred_even_with_more_load(desk: dict[str, Any]) -> None:
    q = desk["shipping"]
    member("korean@shop.example", q, languages=("ko",))
    english_speaker = member("english@shop.example", q, languages=("en",))
    holding(english_speaker, q, 5)
    english = new_ticket(q, language="en")
    ticket_assign_new(english, now=NOW)
    assert assignee_of(english) == "english@shop.example"
    assert notes_of(english) == []


def test_when_those_who_list_the_language_are_away_or_full_the_note_says_so(desk: dict[str, Any]) -> None:
    q = desk["shipping"]
    away = member("away@shop.example", q, languages=("en",))
    full = member("full@shop.example", q, languages=("ko", "en"), capacity=1)
    member("korean@shop.example", q, languages=("ko",))
    holding(full, q, 1)
    Agent.objects.filter(pk=away.pk).update(away_from=NOW - timedelta(hours=1), away_until=None)
    english = new_ticket(q, language="en")
    assert ticket_assign_new(english, now=NOW) is True
    assert assignee_of(english) == "korean@shop.example"
    assert notes_of(english) == [
        "배송 큐에서 사용 언어가 영어인 사람은 지금 모두 부재 중이거나 담당 한도가 차서 korean 님에게 배정했습니다."
    ]


def test_the_fallback_keeps_to_capacity(desk: dict[str, Any]) -> None:
    q = desk["shipping"]
    full = member("full@shop.example", q, languages=("ko",), capacity=2)
    holding(full, q, 2)
    english = new_ticket(q, language="en")
    assert ticket_assign_new(english, now=NOW) is False
    assert assignee_of(english) is None
    assert notes_of(english) == []


def test_ties_go_round_robin_to_whoever_was_assigned_longest_ago(desk: dict[str, Any]) -> None:
    q = desk["shipping"]
    member("recent@shop.example", q, last_assigned_at=NOW - timedelta(minutes=1))
    member("earlier@shop.example", q, last_assigned_at=NOW - timedelta(hours=1))
    member("never@shop.example", q, last_assigned_at=None)
    order = []
    for minute in range(6):
        ticket = new_ticket(q)
        ticket_assign_new(ticket, now=NOW + timedelta(minutes=minute))
        order.append(assignee_of(ticket))
        Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.SOLVED)  # load stays equal
    assert order == ["never@shop.example", "earlier@shop.example", "recent@shop.example"] * 2


def test_an_agent_away_gets_no_new_tickets_until_the_absence_ends(desk: dict[str, Any]) -> None:
    q = desk["shipping"]
    away = member("away@shop.example", q)
    here = member("here@shop.example", q)
    holding(here, q, 5)
    Agent.objects.filter(pk=away.pk).update(
        away_from=NOW - timedelta(days=1), away_until=NOW + timedelta(days=2)
    )
    during = new_ticket(q)
    ticket_assign_new(during, now=NOW)
    assert assignee_of(during) == "here@shop.example"
    after = new_ticket(q)
    ticket_assign_new(after, now=NOW + timedelta(days=2))  # `away_until` itself is back at work
    assert assignee_of(after) == "away@shop.example"


def test_an_absence_with_no_end_date_lasts_until_the_agent_is_back(desk: dict[str, Any]) -> None:
    q = desk["shipping"]
    away = member("away@shop.example", q)
    member("here@shop.example", q, last_assigned_at=NOW)
    Agent.objects.filter(pk=away.pk).update(away_from=NOW - timedelta(days=30), away_until=None)
    ticket = new_ticket(q)
    ticket_assign_new(ticket, now=NOW + timedelta(days=365))
    assert assignee_of(ticket) == "here@shop.example"


def test_an_absence_that_has_not_started_does_not_matter_yet(desk: dict[str, Any]) -> None:
    q = desk["shipping"]
    later = member("later@shop.example", q)
    Agent.objects.filter(pk=later.pk).update(
        away_from=NOW + timedelta(days=1), away_until=NOW + timedelta(days=3)
    )
    ticket = new_ticket(q)
    ticket_assign_new(ticket, now=NOW)
    assert assignee_of(ticket) == "later@shop.example"


def test_disabled_logins_and_agents_of_other_queues_are_not_candidates(desk: dict[str, Any]) -> None:
    q = desk["shipping"]
    gone = member("gone@shop.example", q)
    gone.user.is_active = False
    gone.user.save()
    member("elsewhere@shop.example", desk["general"])
    here = member("here@shop.example", q)
    holding(here, q, 9)
    ticket = new_ticket(q)
    ticket_assign_new(ticket, now=NOW)
    assert assignee_of(ticket) == "here@shop.example"


def test_assignment_records_who_when_and_an_event_by_the_system(desk: dict[str, Any]) -> None:
    q = desk["shipping"]
    agent = member("minji@shop.example", q)
    ticket = new_ticket(q)
    ticket_assign_new(ticket, now=NOW)
    ticket.refresh_from_db()
    agent.refresh_from_db()
    assert ticket.assigned_at == NOW
    assert agent.last_assigned_at == NOW
    event = TicketEvent.objects.get(ticket=ticket)
    assert (event.actor, event.field, event.old, event.new) == (None, "assignee", "", "minji@shop.example")


def test_only_active_unassigned_tickets_are_assigned(desk: dict[str, Any]) -> None:
    q = desk["shipping"]
    member("minji@shop.example", q)
    other = member("other@shop.example", desk["general"])
    waiting = new_ticket(q, status=Ticket.Status.WAITING)
    taken = new_ticket(q, assignee=other.user)
    assert ticket_assign_new(waiting, now=NOW) is False
    assert ticket_assign_new(taken, now=NOW) is False
    assert assignee_of(waiting) is None
    assert assignee_of(taken) == "other@shop.example"


def test_a_ticket_another_worker_assigned_meanwhile_is_not_assigned_twice(desk: dict[str, Any]) -> None:
    q = desk["shipping"]
    member("minji@shop.example", q)
    first = member("first@shop.example", q)
    ticket = new_ticket(q)
    stale = Ticket.objects.get(pk=ticket.pk)  # read before the other worker wrote
    Ticket.objects.filter(pk=ticket.pk).update(assignee=first.user)
    assert ticket_assign_new(stale, now=NOW) is False
    assert assignee_of(ticket) == "first@shop.example"
    assert not TicketEvent.objects.filter(ticket=ticket).exists()


def test_mail_to_a_queue_address_becomes_a_ticket_assigned_to_a_member(
    desk: dict[str, Any], feed: Any
) -> None:
    q = desk["shipping"]
    Queue.objects.filter(pk=q.pk).update(autoanswer_enabled=False)
    busy = member("busy@shop.example", q)
    member("free@shop.example", q)
    holding(busy, q, 2)
    result = feed(
        build_mail(to="shipping@shop.example", subject="머그컵 손잡이 파손", body="받은 컵이 깨져 있었어요.")
    )
    ticket = Ticket.objects.get(number=result.ticket)
    assert ticket.queue_id == q.pk
    assert ticket.assignee is not None and ticket.assignee.email == "free@shop.example"
    assert ticket.assigned_at is not None


def test_a_customer_reply_to_a_ticket_of_an_agent_away_moves_it_to_someone_here(
    desk: dict[str, Any], feed: Any
) -> None:
    q = desk["shipping"]
    Queue.objects.filter(pk=q.pk).update(autoanswer_enabled=False)
    first = feed(build_mail(to="shipping@shop.example", message_id="<first@customer.example>"))
    ticket = Ticket.objects.get(number=first.ticket)
    owner = member("owner@shop.example", q)
    member("colleague@shop.example", q)
    Ticket.objects.filter(pk=ticket.pk).update(assignee=owner.user, status=Ticket.Status.WAITING)
    Agent.objects.filter(pk=owner.pk).update(
        away_from=datetime.now(UTC) - timedelta(hours=1), away_until=None
    )
    feed(
        build_mail(to="shipping@shop.example", subject="Re: 배송 문의", references="<first@customer.example>")
    )
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    assert ticket.assignee is not None and ticket.assignee.email == "colleague@shop.example"
    note = Article.objects.get(ticket=ticket, direction=Article.Direction.NOTE)
    assert "owner" in note.text


def test_a_customer_reply_to_an_unassigned_ticket_assigns_it(desk: dict[str, Any]) -> None:
    q = desk["shipping"]
    member("minji@shop.example", q)
    ticket = new_ticket(q, status=Ticket.Status.OPEN)
    assert ticket_assign_reopened(ticket, now=NOW) is True
    assert assignee_of(ticket) == "minji@shop.example"


def test_a_customer_reply_keeps_the_owner_who_is_here(desk: dict[str, Any]) -> None:
    q = desk["shipping"]
    owner = member("owner@shop.example", q)
    member("idle@shop.example", q)
    ticket = new_ticket(q, status=Ticket.Status.OPEN, assignee=owner.user)
    assert ticket_assign_reopened(ticket, now=NOW) is False
    assert assignee_of(ticket) == "owner@shop.example"


def test_a_customer_reply_to_a_ticket_of_a_disabled_login_moves_it(desk: dict[str, Any]) -> None:
    q = desk["shipping"]
    owner = member("owner@shop.example", q)
    member("colleague@shop.example", q)
    owner.user.is_active = False
    owner.user.save()
    ticket = new_ticket(q, status=Ticket.Status.OPEN, assignee=owner.user)
    assert ticket_assign_reopened(ticket, now=NOW) is True
    assert assignee_of(ticket) == "colleague@shop.example"
