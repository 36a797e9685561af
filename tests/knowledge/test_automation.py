"""The automation view (MISSION B3): per queue, how many new tickets the FAQ answered by itself, how
often the customer wrote back anyway, the agents' verdicts and the deflections; admins set the
coefficient, everyone else sees only their own queues' numbers.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from dapjang.knowledge.automation import automation_numbers, chart_bars
from dapjang.knowledge.models import Deflection
from dapjang.mail.models import Outbox
from dapjang.tickets.models import Queue, Ticket
from tests.builders import build_mail
from tests.console.conftest import Desk, client_of

FAQ_QUESTION = {"subject": "비번", "body": "비밀번호를 잊어버렸어요. 어떻게 찾나요?"}


@pytest.fixture
def month(kb: None, feed: Any, people: Desk) -> dict[str, Ticket]:
    """Shipping: three human tickets (two answered automatically, one of them rated wrong and written
    back to), one bulk mail; general: one ticket; one deflection on the shipping page, one of another topic."""
    shipping = "shipping@shop.example"
    tickets = {
        "auto1": feed(build_mail(**FAQ_QUESTION, to=shipping, from_="a <a@customer.example>")).ticket,
        "auto2": feed(
            build_mail(
                subject="탈퇴", body="회원 탈퇴는 어떻게 하나요?", to=shipping, from_="b <b@customer.example>"
            )
        ).ticket,
        "person": feed(build_mail(to=shipping, from_="c <c@customer.example>")).ticket,
        "bulk": feed(build_mail(to=shipping, headers={"Precedence": "bulk"})).ticket,
        "general": feed(
            build_mail(**FAQ_QUESTION, to="help@shop.example", from_="d <d@customer.example>")
        ).ticket,
    }
    found = {name: Ticket.objects.get(number=number) for name, number in tickets.items()}
    assert found["auto1"].auto_answered_at and found["auto2"].auto_answered_at
    assert found["person"].auto_answered_at is None
    sent = Outbox.objects.get(ticket_id=found["auto1"].id, kind="auto-answer")
    feed(
        build_mail(
            subject="Re: 비번",
            body="안 돼요.",
            from_="a <a@customer.example>",
            to=shipping,
            in_reply_to=f"<{sent.message_id}>",
        )
    )
    Ticket.objects.filter(pk=found["auto1"].pk).update(auto_answer_rating=-1)
    Ticket.objects.filter(pk=found["auto2"].pk).update(auto_answer_rating=1)
    Deflection.objects.create(faq_id="faq-001", topic="shipping")
    Deflection.objects.create(faq_id="faq-001", topic="billing")
    # an old ticket, outside a 7-day period
    old = feed(build_mail(**FAQ_QUESTION, to=shipping, from_="e <e@customer.example>")).ticket
    Ticket.objects.filter(number=old).update(created_at=timezone.now() - timedelta(days=20))
    return found


def test_the_numbers_per_queue(month: dict[str, Ticket], people: Desk) -> None:
    since = timezone.now() - timedelta(days=7)
    rows = {r.queue.slug: r for r in automation_numbers(Queue.objects.all(), since=since)}
    ship = rows["shipping"]
    assert (ship.new_tickets, ship.auto_answers, ship.reopened) == (3, 2, 1)
    assert (ship.rated_good, ship.rated_wrong, ship.deflections) == (1, 1, 1)
    assert ship.auto_rate == pytest.approx(2 / 3) and ship.reopen_rate == pytest.approx(0.5)
    general = rows["general"]
    assert (general.new_tickets, general.auto_answers, general.reopened, general.deflections) == (1, 1, 0, 0)
    month_rows = automation_numbers(Queue.objects.filter(slug="shipping"), since=since - timedelta(days=23))
    assert month_rows[0].new_tickets == 4


def test_the_chart_scales_bars_to_the_busiest_queue(month: dict[str, Ticket]) -> None:
    rows = automation_numbers(Queue.objects.all(), since=timezone.now() - timedelta(days=7))
    bars = {b.label: b for b in chart_bars(rows)}
    ship = bars["배송"]
    assert ship.total_width + ship.deflected_width == 420  # 3 tickets + 1 deflection: the longest bar
    assert ship.auto_width == 210 and bars["일반 문의"].total_width == 105


def test_an_agent_sees_only_the_numbers_of_their_queues(month: dict[str, Ticket], people: Desk) -> None:
    page = client_of(people.junho).get("/knowledge/automation/?days=7").content.decode()
    assert 'data-queue="general"' in page and 'data-queue="shipping"' not in page
    assert "<svg" in page and 'name="autoanswer_threshold"' not in page  # no form for an agent


def test_an_admin_sees_every_queue_and_a_form_per_queue(month: dict[str, Ticket], people: Desk) -> None:
    response = client_of(people.boss).get("/knowledge/automation/?days=90")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-queue="general"' in page and 'data-queue="shipping"' in page
    assert page.count('name="autoanswer_threshold"') == 2
    assert 'href="/knowledge/automation/"' in page  # the console's navigation links here


def test_an_admin_sets_a_queues_coefficient_and_switches_it_off(people: Desk) -> None:
    client = client_of(people.boss)
    shipping = people.shipping
    response = client.post(
        "/knowledge/automation/?days=7", {"queue": shipping.pk, "autoanswer_threshold": "0.9"}
    )
    assert response.status_code == 302
    shipping.refresh_from_db()
    assert (shipping.autoanswer_enabled, shipping.autoanswer_threshold) == (False, 0.9)


@pytest.mark.parametrize("value", ["0.2", "1.5", "abc", ""])
def test_a_coefficient_out_of_range_is_refused_with_a_message(people: Desk, value: str) -> None:
    response = client_of(people.boss).post(
        "/knowledge/automation/",
        {"queue": people.shipping.pk, "autoanswer_enabled": "on", "autoanswer_threshold": value},
    )
    assert response.status_code == 400
    assert "0.50" in response.content.decode()
    people.shipping.refresh_from_db()
    assert people.shipping.autoanswer_threshold == 0.85


def test_only_an_admin_changes_the_coefficient(people: Desk) -> None:
    response = client_of(people.minji).post(
        "/knowledge/automation/", {"queue": people.shipping.pk, "autoanswer_threshold": "0.5"}
    )
    assert response.status_code == 403
    people.shipping.refresh_from_db()
    assert people.shipping.autoanswer_threshold == 0.85


def test_the_page_needs_a_login(client: Any, people: Desk) -> None:
    response = client.get("/knowledge/automation/")
    assert response.status_code == 302 and "/login/" in response["Location"]
