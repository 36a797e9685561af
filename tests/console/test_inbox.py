"""The inbox: my queues' tickets in priority order, allowlisted filters, counts, paging, polling."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from dapjang.customers.models import Customer
from dapjang.tickets.models import Ticket
from tests.console.conftest import Desk, client_of
from tests.factories import CustomerFactory, TicketFactory


def _numbers(html: str) -> list[str]:
    return re.findall(r'data-number="([^"]+)"', html)


@pytest.fixture
def tickets(people: Desk) -> dict[str, Ticket]:
    """Four shipping tickets received an hour apart, of different priorities, and one in general."""
    start = timezone.now() - timedelta(hours=5)
    made = {
        "old_normal": TicketFactory(queue=people.shipping, priority=2, subject="오래된 보통"),
        "urgent": TicketFactory(queue=people.shipping, priority=4, subject="긴급 건"),
        "new_normal": TicketFactory(queue=people.shipping, priority=2, subject="새 보통"),
        "solved": TicketFactory(queue=people.shipping, status="solved", subject="끝난 건"),
        "general": TicketFactory(queue=people.general, subject="다른 큐"),
    }
    for hours, ticket in enumerate(made.values()):
        Ticket.objects.filter(pk=ticket.pk).update(created_at=start + timedelta(hours=hours))
    return made


def test_it_lists_my_open_tickets_by_priority_then_oldest_first(
    people: Desk, tickets: dict[str, Ticket]
) -> None:
    html = client_of(people.minji).get("/inbox/").content.decode()
    assert _numbers(html) == [tickets[k].number for k in ("urgent", "old_normal", "new_normal")]


def test_each_row_shows_subject_customer_queue_status_assignee_and_time(
    people: Desk, tickets: dict[str, Ticket]
) -> None:
    urgent = tickets["urgent"]
    Customer.objects.filter(pk=urgent.customer_id).update(segment="vip", name="최고객")
    Ticket.objects.filter(pk=urgent.pk).update(assignee=people.minji.user)
    html = client_of(people.minji).get("/inbox/").content.decode()
    row = html.split(f'data-number="{urgent.number}"', 1)[1].split("</tr>", 1)[0]
    for text in ("긴급 건", "최고객", "seg-vip", "배송", "st-new", "김민지", "<time"):
        assert text in row, text


def test_filters_narrow_the_list(people: Desk, tickets: dict[str, Ticket]) -> None:
    client = client_of(people.minji)
    Ticket.objects.filter(pk=tickets["urgent"].pk).update(assignee=people.minji.user)
    abusive = CustomerFactory(segment=Customer.Segment.ABUSIVE)
    Ticket.objects.filter(pk=tickets["new_normal"].pk).update(customer=abusive)

    def numbers(**params: str) -> list[str]:
        response = client.get("/inbox/", params)
        assert response.status_code == 200, response.content.decode()[:300]
        return _numbers(response.content.decode())

    assert numbers(assignee="mine") == [tickets["urgent"].number]
    assert numbers(assignee="unassigned") == [tickets["old_normal"].number, tickets["new_normal"].number]
    assert numbers(assignee=str(people.minji.pk)) == [tickets["urgent"].number]
    assert numbers(status="solved") == [tickets["solved"].number]
    assert len(numbers(status="all")) == 4
    assert numbers(segment="abusive") == [tickets["new_normal"].number]
    assert numbers(queue="shipping", sort="newest")[0] == tickets["new_normal"].number


def test_due_and_triage_filters_and_the_due_order(people: Desk, tickets: dict[str, Ticket]) -> None:
    now = timezone.now()
    late, soon, later = tickets["old_normal"], tickets["new_normal"], tickets["urgent"]
    Ticket.objects.filter(pk=late.pk).update(due_at=now - timedelta(minutes=5))
    Ticket.objects.filter(pk=soon.pk).update(due_at=now + timedelta(minutes=1), triage=True)
    Ticket.objects.filter(pk=later.pk).update(due_at=now + timedelta(days=3))
    client = client_of(people.minji)

    def numbers(**params: str) -> list[str]:
        response = client.get("/inbox/", params)
        assert response.status_code == 200, response.content.decode()[:300]
        return _numbers(response.content.decode())

    assert numbers(due="overdue") == [late.number]
    assert late.number in numbers(due="today") and later.number not in numbers(due="today")
    assert numbers(triage="1") == [soon.number]
    assert numbers(sort="due") == [late.number, soon.number, later.number]
    html = client.get("/inbox/").content.decode()
    late_row = html.split(f'data-number="{late.number}"', 1)[1].split("</tr>", 1)[0]
    assert 'class="overdue"' in late_row
    soon_row = html.split(f'data-number="{soon.number}"', 1)[1].split("</tr>", 1)[0]
    assert "chip triage" in soon_row and 'class="overdue"' not in soon_row


def test_search_finds_korean_words_in_the_mail(people: Desk, shipping_ticket: Ticket, feed: Any) -> None:
    from tests.builders import build_mail

    feed(build_mail(subject="배송 문의", body="상자가 찌그러져 왔어요", to="shipping@shop.example"))
    client = client_of(people.minji)
    html = client.get("/inbox/", {"q": "환불"}).content.decode()
    assert _numbers(html) == [shipping_ticket.number]
    assert "환불" in html.split('class="searching"', 1)[1].split("</p>", 1)[0]
    assert _numbers(client.get("/inbox/", {"q": "없는말"}).content.decode()) == []


@pytest.mark.parametrize(
    "params",
    [
        {"status": "nonsense"},
        {"queue": "no-such-queue"},
        {"assignee": "abc"},
        {"assignee": "999999"},
        {"assignee": "1 OR 1=1"},
        {"segment": "king"},
        {"sort": "password"},
        {"due": "yesterday"},
        {"triage": "yes"},
        {"assigned_to__password__startswith": "a"},
        {"q": "가" * 500},
    ],
)
def test_an_unknown_filter_is_a_400_with_a_message_not_a_500(
    people: Desk, tickets: dict[str, Ticket], params: dict[str, str]
) -> None:
    response = client_of(people.minji).get("/inbox/", params)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html and "/inbox/" in html
    assert _numbers(html) == []


def test_queue_counts_and_mine_and_unassigned(people: Desk, tickets: dict[str, Ticket]) -> None:
    Ticket.objects.filter(pk=tickets["urgent"].pk).update(assignee=people.minji.user)
    html = client_of(people.boss).get("/inbox/").content.decode()
    counts = dict(
        re.findall(r'<a href="/inbox/\?queue=(\w+)"[^>]*>[^<]+</a> <span class="n">(\d+)</span>', html)
    )
    assert counts == {"shipping": "3", "general": "1"}
    assert re.search(r"assignee=unassigned\"[^>]*>[^<]+</a> <span class=\"n\">3</span>", html)
    assert "?triage=1" not in html  # no link to an empty triage


def test_the_triage_count_links_to_the_tickets_waiting_for_a_queue(
    people: Desk, tickets: dict[str, Ticket]
) -> None:
    Ticket.objects.filter(pk=tickets["general"].pk).update(triage=True)
    html = client_of(people.boss).get("/inbox/").content.decode()
    assert re.search(r'<a href="/inbox/\?triage=1"[^>]*>분류 대기</a> <span class="n">1</span>', html)
    # Counted only where the agent may look: minji does not work the general queue.
    assert "?triage=1" not in client_of(people.minji).get("/inbox/").content.decode()


def test_the_poller_gets_only_the_rows_and_counts(people: Desk, tickets: dict[str, Ticket]) -> None:
    response = client_of(people.minji).get("/inbox/", {"queue": "shipping"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<tbody id="rows"') and "<html" not in html
    assert 'hx-get="/inbox/?queue=shipping"' in html
    assert 'id="queue-counts" class="counts" hx-swap-oob="true"' in html


def test_pages_of_fifty(people: Desk) -> None:
    TicketFactory.create_batch(55, queue=people.shipping)
    client = client_of(people.minji)
    first = client.get("/inbox/").content.decode()
    assert len(_numbers(first)) == 50 and 'rel="next"' in first
    second = client.get("/inbox/", {"page": "2"}).content.decode()
    assert len(_numbers(second)) == 5
    assert client.get("/inbox/", {"page": "x"}).status_code == 200  # an odd page number shows page 1


def test_subjects_and_names_are_escaped(people: Desk) -> None:
    customer = CustomerFactory(name='<img src=x onerror="alert(1)">')
    TicketFactory(queue=people.shipping, customer=customer, subject="<script>alert(1)</script>")
    html = client_of(people.minji).get("/inbox/").content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    assert "<img src=x" not in html


def test_korean_is_the_default_and_english_can_be_chosen(people: Desk, tickets: Any) -> None:
    client = client_of(people.minji)
    assert "받은 문의함" in client.get("/inbox/").content.decode()
    response = client.post("/language/", {"language": "en", "next": "/inbox/"})
    assert response["Location"] == "/inbox/"
    html = client.get("/inbox/").content.decode()
    assert ">Inbox<" in html and "받은 문의함" not in html
    assert '<html lang="en">' in html
