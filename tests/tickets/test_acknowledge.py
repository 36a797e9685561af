"""Acknowledgements and loop protection: only people are answered, and never without bound (RELIABILITY 1–9)."""

from __future__ import annotations

import email
import email.policy
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from dapjang.mail.ids import message_id_is_ours
from dapjang.mail.models import Outbox, RawMessage
from dapjang.mail.outbox import outbox_deliver
from dapjang.tickets.models import Article, MailTemplate, Ticket
from tests.builders import build_mail


def acks() -> list[Outbox]:
    return list(Outbox.objects.filter(kind="ack", state=Outbox.State.QUEUED))


def test_a_korean_mail_is_acknowledged_in_korean_with_the_ticket_tag(feed: Any) -> None:
    result = feed(build_mail())
    (ack,) = acks()
    assert ack.to_email == "minsu@customer.example"
    assert ack.subject.startswith(f"[#{result.ticket}] 문의가 접수되었습니다")
    body = email.message_from_bytes(bytes(ack.data), policy=email.policy.default).get_body().get_content()  # type: ignore[union-attr]
    assert "김민수님, 안녕하세요." in body
    assert result.ticket in body


def test_an_english_mail_is_acknowledged_in_english(feed: Any) -> None:
    feed(
        build_mail(
            subject="Where is my order?", body="Hello, my parcel has not arrived yet.", from_="jo@x.example"
        )
    )
    (ack,) = acks()
    assert "We have received your message" in ack.subject


def test_names_and_subjects_reach_the_plain_text_ack_as_written_not_html_escaped(feed: Any) -> None:
    feed(
        build_mail(
            subject="Order <A&B> isn't here",
            body="Hello, where is it?",
            from_="Sean O'Brien <sean@x.example>",
        )
    )
    (ack,) = acks()
    body = email.message_from_bytes(bytes(ack.data), policy=email.policy.default).get_body().get_content()  # type: ignore[union-attr]
    assert "Sean O'Brien" in body and "&#x27;" not in body
    assert "Order <A&B> isn't here" in ack.subject and "&lt;" not in ack.subject


def test_the_queue_template_edited_in_the_admin_is_used(feed: Any, desk: dict[str, Any]) -> None:
    MailTemplate.objects.filter(queue=desk["shipping"], language="ko").update(
        subject="[#{{ ticket_number }}] 배송팀 접수", body="{{ customer_name }}님, 배송팀입니다."
    )
    feed(build_mail(to="shipping@shop.example"))
    (ack,) = acks()
    assert ack.subject.endswith("배송팀 접수")


def test_a_reply_on_an_existing_ticket_gets_no_second_ack(feed: Any) -> None:
    feed(build_mail(message_id="<r1@customer.example>"))
    feed(build_mail(in_reply_to="<r1@customer.example>", subject="Re: 배송 문의"))
    assert len(acks()) == 1


@pytest.mark.parametrize(
    ("value", "expected_acks"),
    [
        ("auto-replied", 0),
        ("auto-generated", 0),
        ("auto-notified", 0),
        ('Auto-Replied; owner-email="x@y.example"', 0),
        ("no", 1),
    ],
)
def test_auto_submitted_matrix(feed: Any, value: str, expected_acks: int) -> None:
    """RELIABILITY 1: every one is stored; only `no` is acknowledged."""
    result = feed(build_mail(headers={"Auto-Submitted": value}))
    assert RawMessage.objects.get(id=result.raw_id).state == "processed"
    assert len(acks()) == expected_acks


@pytest.mark.parametrize(
    "header",
    [
        ("Precedence", "bulk"),
        ("Precedence", "list"),
        ("Precedence", "junk"),
        ("List-Id", "<news.shop.example>"),
        ("List-Unsubscribe", "<mailto:unsub@x.example>"),
        ("X-Loop", "helpdesk@x.example"),
        ("X-Auto-Response-Suppress", "All"),
        ("X-Auto-Response-Suppress", "OOF, AutoReply"),
        ("X-Auto-Response-Suppress", "DR, RN, NRN"),
    ],
)
def test_bulk_and_list_mail_is_stored_without_an_ack(feed: Any, header: tuple[str, str]) -> None:
    """RELIABILITY 2."""
    result = feed(build_mail(headers=dict([header])))
    assert result.outcome == "created"
    assert acks() == []


@pytest.mark.parametrize(
    "sender",
    [
        "MAILER-DAEMON@mx.example",
        "postmaster@mx.example",
        "NoReply@shop.example",
        "no-reply+tag@x.example",
        "do-not-reply@x.example",
    ],
)
def test_machine_senders_get_no_ack(feed: Any, sender: str) -> None:
    """RELIABILITY 3."""
    feed(build_mail(from_=sender))
    assert acks() == []


def test_the_null_envelope_sender_gets_no_ack(feed: Any) -> None:
    feed(build_mail(), envelope_from="")
    feed(build_mail(headers={"Return-Path": "<>"}))
    assert acks() == []


def test_the_ack_goes_to_the_sender_only_never_to_the_cc_list(feed: Any, smtp_sink: Any) -> None:
    feed(
        build_mail(cc="boss@customer.example, team@customer.example", headers={"Reply-To": "x@else.example"})
    )
    outbox_deliver()
    (sent,) = smtp_sink.messages
    assert sent.rcpt_tos == ["minsu@customer.example"]


def test_every_ack_carries_the_loop_safety_headers(feed: Any, smtp_sink: Any) -> None:
    """RELIABILITY 4, captured at a real SMTP relay."""
    feed(build_mail(message_id="<cust-1@customer.example>", subject="=?utf-8?q?a=0D=0ABcc:_x@evil.example?="))
    assert outbox_deliver().sent == 1
    (sent,) = smtp_sink.messages
    assert sent.mail_from == "<>"  # the null sender: a bounce of an ack cannot loop
    msg = email.message_from_bytes(sent.data, policy=email.policy.default)
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["X-Auto-Response-Suppress"] == "All"
    assert msg["In-Reply-To"] == "<cust-1@customer.example>"
    assert "<cust-1@customer.example>" in msg["References"]
    assert message_id_is_ours(msg["Message-ID"].strip("<>"))
    assert "Bcc" not in msg
    header_block = sent.data.split(b"\r\n\r\n", 1)[0].decode()
    names = [
        line.split(":", 1)[0].lower() for line in header_block.split("\r\n") if line[:1] not in (" ", "\t")
    ]
    assert "bcc" not in names and names.count("subject") == 1


def test_our_own_ack_coming_back_is_logged_not_ticketed(feed: Any, smtp_sink: Any) -> None:
    """RELIABILITY 5: re-inject what we sent, through SMTP and IMAP alike."""
    feed(build_mail())
    outbox_deliver()
    (sent,) = smtp_sink.messages
    tickets_before = Ticket.objects.count()
    for channel in ("smtp", "imap"):
        echo = feed(
            sent.data.replace(b"\r\n\r\n", f"\r\nX-Via: {channel}\r\n\r\n".encode(), 1), channel=channel
        )
        assert echo.outcome == "ignored" and echo.kind == "own-echo"
    assert Ticket.objects.count() == tickets_before
    assert len(Outbox.objects.all()) == 1


def test_a_ping_pong_autoresponder_gets_at_most_three_acks_in_ten_minutes(feed: Any) -> None:
    """RELIABILITY 6: a bot with no automation headers answers everything with a new subject."""
    for i in range(30):
        result = feed(build_mail(from_="bot@robot.example", subject=f"Re: 답장 {i}"))
        assert RawMessage.objects.get(id=result.raw_id).state in ("processed", "held")
    assert Outbox.objects.filter(to_email="bot@robot.example", state=Outbox.State.QUEUED).count() <= 3
    assert RawMessage.objects.filter(sender="bot@robot.example").count() == 30  # every mail stored


def test_the_daily_cap_bounds_automatic_mail_over_a_whole_day(feed: Any, settings: Any) -> None:
    """Past the 10-minute window, the per-day cap still bounds what one address receives."""
    settings.DAPJANG_FLOOD_LIMIT = 10_000
    for hour in range(24):
        for i in range(3):
            feed(build_mail(from_="bot@robot.example", subject=f"{hour}-{i}"))
        Outbox.objects.update(created_at=timezone.now() - timedelta(minutes=11) * (24 - hour))
    sent = Outbox.objects.filter(to_email="bot@robot.example", state=Outbox.State.QUEUED).count()
    assert sent <= settings.DAPJANG_AUTO_DAILY_CAP


def test_imported_old_mail_gets_no_automatic_mail_and_no_reply_promise(feed: Any) -> None:
    """`dapjang import` of an archive is history: nobody is written to about it, nothing falls due."""
    result = feed(build_mail(from_="old@customer.example", subject="작년 문의"), channel="file")
    ticket = Ticket.objects.get(number=result.ticket)
    assert result.outcome == "created" and not Outbox.objects.filter(to_email="old@customer.example").exists()
    assert ticket.due_at is None and ticket.first_response_due_at is None and ticket.dispatched_at


def test_a_flooding_sender_is_held_and_release_imports_each_mail_exactly_once(feed: Any) -> None:
    """RELIABILITY 9: 200 mails from one sender while another writes normally."""
    results = [feed(build_mail(from_="flood@x.example", subject=f"flood {i}")) for i in range(200)]
    normal = feed(build_mail(from_="calm@x.example"))
    assert normal.outcome == "created"
    held = [r for r in results if r.outcome == "held"]
    assert len(held) == 200 - 15
    assert Outbox.objects.filter(to_email="flood@x.example", state=Outbox.State.QUEUED).count() <= 3
    from dapjang.mail.held import held_retry
    from dapjang.tickets.context import PipelineContext

    ctx = PipelineContext()
    for r in held:
        assert held_retry(raw_id=r.raw_id, ctx=ctx).outcome == "created"
    assert Ticket.objects.filter(customer__email="flood@x.example").count() == 200
    assert Article.objects.filter(from_email="flood@x.example").count() == 200


def _dsn(original_message_id: str, *, status: str, action: str) -> bytes:
    return (
        "From: MAILER-DAEMON@mx.customer.example\r\nTo: help@shop.example\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.customer.example\r\n\r\n"
        f"Final-Recipient: rfc822; minsu@customer.example\r\nAction: {action}\r\nStatus: {status}\r\n\r\n"
        "--B\r\nContent-Type: message/rfc822\r\n\r\n"
        f"From: help@shop.example\r\nTo: minsu@customer.example\r\nMessage-ID: <{original_message_id}>\r\n"
        "Subject: ack\r\n\r\nbody\r\n--B--\r\n"
    ).encode()


def test_a_bounce_of_our_ack_becomes_a_note_and_stops_further_acks(feed: Any) -> None:
    """RELIABILITY 8."""
    first = feed(build_mail())
    (ack,) = acks()
    bounce = feed(_dsn(ack.message_id, status="5.1.1", action="failed"), envelope_from="")
    assert (bounce.outcome, bounce.kind, bounce.ticket) == ("appended", "bounce", first.ticket)
    note = Article.objects.get(ticket__number=first.ticket, kind="bounce")
    assert note.direction == "note" and "5.1.1" in note.text
    assert Ticket.objects.count() == 1
    feed(build_mail(subject="새 문의"))
    assert (
        Outbox.objects.filter(state=Outbox.State.SUPPRESSED, to_email="minsu@customer.example").count() == 1
    )


def test_a_delayed_delivery_is_only_noted(feed: Any) -> None:
    feed(build_mail())
    (ack,) = acks()
    feed(_dsn(ack.message_id, status="4.4.1", action="delayed"), envelope_from="")
    feed(build_mail(subject="새 문의"))
    assert len(acks()) == 2


def test_a_bounce_for_unknown_mail_is_stored_without_a_ticket(feed: Any) -> None:
    result = feed(_dsn("never-sent@elsewhere.example", status="5.1.1", action="failed"), envelope_from="")
    assert (result.outcome, result.kind) == ("ignored", "bounce")
    assert Ticket.objects.count() == 0 and acks() == []


def test_a_read_receipt_does_not_reopen_a_solved_ticket(feed: Any) -> None:
    first = feed(build_mail())
    (ack,) = acks()
    Ticket.objects.filter(number=first.ticket).update(status=Ticket.Status.SOLVED)
    mdn = (
        "From: minsu@customer.example\r\nTo: help@shop.example\r\nSubject: Read: ack\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=disposition-notification; boundary="M"\r\n\r\n'
        "--M\r\nContent-Type: text/plain\r\n\r\nread\r\n--M\r\nContent-Type: message/disposition-notification\r\n\r\n"
        f"Original-Message-ID: <{ack.message_id}>\r\nDisposition: manual-action/MDN-sent-manually; displayed\r\n"
        "--M--\r\n"
    ).encode()
    result = feed(mdn)
    assert result.kind == "mdn"
    assert Ticket.objects.get(number=first.ticket).status == Ticket.Status.SOLVED


def test_a_broken_non_ascii_message_id_does_not_stop_the_ack(feed: Any) -> None:
    raw = build_mail(message_id="<ok@customer.example>").replace(
        b"Message-ID: <ok@customer.example>", "Message-ID: <헤더@customer.example>".encode()
    )
    result = feed(raw)
    assert result.outcome == "created"
    (ack,) = acks()
    assert b"In-Reply-To" not in bytes(ack.data)


def test_an_internationalised_sender_address_still_gets_its_ack(feed: Any) -> None:
    """SMTPUTF8 addresses (RFC 6532) reach us too; the ack must not crash on them."""
    raw = (
        "From: 홍길동 <길동@customer.example>\r\nTo: help@shop.example\r\nSubject: 문의\r\n\r\n안녕하세요\r\n"
    )
    result = feed(raw.encode())
    assert result.outcome == "created"
    (ack,) = acks()
    assert "길동@customer.example".encode() in bytes(ack.data)
