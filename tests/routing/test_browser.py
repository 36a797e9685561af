"""The triage pick in a real browser: an agent of the general queue opens a ticket the classifier was
unsure of and sends it on with one click on a suggestion."""

from __future__ import annotations

from typing import Any

from dapjang.routing import classifier
from dapjang.routing.models import TrainingExample
from dapjang.tickets.models import Ticket
from tests.browser import needs_chromium
from tests.builders import build_mail
from tests.console.conftest import Desk, fast_passwords, people  # noqa: F401 - fixtures
from tests.console.test_browser import _login, _page, live  # noqa: F401 - fixtures
from tests.factories import QueueFactory

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
