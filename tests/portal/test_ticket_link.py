"""A customer follows their tickets through the signed link in the acknowledgement (MISSION A10, C3).

The link opens one customer's side of their own tickets, and nothing else: a changed, cut or expired
token gets a clear page, never someone else's data, and internal notes and expert consultations are
never shown.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from django.core import signing
from django.test import Client

from dapjang.mail.models import Outbox
from dapjang.portal import links
from dapjang.portal.links import LinkExpired, LinkInvalid, ticket_path, ticket_token, ticket_token_read
from dapjang.tickets.models import Ticket
from dapjang.tickets.services import ticket_consult, ticket_note, ticket_reply
from tests.builders import build_mail
from tests.factories import agent_make
from tests.portal.conftest import Shop, form_data

pytestmark = pytest.mark.django_db


def _mail_ticket(
    feed: Any, *, sender: str = "김민수 <minsu@customer.example>", subject: str = "배송 문의"
) -> Ticket:
    result = feed(build_mail(from_=sender, subject=subject, to="shipping@shop.example"))
    return Ticket.objects.get(number=result.ticket)


def _ack_body(ticket: Ticket) -> str:
    row = Outbox.objects.get(ticket_id=ticket.id, kind="ack")
    from email import message_from_bytes, policy

    msg = message_from_bytes(bytes(row.data), policy=policy.default)
    part = msg.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def test_the_acknowledgement_carries_a_working_link_to_the_ticket(
    shop: Shop, feed: Any, settings: Any
) -> None:
    settings.DAPJANG_PUBLIC_URL = "https://help.shop.example/"
    ticket = _mail_ticket(feed)
    body = _ack_body(ticket)
    match = re.search(r"https://help\.shop\.example(/help/t/[^/\s]+/)", body)
    assert match, body
    page = Client().get(match.group(1))
    assert page.status_code == 200
    assert f"#{ticket.number}" in page.content.decode()


def test_the_link_uses_the_configured_public_address(settings: Any) -> None:
    settings.DAPJANG_PUBLIC_URL = "https://help.example.com/"
    assert links.public_url() == "https://help.example.com"
    assert links.ticket_url(7, 3).startswith("https://help.example.com/help/t/")


def test_a_form_acknowledgement_does_not_echo_what_the_submitter_typed(shop: Shop) -> None:
    """RELIABILITY 10: the address is unverified, so neither the subject nor the name goes back to it."""
    data = form_data(
        email="victim@example.org",
        name="Visit http://spam.example",
        subject="Cheap pills http://spam.example",
    )
    Client(REMOTE_ADDR="198.51.100.5").post("/help/contact/", data)
    ticket = Ticket.objects.get()
    row = Outbox.objects.get(ticket_id=ticket.id, kind="ack")
    assert b"spam.example" not in bytes(row.data)
    assert "spam.example" not in row.subject
    assert "웹 문의" in row.subject


def test_the_page_shows_the_customers_mail_and_our_replies_but_no_notes_or_consultations(
    shop: Shop, feed: Any
) -> None:
    ticket = _mail_ticket(feed)
    agent = agent_make("minji@shop.example", shop.shipping, name="김민지")
    ticket_note(ticket, agent, "내부 메모: 이 고객은 까다로움")
    ticket_consult(
        ticket, agent, expert_email="expert@partner.example", question="물류센터 확인 부탁 SECRET-Q"
    )
    ticket_reply(ticket, agent, "고객님, 내일 도착 예정입니다.")

    page = Client().get(ticket_path(ticket.id, ticket.customer_id)).content.decode()

    assert "안녕하세요, 주문한 상품이 아직 오지 않았습니다." in page
    assert "고객님, 내일 도착 예정입니다." in page
    assert "내부 메모" not in page and "까다로움" not in page
    assert "SECRET-Q" not in page and "expert@partner.example" not in page


def test_the_page_lists_the_customers_other_tickets_with_their_own_links(shop: Shop, feed: Any) -> None:
    first = _mail_ticket(feed, subject="첫 번째 문의")
    second = _mail_ticket(feed, subject="두 번째 문의")
    stranger = _mail_ticket(feed, sender="이영희 <younghee@other.example>", subject="남의 문의")

    page = Client().get(ticket_path(first.id, first.customer_id)).content.decode()

    # Tokens carry a timestamp, so the page's own token for the second ticket is read, not compared.
    linked = {ticket_token_read(token).ticket_id for token in re.findall(r'href="/help/t/([^/"]+)/"', page)}
    assert second.id in linked and stranger.id not in linked
    assert "두 번째 문의" in page
    assert "남의 문의" not in page and stranger.number not in page


def test_a_tampered_token_is_refused_with_403_and_shows_nothing(shop: Shop, feed: Any) -> None:
    mine = _mail_ticket(feed)
    theirs = _mail_ticket(feed, sender="이영희 <younghee@other.example>", subject="남의 문의")
    token = ticket_token(mine.id, mine.customer_id)
    rest = token.partition(":")[2]
    forged_value = signing.b64_encode(
        signing.JSONSerializer().dumps({"t": theirs.id, "c": theirs.customer_id})
    ).decode()
    for bad in (f"{forged_value}:{rest}", token[:-2], "nonsense", token.upper()):
        response = Client().get(f"/help/t/{bad}/")
        assert response.status_code == 403, bad
        assert "남의 문의" not in response.content.decode()
        assert "이 링크는 올바르지 않습니다" in response.content.decode()


def test_an_expired_token_gets_410_gone(shop: Shop, feed: Any, monkeypatch: Any) -> None:
    ticket = _mail_ticket(feed)
    old = int(time.time()) - 91 * 86400
    monkeypatch.setattr(signing.TimestampSigner, "timestamp", lambda self: signing.b62_encode(old))
    token = ticket_token(ticket.id, ticket.customer_id)
    monkeypatch.undo()

    with pytest.raises(LinkExpired):
        ticket_token_read(token)
    response = Client().get(f"/help/t/{token}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 410
    assert "This link has expired." in response.content.decode()
    assert ticket.subject not in response.content.decode()


def test_a_token_signed_for_another_purpose_is_not_accepted(shop: Shop, feed: Any) -> None:
    ticket = _mail_ticket(feed)
    other = signing.TimestampSigner(salt="something.else").sign_object(
        {"t": ticket.id, "c": ticket.customer_id}
    )
    with pytest.raises(LinkInvalid):
        ticket_token_read(other)


def test_a_link_stops_working_when_the_ticket_is_no_longer_the_customers(shop: Shop, feed: Any) -> None:
    ticket = _mail_ticket(feed)
    other = _mail_ticket(feed, sender="이영희 <younghee@other.example>", subject="남의 문의")
    path = ticket_path(ticket.id, ticket.customer_id)
    Ticket.objects.filter(pk=ticket.pk).update(customer=other.customer)
    response = Client().get(path)
    assert response.status_code == 403
    assert "남의 문의" not in response.content.decode()


def test_the_page_is_not_cached_or_indexed(shop: Shop, feed: Any) -> None:
    ticket = _mail_ticket(feed)
    response = Client().get(ticket_path(ticket.id, ticket.customer_id))
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "same-origin"


def test_mail_text_with_markup_is_shown_as_text(shop: Shop, feed: Any) -> None:
    """RELIABILITY 31."""
    result = feed(
        build_mail(
            from_='"<img src=x onerror=alert(1)>" <minsu@customer.example>',
            subject="<script>alert(1)</script>",
            body="<script>alert(2)</script>",
            to="shipping@shop.example",
        )
    )
    ticket = Ticket.objects.get(number=result.ticket)
    page = Client().get(ticket_path(ticket.id, ticket.customer_id)).content.decode()
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page
