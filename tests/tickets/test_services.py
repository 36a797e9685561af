"""What an agent does to a ticket: reply in the company's name, note, change, consult an expert."""

from __future__ import annotations

import email
import email.policy
from typing import Any

import pytest

from dapjang.mail.compose import FileToSend
from dapjang.mail.models import Outbox
from dapjang.mail.outbox import outbox_deliver
from dapjang.tickets.models import Article, Consultation, Ticket, TicketEvent
from dapjang.tickets.services import (
    ActionRefused,
    Change,
    ticket_change,
    ticket_consult,
    ticket_note,
    ticket_reply,
)
from tests.builders import build_mail
from tests.factories import agent_make


@pytest.fixture
def ticket(feed: Any) -> Ticket:
    result = feed(
        build_mail(subject="환불 문의", message_id="<q1@customer.example>", to="shipping@shop.example"),
        envelope_from="minsu@customer.example",
    )
    return Ticket.objects.get(number=result.ticket)


def test_a_reply_goes_out_threaded_in_the_companys_name(
    ticket: Ticket, desk: dict[str, Any], smtp_sink: Any, settings: Any
) -> None:
    settings.DAPJANG_COMPANY_NAME = "해솔상점"
    agent = agent_make("minji@shop.example", desk["shipping"], name="김민지")
    article = ticket_reply(
        ticket,
        agent,
        "환불 처리해 드렸습니다.",
        files=[FileToSend("영수증.pdf", "application/pdf", b"%PDF-1.4 x")],
    )
    outbox_deliver()
    sent = [
        m for m in smtp_sink.messages if b"q1@customer.example" in m.data and m.data.count(b"In-Reply-To")
    ]
    mail = email.message_from_bytes(sent[-1].data, policy=email.policy.default)
    assert mail["In-Reply-To"] == "<q1@customer.example>"
    assert f"[#{ticket.number}]" in str(mail["Subject"])
    assert "해솔상점" in str(mail["From"]) and mail["Auto-Submitted"] is None
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None and "김민지" in body.get_content() and "해솔상점" in body.get_content()
    assert [p.get_filename() for p in mail.iter_attachments()] == ["영수증.pdf"]
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.WAITING and ticket.assignee == agent.user
    assert article.attachments.get().filename == "영수증.pdf"
    assert list(TicketEvent.objects.filter(ticket=ticket).values_list("field", flat=True)) == [
        "reply",
        "status",
        "assignee",
    ]


def test_the_customers_answer_to_our_reply_lands_on_the_same_ticket(
    ticket: Ticket, desk: dict[str, Any], feed: Any
) -> None:
    agent = agent_make("minji@shop.example", desk["shipping"])
    reply = ticket_reply(ticket, agent, "주문 번호를 알려 주세요.")
    answer = feed(
        build_mail(subject="Re: 환불 문의", in_reply_to=f"<{reply.message_id}>", to="shipping@shop.example"),
    )
    assert answer.outcome == "appended" and answer.ticket == ticket.number
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN  # waiting on the customer → open again


def test_an_empty_reply_and_oversized_files_are_refused(ticket: Ticket, desk: dict[str, Any]) -> None:
    agent = agent_make("minji@shop.example", desk["shipping"])
    with pytest.raises(ActionRefused, match="비어"):
        ticket_reply(ticket, agent, "  ")
    with pytest.raises(ActionRefused, match="MB"):
        ticket_reply(
            ticket,
            agent,
            "첨부",
            files=[FileToSend("big.bin", "application/octet-stream", b"0" * 21_000_000)],
        )
    assert not Outbox.objects.filter(kind="reply").exists()


def test_a_note_is_never_sent(ticket: Ticket, desk: dict[str, Any]) -> None:
    agent = agent_make("minji@shop.example", desk["shipping"])
    before = Outbox.objects.count()
    note = ticket_note(ticket, agent, "VIP 고객, 우선 처리")
    assert note.direction == Article.Direction.NOTE and note.author == agent
    assert Outbox.objects.count() == before


def test_changes_are_audited_and_an_assignee_must_work_the_queue(
    ticket: Ticket, desk: dict[str, Any]
) -> None:
    lead = agent_make("lead@shop.example", desk["shipping"], role="lead")
    shipper = agent_make("minji@shop.example", desk["shipping"])
    outsider = agent_make("jun@shop.example", desk["general"])
    events = ticket_change(
        ticket, lead, Change(status="open", priority=Ticket.Priority.HIGH, assignee=shipper)
    )
    assert [(e.field, e.old, e.new) for e in events] == [
        ("status", "new", "open"),
        ("priority", "2", "3"),
        ("assignee", "", "minji@shop.example"),
    ]
    with pytest.raises(ActionRefused, match="does not work the queue"):
        ticket_change(ticket, lead, Change(assignee=outsider))
    with pytest.raises(ActionRefused, match="status"):
        ticket_change(ticket, lead, Change(status="exploded"))
    # Handing the ticket to another queue drops an assignee who does not work there.
    moved = ticket_change(ticket, lead, Change(queue=desk["general"]))
    assert [(e.field, e.new) for e in moved] == [("queue", "general"), ("assignee", "")]
    ticket.refresh_from_db()
    assert ticket.queue == desk["general"] and ticket.assignee is None


def test_an_experts_answer_comes_back_as_a_note_without_reopening_or_acking(
    ticket: Ticket, desk: dict[str, Any], feed: Any
) -> None:
    agent = agent_make("minji@shop.example", desk["shipping"])
    ticket_change(ticket, agent, Change(status="waiting"))
    consultation = ticket_consult(
        ticket, agent, expert_email="Legal@Partner.example", question="환불 규정 확인 부탁드립니다"
    )
    question = Outbox.objects.get(kind="consult")
    assert question.to_email == "legal@partner.example"
    acks_before = Outbox.objects.filter(kind="ack").count()
    result = feed(
        build_mail(
            subject="Re: 문의",
            from_="법무팀 <legal@partner.example>",
            in_reply_to=f"<{consultation.message_id}>",
            body="7일 이내면 전액 환불 가능합니다.",
        )
    )
    assert result.ticket == ticket.number
    note = ticket.articles.get(kind="consult-answer")
    assert note.direction == Article.Direction.NOTE and "전액 환불" in note.text
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.WAITING  # the customer is still the one we wait on
    assert Outbox.objects.filter(kind="ack").count() == acks_before
    assert Consultation.objects.get().answered_at is not None


def test_a_stranger_answering_a_consultation_is_marked_unverified(
    ticket: Ticket, desk: dict[str, Any], feed: Any
) -> None:
    agent = agent_make("minji@shop.example", desk["shipping"])
    consultation = ticket_consult(ticket, agent, expert_email="legal@partner.example", question="규정?")
    feed(
        build_mail(
            from_="intruder@evil.example", in_reply_to=f"<{consultation.message_id}>", body="전부 환불하세요"
        )
    )
    note = ticket.articles.get(kind="unverified")
    assert note.direction == Article.Direction.NOTE
    assert any("unverified participant" in f for f in note.flags)
    assert Consultation.objects.get().answered_at is None
    with pytest.raises(ActionRefused, match="e-mail"):
        ticket_consult(ticket, agent, expert_email="not an address", question="?")
