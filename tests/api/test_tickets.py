"""The ticket endpoints as a script uses them: list and filter, read, reply, note, change, download."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime, timedelta
from typing import Any, get_args

import pytest
from django.utils import timezone

from dapjang.agents.models import Agent
from dapjang.api.schemas import PRIORITY_BY_NAME, SORT_KEYS, PriorityName, StatusName, TicketFilters
from dapjang.customers.models import Customer
from dapjang.mail.models import Outbox
from dapjang.tickets.models import Article, Ticket, TicketEvent
from tests.api.conftest import Api, mail_with_attachment
from tests.builders import build_mail
from tests.factories import CustomerFactory, TicketFactory, agent_make


@pytest.fixture
def shelf(desk: dict[str, Any], people: dict[str, Agent]) -> dict[str, Ticket]:
    """Shipping tickets that differ in one thing each, with known creation times."""
    vip = CustomerFactory(email="vip@example.com", segment=Customer.Segment.VIP)
    made = {
        "urgent": TicketFactory(queue=desk["shipping"], priority=Ticket.Priority.URGENT, subject="파손 배송"),
        "mine": TicketFactory(queue=desk["shipping"], assignee=people["shipping"].user, subject="교환"),
        "solved": TicketFactory(queue=desk["shipping"], status=Ticket.Status.SOLVED, subject="환불 완료"),
        "vip": TicketFactory(queue=desk["shipping"], customer=vip, priority=Ticket.Priority.LOW),
    }
    for day, ticket in enumerate(made.values(), start=1):
        Ticket.objects.filter(pk=ticket.pk).update(created_at=datetime(2026, 3, day, 9, tzinfo=UTC))
    return made


def _numbers(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [t["number"] for t in response.json()["items"]]


def test_the_list_filters_by_each_parameter(
    as_shipping: Api, shelf: dict[str, Ticket], people: dict[str, Agent]
) -> None:
    n = {k: t.number for k, t in shelf.items()}
    get = as_shipping.get
    assert set(_numbers(get("/api/tickets", {"status": "solved"}))) == {n["solved"]}
    assert set(_numbers(get("/api/tickets", {"status": "new,solved"}))) == set(n.values())
    assert set(_numbers(get("/api/tickets", {"priority": "urgent,low"}))) == {n["urgent"], n["vip"]}
    assert set(_numbers(get("/api/tickets", {"assignee": "me"}))) == {n["mine"]}
    assert set(_numbers(get("/api/tickets", {"assignee": "MINJI@shop.example"}))) == {n["mine"]}
    assert n["mine"] not in _numbers(get("/api/tickets", {"assignee": "none"}))
    assert set(_numbers(get("/api/tickets", {"customer": "VIP@example.com"}))) == {n["vip"]}
    assert set(_numbers(get("/api/tickets", {"segment": "vip"}))) == {n["vip"]}
    assert set(_numbers(get("/api/tickets", {"queue": "shipping"}))) == set(n.values())
    assert _numbers(get("/api/tickets", {"queue": "general"})) == []
    window = {"created_after": "2026-03-02", "created_before": "2026-03-04T09:00:00+00:00"}
    assert set(_numbers(get("/api/tickets", window))) == {n["mine"], n["solved"]}
    combined = {"status": "new", "priority": "normal", "assignee": "none"}
    assert _numbers(get("/api/tickets", combined)) == []


def test_the_list_filters_by_due_time_and_triage_and_shows_them(
    as_shipping: Api, shelf: dict[str, Ticket]
) -> None:
    now = timezone.now()
    n = {k: t.number for k, t in shelf.items()}
    Ticket.objects.filter(pk=shelf["urgent"].pk).update(due_at=now - timedelta(hours=1))
    Ticket.objects.filter(pk=shelf["mine"].pk).update(due_at=now + timedelta(days=5), triage=True)
    get = as_shipping.get
    assert _numbers(get("/api/tickets", {"due": "overdue"})) == [n["urgent"]]
    assert _numbers(get("/api/tickets", {"due": "today"})) == [n["urgent"]]
    assert _numbers(get("/api/tickets", {"triage": "true"})) == [n["mine"]]
    assert n["mine"] not in _numbers(get("/api/tickets", {"triage": "false"}))
    assert _numbers(get("/api/tickets", {"sort": "due_at", "due": "overdue"})) == [n["urgent"]]
    item = next(t for t in get("/api/tickets").json()["items"] if t["number"] == n["mine"])
    assert item["triage"] is True and item["due_at"] and item["auto_answered"] is False
    assert item["tags"] == [] and item["topic"] == "" and item["confidence"] is None
    assert get("/api/tickets", {"due": "soon"}).status_code == 400


def test_search_finds_words_in_mail_and_keeps_its_own_order_unless_told(
    as_shipping: Api, as_general: Api, feed: Any, tickets: dict[str, Ticket]
) -> None:
    later = feed(
        build_mail(subject="배송 지연", body="영수증 없이 교환 가능한가요?", to="shipping@shop.example"),
        envelope_from="minsu@customer.example",
    )
    first = tickets["shipping"].number
    # Relevance first: the ticket with the word in its subject leads, though it is not the newest.
    assert _numbers(as_shipping.get("/api/tickets", {"q": "영수증"})) == [first, later.ticket]
    assert _numbers(as_shipping.get("/api/tickets", {"q": "영수증", "sort": "-created_at"})) == [
        later.ticket,
        first,
    ]
    assert _numbers(as_shipping.get("/api/tickets", {"q": "영수증 지연"})) == [later.ticket]
    assert _numbers(as_general.get("/api/tickets", {"q": "영수증"})) == []


def test_the_list_sorts_by_allowed_keys_and_pages_without_overlap(
    as_shipping: Api, shelf: dict[str, Ticket]
) -> None:
    n = {k: t.number for k, t in shelf.items()}
    default = _numbers(as_shipping.get("/api/tickets"))
    assert default == [n["urgent"], n["mine"], n["solved"], n["vip"]]  # -priority, then oldest first
    assert _numbers(as_shipping.get("/api/tickets", {"sort": "-created_at"})) == list(reversed(n.values()))
    assert _numbers(as_shipping.get("/api/tickets", {"sort": "priority,-number"}))[0] == n["vip"]
    pages = [as_shipping.get("/api/tickets", {"limit": 3, "offset": offset}).json() for offset in (0, 3, 6)]
    assert [p["count"] for p in pages] == [4, 4, 4]
    assert [t["number"] for p in pages for t in p["items"]] == default
    assert as_shipping.get("/api/tickets", {"limit": 201}).status_code == 422


@pytest.mark.parametrize(
    ("params", "bad"),
    [
        ({"assigned_to__password__startswith": "a"}, "assigned_to__password__startswith"),
        ({"queue__slug": "general"}, "queue__slug"),
        ({"stauts": "new"}, "stauts"),
        ({"order_by": "id"}, "order_by"),
    ],
)
def test_an_unknown_parameter_is_400_naming_the_allowed_ones(
    as_shipping: Api, shelf: dict[str, Ticket], params: dict[str, str], bad: str
) -> None:
    response = as_shipping.get("/api/tickets", params)
    assert response.status_code == 400
    body = response.json()
    assert body["unknown"] == [bad] and bad in body["detail"]
    assert set(body["allowed"]) == set(TicketFilters.model_fields)
    assert body["correlation_id"]


@pytest.mark.parametrize("sort", ["id", "customer__email", "-assignee__password", "priority,subject", ""])
def test_an_unknown_sort_key_is_400(as_shipping: Api, shelf: dict[str, Ticket], sort: str) -> None:
    response = as_shipping.get("/api/tickets", {"sort": sort})
    assert response.status_code == 400
    assert "-priority" in response.json()["allowed"]


def test_unknown_filter_values_are_400_too(as_shipping: Api, shelf: dict[str, Ticket]) -> None:
    for params in ({"status": "pending"}, {"priority": "3"}, {"segment": "gold"}, {"status": "new,"}):
        response = as_shipping.get("/api/tickets", params)
        assert response.status_code == 400, params
        assert response.json()["allowed"]
    assert as_shipping.get("/api/tickets", {"created_after": "0.5"}).status_code == 422
    assert as_shipping.get("/api/tickets/x", {"verbose": "1"}).status_code == 400


def test_the_api_names_the_same_statuses_and_priorities_as_the_model() -> None:
    assert set(get_args(StatusName)) == set(Ticket.Status.values)
    assert set(get_args(PriorityName)) == set(PRIORITY_BY_NAME)
    assert set(SORT_KEYS) <= {f.name for f in Ticket._meta.get_fields()}


def test_a_ticket_shows_its_conversation_attachments_and_audit_trail(
    as_shipping: Api, tickets: dict[str, Ticket]
) -> None:
    ticket = tickets["shipping"]
    as_shipping.patch(f"/api/tickets/{ticket.number}", {"priority": "high"})
    body = as_shipping.get(f"/api/tickets/{ticket.number}").json()
    assert body["number"] == ticket.number and body["queue"] == "shipping" and body["priority"] == "high"
    assert body["customer"]["email"] == "minsu@customer.example"
    first = body["articles"][0]
    assert (first["direction"], first["kind"], first["from_email"]) == (
        "in",
        "customer",
        "minsu@customer.example",
    )
    assert first["to"] == ["shipping@shop.example"] and first["subject"] == "영수증 첨부"
    [attachment] = first["attachments"]
    assert attachment["filename"] == "영수증.pdf" and attachment["size"] == len(b"%PDF-1.4 receipt")
    assert len(attachment["sha256"]) == 64
    assert attachment["url"] == f"/api/tickets/{ticket.number}/attachments/{attachment['id']}"
    assert body["articles"][1]["kind"] == "ack"  # the acknowledgement the pipeline sent
    assert [(e["field"], e["old"], e["new"], e["actor"]) for e in body["events"]] == [
        ("assignee", "", "minji@shop.example", None),  # the pipeline gave it to the queue's one member
        ("priority", "normal", "high", "minji@shop.example"),
    ]


def test_reading_a_ticket_costs_a_fixed_number_of_queries(
    as_shipping: Api, tickets: dict[str, Ticket], django_assert_max_num_queries: Any
) -> None:
    number = tickets["shipping"].number
    for _ in range(5):
        as_shipping.post(f"/api/tickets/{number}/note", {"body": "메모"})
    with django_assert_max_num_queries(10):
        assert len(as_shipping.get(f"/api/tickets/{number}").json()["articles"]) == 7
    with django_assert_max_num_queries(10):
        as_shipping.get("/api/tickets", {"limit": 200})


def test_a_reply_goes_out_through_the_outbox_threaded_on_the_customers_mail(
    as_shipping: Api, tickets: dict[str, Ticket]
) -> None:
    ticket = tickets["shipping"]
    response = as_shipping.post(
        f"/api/tickets/{ticket.number}/reply",
        {"body": "환불 처리해 드렸습니다.", "cc": ["Boss@Shop.example"], "status_after": "solved"},
    )
    assert response.status_code == 201, response.content
    article = response.json()
    assert article["direction"] == "out" and article["kind"] == "reply"
    assert article["to"] == ["minsu@customer.example"] and article["cc"] == ["Boss@Shop.example"]
    assert article["in_reply_to"] == "att1@customer.example"
    assert article["author"] == "minji@shop.example"
    row = Outbox.objects.get(kind="reply", ticket=ticket)
    assert row.to_email == "minsu@customer.example" and row.message_id == article["message_id"]
    mail = email.message_from_bytes(bytes(row.data), policy=email.policy.default)
    assert mail["In-Reply-To"] == "<att1@customer.example>"
    assert "<att1@customer.example>" in mail["References"]
    assert mail["Cc"] == "Boss@Shop.example"
    assert f"[#{ticket.number}]" in mail["Subject"]
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.SOLVED


def test_a_note_stays_inside(as_shipping: Api, tickets: dict[str, Ticket]) -> None:
    ticket = tickets["shipping"]
    outbox = Outbox.objects.count()
    response = as_shipping.post(f"/api/tickets/{ticket.number}/note", {"body": "고객이 전화로 재문의함"})
    assert response.status_code == 201
    assert response.json()["direction"] == "note"
    assert Outbox.objects.count() == outbox
    assert TicketEvent.objects.filter(ticket=ticket, field="note").exists()


def test_extra_fields_are_ignored_not_applied(
    as_shipping: Api, tickets: dict[str, Ticket], people: dict[str, Agent]
) -> None:
    ticket = tickets["shipping"]
    sneaky = {
        "body": "메모",
        "is_admin": True,
        "queue_id": tickets["general"].queue_id,
        "author_id": people["admin"].pk,
        "direction": "out",
    }
    response = as_shipping.post(f"/api/tickets/{ticket.number}/note", sneaky)
    assert response.status_code == 201
    note = Article.objects.get(pk=response.json()["id"])
    assert (note.direction, note.author_id, note.ticket.queue_id) == (
        "note",
        people["shipping"].pk,
        ticket.queue_id,
    )
    patched = as_shipping.patch(
        f"/api/tickets/{ticket.number}",
        {"subject": "바뀐 제목", "number": "1", "customer_id": 99, "status": "open"},
    )
    assert patched.status_code == 200
    ticket.refresh_from_db()
    assert (ticket.subject, ticket.status) == ("영수증 첨부", "open")


def test_patch_changes_are_each_recorded(
    as_shipping: Api, tickets: dict[str, Ticket], people: dict[str, Agent], desk: dict[str, Any]
) -> None:
    ticket = tickets["shipping"]
    colleague = agent_make("dahye@shop.example", desk["shipping"], name="정다혜")
    response = as_shipping.patch(
        f"/api/tickets/{ticket.number}",
        {"status": "open", "priority": "urgent", "assignee": "DAHYE@shop.example"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["priority"], body["assignee"]) == ("open", "urgent", "dahye@shop.example")
    events = TicketEvent.objects.filter(ticket=ticket).order_by("id")
    assert [(e.field, e.new, e.actor_id) for e in events] == [
        ("assignee", "minji@shop.example", None),  # the pipeline's assignment to the queue's one member
        ("status", "open", people["shipping"].pk),
        ("priority", "4", people["shipping"].pk),
        ("assignee", "dahye@shop.example", people["shipping"].pk),
    ]
    # null unassigns; leaving the field out changes nothing.
    as_shipping.patch(f"/api/tickets/{ticket.number}", {"status": "waiting"})
    ticket.refresh_from_db()
    assert ticket.assignee == colleague.user
    as_shipping.patch(f"/api/tickets/{ticket.number}", {"assignee": None})
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_a_refused_change_is_409_with_the_reason(
    as_shipping: Api, tickets: dict[str, Ticket], people: dict[str, Agent]
) -> None:
    number = tickets["shipping"].number
    events = TicketEvent.objects.count()
    outsider = as_shipping.patch(f"/api/tickets/{number}", {"assignee": "jun@shop.example"})
    assert outsider.status_code == 409
    assert "이준" in outsider.json()["detail"]
    assert as_shipping.patch(f"/api/tickets/{number}", {"assignee": "nobody@shop.example"}).status_code == 409
    assert as_shipping.patch(f"/api/tickets/{number}", {"queue": "refunds"}).status_code == 409
    assert as_shipping.patch(f"/api/tickets/{number}", {"status": "pending"}).status_code == 422
    assert as_shipping.post(f"/api/tickets/{number}/reply", {"body": "  \n "}).status_code == 422
    assert (
        as_shipping.post(
            f"/api/tickets/{number}/reply", {"body": "x", "cc": ["a@b.c\r\nBcc: x@y.z"]}
        ).status_code
        == 422
    )
    assert TicketEvent.objects.count() == events


def test_moving_a_ticket_away_answers_once_then_hides_it(
    as_shipping: Api, tickets: dict[str, Ticket]
) -> None:
    number = tickets["shipping"].number
    moved = as_shipping.patch(f"/api/tickets/{number}", {"queue": "general"})
    assert moved.status_code == 200 and moved.json()["queue"] == "general"
    assert as_shipping.get(f"/api/tickets/{number}").status_code == 404


@pytest.mark.parametrize(
    ("filename", "content_type", "ascii_name"),
    [
        ("영수증.pdf", "application/pdf", "pdf"),
        ("evil.html", "text/html", "evil.html"),
        ("pic.svg", "image/svg+xml", "pic.svg"),
        ('../../etc/"pass\'wd".png', "image/png", "wd.png"),
    ],
)
def test_attachments_download_as_inert_bytes(
    as_shipping: Api, feed: Any, filename: str, content_type: str, ascii_name: str
) -> None:
    """RELIABILITY 33: never rendered on our origin, whatever the type or the name claims."""
    data = b"<html><script>alert(1)</script></html>"
    result = feed(
        mail_with_attachment(
            to="shipping@shop.example", filename=filename, content_type=content_type, data=data
        ),
        envelope_from="minsu@customer.example",
    )
    body = as_shipping.get(f"/api/tickets/{result.ticket}").json()
    [meta] = body["articles"][0]["attachments"]
    response = as_shipping.get(meta["url"])
    assert response.status_code == 200
    assert b"".join(response) if hasattr(response, "streaming_content") else response.content == data
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''" in disposition
    fallback = disposition.split('filename="')[1].split('"')[0]
    assert ascii_name in fallback and not set(fallback) & set("/\\'\r\n")
    assert not set(disposition.split("filename*=UTF-8''")[1]) & set("/\\'\"\r\n; ")
    assert meta["content_type"] == content_type
