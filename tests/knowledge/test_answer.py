"""The automatic FAQ answer in the real pipeline (MISSION A11, B3), with the shipped FAQ imported.

A plain FAQ question gets the FAQ's answer instead of an acknowledgement and the ticket waits on the
customer; anything that only resembles an FAQ question, any customer a person must answer, and any
machine gets no automatic answer; the customer's reply hands the ticket back to a person.
"""

from __future__ import annotations

import base64
from email import message_from_bytes
from email.policy import default as default_policy
from typing import Any

import pytest

from dapjang.customers.models import Customer
from dapjang.customers.services import customer_for_email
from dapjang.mail.models import Outbox
from dapjang.tickets.models import Article, Ticket, TicketEvent
from tests.builders import build_mail

FAQ_QUESTION = {"subject": "비번", "body": "비밀번호를 잊어버렸어요. 어떻게 찾나요?"}  # faq-018
CUSTOMER = "김민수 <minsu@customer.example>"


@pytest.fixture
def answering(kb: None, desk: dict[str, Any]) -> dict[str, Any]:
    """The test desk with the shipped FAQ: its queues are not FAQ topics, so no topic veto applies."""
    return desk


def _ticket(result: Any) -> Ticket:
    return Ticket.objects.get(number=result.ticket)


def _text(row: Outbox) -> str:
    msg = message_from_bytes(bytes(row.data), policy=default_policy)
    return str(msg.get_content())


def test_a_plain_faq_question_gets_the_faq_answer_instead_of_an_ack(answering: Any, feed: Any) -> None:
    raw = build_mail(**FAQ_QUESTION, from_=CUSTOMER, message_id="<q1@customer.example>")
    ticket = _ticket(feed(raw))

    rows = list(Outbox.objects.filter(ticket_id=ticket.id))
    assert [(r.kind, r.state, r.idempotency_key) for r in rows] == [
        ("auto-answer", Outbox.State.QUEUED, f"autoanswer:{ticket.id}")
    ]
    row = rows[0]
    msg = message_from_bytes(bytes(row.data), policy=default_policy)
    assert msg["In-Reply-To"] == "<q1@customer.example>"
    assert "<q1@customer.example>" in msg["References"]
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["X-Auto-Response-Suppress"] == "All" and msg["Bcc"] is None
    assert f"[#{ticket.number}]" in str(msg["Subject"])
    body = _text(row)
    assert body.startswith("김민수님, 안녕하세요.")
    assert "로그인 화면 아래의 '비밀번호 찾기'를 누르고" in body  # the FAQ's answer, as written (no &#x27;)
    assert "해결되지 않으셨다면 이 메일에 그대로 답장해 주세요. 담당자가 직접 답변드리겠습니다" in body
    assert ticket.number in body

    assert ticket.status == Ticket.Status.WAITING
    assert ticket.auto_answer_faq == "faq-018"
    assert ticket.auto_answered_at is not None
    assert ticket.auto_answer_confidence is not None and ticket.auto_answer_confidence >= 0.85
    article = Article.objects.get(ticket=ticket, kind="auto-answer")
    assert article.direction == Article.Direction.OUT and article.message_id == row.message_id
    assert not Article.objects.filter(ticket=ticket, kind="ack").exists()
    events = TicketEvent.objects.filter(ticket=ticket, actor=None)
    assert {(e.field, e.new) for e in events} >= {("status", "waiting")}
    assert events.get(field="auto-answer").new.startswith("faq-018")


def test_an_english_question_is_answered_in_english(answering: Any, feed: Any) -> None:
    raw = build_mail(
        subject="Account", body="How do I delete my account?", from_="Jane O'Hara <jane@customer.example>"
    )
    ticket = _ticket(feed(raw))
    row = Outbox.objects.get(ticket_id=ticket.id)
    assert row.kind == "auto-answer"
    body = _text(row)
    assert body.startswith("Dear Jane O'Hara,")
    assert "If this did not solve it, just reply to this e-mail and a person will answer." in body


def test_the_same_mail_delivered_again_sends_nothing_more(answering: Any, feed: Any) -> None:
    raw = build_mail(**FAQ_QUESTION, from_=CUSTOMER)
    first = feed(raw)
    again = feed(raw.replace(b"Subject:", b"Received: from mx2.example\r\nSubject:", 1))
    assert again.outcome == "duplicate"
    assert again.ticket == first.ticket
    assert Outbox.objects.count() == 1
    assert Article.objects.filter(kind="auto-answer").count() == 1


@pytest.mark.parametrize(
    "body",
    [
        # two questions: the entry answers one of them
        "비밀번호를 잊어버렸어요. 어떻게 찾나요? 그리고 지난주에 주문한 상품은 언제 배송되나요?",
        # an exception plea
        "비밀번호를 잊어버렸는데 본인인증을 할 수 없는 상황이에요. 예외로 이메일만으로 처리해 주실 수 없을까요?",
        # angry
        "비밀번호 찾기를 몇 번을 해도 안 되네요. 도대체 일을 이렇게 하십니까? 정말 화가 납니다. 소비자원에 신고하겠습니다.",
    ],
)
def test_a_mail_that_only_resembles_an_faq_question_gets_an_ack(answering: Any, feed: Any, body: str) -> None:
    ticket = _ticket(feed(build_mail(subject="비밀번호", body=body, from_=CUSTOMER)))
    assert list(Outbox.objects.values_list("kind", flat=True)) == ["ack"]
    assert ticket.status == Ticket.Status.NEW
    assert ticket.auto_answered_at is None and ticket.auto_answer_faq == ""


@pytest.mark.parametrize("segment", ["vip", "abusive"])
def test_customers_a_person_must_answer_get_no_automatic_answer(
    answering: Any, feed: Any, segment: str
) -> None:
    customer, _ = customer_for_email(email="minsu@customer.example", name="김민수")
    Customer.objects.filter(pk=customer.pk).update(segment=segment, segment_set_by="hand")
    ticket = _ticket(feed(build_mail(**FAQ_QUESTION, from_=CUSTOMER)))
    assert list(Outbox.objects.values_list("kind", flat=True)) == ["ack"]
    assert ticket.auto_answered_at is None


def test_a_queue_that_does_not_answer_by_itself_sends_an_ack(answering: Any, feed: Any) -> None:
    general = answering["general"]
    general.autoanswer_enabled = False
    general.save()
    ticket = _ticket(feed(build_mail(**FAQ_QUESTION, from_=CUSTOMER)))
    assert list(Outbox.objects.values_list("kind", flat=True)) == ["ack"]
    assert ticket.auto_answered_at is None


def test_a_queue_coefficient_above_the_confidence_sends_an_ack(answering: Any, feed: Any) -> None:
    general = answering["general"]
    general.autoanswer_threshold = 0.999999
    general.save()
    feed(build_mail(**FAQ_QUESTION, from_=CUSTOMER))
    assert list(Outbox.objects.values_list("kind", flat=True)) == ["ack"]


@pytest.mark.parametrize(
    "headers",
    [
        {"Precedence": "bulk"},
        {"Auto-Submitted": "auto-replied"},
        {"X-Autoreply": "yes"},
    ],
)
def test_machines_never_get_an_automatic_answer(answering: Any, feed: Any, headers: dict[str, str]) -> None:
    ticket = _ticket(feed(build_mail(**FAQ_QUESTION, from_=CUSTOMER, headers=headers)))
    assert ticket.kind != "human"
    assert not Outbox.objects.filter(kind="auto-answer").exists()
    assert ticket.auto_answered_at is None


def test_an_ambiguous_sender_gets_no_automatic_answer(answering: Any, feed: Any) -> None:
    raw = build_mail(**FAQ_QUESTION, from_="김민수 <minsu@customer.example>, 누군가 <other@evil.example>")
    feed(raw)
    assert not Outbox.objects.filter(kind="auto-answer").exists()


def test_the_loop_cap_suppresses_it_and_leaves_the_ticket_to_a_person(
    answering: Any, feed: Any, settings: Any
) -> None:
    settings.DAPJANG_ACK_CAP = 0
    ticket = _ticket(feed(build_mail(**FAQ_QUESTION, from_=CUSTOMER)))
    row = Outbox.objects.get(kind="auto-answer")
    assert row.state == Outbox.State.SUPPRESSED and "cap" in row.last_error
    assert ticket.status == Ticket.Status.NEW and ticket.auto_answered_at is None
    assert not Article.objects.filter(kind="auto-answer").exists()


def test_the_customers_reply_reopens_the_ticket_for_a_person(answering: Any, feed: Any) -> None:
    ticket = _ticket(feed(build_mail(**FAQ_QUESTION, from_=CUSTOMER)))
    sent = Outbox.objects.get(kind="auto-answer")
    reply = build_mail(
        subject=f"Re: {sent.subject}",
        body="알려주신 대로 했는데 인증 문자가 오지 않아요.",
        from_=CUSTOMER,
        in_reply_to=f"<{sent.message_id}>",
        references=f"<{sent.message_id}>",
    )
    result = feed(reply)
    assert (result.outcome, result.ticket) == ("appended", ticket.number)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    assert Outbox.objects.filter(kind="auto-answer").count() == 1  # never a second one


def test_the_body_is_base64_utf8_so_korean_survives_relays(answering: Any, feed: Any) -> None:
    feed(build_mail(**FAQ_QUESTION, from_=CUSTOMER))
    data = bytes(Outbox.objects.get(kind="auto-answer").data)
    head, _, body = data.partition(b"\r\n\r\n")
    assert b"Content-Transfer-Encoding: base64" in head
    assert "담당자가 직접 답변드리겠습니다".encode() in base64.decodebytes(body)


def test_the_index_and_the_verifier_are_loaded_once_per_process(
    answering: Any, feed: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dapjang.knowledge import search, verifier

    feed(build_mail(**FAQ_QUESTION, from_=CUSTOMER))  # the first mail builds the index
    built: list[str] = []
    monkeypatch.setattr(search, "FaqIndex", lambda *a, **k: built.append("index"))
    monkeypatch.setattr(
        verifier.Verifier, "from_json", classmethod(lambda cls, text: built.append("verifier"))
    )
    for n in range(3):
        feed(build_mail(**FAQ_QUESTION, from_=f"고객{n} <c{n}@customer.example>"))
    assert built == []
    assert Outbox.objects.filter(kind="auto-answer").count() == 4


def test_a_bot_that_answers_everything_gets_one_answer_per_ticket_and_the_caps_hold(
    answering: Any, feed: Any
) -> None:
    """RELIABILITY 6: a non-compliant autoresponder with a normal From and no automation headers."""
    ticket = _ticket(feed(build_mail(**FAQ_QUESTION, from_="봇 <bot@partner.example>")))
    for n in range(5):  # its "didn't help" replies thread on the ticket by the subject tag
        sent = Outbox.objects.filter(ticket_id=ticket.id).latest("id")
        feed(
            build_mail(
                subject=f"Re: {sent.subject}",
                body=f"{n} 비밀번호를 잊어버렸어요?",
                from_="bot@partner.example",
            )
        )
    assert Outbox.objects.filter(ticket_id=ticket.id, kind="auto-answer").count() == 1
    for n in range(6):  # and when it starts new threads, the per-recipient cap bounds what we send
        feed(build_mail(subject=f"비번 {n}", body=FAQ_QUESTION["body"], from_="bot@partner.example"))
    live = Outbox.objects.filter(to_email="bot@partner.example").exclude(state=Outbox.State.SUPPRESSED)
    assert live.count() == 3  # DAPJANG_ACK_CAP automatic mails in the window, whatever their kind
    assert Ticket.objects.count() == 7  # every mail is still stored
