"""`dapjang agent away` and `agent back` (MISSION A8): an absence from a script, its tickets moved and returned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from dapjang.agents.models import Agent
from dapjang.agents.services import AgentError, agent_away, agent_back
from dapjang.routing.rebalance import assign_sweep
from dapjang.tickets.models import Queue, Ticket
from tests.routing.test_assign import holding, member


def agent(email: str) -> Agent:
    return Agent.objects.select_related("user").get(user__email=email)


def owners(tickets: list[Ticket]) -> list[str | None]:
    rows = Ticket.objects.filter(pk__in=[t.pk for t in tickets]).select_related("assignee").order_by("pk")
    return [t.assignee.email if t.assignee else None for t in rows]


def run(*args: str) -> str:
    out = StringIO()
    call_command("agent", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def team(desk: dict[str, Any]) -> Queue:
    q: Queue = desk["shipping"]
    Queue.objects.filter(pk=q.pk).update(stall_minutes=0)  # absences only in these tests
    member("traveller@shop.example", q)
    member("colleague@shop.example", q)
    return q


def test_away_from_now_moves_the_open_tickets_at_once(team: Queue) -> None:
    theirs = holding(agent("traveller@shop.example"), team, 2)
    until = (timezone.localtime() + timedelta(days=3)).replace(tzinfo=None).isoformat(timespec="minutes")
    out = run("away", "traveller@shop.example", "--until", until, "--reclaim")
    assert "2 ticket(s) moved now" in out
    traveller = agent("traveller@shop.example")
    assert traveller.reclaim_on_return is True
    assert traveller.away_until is not None
    # An ISO time without an offset is the desk's local time (Asia/Seoul by default).
    assert timezone.localtime(traveller.away_until).isoformat(timespec="minutes").startswith(until)
    assert owners(theirs) == ["colleague@shop.example"] * 2


def test_back_ends_the_absence_and_takes_the_tickets_back(team: Queue) -> None:
    theirs = holding(agent("traveller@shop.example"), team, 2)
    run("away", "traveller@shop.example", "--until", "2099-01-01T00:00+09:00", "--reclaim")
    out = run("back", "traveller@shop.example")
    assert "2 ticket(s) returned" in out
    assert owners(theirs) == ["traveller@shop.example"] * 2
    traveller = agent("traveller@shop.example")
    assert traveller.away_from is None and traveller.away_until is None


def test_a_trip_next_week_changes_nothing_until_the_scheduled_pass_sees_it_start(team: Queue) -> None:
    theirs = holding(agent("traveller@shop.example"), team, 1)
    start = datetime.now(UTC) + timedelta(days=7)
    out = run(
        "away",
        "traveller@shop.example",
        "--from",
        start.isoformat(),
        "--until",
        (start + timedelta(days=2)).isoformat(),
    )
    assert "0 ticket(s) moved now" in out
    assert owners(theirs) == ["traveller@shop.example"]
    assign_sweep(now=start + timedelta(minutes=1))
    assert owners(theirs) == ["colleague@shop.example"]


def test_extending_an_absence_keeps_the_tickets_it_moved_coming_back(team: Queue) -> None:
    traveller = agent("traveller@shop.example")
    theirs = holding(traveller, team, 1)
    now = datetime.now(UTC)
    agent_away(traveller, until=now + timedelta(days=1), reclaim=True, now=now)
    agent_away(traveller, until=now + timedelta(days=5), now=now + timedelta(hours=2))
    assert agent_back(traveller, now=now + timedelta(days=5)) == 1
    assert owners(theirs) == ["traveller@shop.example"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["away", "nobody@shop.example", "--until", "2099-01-01"], "no agent nobody@shop.example"),
        (["away", "traveller@shop.example", "--until", "next tuesday"], "not an ISO 8601 time"),
        (
            ["away", "traveller@shop.example", "--from", "2099-01-05", "--until", "2099-01-01"],
            "ends before it starts",
        ),
        (["away", "traveller@shop.example", "--until", "2001-01-01"], "already over"),
        (["back", "nobody@shop.example"], "no agent nobody@shop.example"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_changes_nothing(
    team: Queue, args: list[str], message: str
) -> None:
    with pytest.raises(CommandError, match=message):
        run(*args)
    traveller = agent("traveller@shop.example")
    assert traveller.away_from is None and traveller.away_until is None


def test_back_when_not_away_is_harmless(team: Queue) -> None:
    assert "0 ticket(s) returned" in run("back", "traveller@shop.example")


def test_the_service_refuses_naive_times(team: Queue) -> None:
    with pytest.raises(AgentError, match="time zone"):
        agent_away(agent("traveller@shop.example"), until=datetime(2099, 1, 1))


def test_an_admin_sets_an_absence_on_the_agent_page(team: Queue) -> None:
    from django.contrib.auth.models import User
    from django.test import Client

    client = Client()
    client.force_login(User.objects.create_superuser("root", "", "pw-for-tests"))
    traveller = agent("traveller@shop.example")
    page = client.get(f"/admin/agents/agent/{traveller.pk}/change/")
    assert page.status_code == 200 and "away_until" in page.content.decode()
    response = client.post(
        f"/admin/agents/agent/{traveller.pk}/change/",
        {
            "name": traveller.name,
            "role": traveller.role,
            "signature": "",
            "languages": '["ko"]',
            "capacity": "30",
            "away_from_0": "2026-12-01",
            "away_from_1": "09:00:00",
            "away_until_0": "2026-12-05",
            "away_until_1": "18:00:00",
            "reclaim_on_return": "on",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    traveller.refresh_from_db()
    assert traveller.reclaim_on_return is True
    assert timezone.localtime(traveller.away_until).isoformat() == "2026-12-05T18:00:00+09:00"
