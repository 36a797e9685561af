"""A customer adds to their ticket from its page: mail through the pipeline, threaded onto the ticket."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from dapjang.mail.models import RawMessage
from dapjang.portal.links import ticket_path
from dapjang.tickets.models import Article, Ticket
from tests.builders import build_mail
from tests.portal.conftest import Shop

pytestmark = pytest.mark.django_db


def _ticket(feed: Any) -> Ticket:
    result = feed(build_mail(to="shipping@shop.example"))
    return Ticket.objects.get(number=result.ticket)


def test_a_follow_up_from_the_page_joins_the_same_ticket_and_reopens_it(shop: Shop, feed: Any) -> None:
    ticket = _ticket(feed)
    Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.SOLVED)
    path = ticket_path(ticket.id, ticket.customer_id)

    response = Client().post(path, {"message": "송장 번호도 알려 주세요.", "website": ""}, follow=True)

    assert response.redirect_chain == [(path, 302)]
    assert "문의에 내용이 추가되었습니다" in response.content.decode()
    assert Ticket.objects.count() == 1
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    added = Article.objects.filter(ticket=ticket, direction="in").last()
    assert added is not None and "송장 번호도 알려 주세요." in added.text
    assert added.from_email == "minsu@customer.example"
    assert RawMessage.objects.filter(channel="form").count() == 1
    assert "송장 번호도 알려 주세요." in response.content.decode()  # shown in the conversation


def test_an_empty_follow_up_is_refused_and_nothing_is_sent(shop: Shop, feed: Any) -> None:
    ticket = _ticket(feed)
    response = Client().post(ticket_path(ticket.id, ticket.customer_id), {"message": "  "})
    assert response.status_code == 400
    assert "필수 항목입니다" in response.content.decode()
    assert not RawMessage.objects.filter(channel="form").exists()


def test_a_follow_up_with_a_bad_token_sends_nothing(shop: Shop, feed: Any) -> None:
    ticket = _ticket(feed)
    path = ticket_path(ticket.id, ticket.customer_id)
    response = Client().post(path.replace(":", "x:", 1), {"message": "hello"})
    assert response.status_code == 403
    assert not RawMessage.objects.filter(channel="form").exists()


def test_follow_ups_are_rate_limited_like_the_form(shop: Shop, feed: Any, settings: Any) -> None:
    settings.DAPJANG_PORTAL_LIMIT_PER_EMAIL = 1
    ticket = _ticket(feed)
    path = ticket_path(ticket.id, ticket.customer_id)
    assert Client().post(path, {"message": "하나"}).status_code == 302
    second = Client().post(path, {"message": "둘"})
    assert second.status_code == 429
    assert "분 후에 다시" in second.content.decode() and ">둘</textarea>" in second.content.decode()
