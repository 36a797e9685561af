"""Who may see what through the API (RELIABILITY 34, 35): queue membership decides, and 404 hides the rest."""

from __future__ import annotations

from typing import Any

import pytest

from dapjang.agents.models import ApiToken
from dapjang.mail.models import Outbox
from dapjang.tickets.models import Article, Attachment, Ticket, TicketEvent
from tests.api.conftest import Api
from tests.builders import build_mail


def _attachment_url(ticket: Ticket) -> str:
    attachment = Attachment.objects.get(article__ticket=ticket)
    return f"/api/tickets/{ticket.number}/attachments/{attachment.pk}"


def test_an_agent_lists_only_the_tickets_of_their_queues(
    as_shipping: Api, as_general: Api, tickets: dict[str, Ticket]
) -> None:
    assert [t["number"] for t in as_shipping.get("/api/tickets").json()["items"]] == [
        tickets["shipping"].number
    ]
    assert [t["number"] for t in as_general.get("/api/tickets").json()["items"]] == [
        tickets["general"].number
    ]
    # Neither a filter nor a search reaches past the queues.
    other = tickets["general"]
    for params in ({"queue": "general"}, {"q": other.number}, {"customer": "seoyeon@other.example"}):
        body = as_shipping.get("/api/tickets", params).json()
        assert body["count"] == 0 and body["items"] == []


def test_another_queues_ticket_is_not_found_whatever_the_verb(
    as_shipping: Api, tickets: dict[str, Ticket]
) -> None:
    """404, never 403: an agent cannot tell a ticket they may not see from one that does not exist."""
    other = tickets["general"]
    events, articles, outbox = TicketEvent.objects.count(), Article.objects.count(), Outbox.objects.count()
    missing = as_shipping.get("/api/tickets/2099-999999")
    answers = [
        as_shipping.get(f"/api/tickets/{other.number}"),
        as_shipping.patch(f"/api/tickets/{other.number}", {"status": "closed", "priority": "urgent"}),
        as_shipping.post(f"/api/tickets/{other.number}/reply", {"body": "안녕하세요"}),
        as_shipping.post(f"/api/tickets/{other.number}/note", {"body": "메모"}),
        as_shipping.get(f"/api/customers/{other.customer_id}"),
    ]
    for response in [missing, *answers]:
        assert response.status_code == 404, response.content
        assert response.json()["detail"] == missing.json()["detail"]
        assert other.subject not in response.content.decode()
    other.refresh_from_db()
    assert other.status == Ticket.Status.NEW and other.priority == Ticket.Priority.NORMAL
    assert (TicketEvent.objects.count(), Article.objects.count(), Outbox.objects.count()) == (
        events,
        articles,
        outbox,
    )


def test_an_attachment_is_reached_only_through_a_ticket_the_agent_may_see(
    as_shipping: Api, as_general: Api, tickets: dict[str, Ticket]
) -> None:
    url = _attachment_url(tickets["shipping"])
    assert as_shipping.get(url).status_code == 200
    assert as_general.get(url).status_code == 404
    # Its id under a ticket the agent does see is no way round the rule either.
    attachment_id = url.rsplit("/", 1)[1]
    assert (
        as_general.get(f"/api/tickets/{tickets['general'].number}/attachments/{attachment_id}").status_code
        == 404
    )


def test_an_admin_sees_every_queue(as_admin: Api, tickets: dict[str, Ticket]) -> None:
    listed = {t["number"] for t in as_admin.get("/api/tickets").json()["items"]}
    assert listed == {tickets["shipping"].number, tickets["general"].number}
    for ticket in tickets.values():
        assert as_admin.get(f"/api/tickets/{ticket.number}").status_code == 200
        assert as_admin.get(f"/api/customers/{ticket.customer_id}").status_code == 200


def test_a_customer_is_shown_with_only_the_tickets_the_agent_may_see(
    as_shipping: Api, as_admin: Api, feed: Any, tickets: dict[str, Ticket]
) -> None:
    # The shipping customer also wrote to the general queue.
    feed(
        build_mail(subject="비밀번호 변경", to="help@shop.example", message_id="<x2@customer.example>"),
        envelope_from="minsu@customer.example",
    )
    customer_id = tickets["shipping"].customer_id
    mine = as_shipping.get(f"/api/customers/{customer_id}").json()
    assert mine["email"] == "minsu@customer.example" and mine["segment"] == "ordinary"
    assert [t["number"] for t in mine["tickets"]] == [tickets["shipping"].number]
    assert len(as_admin.get(f"/api/customers/{customer_id}").json()["tickets"]) == 2


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer ",
        "Bearer dpj_not-a-real-token",
        "Bearer not-even-our-prefix",
        "Basic bWluamk6cHc=",
        "Token {token}",
    ],
)
def test_no_valid_token_is_401_with_no_hint_why(
    client: Any, tokens: dict[str, str], tickets: dict[str, Ticket], header: str | None
) -> None:
    headers = {"Authorization": header.format(token=tokens["shipping"])} if header else {}
    response = client.get("/api/tickets", headers=headers)
    assert response.status_code == 401
    assert response.json()["detail"] == "a valid API token is required / 올바른 API 토큰이 필요합니다"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_or_a_deactivated_agent_is_401(
    as_shipping: Api, people: dict[str, Any], tickets: dict[str, Ticket]
) -> None:
    assert as_shipping.get("/api/tickets").status_code == 200
    ApiToken.objects.filter(agent=people["shipping"]).update(revoked=True)
    assert as_shipping.get("/api/tickets").status_code == 401
    ApiToken.objects.filter(agent=people["shipping"]).update(revoked=False)
    user = people["shipping"].user
    user.is_active = False
    user.save()
    assert as_shipping.get("/api/tickets").status_code == 401


def test_a_console_session_is_not_a_way_in(
    client: Any, people: dict[str, Any], tickets: dict[str, Ticket]
) -> None:
    """Cookie auth is not accepted at all, so a forged cross-site request has nothing to ride on (35)."""
    client.force_login(people["admin"].user)
    number = tickets["shipping"].number
    assert client.get("/api/tickets").status_code == 401
    response = client.post(f"/api/tickets/{number}/note", '{"body": "x"}', content_type="application/json")
    assert response.status_code == 401
    assert not Article.objects.filter(kind="note").exists()


def test_writes_are_never_done_by_get(as_shipping: Api, tickets: dict[str, Ticket]) -> None:
    number = tickets["shipping"].number
    for path in (f"/api/tickets/{number}/reply", f"/api/tickets/{number}/note"):
        response = as_shipping.get(path, {"body": "x"})
        assert response.status_code == 405 and "correlation_id" in response.json()
    assert as_shipping.delete(f"/api/tickets/{number}").status_code == 405
    assert not Article.objects.filter(kind__in=["reply", "note"]).exists()
    assert Ticket.objects.filter(number=number).exists()


def test_a_token_call_needs_no_csrf_token(tokens: dict[str, str], tickets: dict[str, Ticket]) -> None:
    """The bearer token is the proof of intent; a browser cannot attach it to a forged request."""
    from django.test import Client

    strict = Api(Client(enforce_csrf_checks=True), tokens["shipping"])
    response = strict.post(f"/api/tickets/{tickets['shipping'].number}/note", {"body": "메모"})
    assert response.status_code == 201, response.content
