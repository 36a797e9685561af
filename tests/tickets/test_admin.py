"""The admin shows what the pipeline made: tickets with their conversation, raw mail, the outbox."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.test import Client

from dapjang.mail.models import Outbox, RawMessage
from dapjang.tickets.models import Ticket
from tests.builders import build_mail


def admin_client() -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("admin", "", "pw-for-tests"))
    return client


def test_tickets_raw_mail_and_outbox_are_listed_and_shown(feed: Any) -> None:
    feed(build_mail(subject="배송이 안 와요"))
    feed(b"To: help@shop.example\r\nSubject: nobody\r\n\r\nbody\r\n")  # held: no sender
    client = admin_client()
    ticket = Ticket.objects.get()
    pages = {
        "/admin/tickets/ticket/": "배송이 안 와요",
        f"/admin/tickets/ticket/{ticket.id}/change/": "아직 오지 않았습니다",
        "/admin/mail/rawmessage/?state__exact=held": "no usable sender",
        "/admin/mail/outbox/": "문의가 접수되었습니다",
        "/admin/customers/customer/": "minsu@customer.example",
        "/admin/tickets/queue/": "일반 문의",
    }
    for url, text in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert text in response.content.decode(), url


def test_the_retry_action_processes_held_mail_again(feed: Any) -> None:
    held = feed(b"To: help@shop.example\r\nSubject: nobody\r\n\r\nbody\r\n")
    response = admin_client().post(
        "/admin/mail/rawmessage/", {"action": "retry", "_selected_action": [held.raw_id]}, follow=True
    )
    assert response.status_code == 200
    assert "held" in response.content.decode()
    assert RawMessage.objects.get(id=held.raw_id).state == "held"  # still no sender: held again, not lost
    assert Outbox.objects.count() == 0


def test_the_admin_needs_a_login(db: None) -> None:
    assert Client().get("/admin/tickets/ticket/").status_code == 302
