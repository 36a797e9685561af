"""The ingestion pipeline, as a customer's mail experiences it: numbered, routed, threaded, never doubled."""

from __future__ import annotations

import hashlib
import re
from base64 import b64encode
from email.message import EmailMessage
from typing import Any

from dapjang.customers.models import Customer
from dapjang.mail.models import RawMessage
from dapjang.tickets.models import Article, Ticket
from tests.builders import build_mail, with_trace


def test_a_customer_mail_becomes_a_numbered_ticket_in_the_queue_of_its_address(feed: Any) -> None:
    result = feed(build_mail(to="shipping@shop.example"))
    assert result.outcome == "created"
    ticket = Ticket.objects.get(number=result.ticket)
    assert re.fullmatch(r"\d{4}-\d{6}", ticket.number)
    assert ticket.queue.slug == "shipping"
    assert ticket.subject == "배송 문의"
    assert ticket.customer is not None and ticket.customer.email == "minsu@customer.example"
    assert ticket.customer.name == "김민수"
    raw = RawMessage.objects.get(id=result.raw_id)
    assert raw.state == "processed" and raw.kind == "human"


def test_ticket_numbers_are_unique_and_increasing(feed: Any) -> None:
    numbers = [feed(build_mail(subject=f"문의 {i}")).ticket for i in range(5)]
    assert numbers == sorted(numbers)
    assert len(set(numbers)) == 5


def test_routing_uses_cc_and_delivered_to_and_the_envelope(feed: Any) -> None:
    by_cc = feed(build_mail(to="someone@else.example", cc="shipping@shop.example"))
    by_delivered = feed(with_trace(build_mail(to="list@else.example"), delivered_to="shipping@shop.example"))
    by_envelope = feed(build_mail(to="undisclosed-recipients:;"), envelope_to=["shipping@shop.example"])
    for result in (by_cc, by_delivered, by_envelope):
        assert Ticket.objects.get(number=result.ticket).queue.slug == "shipping"


def test_mail_to_an_unknown_or_support_address_lands_in_the_default_queue(feed: Any) -> None:
    for to in ("info@shop.example", "nobody@elsewhere.example"):
        result = feed(build_mail(to=to))
        assert Ticket.objects.get(number=result.ticket).queue.slug == "general"


def test_a_reply_to_our_acknowledgement_joins_the_ticket(feed: Any) -> None:
    first = feed(build_mail(message_id="<q1@customer.example>"))
    ack = Article.objects.get(ticket__number=first.ticket, kind="ack")
    reply = feed(build_mail(subject="Re: 배송 문의", in_reply_to=f"<{ack.message_id}>"))
    assert reply.outcome == "appended"
    assert reply.ticket == first.ticket


def test_a_reply_by_references_to_the_customers_own_mail_joins_the_ticket(feed: Any) -> None:
    first = feed(build_mail(message_id="<orig@customer.example>"))
    follow = feed(build_mail(subject="추가 문의", references="<orig@customer.example>"))
    assert (follow.outcome, follow.ticket) == ("appended", first.ticket)


def test_the_subject_tag_threads_mail_from_the_same_customer(feed: Any) -> None:
    first = feed(build_mail())
    again = feed(build_mail(subject=f"[#{first.ticket}] 하나 더 여쭙니다"))
    assert (again.outcome, again.ticket) == ("appended", first.ticket)


def test_the_subject_tag_from_a_stranger_opens_a_new_ticket(feed: Any) -> None:
    first = feed(build_mail())
    stranger = feed(build_mail(subject=f"[#{first.ticket}] 제 문의도", from_="mallory@evil.example"))
    assert stranger.outcome == "created"
    assert stranger.ticket != first.ticket
    assert any("stranger" in f for f in Ticket.objects.get(number=stranger.ticket).flags)


def test_mail_is_never_threaded_by_bare_subject(feed: Any) -> None:
    one = feed(build_mail(subject="환불 문의", from_="a@customer.example"))
    two = feed(build_mail(subject="환불 문의", from_="a@customer.example"))
    assert one.ticket != two.ticket


def test_a_customer_reply_reopens_a_solved_ticket(feed: Any) -> None:
    first = feed(build_mail(message_id="<s1@customer.example>"))
    Ticket.objects.filter(number=first.ticket).update(status=Ticket.Status.SOLVED)
    feed(build_mail(subject="Re: 배송 문의", in_reply_to="<s1@customer.example>"))
    assert Ticket.objects.get(number=first.ticket).status == Ticket.Status.OPEN


def test_a_reply_to_a_closed_ticket_opens_a_follow_up(feed: Any) -> None:
    first = feed(build_mail(message_id="<c1@customer.example>"))
    Ticket.objects.filter(number=first.ticket).update(status=Ticket.Status.CLOSED)
    later = feed(build_mail(subject="Re: 배송 문의", in_reply_to="<c1@customer.example>"))
    assert later.outcome == "created"
    assert f"follow-up of closed ticket #{first.ticket}" in Ticket.objects.get(number=later.ticket).flags


def test_identical_bytes_twice_are_one_article(feed: Any) -> None:
    raw = build_mail()
    first, second = feed(raw), feed(raw)
    assert (first.outcome, second.outcome) == ("created", "duplicate")
    assert second.ticket == first.ticket
    assert Article.objects.filter(direction="in").count() == 1


def test_one_mail_delivered_to_two_aliases_is_one_article(feed: Any) -> None:
    """RELIABILITY 15: the copies differ only in trace headers."""
    raw = build_mail(to="help@shop.example, shipping@shop.example", message_id="<alias@customer.example>")
    one = feed(with_trace(raw, delivered_to="help@shop.example"))
    two = feed(with_trace(raw, delivered_to="shipping@shop.example"), channel="imap")
    assert (one.outcome, two.outcome) == ("created", "duplicate")
    assert RawMessage.objects.count() == 2  # both copies kept, byte for byte
    assert Article.objects.filter(direction="in").count() == 1


def test_two_different_mails_sharing_a_message_id_are_both_kept_and_flagged(feed: Any) -> None:
    """RELIABILITY 16: a broken mailer reuses Message-IDs."""
    one = feed(build_mail(body="첫 번째 메일", message_id="<same@broken.example>"))
    two = feed(build_mail(body="두 번째 메일", message_id="<same@broken.example>"))
    assert one.outcome == "created" and two.outcome == "created"
    assert "duplicate_message_id" in Article.objects.get(ticket__number=two.ticket, direction="in").flags


def test_mail_without_a_message_id_is_deduplicated_by_its_bytes(feed: Any) -> None:
    raw = b"From: a@customer.example\r\nTo: help@shop.example\r\nSubject: hi\r\n\r\nhello\r\n"
    assert [feed(raw).outcome, feed(raw).outcome] == ["created", "duplicate"]
    assert RawMessage.objects.get().sha256 == hashlib.sha256(raw).hexdigest()


def test_mail_with_no_sender_is_held_with_a_reason(feed: Any) -> None:
    result = feed(b"To: help@shop.example\r\nSubject: anonymous\r\n\r\nwho am I\r\n")
    assert result.outcome == "held"
    assert "sender" in result.reason
    assert RawMessage.objects.get(id=result.raw_id).state == "held"
    assert Ticket.objects.count() == 0


def test_bytes_that_are_not_mail_are_held_and_kept(feed: Any) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    result = feed(png)
    assert result.outcome == "held" and "not an e-mail" in result.reason
    assert bytes(RawMessage.objects.get(id=result.raw_id).data) == png


def test_our_own_support_address_never_becomes_a_customer(feed: Any) -> None:
    """RELIABILITY 7."""
    result = feed(build_mail(from_="shipping@shop.example", to="help@shop.example"))
    assert result.outcome == "held"
    assert not Customer.objects.filter(email="shipping@shop.example").exists()


def test_a_spoofed_display_name_does_not_change_the_identity(feed: Any) -> None:
    """RELIABILITY 29: the real addr-spec decides who wrote."""
    result = feed(build_mail(from_='"ceo@shop.example" <attacker@evil.example>'))
    assert Ticket.objects.get(number=result.ticket).customer.email == "attacker@evil.example"  # type: ignore[union-attr]


def test_the_same_customer_is_recognised_across_tickets(feed: Any) -> None:
    feed(build_mail(from_="Lee <Lee@Customer.example>"))
    feed(build_mail(from_="lee@customer.example", subject="두 번째"))
    assert Customer.objects.count() == 1
    assert Customer.objects.get().tickets.count() == 2


def test_attachments_are_stored_once_by_content(feed: Any) -> None:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "a@customer.example", "help@shop.example", "영수증"
    msg.set_content("첨부합니다")
    msg.add_attachment(b"%PDF-1.4 receipt", maintype="application", subtype="pdf", filename="영수증.pdf")
    result = feed(msg.as_bytes())
    article = Article.objects.get(ticket__number=result.ticket, direction="in")
    (att,) = article.attachments.all()
    assert (att.filename, att.content_type, att.size) == ("영수증.pdf", "application/pdf", 16)
    assert att.sha256 == hashlib.sha256(b"%PDF-1.4 receipt").hexdigest()


def test_korean_mail_in_euc_kr_keeps_every_syllable(feed: Any) -> None:
    body = "똠방각하 뷁 쌰 펲, 환불해 주세요"
    raw = (
        b"From: =?ks_c_5601-1987?B?" + b64encode("홍길동".encode("cp949")) + b"?= "
        b"<hong@customer.example>\r\nTo: help@shop.example\r\nSubject: =?euc-kr?B?"
        + b64encode("환불 문의".encode("cp949"))
        + b"?=\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=euc-kr\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n" + body.encode("cp949") + b"\r\n"
    )
    result = feed(raw)
    ticket = Ticket.objects.get(number=result.ticket)
    assert ticket.subject == "환불 문의"
    article = ticket.articles.get(direction="in")
    assert article.from_name == "홍길동"
    assert body in article.text
    assert "\ufffd" not in article.text
