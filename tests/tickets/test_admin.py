"""The admin shows what the pipeline made: tickets with their conversation, raw mail, the outbox."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from django.contrib.auth.models import User
from django.test import Client

from dapjang.mail.models import Outbox, RawMessage
from dapjang.sla.calendar import add_business_minutes
from dapjang.sla.models import SlaPolicy
from dapjang.tickets.models import Ticket, TicketEvent
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


class _Form(HTMLParser):
    """The fields of the admin's change form as a browser would post them, unchanged."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name", "")
        if tag == "input" and name and a.get("type") not in {"submit", "checkbox"}:
            self.data[name] = a.get("value", "")
        elif tag == "input" and name and "checked" in a:
            self.data[name] = "on"
        elif tag == "select":
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.data[self._textarea] += data.removeprefix("\n")


def test_a_queue_changed_in_the_admin_is_recorded_and_recounts_the_reply_promise(
    feed: Any, desk: dict[str, Any]
) -> None:
    policy = SlaPolicy.objects.create(queue=desk["shipping"], first_response_minutes=60)
    ticket = Ticket.objects.get(number=feed(build_mail(subject="배송이 안 와요")).ticket)
    assert ticket.queue == desk["general"] and ticket.clock_started_at is not None
    client = admin_client()
    url = f"/admin/tickets/ticket/{ticket.id}/change/"
    form = _Form()
    form.feed(client.get(url).content.decode())
    form.data["queue"] = str(desk["shipping"].pk)
    response = client.post(url, form.data)
    assert response.status_code == 302, response.content.decode()[:3000]
    ticket.refresh_from_db()
    assert ticket.queue == desk["shipping"]
    assert ticket.first_response_due_at == add_business_minutes(
        ticket.clock_started_at, 60, policy.calendar()
    )
    assert ticket.due_at == ticket.first_response_due_at
    assert TicketEvent.objects.filter(ticket=ticket, field="queue", old="general", new="shipping").exists()
    assert TicketEvent.objects.filter(ticket=ticket, field="sla").exists()
