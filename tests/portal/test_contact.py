"""The contact page (MISSION A10; RELIABILITY 7, 10): a form becomes a ticket through the pipeline.

Every refusal is a clear message on the same page, with what the customer typed still in the form.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from dapjang.mail.models import Outbox, RawMessage
from dapjang.portal import forms as portal_forms
from dapjang.portal.models import FormSubmission
from dapjang.tickets.models import Article, Ticket
from tests.portal.conftest import Shop, form_data

pytestmark = pytest.mark.django_db


def test_the_contact_page_lists_the_desks_queues_by_their_customer_facing_names(
    shop: Shop, visitor: Client
) -> None:
    page = visitor.get("/help/").content.decode()
    assert '<option value="shipping">배송</option>' in page
    assert '<option value="complaint">불만/클레임</option>' in page
    assert '<option value="general">일반 문의</option>' in page  # not a seed topic: its own name
    english = visitor.get("/help/contact/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<option value="shipping">Shipping</option>' in english
    assert "Contact us" in english


def test_a_submitted_form_becomes_a_ticket_in_the_chosen_queue_and_shows_its_number(
    shop: Shop, visitor: Client
) -> None:
    response = visitor.post("/help/contact/", form_data(), follow=True)

    ticket = Ticket.objects.get()
    assert ticket.queue == shop.shipping
    assert ticket.channel == "form"
    assert ticket.customer is not None and ticket.customer.email == "minsu@customer.example"
    assert ticket.customer.name == "김민수"
    assert ticket.subject == "배송이 안 와요"
    assert f'<strong id="ticket-number">{ticket.number}</strong>' in response.content.decode()
    raw = RawMessage.objects.get()
    assert raw.channel == "form" and raw.state == "processed"
    first = Article.objects.get(ticket=ticket, direction="in")
    assert "이어폰이 아직 도착하지" in first.text
    assert Outbox.objects.filter(ticket_id=ticket.id, kind="ack").count() == 1


def test_the_form_fields_travel_as_headers_the_pipeline_trusts_only_on_the_form_channel(
    shop: Shop, visitor: Client
) -> None:
    visitor.post("/help/contact/", form_data(topic="complaint", product="무선 이어폰 X2"))

    raw = bytes(RawMessage.objects.get().data)
    assert b"X-Dapjang-Form-Topic: complaint" in raw
    assert b"X-Dapjang-Form-Product:" in raw
    # The complaint queue has no address: the mail goes to the desk's address, the header routes it.
    assert b"To: info@shop.example" in raw


def test_a_missing_field_is_named_and_everything_typed_is_kept(shop: Shop, visitor: Client) -> None:
    response = visitor.post("/help/contact/", form_data(subject="", message="이어폰이 안 와요 <b>급해요</b>"))

    assert response.status_code == 400
    page = response.content.decode()
    assert "필수 항목입니다" in page
    assert "이어폰이 안 와요 &lt;b&gt;급해요&lt;/b&gt;" in page  # kept, and escaped
    assert 'value="minsu@customer.example"' in page
    assert not Ticket.objects.exists() and not RawMessage.objects.exists()


def test_a_malformed_address_gets_an_example_of_a_good_one(shop: Shop, visitor: Client) -> None:
    response = visitor.post("/help/contact/", form_data(email="minsu at customer"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "Enter an e-mail address such as name@example.com." in response.content.decode()


def test_one_of_our_own_addresses_is_refused_as_the_customer(shop: Shop, visitor: Client) -> None:
    """RELIABILITY 7: the form must not make our queue a customer of itself."""
    for ours in ("shipping@shop.example", "INFO@shop.example"):
        response = visitor.post("/help/contact/", form_data(email=ours), HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400
        assert "one of our own support addresses" in response.content.decode()
    assert not Ticket.objects.exists()


def test_an_overlong_message_is_refused_with_the_limit(shop: Shop, visitor: Client) -> None:
    response = visitor.post("/help/contact/", form_data(message="가" * 20_001), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "at most 20000 characters (it has 20001)" in response.content.decode()


def test_line_breaks_in_name_and_subject_cannot_add_mail_headers(shop: Shop, visitor: Client) -> None:
    visitor.post(
        "/help/contact/",
        form_data(name="Eve\r\nBcc: victim@example.org", subject="Hi\r\nX-Evil: 1"),
    )
    raw = bytes(RawMessage.objects.get().data)
    assert b"\nBcc:" not in raw and b"\nX-Evil:" not in raw
    assert Ticket.objects.get().subject == "Hi X-Evil: 1"


def test_an_unknown_topic_is_refused(shop: Shop, visitor: Client) -> None:
    response = visitor.post("/help/contact/", form_data(topic="nope"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "Choose one of the topics in the list." in response.content.decode()


def test_attachments_reach_the_ticket(shop: Shop, visitor: Client) -> None:
    photo = SimpleUploadedFile("상자 사진.png", b"\x89PNG fake", content_type="image/png")
    visitor.post("/help/contact/", {**form_data(), "attachments": [photo]})
    article = Article.objects.get(direction="in")
    assert [(a.filename, a.content_type, a.size) for a in article.attachments.all()] == [
        ("상자 사진.png", "image/png", 9)
    ]


def test_too_many_or_too_big_files_are_refused_with_the_limits(
    shop: Shop, visitor: Client, monkeypatch: Any
) -> None:
    files = [SimpleUploadedFile(f"f{i}.txt", b"x", content_type="text/plain") for i in range(4)]
    response = visitor.post(
        "/help/contact/", {**form_data(), "attachments": files}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "Attach at most 3 files." in response.content.decode()

    monkeypatch.setattr(portal_forms, "MAX_FILE_BYTES", 10)
    big = SimpleUploadedFile("big.pdf", b"x" * 11, content_type="application/pdf")
    response = visitor.post(
        "/help/contact/", {**form_data(), "attachments": [big]}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert (
        "The file “big.pdf” is 11\xa0bytes; each file may be at most 10\xa0bytes."
        in response.content.decode()
    )
    assert not Ticket.objects.exists()


def test_a_bot_that_fills_the_honeypot_makes_no_ticket(shop: Shop, visitor: Client) -> None:
    response = visitor.post("/help/contact/", form_data(website="http://spam.example"))
    assert response.status_code == 400
    assert not Ticket.objects.exists() and not RawMessage.objects.exists()
    assert 'class="hp"' in visitor.get("/help/").content.decode()  # hidden from people by CSS


def test_the_form_needs_its_csrf_token(shop: Shop) -> None:
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/help/contact/", form_data()).status_code == 403
    assert not Ticket.objects.exists()


def test_a_flood_for_one_address_is_stopped_with_429_and_a_wait_time(shop: Shop, settings: Any) -> None:
    """RELIABILITY 10: many submissions naming one victim; each from a different visitor."""
    settings.DAPJANG_PORTAL_LIMIT_PER_EMAIL = 3
    settings.DAPJANG_PORTAL_LIMIT_MINUTES = 60
    statuses = []
    for i in range(8):
        bot = Client(REMOTE_ADDR=f"198.51.100.{i}")
        data = form_data(email="victim@example.org", message=f"Cheap pills http://spam.example/{i}")
        statuses.append(bot.post("/help/contact/", data, HTTP_ACCEPT_LANGUAGE="en").status_code)
    assert statuses == [302, 302, 302, 429, 429, 429, 429, 429]
    assert Ticket.objects.count() == 3
    last = Client(REMOTE_ADDR="198.51.100.99").post(
        "/help/contact/", form_data(email="victim@example.org"), HTTP_ACCEPT_LANGUAGE="en"
    )
    page = last.content.decode()
    assert "Please try again in 60 minutes" in page
    assert last["Retry-After"] == "3600"
    assert 'value="victim@example.org"' in page  # the form is kept


def test_one_visitor_writing_for_many_addresses_is_stopped_too(shop: Shop, settings: Any) -> None:
    settings.DAPJANG_PORTAL_LIMIT_PER_CLIENT = 2
    bot = Client(REMOTE_ADDR="198.51.100.1")
    statuses = [
        bot.post("/help/contact/", form_data(email=f"v{i}@example.org")).status_code for i in range(4)
    ]
    assert statuses == [302, 302, 429, 429]
    assert "분 후에 다시" in bot.post("/help/contact/", form_data(email="x@example.org")).content.decode()
    assert FormSubmission.objects.count() == 2
    assert all("198.51.100.1" not in s.client for s in FormSubmission.objects.all())  # only a hash kept


def test_the_thank_you_page_needs_a_sent_form(shop: Shop, visitor: Client) -> None:
    assert visitor.get("/help/contact/sent/")["Location"] == "/help/contact/"


def test_portal_pages_forbid_foreign_scripts(shop: Shop, visitor: Client) -> None:
    policy = visitor.get("/help/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy


def test_when_the_database_cannot_store_the_mail_the_customer_keeps_their_text(
    shop: Shop, visitor: Client, monkeypatch: Any
) -> None:
    from django.db import OperationalError

    from dapjang.portal import submit

    def down(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("database is locked")

    monkeypatch.setattr(submit, "ingest", down)
    response = visitor.post(
        "/help/contact/", form_data(message="중요한 내용입니다"), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 503
    page = response.content.decode()
    assert "We could not take your message just now." in page
    assert "중요한 내용입니다" in page and "database is locked" not in page
    assert not FormSubmission.objects.exists()  # a failed try does not count against the limit
