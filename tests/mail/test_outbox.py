"""The outbox against a real SMTP relay: retried with the same Message-ID, never "sent" without a 250."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from dapjang.mail.models import Outbox
from dapjang.mail.outbox import outbox_deliver, outbox_enqueue


def _enqueue(key: str = "k1") -> Outbox:
    row, _ = outbox_enqueue(
        idempotency_key=key,
        kind="ack",
        ticket_id=None,
        to_email="minsu@customer.example",
        envelope_from="",
        subject="접수 안내",
        message_id=f"{key}.fixed@dapjang.local",
        data=f"Message-ID: <{key}.fixed@dapjang.local>\r\nSubject: hi\r\n\r\nbody\r\n".encode(),
    )
    return row


def test_enqueueing_twice_with_one_key_writes_one_row(db: None) -> None:
    first, second = _enqueue(), _enqueue()
    assert first.id == second.id
    assert Outbox.objects.count() == 1


def test_with_no_relay_mail_waits_in_the_sink(db: None, settings: Any) -> None:
    settings.DAPJANG_OUTBOUND_SMTP = ""
    _enqueue()
    assert outbox_deliver().sent == 0
    assert Outbox.objects.get().state == Outbox.State.QUEUED


def test_a_relay_accepting_marks_the_mail_sent(db: None, smtp_sink: Any) -> None:
    _enqueue()
    assert outbox_deliver().sent == 1
    row = Outbox.objects.get()
    assert row.state == Outbox.State.SENT and row.sent_at is not None
    assert b"k1.fixed@dapjang.local" in smtp_sink.messages[0].data


def test_a_temporary_failure_is_retried_with_the_same_message_id(db: None, smtp_sink: Any) -> None:
    """RELIABILITY 20: 451, then accept."""
    smtp_sink.fail_next.append("451 4.3.0 try again later")
    _enqueue()
    first = outbox_deliver()
    assert (first.sent, first.retry) == (0, 1)
    row = Outbox.objects.get()
    assert row.state == Outbox.State.QUEUED and row.attempts == 1 and "451" in row.last_error
    Outbox.objects.update(next_attempt_at=timezone.now())
    assert outbox_deliver().sent == 1
    assert len(smtp_sink.messages) == 1
    assert b"Message-ID: <k1.fixed@dapjang.local>" in smtp_sink.messages[0].data


def test_a_permanent_failure_is_failed_and_visible(db: None, smtp_sink: Any) -> None:
    smtp_sink.fail_next.append("554 5.7.1 rejected")
    _enqueue()
    assert outbox_deliver().failed == 1
    row = Outbox.objects.get()
    assert row.state == Outbox.State.FAILED and "554" in row.last_error


def test_a_login_problem_is_explained_without_the_credentials(
    db: None, smtp_sink: Any, settings: Any
) -> None:
    """RELIABILITY 36: the relay offers no AUTH; the error names the cause, never the password."""
    settings.DAPJANG_OUTBOUND_SMTP = settings.DAPJANG_OUTBOUND_SMTP.replace("smtp://", "smtp://user:s3cret@")
    _enqueue()
    assert outbox_deliver().retry == 1
    row = Outbox.objects.get()
    assert "login" in row.last_error
    assert "s3cret" not in row.last_error and "user" not in row.last_error


def test_an_unreachable_relay_is_a_temporary_failure(db: None, settings: Any) -> None:
    settings.DAPJANG_OUTBOUND_SMTP = "smtp://127.0.0.1:9?timeout=2"
    _enqueue()
    assert outbox_deliver().retry == 1
    assert Outbox.objects.get().state == Outbox.State.QUEUED


def test_with_a_dkim_key_mail_leaves_signed_and_the_stored_copy_is_unchanged(
    db: None, smtp_sink: Any, settings: Any, tmp_path: Any
) -> None:
    import subprocess

    import dkim

    from dapjang.mail.dkim import dkim_dns_value, dkim_key_load

    key_file = tmp_path / "dkim.pem"
    subprocess.run(
        ["openssl", "genpkey", "-algorithm", "RSA", "-out", str(key_file)],
        check=True,
        capture_output=True,
    )
    settings.DAPJANG_DKIM_KEY_FILE = str(key_file)
    settings.DAPJANG_DKIM_DOMAIN = "shop.example"
    key = dkim_key_load()
    assert key is not None
    row, _ = outbox_enqueue(
        idempotency_key="signed",
        kind="ack",
        ticket_id=None,
        to_email="minsu@customer.example",
        envelope_from="",
        subject="접수 안내",
        message_id="signed.fixed@shop.example",
        data=(
            "From: =?utf-8?b?7ZW07Iud7IOB7KCQ?= <help@shop.example>\r\nTo: minsu@customer.example\r\n"
            "Subject: =?utf-8?b?7KCR7IiYIOyViOuCtA==?=\r\nMessage-ID: <signed.fixed@shop.example>\r\n"
            "Date: Mon, 23 Nov 2026 10:00:00 +0900\r\n\r\n접수되었습니다.\r\n"
        ).encode(),
    )
    stored = bytes(row.data)
    assert outbox_deliver().sent == 1
    sent = smtp_sink.messages[0].data
    assert sent.startswith(b"DKIM-Signature:")
    record = dkim_dns_value(key).encode()
    assert dkim.verify(sent, dnsfunc=lambda name, timeout=5: record) is True
    row.refresh_from_db()
    assert bytes(row.data) == stored  # retries re-sign; the outbox keeps the bytes it was given
