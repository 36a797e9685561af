"""The SMTP listener, spoken to over a real socket: stored before 250, never an open relay."""

from __future__ import annotations

import hashlib
import smtplib
import time
from collections.abc import Iterator
from typing import Any

import pytest

from dapjang.mail.models import RawMessage
from dapjang.mail.smtpd import smtpd_controller
from dapjang.tickets.models import Ticket
from dapjang.tickets.queues import queue_create
from tests.builders import build_mail
from tests.processes import free_port


@pytest.fixture
def smtpd(transactional_db: None, settings: Any) -> Iterator[int]:
    settings.DAPJANG_MAX_MESSAGE_BYTES = 200_000
    queue_create(slug="general", name="일반 문의", addresses=["help@shop.example"], is_default=True)
    controller = smtpd_controller("127.0.0.1", free_port())
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()
        controller.handler.close()


def _wait_for(predicate: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_mail_for_our_address_is_stored_answered_and_becomes_a_ticket(smtpd: int) -> None:
    with smtplib.SMTP("127.0.0.1", smtpd) as client:
        refused = client.sendmail("minsu@customer.example", ["help@shop.example"], build_mail())
    assert refused == {}
    _wait_for(lambda: Ticket.objects.exists())
    raw = RawMessage.objects.get()
    assert raw.channel == "smtp" and raw.envelope_to == ["help@shop.example"]
    assert Ticket.objects.get().customer.email == "minsu@customer.example"  # type: ignore[union-attr]


def test_eight_bit_korean_mail_is_stored_byte_for_byte(smtpd: int) -> None:
    """RELIABILITY 19: 8BITMIME, CP949 bytes, a bare LF and a 998-character line."""
    body = "똠방각하 뷁 환불 문의".encode("cp949") + b"\nbare-lf line\r\n" + b"x" * 998 + b"\r\n"
    raw_bytes = (
        b"From: a@customer.example\r\nTo: help@shop.example\r\nSubject: 8bit\r\n"
        b"Content-Type: text/plain; charset=euc-kr\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + body
    )
    with smtplib.SMTP("127.0.0.1", smtpd) as client:
        client.ehlo()
        assert client.has_extn("8bitmime") and client.has_extn("smtputf8")
        client.sendmail(
            "a@customer.example", ["help@shop.example"], raw_bytes, mail_options=["BODY=8BITMIME"]
        )
    _wait_for(lambda: RawMessage.objects.exists())
    stored = RawMessage.objects.get()
    assert stored.sha256 == hashlib.sha256(bytes(stored.data)).hexdigest()
    assert bytes(stored.data) == raw_bytes  # bare LF and all: exactly what the client sent
    assert stored.sha256 == hashlib.sha256(raw_bytes).hexdigest()


def test_mail_for_anyone_else_is_refused_at_rcpt(smtpd: int) -> None:
    with smtplib.SMTP("127.0.0.1", smtpd) as client:
        client.ehlo()
        client.mail("spammer@evil.example")
        code, message = client.rcpt("victim@elsewhere.example")
    assert code == 550 and b"5.1.1" in message
    assert RawMessage.objects.count() == 0


def test_over_size_mail_gets_552_at_data(smtpd: int) -> None:
    big = build_mail(body="가" * 150_000)
    with smtplib.SMTP("127.0.0.1", smtpd) as client, pytest.raises(smtplib.SMTPResponseException) as err:
        client.sendmail("a@customer.example", ["help@shop.example"], big)
    assert err.value.smtp_code == 552
    assert RawMessage.objects.count() == 0


def test_our_own_fault_is_a_451_without_the_exception_text(
    smtpd: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """RELIABILITY 11 and 36: the sender's server keeps the mail and tries again."""
    monkeypatch.setenv("DAPJANG_FAULTS", "smtp-store")
    with smtplib.SMTP("127.0.0.1", smtpd) as client, pytest.raises(smtplib.SMTPDataError) as err:
        client.sendmail("a@customer.example", ["help@shop.example"], build_mail())
    assert err.value.smtp_code == 451
    assert b"4.3.0" in err.value.smtp_error
    assert b"Injected" not in err.value.smtp_error and b"fault" not in err.value.smtp_error
    assert RawMessage.objects.count() == 0
    monkeypatch.delenv("DAPJANG_FAULTS")
    with smtplib.SMTP("127.0.0.1", smtpd) as client:  # the retry after recovery: exactly one ticket
        client.sendmail(
            "a@customer.example", ["help@shop.example"], build_mail(message_id="<once@x.example>")
        )
    _wait_for(lambda: Ticket.objects.exists())
    assert Ticket.objects.count() == 1
