"""An agent sets their own absence in the console: from/until, their open tickets move to colleagues
with a note, the header says so, "I'm back" ends it and, if asked, brings the tickets back; bad
input is refused with the reason and keeps what was typed."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.utils import timezone

from dapjang.agents.models import Agent
from dapjang.tickets.models import Ticket
from tests.console.conftest import Desk, client_of, fast_passwords, people  # noqa: F401 - fixtures
from tests.factories import TicketFactory, agent_make


def _local(moment: timezone.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _minji_with_a_ticket(people: Desk) -> tuple[Agent, Ticket]:  # noqa: F811
    colleague = agent_make("sora@shop.example", people.shipping, name="박소라")
    ticket = TicketFactory(queue=people.shipping, assignee=people.minji.user, status=Ticket.Status.OPEN)
    assert colleague.user_id != people.minji.user_id
    return colleague, ticket


def test_a_trip_starting_now_moves_the_open_tickets_and_the_header_says_so(people: Desk) -> None:  # noqa: F811
    colleague, ticket = _minji_with_a_ticket(people)
    client = client_of(people.minji, HTTP_ACCEPT_LANGUAGE="ko")
    page = client.get("/routing/away/").content.decode()
    assert "새 문의를 받을 수 있는 상태입니다." in page and 'href="/routing/away/"' in page
    until = timezone.now() + timedelta(days=3)
    response = client.post("/routing/away/", {"until": _local(until), "reclaim": "on"}, follow=True)
    html = response.content.decode()
    assert "부재를 설정했습니다. 진행 중인 문의 1건을 동료에게 넘겼습니다." in html
    assert "부재 중" in html and "부재 설정됨" in html
    ticket.refresh_from_db()
    assert ticket.assignee_id == colleague.user_id
    assert ticket.articles.filter(direction="note", text__contains="김민지").exists()  # the note saying why
    people.minji.refresh_from_db()
    assert people.minji.reclaim_on_return and people.minji.away_until is not None


def test_im_back_ends_it_and_brings_the_moved_tickets_back(people: Desk) -> None:  # noqa: F811
    _colleague, ticket = _minji_with_a_ticket(people)
    client = client_of(people.minji, HTTP_ACCEPT_LANGUAGE="en")
    client.post("/routing/away/", {"reclaim": "on"})  # no dates: from now until back
    ticket.refresh_from_db()
    assert ticket.assignee_id != people.minji.user_id
    html = client.post("/routing/away/end/", follow=True).content.decode()
    assert "Welcome back. 1 ticket came back to you." in html
    assert "You are available for new tickets." in html
    ticket.refresh_from_db()
    assert ticket.assignee_id == people.minji.user_id


def test_a_later_trip_is_planned_and_moves_nothing_yet(people: Desk) -> None:  # noqa: F811
    _colleague, ticket = _minji_with_a_ticket(people)
    client = client_of(people.minji, HTTP_ACCEPT_LANGUAGE="en")
    start, until = timezone.now() + timedelta(days=1), timezone.now() + timedelta(days=2)
    html = client.post(
        "/routing/away/", {"start": _local(start), "until": _local(until)}, follow=True
    ).content.decode()
    assert "0 open tickets moved" in html and "Absence planned" in html and "Cancel the absence" in html
    assert f'value="{_local(start)}"' in html and f'value="{_local(until)}"' in html  # to change, not retype
    ticket.refresh_from_db()
    assert ticket.assignee_id == people.minji.user_id


def test_an_end_before_the_start_or_in_the_past_is_refused_and_keeps_the_input(people: Desk) -> None:  # noqa: F811
    client = client_of(people.minji, HTTP_ACCEPT_LANGUAGE="ko")
    start, until = timezone.now() + timedelta(days=2), timezone.now() + timedelta(days=1)
    response = client.post("/routing/away/", {"start": _local(start), "until": _local(until)})
    assert response.status_code == 422
    html = response.content.decode()
    assert "부재 종료가 시작보다 빠릅니다" in html and f'value="{_local(until)}"' in html
    past = client.post("/routing/away/", {"until": _local(timezone.now() - timedelta(hours=1))})
    assert past.status_code == 422 and "이미 끝난 부재입니다" in past.content.decode()
    garbage = client.post("/routing/away/", {"until": "next tuesday"})
    assert garbage.status_code == 422 and "errorlist" in garbage.content.decode()
    people.minji.refresh_from_db()
    assert people.minji.away_from is None and people.minji.away_until is None


def test_it_needs_a_login_and_a_csrf_token(people: Desk) -> None:  # noqa: F811
    assert Client().get("/routing/away/").status_code == 302
    strict = client_of(people.minji, enforce_csrf_checks=True)
    assert strict.post("/routing/away/", {}).status_code == 403
    assert strict.post("/routing/away/end/").status_code == 403
