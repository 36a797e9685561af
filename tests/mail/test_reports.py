"""Bounces and MDNs name the mail they are about, whether they follow the RFCs or not."""

from __future__ import annotations

from dapjang.mail.parse import parse_mail
from tests.mail.mailgen import mail, multipart, part, wrap

ORIGINAL = (
    b"From: help@desk.example\r\nTo: kim@example.com\r\nSubject: Re: order\r\n"
    b"Message-ID: <out-1@desk.example>\r\n\r\nour reply\r\n"
)


def _dsn(embedded: bytes) -> bytes:
    status = (
        "Reporting-MTA: dns; mx.example.com\r\n\r\n"
        "Final-Recipient: rfc822; ok@example.com\r\nAction: delivered\r\nStatus: 2.0.0\r\n\r\n"
        "Final-Recipient: rfc822; kim@example.com\r\nAction: failed\r\nStatus: 5.1.1 (user unknown)\r\n"
    )
    parts = [part("Delivery failed."), part(status, "message/delivery-status"), embedded]
    entity = multipart("mixed", parts, "rep").replace(
        b"multipart/mixed;", b"multipart/report; report-type=delivery-status;"
    )
    return wrap(entity, sender="MAILER-DAEMON@mx.example.com", subject="Undelivered Mail Returned to Sender")


def test_rfc3464_dsn_with_embedded_message() -> None:
    report = parse_mail(_dsn(part(ORIGINAL, "message/rfc822"))).report
    assert report is not None
    assert (report.report_type, report.action, report.status) == ("delivery-status", "failed", "5.1.1")
    assert report.recipients == ["ok@example.com", "kim@example.com"]
    assert report.original_message_id == "out-1@desk.example"


def test_rfc3464_dsn_with_headers_only() -> None:
    report = parse_mail(_dsn(part(ORIGINAL.split(b"\r\n\r\n")[0], "text/rfc822-headers"))).report
    assert report is not None and report.original_message_id == "out-1@desk.example"


def test_mdn_reads_original_message_id() -> None:
    fields = (
        "Reporting-UA: mail.example.com\r\nFinal-Recipient: rfc822; kim@example.com\r\n"
        "Original-Message-ID: <out-2@desk.example>\r\n"
        "Disposition: manual-action/MDN-sent-manually; displayed\r\n"
    )
    entity = multipart("mixed", [part("Read."), part(fields, "message/disposition-notification")], "mdn")
    entity = entity.replace(b"multipart/mixed;", b"multipart/report; report-type=disposition-notification;")
    report = parse_mail(wrap(entity, subject="Read: Re: order")).report
    assert report is not None
    assert (report.report_type, report.action, report.original_message_id) == (
        "disposition-notification",
        "displayed",
        "out-2@desk.example",
    )
    assert report.recipients == ["kim@example.com"]


def test_qmail_failure_notice_is_read_from_text() -> None:
    body = (
        "Hi. This is the qmail-send program at mx.example.com.\n"
        "I'm afraid I wasn't able to deliver your message to the following addresses.\n\n"
        "<kim@example.com>:\nRemote host said: 550 5.1.1 mailbox unavailable\n\n"
        "--- Below this line is a copy of the message.\n\n"
        "Message-ID: <out-3@desk.example>\nSubject: Re: order\n"
    )
    report = parse_mail(mail(body, sender="MAILER-DAEMON@mx.example.com", subject="failure notice")).report
    assert report is not None
    assert (report.report_type, report.status, report.action) == ("", "5.1.1", "failed")
    assert report.original_message_id == "out-3@desk.example"
    assert report.recipients == ["kim@example.com"]


def test_exchange_ndr_with_embedded_message_and_no_report_type() -> None:
    raw = wrap(
        multipart(
            "mixed",
            [part("Your message couldn't be delivered. 4.4.7 expired"), part(ORIGINAL, "message/rfc822")],
        ),
        sender="postmaster@corp.example",
        subject="Undeliverable: Re: order",
    )
    report = parse_mail(raw).report
    assert report is not None
    assert (report.status, report.action, report.original_message_id) == (
        "4.4.7",
        "delayed",
        "out-1@desk.example",
    )


def test_ordinary_mail_has_no_report() -> None:
    assert parse_mail(mail("Message-ID: <x@y> is in my text, status 5.1.1")).report is None


def test_bounce_subject_from_a_person_is_not_a_report() -> None:
    forwarded = mail("fyi, see below. 5.1.1", sender="kim@example.com", subject="Fwd: Undeliverable: order")
    assert parse_mail(forwarded).report is None


def test_bounce_subject_with_null_return_path_is_a_report() -> None:
    raw = mail(
        "Delivery to kim@example.com failed: 5.2.2 mailbox full",
        sender="Mail System <bounces@mx.example.com>",
        subject="Delivery Status Notification (Failure)",
        headers=[("Return-Path", "<>")],
    )
    report = parse_mail(raw).report
    assert report is not None and (report.report_type, report.status) == ("", "5.2.2")


def test_korean_parcel_return_is_not_a_bounce() -> None:
    raw = mail("반송 접수 부탁드립니다.", sender="김민수 <minsu@example.kr>", subject="반송 신청합니다")
    assert parse_mail(raw).report is None
