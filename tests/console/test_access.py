"""No one sees what isn't theirs: every console page and action of a ticket in queue B is a 404 for
an agent of queue A, exactly as for a ticket that does not exist (RELIABILITY 34)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from dapjang.mail.models import Outbox
from dapjang.tickets.models import Article, Attachment, Ticket, TicketEvent
from tests.console.conftest import Desk, client_of


def _urls(ticket: Ticket) -> dict[str, tuple[str, dict[str, Any]]]:
    """Every ticket URL with a request that would succeed for an agent of the ticket's queue."""
    n = ticket.number
    article = ticket.articles.exclude(html="").first()
    attachment = Attachment.objects.filter(article__ticket=ticket).first()
    assert article is not None and attachment is not None
    return {
        "page": ("get", {"path": f"/t/{n}/"}),
        "html": ("get", {"path": f"/t/{n}/m/{article.pk}/"}),
        "attachment": ("get", {"path": f"/t/{n}/a/{attachment.pk}/"}),
        "update": ("post", {"path": f"/t/{n}/update/", "data": {"status": "solved"}}),
        "reply": ("post", {"path": f"/t/{n}/reply/", "data": {"body": "답변", "status_after": "waiting"}}),
        "note": ("post", {"path": f"/t/{n}/note/", "data": {"body": "메모"}}),
        "consult": (
            "post",
            {"path": f"/t/{n}/consult/", "data": {"expert_email": "x@shop.example", "question": "?"}},
        ),
        "snippet": ("post", {"path": f"/t/{n}/snippet/", "data": {"body": "", "snippet": "1"}}),
        "presence": ("post", {"path": f"/t/{n}/presence/"}),
    }


def _call(client: Client, method: str, request: dict[str, Any]) -> int:
    return int(getattr(client, method)(**request).status_code)


def test_an_agent_of_another_queue_gets_404_everywhere_and_changes_nothing(
    people: Desk, shipping_ticket: Ticket
) -> None:
    outsider = client_of(people.junho)  # works general, not shipping
    before = (Article.objects.count(), TicketEvent.objects.count(), Outbox.objects.count())
    for name, (method, request) in _urls(shipping_ticket).items():
        assert _call(outsider, method, request) == 404, name
    shipping_ticket.refresh_from_db()
    assert shipping_ticket.status == Ticket.Status.NEW
    assert (Article.objects.count(), TicketEvent.objects.count(), Outbox.objects.count()) == before


def test_a_missing_ticket_and_a_foreign_one_look_the_same(people: Desk, shipping_ticket: Ticket) -> None:
    outsider = client_of(people.junho)
    foreign = outsider.get(f"/t/{shipping_ticket.number}/")
    missing = outsider.get("/t/2026-999999/")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.content == missing.content


def test_an_article_or_attachment_id_under_my_own_ticket_number_is_still_404(
    people: Desk, shipping_ticket: Ticket, general_ticket: Ticket
) -> None:
    """Iterating ids under a ticket I may see reaches nothing of another ticket."""
    outsider = client_of(people.junho)
    attachment = Attachment.objects.get(article__ticket=shipping_ticket)
    article = shipping_ticket.articles.exclude(html="").get()
    assert outsider.get(f"/t/{general_ticket.number}/").status_code == 200
    assert outsider.get(f"/t/{general_ticket.number}/a/{attachment.pk}/").status_code == 404
    assert outsider.get(f"/t/{general_ticket.number}/m/{article.pk}/").status_code == 404


def test_the_agent_of_the_queue_and_an_admin_may_do_it_all(people: Desk, shipping_ticket: Ticket) -> None:
    for agent in (people.minji, people.boss):
        client = client_of(agent)
        for name, (method, request) in _urls(shipping_ticket).items():
            if name in {"reply", "note", "consult", "update"}:
                continue  # they change the ticket; test_ticket_actions covers them
            assert _call(client, method, request) == 200, (agent.name, name)


def test_the_inbox_and_search_never_show_another_queue(
    people: Desk, shipping_ticket: Ticket, general_ticket: Ticket
) -> None:
    outsider = client_of(people.junho)
    page = outsider.get("/inbox/").content.decode()
    assert general_ticket.number in page and shipping_ticket.number not in page
    found = outsider.get("/inbox/", {"q": "환불", "status": "all"}).content.decode()
    assert general_ticket.number in found and shipping_ticket.number not in found
    by_number = outsider.get("/inbox/", {"q": shipping_ticket.number, "status": "all"}).content.decode()
    assert f"/t/{shipping_ticket.number}/" not in by_number
    assert outsider.get("/inbox/", {"queue": "shipping"}).status_code == 400


def test_the_customer_panel_lists_only_tickets_i_may_see(people: Desk, feed: Any) -> None:
    from tests.builders import build_mail

    first = feed(
        build_mail(subject="배송 지연", to="shipping@shop.example", from_="김민수 <minsu@customer.example>")
    )
    second = feed(
        build_mail(subject="탈퇴 문의", to="help@shop.example", from_="김민수 <minsu@customer.example>")
    )
    page = client_of(people.minji).get(f"/t/{first.ticket}/").content.decode()
    assert second.ticket not in page
    page = client_of(people.boss).get(f"/t/{first.ticket}/").content.decode()
    assert f"/t/{second.ticket}/" in page


@pytest.mark.parametrize("path", ["/inbox/", "/t/2026-000001/", "/t/2026-000001/a/1/", "/t/2026-000001/m/1/"])
def test_anonymous_visitors_are_sent_to_the_login_page(db: None, path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_a_login_without_an_agent_profile_gets_403(db: None, django_user_model: Any) -> None:
    client = Client()
    client.force_login(django_user_model.objects.create_user("stranger", password="pw-12345678"))
    response = client.get("/inbox/")
    assert response.status_code == 403
    assert "dapjang agent add" in response.content.decode()


def test_an_htmx_request_without_a_session_is_told_to_go_to_login(db: None) -> None:
    response = Client().get("/inbox/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith("/login/?next=")
