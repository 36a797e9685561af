"""Routing in a real browser: an agent of the general queue sends a ticket the classifier was unsure
of on with one click on a suggestion; an agent sets a business trip from the header and comes back."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from dapjang.routing import classifier
from dapjang.routing.models import TrainingExample
from dapjang.tickets.models import Ticket
from tests.browser import needs_chromium
from tests.builders import build_mail
from tests.console.conftest import Desk, fast_passwords, people  # noqa: F401 - fixtures
from tests.console.test_browser import _login, _page, _shot, live  # noqa: F401 - fixtures
from tests.factories import QueueFactory, TicketFactory, agent_make

pytestmark = needs_chromium


def test_an_agent_picks_a_triage_suggestion(
    browser: Any,
    live: str,  # noqa: F811
    people: Desk,  # noqa: F811
    stored_model: classifier.TrainedModel,
    feed: Any,
    settings: Any,
) -> None:
    QueueFactory(slug="billing", name="결제")
    QueueFactory(slug="returns", name="반품")
    settings.DAPJANG_ROUTING_THRESHOLD = 0.999
    raw = build_mail(subject="배송 문의", body="주문한 택배가 일주일째 안 와요.", to="help@shop.example")
    ticket = Ticket.objects.get(number=feed(raw).ticket)
    assert ticket.triage

    page = _page(browser, live)
    _login(page, "junho@shop.example")
    page.goto(f"{live}/t/{ticket.number}/")
    buttons = page.locator("#routing button.pick")
    assert buttons.count() == 3
    assert "배송" in buttons.nth(0).inner_text() and "%" in buttons.nth(0).inner_text()
    page.click('#routing button.pick[data-queue="shipping"]')
    page.wait_for_url("**/inbox/")  # 준호 does not work shipping: the ticket has left his queues
    moved = Ticket.objects.get(pk=ticket.pk)
    assert moved.queue.slug == "shipping" and not moved.triage
    assert TrainingExample.objects.get(ticket=moved).topic == "shipping"
    page.context.close()


def test_an_agent_sets_a_business_trip_from_the_header_and_comes_back(
    browser: Any,
    live: str,  # noqa: F811
    people: Desk,  # noqa: F811
) -> None:
    colleague = agent_make("sora@shop.example", people.shipping, name="박소라")
    ticket = TicketFactory(queue=people.shipping, assignee=people.minji.user, status=Ticket.Status.OPEN)
    page = _page(browser, live)
    _login(page, "minji@shop.example")
    page.click("header a.away-link")
    page.wait_for_url("**/routing/away/")
    until = timezone.localtime(timezone.now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    page.fill("#id_until", until)
    page.check("#id_reclaim")
    page.click("#away-set")
    page.wait_for_selector(".msg-success")
    assert "1건을 동료에게 넘겼습니다" in page.inner_text(".messages")
    assert page.inner_text("header a.away-link") == "부재 설정됨"
    assert "부재 중" in page.inner_text(".away-state")
    _shot(page, "away-ko.png")
    assert Ticket.objects.get(pk=ticket.pk).assignee_id == colleague.user_id
    page.click("#away-end")
    page.wait_for_selector("text=문의 1건이 돌아왔습니다")
    assert page.inner_text("header a.away-link") == "부재"
    assert Ticket.objects.get(pk=ticket.pk).assignee_id == people.minji.user_id
    page.context.close()
